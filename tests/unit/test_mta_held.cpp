// Held mail: postqueue -j parsed, hold entries joined with the audit log by queue id.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "mta/held.h"
#include "mta/postfix_queue.h"

namespace sm {
namespace {

const char* kQueue =
    R"({"queue_name": "hold", "queue_id": "4Fb2Xk0Y1Zz9", "arrival_time": 1790000100, "message_size": 812, "forced_expire": false, "sender": "sam@support.example.com", "recipients": [{"address": "ana@client.example"}]})"
    "\n"
    R"({"queue_name": "deferred", "queue_id": "4Fb2Xk0Y1Zz8", "arrival_time": 1790000000, "message_size": 500, "sender": "x@y.example", "recipients": [{"address": "z@y.example", "delay_reason": "connect refused"}]})"
    "\n"
    R"({"queue_name": "hold", "queue_id": "ABCDE12345", "arrival_time": 1790000050, "message_size": 300, "sender": "", "recipients": [{"address": "a@b.example"}, {"address": "c@d.example"}]})"
    "\n"
    "not json\n"
    R"({"queue_name": "hold"})"
    "\n";

TEST(Held, ParsesPostqueueJsonAndReportsBadLines) {
  std::vector<std::size_t> bad;
  auto q = parse_postqueue_json(kQueue, &bad);
  ASSERT_EQ(q.size(), 3u);
  EXPECT_EQ(q[0].queue_name, "hold");
  EXPECT_EQ(q[0].queue_id, "4Fb2Xk0Y1Zz9");
  EXPECT_EQ(q[0].arrival_time, 1790000100);
  EXPECT_EQ(q[0].message_size, 812);
  EXPECT_EQ(q[0].sender, "sam@support.example.com");
  ASSERT_EQ(q[0].recipients.size(), 1u);
  EXPECT_EQ(q[2].recipients.size(), 2u);
  EXPECT_EQ(bad, (std::vector<std::size_t>{4, 5}));
}

TEST(Held, JoinsHoldEntriesWithTheirLatestAuditRecord) {
  auto q = parse_postqueue_json(kQueue);
  std::string older =
      R"({"time":"2026-09-21T10:00:00.000Z","event":"message","seq":1,"prev":"0","queue_id":"4Fb2Xk0Y1Zz9","message_id":"old@x","action":"accept","findings":[]})"
      "\n";
  std::string current =
      R"({"time":"2026-09-21T10:01:40.000Z","event":"message","seq":2,"prev":"1","queue_id":"4Fb2Xk0Y1Zz9","message_id":"a1@support.example.com","direction":"outbound","author":"sam@support.example.com","action":"hold","hold_reason":"polite-tone","findings":[{"rule":"polite-tone","result":"fail","action":"hold","detail":"rude word: \"idiot\""},{"rule":"plain-language","result":"fail","action":"log","detail":"long"}]})"
      "\n"
      R"({"time":"2026-09-21T10:02:00.000Z","event":"error","seq":3,"prev":"2","queue_id":"ABCDE12345","where":"body"})"
      "\n"
      R"({"time":"2026-09-21T10:03:00.000Z","event":"message","seq":4,"prev":"3","queue_id":"4Fb2Xk0Y1Zz8","message_id":"deferred@x","action":"hold","findings":[]})"
      "\n";
  auto held = join_held(q, {older, current});
  ASSERT_EQ(held.size(), 2u);
  // Oldest arrival first.
  EXPECT_EQ(held[0].queue.queue_id, "ABCDE12345");
  EXPECT_FALSE(held[0].audited);  // only an error record: not a verdict
  EXPECT_EQ(held[1].queue.queue_id, "4Fb2Xk0Y1Zz9");
  ASSERT_TRUE(held[1].audited);
  EXPECT_EQ(held[1].message_id, "a1@support.example.com");
  EXPECT_EQ(held[1].action, "hold");
  ASSERT_EQ(held[1].findings.size(), 1u);  // only the finding that held it
  EXPECT_EQ(held[1].findings[0].rule, "polite-tone");

  auto text = format_held_text(held);
  EXPECT_NE(text.find("4Fb2Xk0Y1Zz9"), std::string::npos);
  EXPECT_NE(text.find("rule polite-tone: rude word"), std::string::npos);
  EXPECT_NE(text.find("no support-milter audit record"), std::string::npos);
  EXPECT_NE(text.find("2 messages held"), std::string::npos);
  auto j = held_json(held);
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j[1]["findings"][0]["rule"], "polite-tone");
  EXPECT_EQ(j[1]["arrival_time"], "2026-09-21T14:15:00Z");
  EXPECT_FALSE(j[0].contains("message_id"));
}

