// Running the mail server's own tools (postconf, postqueue, postsuper): argv only, no shell.
#pragma once
#include <string>
#include <vector>

namespace sm {

struct ProcessResult {
  int exit_code = -1;  // -1: could not start or killed by a signal
  std::string out;
  std::string err;     // the program's stderr, or why it could not run
};

// Runs argv[0] (searched in PATH, then /usr/sbin and /sbin) with argv, waits, and returns its exit
// code and output. Output past `max_output` bytes per stream is dropped.
ProcessResult run_process(const std::vector<std::string>& argv, std::size_t max_output = 64u << 20);

}  // namespace sm
