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

// The line as one ordered JSON object would write it: time, event, seq, prev, instance, then the
// record's fields, a record's own time/event/instance in their place, seq and prev the chain's.
std::string expected_line(const std::string& line, const std::string& event, const std::string& instance,
                          const nlohmann::json& record) {
  auto written = nlohmann::json::parse(line);
  nlohmann::ordered_json want;
  want["time"] = written["time"];
  want["event"] = event;
  want["seq"] = 0;
  want["prev"] = "";
  if (!instance.empty()) want["instance"] = instance;
  for (const auto& [k, v] : record.items()) want[k] = v;
  want["seq"] = written["seq"];
  want["prev"] = written["prev"];
  return want.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

TEST(Audit, LineHoldsTheHeadThenTheRecordsFieldsCompact) {
  const std::vector<nlohmann::json> records = {
      {{"queue_id", "4Xyz1"}, {"action", "accept"}, {"findings", nlohmann::json::array()}},
      {{"subject", "Ñandú — счёт \xff\xfe broken"}, {"n", 3}, {"x", 1.5}, {"ok", true}, {"none", nullptr}},
      {{"sla", {{"latency_s", 3600}, {"status", "answered"}, {"list", {1, 2, {{"a", "b"}}}}}}, {"zz", "last"}},
      // Fields named like the head's: time, event and instance take their place, seq and prev
      // stay the chain's.
      {{"time", "2026-01-01T00:00:00.000Z"}, {"seq", 99}, {"prev", "forged"}, {"event", "other"}, {"k", "v"}},
      {{"instance", "mx9"}, {"a", "b"}},
      nlohmann::json::object(),
  };
  for (const std::string instance : {"", "mx1"}) {
    auto path = temp_file("audit-line" + instance);
    {
      AuditLog log(path.string(), AuditRotation(), instance);
      for (const auto& r : records) ASSERT_TRUE(log.write("message", r));
    }
    auto lines = lines_of(path);
    ASSERT_EQ(lines.size(), records.size());
    for (std::size_t i = 0; i < lines.size(); ++i) {
      EXPECT_EQ(lines[i], expected_line(lines[i], "message", instance, records[i])) << i;
      EXPECT_EQ(nlohmann::json::parse(lines[i])["seq"], i + 1);
    }
  }
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
