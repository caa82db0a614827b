// Who may use the review page and how they stay logged in: the users file (one "name:role:hash"
// line a user, the hash argon2id as libsodium's crypto_pwhash_str writes it), the sessions
// (random tokens from libsodium, each with its CSRF token, kept in memory and found by a hash of
// the token), and the limit on failed logins per peer and per user. Every secret is compared in
// constant time. Times are passed in, so the tests choose them.
#pragma once
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sm {

// lead: reads and acts (release, discard, send back); auditor: reads, cannot act.
enum class ReviewRole { lead, auditor };
const char* to_string(ReviewRole r);
std::optional<ReviewRole> review_role_from_string(std::string_view s);

struct ReviewUser {
  std::string name;
  ReviewRole role = ReviewRole::auditor;
  std::string hash;  // "$argon2id$v=19$m=...,t=...,p=1$..."
};

// A user name: 1 to 64 of [A-Za-z0-9._@-].
bool valid_review_user_name(std::string_view name);

// The users file's text: lines "name:role:hash"; blank lines and lines starting with '#' are
// skipped. False with `error` ("LINE: what") at the first bad line.
bool parse_review_users(std::string_view text, std::vector<ReviewUser>* users, std::string* error);
std::string format_review_users(const std::vector<ReviewUser>& users);

// The argon2id hash of `password` (libsodium's interactive limits), or "" when it fails.
std::string hash_review_password(std::string_view password);
// `password` against a hash of hash_review_password, in the time the hash takes whatever the result.
bool check_review_password(const std::string& hash, std::string_view password);
// The time a wrong user name costs: the same work as a password check, so a missing user is not
// told apart by timing.
void spend_review_password_time(std::string_view password);

// `review-user NAME --role ROLE`: adds NAME to the users file or changes its role and password;
// the password is the first line of `password_input` (stdin). The file keeps its mode, or is made
// 0600. 0, or an exit code with the reason on stderr.
int run_review_user(const std::string& users_file, const std::string& name, const std::string& role,
                    const std::string& password_input);

// Equal bytes, in a time that depends only on the lengths.
bool equal_secrets(std::string_view a, std::string_view b);

struct ReviewSession {
  std::string user;
  ReviewRole role = ReviewRole::auditor;
  std::string csrf;          // the token every form that changes something sends back
  std::int64_t expires = 0;  // seconds since the epoch
};

// The logged-in sessions. The token is 32 random bytes in hex (the cookie); the map is keyed by
// its BLAKE2b hash, so a lookup reveals nothing of the tokens by its timing. Thread-safe.
class ReviewSessions {
 public:
  explicit ReviewSessions(std::int64_t lifetime_s) : lifetime_s_(lifetime_s) {}
  // A new session for `user`: its token.
  std::string open(const std::string& user, ReviewRole role, std::int64_t now);
  // The session of `token`, unless it is unknown or expired (an expired one is forgotten).
  std::optional<ReviewSession> find(std::string_view token, std::int64_t now);
  void close(std::string_view token);
  std::size_t size();

 private:
  std::string key(std::string_view token) const;
  std::int64_t lifetime_s_;
  std::mutex mu_;
  std::map<std::string, ReviewSession> by_key_;
};

// A request that changes something carries the session's CSRF token: true when `sent` is it.
bool csrf_ok(const ReviewSession& s, std::string_view sent);

// The login form's token, bound to a pre-session: the login page sets a short-lived random cookie
// (the pre-session) and its form carries a keyed BLAKE2b hash of that cookie, the key random and
// made when the server starts. A login POST is taken only with both, so a page elsewhere cannot
// make a browser log in to an account of its choosing (login CSRF). The cookie is
// "EXPIRES.RANDOM" (EXPIRES in seconds since the epoch), so nothing is kept per visitor.
class LoginForms {
 public:
  explicit LoginForms(std::int64_t lifetime_s);
  struct Form {
    std::string cookie;  // the pre-session cookie's value
    std::string token;   // the form's hidden field
  };
  // A new pre-session, valid until `now` + lifetime.
  Form open(std::int64_t now) const;
  // The form token of `cookie` when it is a pre-session of this server still valid at `now`; else "".
  std::string token_of(std::string_view cookie, std::int64_t now) const;
  // True when `token` is the form token of `cookie`, a pre-session still valid at `now`.
  bool ok(std::string_view cookie, std::string_view token, std::int64_t now) const;
  std::int64_t lifetime_s() const { return lifetime_s_; }

 private:
  std::int64_t lifetime_s_;
  std::string key_;
};

// Failed logins per peer address and per user name: after `max_failures` within `window_s`
// seconds, that peer or that user is refused until the window since the first of them has
// passed. A success clears the user's count (not the peer's). Thread-safe.
class LoginLimiter {
 public:
  LoginLimiter(int max_failures, std::int64_t window_s) : max_(max_failures), window_s_(window_s) {}
  // Seconds until `peer` or `user` may try again; 0: now.
  std::int64_t wait(const std::string& peer, const std::string& user, std::int64_t now);
  void failed(const std::string& peer, const std::string& user, std::int64_t now);
  void succeeded(const std::string& user);

 private:
  struct Count {
    int failures = 0;
    std::int64_t since = 0;
  };
  std::int64_t wait_for(std::map<std::string, Count>& m, const std::string& k, std::int64_t now);
  void count(std::map<std::string, Count>& m, const std::string& k, std::int64_t now);
  int max_;
  std::int64_t window_s_;
  std::mutex mu_;
  std::map<std::string, Count> peers_, users_;
};

}  // namespace sm
