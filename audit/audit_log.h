// The audit log: one JSON object per line per event, written to the file (write(2), no buffering)
// per record, for auditors and reports. Safe to call from any thread.
//
// Tamper evidence: every record carries "seq" (1, 2, 3, ... across restarts) and "prev", the
// SHA-256 of the previous record's line as written (64 zeros before the first). A changed,
// deleted, reordered or truncated record breaks the chain; `audit verify` finds where. On start
// the chain continues from the last complete record of the file (or, when the file is empty after
// a rotation, of the newest rotated file). Rotated files are named <stem>-YYYYmmdd-HHMMSS.ffffff<ext>
// (UTC).
//
// Several writers: the daemon and the admin tools (held/release/discard) append to the same file.
// Every write takes an exclusive flock on the file's directory (stable across rotations), and a
// writer that finds the file changed since its own last record continues the chain from the
// file's last record.
//
// Sealing (the daemon, with a key from `audit keygen`; audit/seal.h): every epoch ends with a
// "seal" record — {"epoch":N,"mac":"<hex>","reason":"epoch|day|rotation|stop"} after the head —
// whose MAC under that epoch's key covers the chain's head; then the key evolves and the old one is
// overwritten. Epochs end at every multiple of the epoch length since 1970 (UTC), at midnight UTC,
// before a rotation (the seal is the rotated file's last record) and at stop. A seal of the day, of
// a rotation and of the stop is also anchored (audit/anchor.h): its signed head goes to on_anchor.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

namespace sm {

struct AuditRotation {
  std::uint64_t bytes = 0;  // rotate past this size; 0 = never
  bool daily = false;       // rotate at midnight UTC
};

struct AnchorHead;

struct AuditSealing {
  std::string key_file;          // the sealing key (required)
  unsigned epoch_seconds = 900;  // epoch length
  std::string anchor_key_file;   // the anchors' signing key; empty: no anchors
  // Each anchor line, under the log's lock: it may queue the line or log it, never write to the log.
  std::function<void(const std::string& line, const AnchorHead& head)> on_anchor;
};

// Every record names the server that wrote it ("instance", after "prev") when this is not empty:
// several servers sharing one store each write their own log, and a report reads them together.

class AuditLog {
 public:
  // Opens (appends to) `path`; "-" writes to standard output. Throws std::runtime_error when the
  // file cannot be opened.
  explicit AuditLog(const std::string& path, AuditRotation rotation = AuditRotation(), std::string instance = {});
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // Writes `record` with "time" (UTC, milliseconds) and "event" first. Returns false (and logs
  // why) when the record could not be written (a full disk, an I/O error): nothing of it stays in
  // the file, and the chain goes on from the last record written.
  bool write(const std::string& event, nlohmann::json record);

  const std::string& path() const;
  // Sequence number and hash of the last record written (the chain's head).
  std::uint64_t seq() const;
  std::string head() const;

  // Seals from now on (before the run's first record): opens the keys and moves the sealing key
  // past the last seal the log already holds (after a stop between a seal and its key's
  // evolution). Throws std::runtime_error naming the file when a key cannot be used.
  void start_sealing(AuditSealing sealing);
  // When the current epoch ends (milliseconds since 1970); 0 without sealing.
  std::int64_t next_seal_due() const;
  // Writes the seal when the epoch (or the UTC day) is over at `now`. True when nothing was due or
  // the seal is written; false (logged, tried again a second later) when it could not be written.
  bool seal_if_due(std::int64_t now);
  // Ends the epoch now with a seal and an anchor (reason "stop"). False when it could not be written.
  bool seal_now(const std::string& reason);
  // The current epoch (that of the sealing key in use); 0 without sealing.
  std::uint64_t epoch() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// One record appended by a process other than the daemon (the admin tools), under the same lock
// and continuing the same chain. Creates the file when missing (owned by the directory's owner when
// run as root). Returns false and sets `error` on failure.
bool append_audit_record(const std::string& path, const std::string& event, const nlohmann::json& record,
                         std::string* error);

}  // namespace sm
