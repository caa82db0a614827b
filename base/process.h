// Running another program: argv only (no shell), every descriptor of ours closed in the child
// (O_CLOEXEC), its input given and its output read together through poll(), bounded in output and
// in time. Used by the admin tools (the MTA's commands) and by the daemon's notices (sendmail).
#pragma once
#include <cstddef>
#include <string>
#include <vector>

namespace sm {

struct ProcessOptions {
  std::string input;                   // written to its stdin, which is then closed (/dev/null when empty)
  std::size_t max_output = 64u << 20;  // bytes kept per stream; the rest is read and dropped
  int timeout_ms = 0;                  // killed (SIGKILL) when it runs longer; 0: no limit
};

struct ProcessResult {
  int exit_code = -1;  // -1: could not start, killed by a signal, or timed out
  bool timed_out = false;
  std::string out;
  std::string err;     // the program's stderr, or why it could not run
};

// Runs argv[0] (searched in PATH, then /usr/sbin and /sbin) with argv, waits, and returns its exit
// code and output.
ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& options = {});

// The first line of a program's output, "(no output)" when it is empty.
std::string first_line(const std::string& s);

}  // namespace sm
