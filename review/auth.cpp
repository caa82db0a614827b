// The review page's accounts, sessions and login limit (review/auth.h), through libsodium.
#include "review/auth.h"

#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "audit/sodium_init.h"
#include "base/files.h"
#include "base/strings.h"
#include "config/file_trust.h"
#include "tools/mta_process.h"

namespace sm {

const char* to_string(ReviewRole r) { return r == ReviewRole::lead ? "lead" : "auditor"; }

std::optional<ReviewRole> review_role_from_string(std::string_view s) {
  if (s == "lead") return ReviewRole::lead;
  if (s == "auditor") return ReviewRole::auditor;
  return std::nullopt;
}

bool valid_review_user_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (unsigned char c : name)
    if (!(std::isalnum(c) || c == '.' || c == '_' || c == '@' || c == '-') || c >= 0x80) return false;
  return true;
}

bool parse_review_users(std::string_view text, std::vector<ReviewUser>* users, std::string* error) {
  users->clear();
  std::size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    auto nl = text.find('\n');
    std::string_view line = trim(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (line.empty() || line.front() == '#') continue;
    auto fail = [&](const std::string& what) {
      *error = std::to_string(line_no) + ": " + what;
      return false;
    };
    auto c1 = line.find(':');
    auto c2 = c1 == std::string_view::npos ? c1 : line.find(':', c1 + 1);
    if (c2 == std::string_view::npos) return fail("expected name:role:hash");
    ReviewUser u;
    u.name = std::string(line.substr(0, c1));
    auto role = review_role_from_string(line.substr(c1 + 1, c2 - c1 - 1));
    u.hash = std::string(line.substr(c2 + 1));
    if (!valid_review_user_name(u.name)) return fail("\"" + u.name + "\" is not a user name (letters, digits, . _ @ -)");
    if (!role) return fail("the role of " + u.name + " is neither lead nor auditor");
    if (!u.hash.starts_with("$argon2id$")) return fail("the hash of " + u.name + " is not an argon2id hash");
    for (const auto& other : *users)
      if (other.name == u.name) return fail(u.name + " is named twice");
    u.role = *role;
    users->push_back(std::move(u));
  }
  return true;
}

std::string format_review_users(const std::vector<ReviewUser>& users) {
  std::string out =
      "# support-milter review: name:role:argon2id hash (role lead acts, auditor reads); "
      "written by support-milter review-user\n";
  for (const auto& u : users) out += u.name + ":" + to_string(u.role) + ":" + u.hash + "\n";
  return out;
}

std::string hash_review_password(std::string_view password) {
  ensure_sodium();
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                            crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13) != 0)
    return "";
  return out;
}

