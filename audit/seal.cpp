// Sealing keys: derivation and MACs through libsodium (crypto_kdf, crypto_auth_hmacsha256), and
// the key file, replaced whole at every epoch's end.
#include "audit/seal.h"

#include <sodium.h>
#include <unistd.h>

#include <stdexcept>

#include <nlohmann/json.hpp>

#include "audit/key_file.h"
#include "audit/sodium_init.h"
#include "base/strings.h"

namespace sm {

namespace {

constexpr char kVerificationPrefix[] = "sm-seal-v1:";
constexpr char kFirstContext[crypto_kdf_CONTEXTBYTES + 1] = "smseal00";
constexpr char kEvolveContext[crypto_kdf_CONTEXTBYTES + 1] = "smsealev";
constexpr std::uint64_t kNextId = 1, kMacId = 2;

SealBytes derive(const SealBytes& key, std::uint64_t id, const char* context) {
  ensure_sodium();
  SealBytes out{};
  if (crypto_kdf_derive_from_key(out.data(), out.size(), id, context, key.data()) != 0)
    throw std::runtime_error("crypto_kdf_derive_from_key failed");
  return out;
}

// `text` (64 hex digits) as 32 bytes; false when it is anything else.
bool unhex32(std::string_view text, SealBytes* out) { return unhex(text, out->data(), out->size()); }

std::string key_file_text(const SealKey& key) {
  nlohmann::json j = {{"version", 1}, {"epoch", key.epoch()}, {"key", hex(key.bytes().data(), key.bytes().size())}};
  return j.dump() + "\n";
}

// The key of a key file's text; false and `error` when it is not one.
bool parse_key_file(const std::string& text, const std::string& path, SealKey* key, std::string* error) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  SealBytes bytes{};
  if (j.is_discarded() || !j.is_object() || j.value("version", 0) != 1 || !j.contains("epoch") ||
      !j["epoch"].is_number_unsigned() || !j.contains("key") || !j["key"].is_string() ||
      !unhex32(j["key"].get<std::string>(), &bytes)) {
    *error = path + ": not a sealing key file (support-milter audit keygen writes one)";
    return false;
  }
  *key = SealKey(j["epoch"].get<std::uint64_t>(), bytes);
  sodium_memzero(bytes.data(), bytes.size());
  return true;
}

}  // namespace

std::optional<VerificationKey> parse_verification_key(std::string_view text, std::string* error) {
  text = trim(text);
  VerificationKey v;
  if (!text.starts_with(kVerificationPrefix) ||
      !unhex32(text.substr(std::char_traits<char>::length(kVerificationPrefix)), &v.bytes)) {
    *error = "not a verification key (sm-seal-v1: and 64 hex digits, as audit keygen printed it)";
    return std::nullopt;
  }
  return v;
}

std::string format_verification_key(const VerificationKey& key) {
  return kVerificationPrefix + hex(key.bytes.data(), key.bytes.size());
}

VerificationKey new_verification_key() {
  ensure_sodium();
  VerificationKey v;
  crypto_kdf_keygen(v.bytes.data());
  return v;
}

SealKey SealKey::first(const VerificationKey& v) { return SealKey(0, derive(v.bytes, 0, kFirstContext)); }

SealKey SealKey::at(const VerificationKey& v, std::uint64_t epoch) {
  SealKey k = first(v);
  while (k.epoch() < epoch) k = k.next();
  return k;
}

SealKey::~SealKey() { sodium_memzero(key_.data(), key_.size()); }

SealKey SealKey::next() const { return SealKey(epoch_ + 1, derive(key_, kNextId, kEvolveContext)); }

std::string SealKey::mac(std::string_view message) const {
  SealBytes mac_key = derive(key_, kMacId, kEvolveContext);
  unsigned char out[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256(out, reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac_key.data());
  sodium_memzero(mac_key.data(), mac_key.size());
  return hex(out, sizeof out);
}

bool SealKey::check(std::string_view message, std::string_view mac_hex) const {
  SealBytes want{};
  if (!unhex32(mac_hex, &want)) return false;
  SealBytes mac_key = derive(key_, kMacId, kEvolveContext);
  bool ok = crypto_auth_hmacsha256_verify(want.data(), reinterpret_cast<const unsigned char*>(message.data()),
                                          message.size(), mac_key.data()) == 0;
  sodium_memzero(mac_key.data(), mac_key.size());
  return ok;
}

std::string seal_message(std::string_view instance, std::uint64_t epoch, std::uint64_t seq, std::string_view prev,
                         std::string_view time, std::string_view reason) {
  std::string m = "support-milter audit seal v1\n";
  m.append(instance).append("\n");
  m.append(std::to_string(epoch)).append("\n");
  m.append(std::to_string(seq)).append("\n");
  m.append(prev).append("\n");
  m.append(time).append("\n");
  m.append(reason);
  return m;
}

std::unique_ptr<SealKeyFile> SealKeyFile::open(const std::string& path, std::string* error) {
  std::string text, why;
  int fd = open_key_file(path, true, &text, &why);
  if (fd < 0) {
    *error = "sealing key " + why;
    return nullptr;
  }
  std::unique_ptr<SealKeyFile> f(new SealKeyFile());
  f->path_ = path;
  f->fd_ = fd;
  bool ok = parse_key_file(text, "sealing key " + path, &f->key_, error);
  sodium_memzero(text.data(), text.size());
  return ok ? std::move(f) : nullptr;
}

bool SealKeyFile::create(const std::string& path, const SealKey& key, bool replace, unsigned uid, unsigned gid,
                         std::string* error) {
  int old = -1;
  if (!may_replace_key_file(path, replace, &old, error)) return false;
  int fd = replace_key_file(path, key_file_text(key), uid, gid, error);
  if (old >= 0) {
    if (fd >= 0) wipe_key_file(old);
    ::close(old);
  }
  if (fd < 0) return false;
  ::close(fd);
  return true;
}

std::optional<std::uint64_t> SealKeyFile::peek_epoch(const std::string& path, std::string* error) {
  std::string text;
  int fd = open_key_file(path, false, &text, error);
  if (fd < 0) return std::nullopt;
  ::close(fd);
  SealKey key;
  bool ok = parse_key_file(text, path, &key, error);
  sodium_memzero(text.data(), text.size());
  if (!ok) return std::nullopt;
  return key.epoch();
}

SealKeyFile::~SealKeyFile() {
  if (fd_ >= 0) ::close(fd_);
}

bool SealKeyFile::advance_to(std::uint64_t epoch, std::string* error) {
  SealKey k = key_;
  while (k.epoch() < epoch) k = k.next();
  key_ = k;
  stale_ = true;
  return write_current(error);
}

bool SealKeyFile::write_current(std::string* error) {
  if (!stale_) return true;
  std::string why;
  int fd = replace_key_file(path_, key_file_text(key_), static_cast<unsigned>(-1), static_cast<unsigned>(-1), &why);
  if (fd < 0) {
    *error = "sealing key " + path_ + ": " + why;
    return false;
  }
  if (fd_ >= 0) {
    wipe_key_file(fd_);
    ::close(fd_);
  }
  fd_ = fd;
  stale_ = false;
  return true;
}

}  // namespace sm
