// `support-milter check`: the daemon's pipeline on message files, one JSON object per message.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

namespace sm {

struct CheckOptions {
  std::string config_path;                  // empty: built-in defaults
  std::string state;                        // thread store file; empty: in memory
  std::vector<std::string> support_domains;
  std::vector<std::string> support_addresses;
  std::string at;                           // RFC 3339 time for every message; empty: Date
  std::vector<std::string> mail_from;       // optional envelope
  std::vector<std::string> files;
};

// Returns the exit code: 0 unless the tool itself failed (bad config, unusable store).
int run_check(const CheckOptions& opts);

// The first `limit` bytes of the file at `path` (never more are read, whatever the file: a device,
// a pipe); `larger` says whether it goes on past them. False with `error` when it cannot be read.
bool read_message_start(const std::string& path, std::size_t limit, std::string* bytes, bool* larger,
                        std::string* error);

}  // namespace sm
