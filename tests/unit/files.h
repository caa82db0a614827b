// Reading test inputs: a whole file as bytes (empty when it cannot be read; the test's own
// assertions then say what was missing).
#pragma once
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace sm::test {

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

}  // namespace sm::test
