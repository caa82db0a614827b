// The admin commands' layer over run_process.
#include "tools/mta_process.h"

#include <iostream>
#include <sstream>

namespace sm {

std::string tail_lines(const std::string& text, std::size_t n) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(line);
  std::string out;
  for (std::size_t i = lines.size() > n ? lines.size() - n : 0; i < lines.size(); ++i)
    out += "\n  " + lines[i];
  return out.empty() ? "\n  (no output)" : out;
}

std::string shell_quote(const std::string& s) {
  if (!s.empty() && s.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/_.-") == std::string::npos)
    return s;
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::optional<ProcessResult> run_mta_program(const std::vector<std::string>& argv, const char* command,
                                             const std::string& what, const ProcessOptions& options) {
  auto r = run_process(argv, options);
  if (r.exit_code != 0) {
    std::cerr << "support-milter " << command << ": " << what << " failed (exit " << r.exit_code
              << "): " << first_line(r.err) << "\n";
    return std::nullopt;
  }
  return r;
}

bool confirm(const std::string& question) {
  std::cout << question << " [y/N] " << std::flush;
  std::string answer;
  if (!std::getline(std::cin, answer)) {
    std::cout << "\n";
    return false;
  }
  return answer == "y" || answer == "Y" || answer == "yes";
}

}  // namespace sm
