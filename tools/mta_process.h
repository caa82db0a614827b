// Running the MTA's programs for the admin commands (postconf, postqueue, postsuper, sendmail,
// make): argv through run_process, the error line when one fails, its output cut for a message,
// an argument quoted for a command line shown to the admin, and the admin's yes or no.
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "base/exit_codes.h"
#include "base/process.h"

namespace sm {

// The last `n` non-empty lines of a program's output, each on a line of its own and indented, for
// an error message.
std::string tail_lines(const std::string& text, std::size_t n);

// `s` as one word for a POSIX shell: as it is when it is made of safe characters only, else in
// single quotes.
std::string shell_quote(const std::string& s);

// Runs `argv`; when it exits with anything but 0, says "support-milter COMMAND: WHAT failed (exit
// N): <first line of its stderr>" on stderr and returns nothing.
std::optional<ProcessResult> run_mta_program(const std::vector<std::string>& argv, const char* command,
                                             const std::string& what, const ProcessOptions& options = {});

// Asks `question` on stdout and reads the answer from stdin: true for y or yes.
bool confirm(const std::string& question);

}  // namespace sm
