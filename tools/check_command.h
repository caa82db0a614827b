// `support-milter check`: the daemon's pipeline on message files, one JSON object per message.
#pragma once
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

}  // namespace sm
