// Forward-secure sealing of the audit log (libsodium), after systemd-journald's Forward Secure
// Sealing: the auditor keeps a verification key off the server; the server keeps only the key of
// the current epoch, which evolves by a one-way function at each epoch's end and is overwritten on
// disk. A seal record, written at the end of each epoch, carries a MAC under that epoch's key over
// the chain's head (epoch, seq, the hash of the record before it, time). Whoever takes the server
// at epoch N holds the keys of N and later, never those of earlier epochs: the seals of earlier
// epochs cannot be forged, and any change to the records they cover (even with every later hash
// recomputed) makes a seal fail.
//
// Keys: verification key V (32 random bytes, shown once by `audit keygen`); epoch 0's key
// K0 = KDF(V, "smseal00", 0); K(n+1) = KDF(K(n), "smsealev", 1); the MAC key of epoch n
// M(n) = KDF(K(n), "smsealev", 2); KDF is libsodium's crypto_kdf (BLAKE2b), the MAC its
// HMAC-SHA-256. The text a seal's MAC covers is seal_message().
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace sm {

using SealBytes = std::array<unsigned char, 32>;

// The auditor's verification key. Written "sm-seal-v1:" + 64 hex digits.
struct VerificationKey {
  SealBytes bytes{};
};
// Nullopt (and `error`) when `text` is not a verification key.
std::optional<VerificationKey> parse_verification_key(std::string_view text, std::string* error);
std::string format_verification_key(const VerificationKey& key);
VerificationKey new_verification_key();  // random

// The sealing key of one epoch.
class SealKey {
 public:
  SealKey() = default;
  SealKey(std::uint64_t epoch, const SealBytes& key) : epoch_(epoch), key_(key) {}
  static SealKey first(const VerificationKey& v);                    // epoch 0
  static SealKey at(const VerificationKey& v, std::uint64_t epoch);  // derived forward from epoch 0
  ~SealKey();                                                        // the bytes are wiped
  SealKey(const SealKey&) = default;
  SealKey& operator=(const SealKey&) = default;

  std::uint64_t epoch() const { return epoch_; }
  const SealBytes& bytes() const { return key_; }
  SealKey next() const;  // the key of epoch + 1 (one-way)
  // HMAC-SHA-256 of `message` under this epoch's MAC key, as hex; and its check (constant time).
  std::string mac(std::string_view message) const;
  bool check(std::string_view message, std::string_view mac_hex) const;

 private:
  std::uint64_t epoch_ = 0;
  SealBytes key_{};
};

// The text a seal's MAC covers: the writer's instance, the epoch, the seal record's seq and prev
// (the hash of the record before it: the chain's head), its time and why it was written.
std::string seal_message(std::string_view instance, std::uint64_t epoch, std::uint64_t seq, std::string_view prev,
                         std::string_view time, std::string_view reason);

// The server's key file: {"version":1,"epoch":N,"key":"<64 hex>"}, mode 0600. It is replaced
// whole: the next key goes to a new file (fsync), which is renamed over the old one (the directory
// fsync'ed), and the old file's bytes are overwritten with zeros before it is closed. The process
// that holds it keeps an exclusive flock on it, so `audit keygen --force` can tell that a daemon
// is using it.
class SealKeyFile {
 public:
  // Opens and locks `path`. Nullptr (and `error`) when it is missing, unreadable, open to group or
  // others, not a key file, or locked by another process.
  static std::unique_ptr<SealKeyFile> open(const std::string& path, std::string* error);
  // Writes a new key file for `key` (refusing to replace one unless `replace`; refusing one that
  // another process holds). Mode 0600; owned by `uid`/`gid` when they are not -1.
  static bool create(const std::string& path, const SealKey& key, bool replace, unsigned uid, unsigned gid,
                     std::string* error);
  // The epoch of a key file, read without locking it (configtest). Nullopt and `error` otherwise.
  static std::optional<std::uint64_t> peek_epoch(const std::string& path, std::string* error);
  ~SealKeyFile();
  SealKeyFile(const SealKeyFile&) = delete;
  SealKeyFile& operator=(const SealKeyFile&) = delete;

  const SealKey& key() const { return key_; }
  const std::string& path() const { return path_; }
  // Moves to the key of epoch `epoch` (> the current one) and writes it in place of the file.
  // The key in memory moves on even when the file cannot be written (false and `error`): it is
  // then written at the next call, and a restart derives forward from the older file.
  bool advance_to(std::uint64_t epoch, std::string* error);

 private:
  SealKeyFile() = default;
  bool write_current(std::string* error);
  std::string path_;
  SealKey key_;
  int fd_ = -1;  // the file holding the key, flocked
  bool stale_ = false;  // the file holds an older key than key_
};

}  // namespace sm
