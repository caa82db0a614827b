// The daemon's life cycle: config, privileges, socket, signals (SIGHUP reloads, SIGTERM drains
// and stops), libmilter's main loop.
#pragma once
#include <string>

namespace sm {

struct RunOptions {
  std::string config_path;
  std::string socket;       // overrides milter.socket when not empty
  bool foreground = false;  // stay attached, log to stderr
};

// Runs until stopped; returns the process exit code.
int run_daemon(const RunOptions& opts);

}  // namespace sm
