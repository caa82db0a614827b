// The audit log: one valid JSON object per line, written and flushed per record, from many
// threads at once, with nothing from a message able to break a line.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "audit/audit_log.h"

namespace sm {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> lines_of(const fs::path& p) {
  std::ifstream in(p);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

fs::path temp_file(const std::string& name) {
  auto p = fs::path(::testing::TempDir()) / (name + "-" + std::to_string(getpid()) + ".jsonl");
  fs::remove(p);
  return p;
}

TEST(Audit, EachRecordIsOneJsonLineOnDiskAtOnce) {
  auto path = temp_file("audit-flush");
  AuditLog log(path.string());
  ASSERT_TRUE(log.write("message", {{"queue_id", "4Xyz1"}, {"action", "accept"}}));
  // Flushed per record: readable before the log is closed.
  auto lines = lines_of(path);
  ASSERT_EQ(lines.size(), 1u);
  auto j = nlohmann::json::parse(lines[0]);
  EXPECT_EQ(j["event"], "message");
  EXPECT_EQ(j["queue_id"], "4Xyz1");
  std::string time = j["time"];
  EXPECT_EQ(time.size(), 24u) << time;  // 2026-11-22T14:00:00.123Z
  EXPECT_EQ(time.back(), 'Z');
}

TEST(Audit, HostileValuesStayInsideTheirLine) {
  auto path = temp_file("audit-hostile");
  AuditLog log(path.string());
  std::string nasty = "a\r\nb\"c\\d\x01\x7f" "\xff\xfe";
  ASSERT_TRUE(log.write("message", {{"subject", nasty}, {"detail", "line1\nline2"}}));
  auto lines = lines_of(path);
  ASSERT_EQ(lines.size(), 1u);
  auto j = nlohmann::json::parse(lines[0]);
  EXPECT_EQ(j["detail"], "line1\nline2");
}

TEST(Audit, ConcurrentWritersNeverInterleave) {
  auto path = temp_file("audit-threads");
  {
    AuditLog log(path.string());
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t)
      threads.emplace_back([&log, t] {
        for (int i = 0; i < 250; ++i)
          log.write("message", {{"thread", t}, {"i", i}, {"pad", std::string(200, 'x')}});
      });
    for (auto& th : threads) th.join();
  }
  auto lines = lines_of(path);
  ASSERT_EQ(lines.size(), 2000u);
  std::vector<int> seen(8, 0);
  for (const auto& line : lines) {
    auto j = nlohmann::json::parse(line);
    int t = j["thread"];
    EXPECT_EQ(j["i"].get<int>(), seen[static_cast<std::size_t>(t)]++) << "per-thread order kept";
  }
}

TEST(Audit, AppendsToAnExistingFile) {
  auto path = temp_file("audit-append");
  { AuditLog(path.string()).write("start", nlohmann::json::object()); }
  { AuditLog(path.string()).write("start", nlohmann::json::object()); }
  EXPECT_EQ(lines_of(path).size(), 2u);
}

TEST(Audit, UnwritablePathIsAClearError) {
  try {
    AuditLog log("/nonexistent-dir/audit.jsonl");
    FAIL() << "opened";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent-dir/audit.jsonl"), std::string::npos);
  }
}

}  // namespace
}  // namespace sm
