// `check`: reads each file, parses it, runs the same pipeline as the daemon against the given
// store and prints the verdict as one JSON line. A file that cannot be read or parsed is a record
// with its error, not a failure of the tool.
#include "tools/check_command.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

#include "tools/tool_config.h"
#include "config/config.h"
#include "pipeline/pipeline.h"
#include "message/address.h"
#include "message/message.h"

namespace sm {

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
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      nlohmann::json err = {{"file", file}, {"error", std::string("cannot read: ") + std::strerror(errno)}};
      std::cout << err.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
      continue;
    }
    std::ostringstream buf;
    buf << in.rdbuf();
    std::string bytes = buf.str();
    Message msg = parse_message(bytes, cfg->limits);
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
