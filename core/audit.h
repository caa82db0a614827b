// The audit log: one JSON object per line per event, written through Boost.Log to a file and
// flushed per record, for auditors and reports. Safe to call from any thread.
#pragma once
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

namespace sm {

class AuditLog {
 public:
  // Opens (appends to) `path`; "-" writes to standard output. Throws std::runtime_error when the
  // file cannot be opened.
  explicit AuditLog(const std::string& path);
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // Writes `record` with "time" (UTC, milliseconds) and "event" first. Returns false (and logs
  // why) when the record could not be written.
  bool write(const std::string& event, nlohmann::json record);

  const std::string& path() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sm
