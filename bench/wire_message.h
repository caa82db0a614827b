// A benchmark message as the milter receives it: the file read whole, its lines ending in CRLF
// (make_messages.py writes them with LF).
#pragma once
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace sm::bench {

inline std::string read_wire_message(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path + " (build the bench_messages target)");
  std::ostringstream b;
  b << in.rdbuf();
  std::string lf = b.str(), out;
  out.reserve(lf.size() + lf.size() / 40);
  for (char c : lf) {
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}

}  // namespace sm::bench
