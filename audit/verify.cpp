// Audit chain verification.
#include "audit/verify.h"

#include <fstream>

#include <nlohmann/json.hpp>

#include "base/digest.h"

namespace sm {

ChainReport verify_audit_chain(const std::vector<std::string>& files) {
  ChainReport r;
  std::string prev_hash;  // empty until the first record
  std::uint64_t prev_seq = 0;
  auto problem = [&](const std::string& file, std::size_t line, std::string what) {
    r.problems.push_back({file, line, std::move(what)});
  };
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      problem(file, 0, "cannot read the file");
      continue;
    }
    std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!content.empty() && content.back() != '\n') {
      std::size_t lines = 1;
      for (char c : content) lines += c == '\n';
      problem(file, lines, "the last record is cut short (truncated file)");
    }
    std::size_t lineno = 0;
    std::size_t start = 0;
    while (start < content.size()) {
      auto end = content.find('\n', start);
      if (end == std::string::npos) break;  // the partial line was reported above
      std::string line = content.substr(start, end - start);
      start = end + 1;
      ++lineno;
      auto j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_discarded() || !j.is_object() || !j.contains("seq") || !j["seq"].is_number_unsigned() ||
          !j.contains("prev") || !j["prev"].is_string()) {
        problem(file, lineno, "not an audit record (unparseable or without seq/prev)");
        prev_hash.clear();
        continue;
      }
      auto seq = j["seq"].get<std::uint64_t>();
      std::string prev = j["prev"].get<std::string>();
      if (r.records == 0 && prev_hash.empty()) {
        r.first_seq = seq;
        if (seq == 1 && prev != std::string(64, '0'))
          problem(file, lineno, "seq 1 does not start the chain (prev is not zero)");
      } else {
        if (seq != prev_seq + 1)
          problem(file, lineno, "seq " + std::to_string(seq) + " follows seq " + std::to_string(prev_seq) +
                                    (seq <= prev_seq ? " (records reordered or repeated)" : " (records deleted)"));
        else if (!prev_hash.empty() && prev != prev_hash)
          problem(file, lineno, "seq " + std::to_string(seq) + ": the record before it was changed");
      }
      prev_seq = seq;
      prev_hash = sha256_hex(line);
      r.last_seq = seq;
      r.head = prev_hash;
      ++r.records;
    }
  }
  return r;
}

}  // namespace sm