TEST(Held, FilesAreReadLineByLineOldestFirst) {
  namespace fs = std::filesystem;
  auto dir = fs::path(::testing::TempDir()) / ("held-files-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(dir / name, std::ios::binary) << text;
  };
  // A rotated file with an older verdict, the current one with the newer: the newer wins.
  write("audit-20261101-000000.000000.jsonl",
        R"({"event":"message","queue_id":"ABCDE12345","message_id":"old@x","action":"hold","findings":[]})" "\n");
  write("audit.jsonl",
        R"({"event":"message","queue_id":"ABCDE12345","message_id":"new@x","action":"hold","findings":[]})" "\n");
  write("audit-20261101-000000.000000.jsonl.1.gz", "not text");
  auto files = audit_files_oldest_first((dir / "audit.jsonl").string());
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(fs::path(files[0]).filename(), "audit-20261101-000000.000000.jsonl");
  files.push_back((dir / "missing.jsonl").string());
  std::vector<std::string> unreadable;
  auto held = join_held_files(parse_postqueue_json(kQueue), files, &unreadable);
  ASSERT_EQ(held.size(), 2u);
  EXPECT_EQ(held[0].message_id, "new@x");
  EXPECT_FALSE(held[1].audited);
  EXPECT_EQ(unreadable, std::vector<std::string>{(dir / "missing.jsonl").string()});
  fs::remove_all(dir);
}

TEST(Held, EmptyQueue) {
  EXPECT_TRUE(join_held({}, {"garbage\n"}).empty());
  EXPECT_EQ(format_held_text({}), "no messages in the hold queue\n");
}

TEST(Held, QueueIds) {
  EXPECT_TRUE(valid_queue_id("4Fb2Xk0Y1Zz9"));
  EXPECT_TRUE(valid_queue_id("ABCDE12345"));
  EXPECT_FALSE(valid_queue_id("ALL"));
  EXPECT_FALSE(valid_queue_id("-"));
  EXPECT_FALSE(valid_queue_id("ABCDE-12345"));
  EXPECT_FALSE(valid_queue_id("ABC DE12345"));
  EXPECT_FALSE(valid_queue_id(std::string(33, 'A')));
}

// A record of a held message with a field of the wrong type is left out and named by its line;
// a later record of the right form still joins.
TEST(Held, RecordsWithFieldsOfTheWrongTypeAreNamedAndSkipped) {
  auto q = parse_postqueue_json(kQueue);
  std::string text =
      R"({"time":"2026-09-21T10:00:00.000Z","event":"message","seq":1,"prev":"0","queue_id":"4Fb2Xk0Y1Zz9","message_id":["a"],"action":"hold","findings":[]})"
      "\n"
      R"({"time":"2026-09-21T10:00:01.000Z","event":"message","seq":2,"prev":"1","queue_id":"ABCDE12345","message_id":"b@x","action":"hold","findings":"none"})"
      "\n"
      R"({"time":"2026-09-21T10:00:02.000Z","event":"message","seq":3,"prev":"2","queue_id":"4Fb2Xk0Y1Zz9","message_id":"c@x","action":"hold","findings":[]})"
      "\n";
  std::vector<std::string> problems;
  auto held = join_held(q, {text}, &problems);
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_EQ(problems[0], "audit text 1:1: field \"message_id\" is an array, not a string; record skipped");
  EXPECT_EQ(problems[1], "audit text 1:2: field \"findings\" is a string, not an array; record skipped");
  ASSERT_EQ(held.size(), 2u);
  EXPECT_FALSE(held[0].audited);  // ABCDE12345: its only record was left out
  EXPECT_EQ(held[1].message_id, "c@x");

  auto dir = std::filesystem::path(::testing::TempDir()) / ("held-types-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const auto file = (dir / "audit.jsonl").string();
  std::ofstream(file) << text;
  problems.clear();
  std::vector<std::string> unreadable;
  join_held_files(q, {file}, &unreadable, &problems);
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_EQ(problems[1].rfind(file + ":2: field \"findings\"", 0), 0u) << problems[1];
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace sm