bool check_review_password(const std::string& hash, std::string_view password) {
  ensure_sodium();
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

void spend_review_password_time(std::string_view password) {
  static const std::string decoy = hash_review_password("support-milter decoy password");
  (void)check_review_password(decoy, password);
}

int run_review_user(const std::string& users_file, const std::string& name, const std::string& role,
                    const std::string& password_input) {
  const char* cmd = "support-milter review-user: ";
  if (!valid_review_user_name(name)) {
    std::cerr << cmd << "\"" << name << "\" is not a user name (1 to 64 letters, digits, . _ @ -)\n";
    return kUsage;
  }
  auto r = review_role_from_string(role);
  if (!r) {
    std::cerr << cmd << "--role must be lead or auditor, not \"" << role << "\"\n";
    return kUsage;
  }
  std::string password = password_input.substr(0, password_input.find('\n'));
  if (!password.empty() && password.back() == '\r') password.pop_back();
  if (password.size() < 12) {
    std::cerr << cmd << "the password (the first line of standard input) must have at least 12 characters\n";
    return kUsage;
  }
  std::vector<ReviewUser> users;
  std::error_code ec;
  if (std::filesystem::exists(users_file, ec)) {
    std::string text, error;
    if (!read_trusted_file(users_file, TrustedFile::config, "", &text, &error)) {
      std::cerr << cmd << error << "\n";
      return kConfig;
    }
    if (!parse_review_users(text, &users, &error)) {
      std::cerr << cmd << users_file << ":" << error << "\n";
      return kDataErr;
    }
  } else {
    // A new file is readable by its owner only before anything is written into it.
    int fd = ::open(users_file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
      std::cerr << cmd << "cannot create " << users_file << ": " << std::strerror(errno) << "\n";
      return kIoErr;
    }
    ::close(fd);
  }
  std::string hash = hash_review_password(password);
  sodium_memzero(password.data(), password.size());
  if (hash.empty()) {
    std::cerr << cmd << "the password could not be hashed (out of memory)\n";
    return kUnavailable;
  }
  bool changed = false;
  for (auto& u : users)
    if (u.name == name) {
      u.role = *r;
      u.hash = hash;
      changed = true;
    }
  if (!changed) users.push_back(ReviewUser{name, *r, hash});
  std::string error;
  if (!replace_file(users_file, format_review_users(users), &error)) {
    std::cerr << cmd << error << "\n";
    return kIoErr;
  }
  std::cout << (changed ? "changed " : "added ") << name << " (" << to_string(*r) << ") in " << users_file << "\n";
  return 0;
}

bool equal_secrets(std::string_view a, std::string_view b) {
  ensure_sodium();
  if (a.size() != b.size()) return false;
  return a.empty() || sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

namespace {

std::string random_hex(std::size_t bytes) {
  ensure_sodium();
  std::string raw(bytes, '\0');
  randombytes_buf(raw.data(), raw.size());
  std::string out = hex(raw);
  sodium_memzero(raw.data(), raw.size());
  return out;
}

}  // namespace

std::string ReviewSessions::key(std::string_view token) const {
  unsigned char h[crypto_generichash_BYTES];
  crypto_generichash(h, sizeof h, reinterpret_cast<const unsigned char*>(token.data()), token.size(), nullptr, 0);
  return std::string(reinterpret_cast<const char*>(h), sizeof h);
}

std::string ReviewSessions::open(const std::string& user, ReviewRole role, std::int64_t now) {
  std::string token = random_hex(32);
  ReviewSession s{user, role, random_hex(32), now + lifetime_s_};
  std::lock_guard lock(mu_);
  // Expired sessions go when a new one comes.
  for (auto it = by_key_.begin(); it != by_key_.end();)
    it = it->second.expires <= now ? by_key_.erase(it) : std::next(it);
  by_key_[key(token)] = std::move(s);
  return token;
}

std::optional<ReviewSession> ReviewSessions::find(std::string_view token, std::int64_t now) {
  if (token.size() != 64) return std::nullopt;
  const std::string k = key(token);
  std::lock_guard lock(mu_);
  auto it = by_key_.find(k);
  if (it == by_key_.end()) return std::nullopt;
  if (it->second.expires <= now) {
    by_key_.erase(it);
    return std::nullopt;
  }
  return it->second;
}

void ReviewSessions::close(std::string_view token) {
  const std::string k = key(token);
  std::lock_guard lock(mu_);
  by_key_.erase(k);
}

std::size_t ReviewSessions::size() {
  std::lock_guard lock(mu_);
  return by_key_.size();
}

LoginForms::LoginForms(std::int64_t lifetime_s) : lifetime_s_(lifetime_s) {
  ensure_sodium();
  key_.resize(crypto_generichash_KEYBYTES);
  randombytes_buf(key_.data(), key_.size());
}

LoginForms::Form LoginForms::open(std::int64_t now) const {
  Form f;
  f.cookie = std::to_string(now + lifetime_s_) + "." + random_hex(32);
  f.token = token_of(f.cookie, now);
  return f;
}

std::string LoginForms::token_of(std::string_view cookie, std::int64_t now) const {
  const auto dot = cookie.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot > 18 || cookie.size() - dot - 1 != 64) return "";
  std::int64_t expires = 0;
  for (char c : cookie.substr(0, dot)) {
    if (c < '0' || c > '9') return "";
    expires = expires * 10 + (c - '0');
  }
  // Ended, or longer than this server gives (a cookie of another key or a forgery).
  if (expires <= now || expires > now + lifetime_s_) return "";
  unsigned char h[crypto_generichash_BYTES];
  crypto_generichash(h, sizeof h, reinterpret_cast<const unsigned char*>(cookie.data()), cookie.size(),
                     reinterpret_cast<const unsigned char*>(key_.data()), key_.size());
  return hex(h, sizeof h);
}

bool LoginForms::ok(std::string_view cookie, std::string_view token, std::int64_t now) const {
  const std::string want = token_of(cookie, now);
  return !want.empty() && equal_secrets(want, token);
}

bool csrf_ok(const ReviewSession& s, std::string_view sent) { return !s.csrf.empty() && equal_secrets(s.csrf, sent); }

std::int64_t LoginLimiter::wait_for(std::map<std::string, Count>& m, const std::string& k, std::int64_t now) {
  auto it = m.find(k);
  if (it == m.end()) return 0;
  if (now - it->second.since >= window_s_) {
    m.erase(it);
    return 0;
  }
  return it->second.failures >= max_ ? it->second.since + window_s_ - now : 0;
}

void LoginLimiter::count(std::map<std::string, Count>& m, const std::string& k, std::int64_t now) {
  // Names nobody has are counted too; old counts go before the table grows large.
  if (m.size() > 10000)
    for (auto it = m.begin(); it != m.end();) it = now - it->second.since >= window_s_ ? m.erase(it) : std::next(it);
  auto& c = m[k];
  if (c.failures == 0 || now - c.since >= window_s_) c = Count{0, now};
  ++c.failures;
}

std::int64_t LoginLimiter::wait(const std::string& peer, const std::string& user, std::int64_t now) {
  std::lock_guard lock(mu_);
  return std::max(wait_for(peers_, peer, now), wait_for(users_, user, now));
}

void LoginLimiter::failed(const std::string& peer, const std::string& user, std::int64_t now) {
  std::lock_guard lock(mu_);
  count(peers_, peer, now);
  count(users_, user, now);
}

void LoginLimiter::succeeded(const std::string& user) {
  std::lock_guard lock(mu_);
  users_.erase(user);
}

}  // namespace sm
