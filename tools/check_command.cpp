// `check`: reads each file (at most limits.scan_bytes of it, as the milter does), parses it, runs
// the same pipeline as the daemon against the given store and prints the verdict as one JSON line. A file
// that cannot be read or parsed is a record with its error, not a failure of the tool.
#include "tools/check_command.h"

#include <cerrno>
#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "tools/tool_config.h"
#include "config/config.h"
#include "pipeline/pipeline.h"
#include "message/address.h"
#include "message/message.h"

namespace sm {

bool read_message_start(const std::string& path, std::size_t limit, std::string* bytes, bool* larger,
                        std::string* error) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    *error = "is a directory, not a message file";
    return false;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = std::string("cannot read: ") + std::strerror(errno);
    return false;
  }
  // One byte past the limit tells a message of exactly that size from a larger one.
  bytes->assign(std::min<std::size_t>(limit + 1, 1 << 16), '\0');
  std::size_t got = 0;
  while (got <= limit) {
    if (got == bytes->size()) bytes->resize(std::min(limit + 1, bytes->size() * 2));
    in.read(bytes->data() + got, static_cast<std::streamsize>(bytes->size() - got));
    got += static_cast<std::size_t>(in.gcount());
    if (!in) break;
  }
  if (in.bad()) {
    *error = std::string("cannot read: ") + std::strerror(errno);
    return false;
  }
  *larger = got > limit;
  bytes->resize(std::min(got, limit));
  return true;
}

int run_check(const CheckOptions& opts) {
  std::string error;
  int code = 0;
  auto cfg = tool_config(opts.config_path, opts.support_domains, opts.support_addresses, &error, &code);
  if (!cfg) {
    std::cerr << "support-milter check: " << error << "\n";
    return code;
  }
  std::optional<TimeMs> at;
  if (!opts.at.empty()) {
    at = parse_rfc3339(opts.at);
    if (!at) {
      std::cerr << "support-milter check: --at \"" << opts.at << "\" is not an RFC 3339 time\n";
      return 64;
    }
  }

  std::unique_ptr<ThreadStore> store;
  try {
    store = open_store(opts.state.empty() ? std::string("sqlite::memory:") : "sqlite:" + opts.state);
  } catch (const std::exception& e) {
    std::cerr << "support-milter check: " << e.what() << "\n";
    return 73;
  }
  Pipeline pipeline(store.get());

  for (const auto& file : opts.files) {
    // Read as the milter reads: limits.scan_bytes at most, the rest passes unread (with a note).
    std::string bytes, unread;
    bool larger = false;
    if (!read_message_start(file, cfg->limits.max_scan_bytes, &bytes, &larger, &unread)) {
      nlohmann::json err = {{"file", file}, {"error", unread}};
      std::cout << err.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
      continue;
    }
    Message msg = larger ? parse_message_start(bytes, cfg->limits) : parse_message(bytes, cfg->limits);
    TimeMs time = at ? *at : msg.date.value_or(now_ms());
    Envelope env;
    Verdict v = pipeline.process(msg, env, time, *cfg);
    std::cout << check_record(file, msg, v).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
              << "\n";
  }
  std::cout.flush();
  return std::cout ? 0 : 74;
}

}  // namespace sm
