// The audit hash chain: intact logs verify, every kind of tampering is found and located.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>

#include "core/audit.h"
#include "core/audit_verify.h"

namespace sm {
namespace {

namespace fs = std::filesystem;

fs::path fresh(const std::string& name) {
  auto p = fs::path(::testing::TempDir()) / (name + "-" + std::to_string(getpid()) + ".jsonl");
  fs::remove(p);
  return p;
}

std::vector<std::string> read_lines(const fs::path& p) {
  std::ifstream in(p);
  std::vector<std::string> out;
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

void write_lines(const fs::path& p, const std::vector<std::string>& lines, bool final_newline = true) {
  std::ofstream out(p, std::ios::trunc | std::ios::binary);
  for (std::size_t i = 0; i < lines.size(); ++i) out << lines[i] << (i + 1 < lines.size() || final_newline ? "\n" : "");
}

fs::path log_with(int n, const std::string& name) {
  auto p = fresh(name);
  AuditLog log(p.string());
  for (int i = 0; i < n; ++i) log.write("message", {{"i", i}, {"message_id", "m" + std::to_string(i) + "@client.example"}});
  return p;
}

TEST(AuditChain, IntactLogVerifies) {
  auto p = log_with(10, "chain-ok");
  auto r = verify_audit_chain({p.string()});
  EXPECT_TRUE(r.ok()) << r.problems.front().what;
  EXPECT_EQ(r.records, 10u);
  EXPECT_EQ(r.first_seq, 1u);
  EXPECT_EQ(r.last_seq, 10u);
}

TEST(AuditChain, ContinuesAcrossRestarts) {
  auto p = log_with(3, "chain-restart");
  {
    AuditLog again(p.string());
    EXPECT_EQ(again.seq(), 3u);
    again.write("start", nlohmann::json::object());
  }
  auto r = verify_audit_chain({p.string()});
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.last_seq, 4u);
}

TEST(AuditChain, ContinuesAcrossFiles) {
  auto a = log_with(4, "chain-file-a");
  auto lines = read_lines(a);
  auto b = fresh("chain-file-b");
  // As after a rotation: the older records in one file, the newer in the next.
  write_lines(b, {lines.begin() + 2, lines.end()});
  write_lines(a, {lines.begin(), lines.begin() + 2});
  EXPECT_TRUE(verify_audit_chain({a.string(), b.string()}).ok());
  auto swapped = verify_audit_chain({b.string(), a.string()});
  EXPECT_FALSE(swapped.ok());
}

struct Tamper {
  const char* label;
  std::function<void(std::vector<std::string>&)> change;
  std::size_t want_line;  // where the problem is reported
  const char* want;       // substring of the problem
  bool final_newline = true;
};

TEST(AuditChain, TamperingIsFoundAndLocated) {
  const Tamper cases[] = {
      {"changed field", [](auto& l) { l[4].replace(l[4].find("m4@"), 3, "mX@"); }, 6, "was changed"},
      {"deleted record", [](auto& l) { l.erase(l.begin() + 4); }, 5, "records deleted"},
      {"reordered records", [](auto& l) { std::swap(l[3], l[4]); }, 4, "follows seq"},
      {"duplicated record", [](auto& l) { l.insert(l.begin() + 5, l[4]); }, 6, "reordered or repeated"},
      {"truncated last record", [](auto& l) { l.back().resize(l.back().size() / 2); }, 10, "cut short", false},
      {"garbage line", [](auto& l) { l[2] = "not json"; }, 3, "not an audit record"},
      {"first record replaced", [](auto& l) { l[0].replace(l[0].find("m0@"), 3, "mZ@"); }, 2, "was changed"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.label);
    auto p = log_with(10, "chain-tamper");
    auto lines = read_lines(p);
    c.change(lines);
    write_lines(p, lines, c.final_newline);
    auto r = verify_audit_chain({p.string()});
    ASSERT_FALSE(r.ok());
    bool found = false;
    for (const auto& prob : r.problems)
      if (prob.line == c.want_line && prob.what.find(c.want) != std::string::npos) found = true;
    EXPECT_TRUE(found) << r.problems.front().line << ": " << r.problems.front().what;
  }
}

}  // namespace
}  // namespace sm
