// Verifies the audit log's hash chain over one or more files given in order (rotated files
// oldest first): sequence numbers consecutive, each "prev" equal to the SHA-256 of the line before.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace sm {

struct ChainProblem {
  std::string file;
  std::size_t line = 0;  // 1-based
  std::string what;
};

struct ChainReport {
  std::uint64_t records = 0;
  std::uint64_t first_seq = 0;
  std::uint64_t last_seq = 0;
  std::string head;  // SHA-256 of the last line: compare with the head the daemon logged
  std::vector<ChainProblem> problems;
  bool ok() const { return problems.empty(); }
};

ChainReport verify_audit_chain(const std::vector<std::string>& files);

}  // namespace sm
