// An audit log in the message record's format 1 (every skip a finding) and the same log in
// format 2 (skips without evidence under "skipped") give the same report, the same held list and
// the same chain verdict.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "audit/audit_log.h"
#include "audit/verify.h"
#include "mta/held.h"
#include "mta/postfix_queue.h"
#include "pipeline/audit_record.h"
#include "tools/report.h"

namespace sm {
namespace {

namespace fs = std::filesystem;

// Format 1. One thread: the customer writes, a reply is held for reply-all and released, the
// customer writes again and a second reply answers within the target; a breach on a second thread.
const char* kOldForm[] = {
    R"({"event":"message","queue_id":"3Hk2Lm9Qa1","message_id":"c-118@client.example","thread_id":"t-ivo","direction":"inbound","author":"ivo.marek@client.example","customer":"ivo.marek@client.example","message_time":"2026-11-04T08:40:00.000Z","action":"accept","mode":"enforce","passed":[],)"
    R"("findings":[{"rule":"subject-continuity","result":"skip","action":"off","detail":"not a reply in a known thread"},{"rule":"reply-all","result":"skip","action":"off","detail":"not a reply to a stored message"},{"rule":"polite-tone","result":"skip","action":"off","detail":"not an outbound message"},{"rule":"plain-language","result":"skip","action":"off","detail":"not an outbound message"},{"rule":"call-to-action","result":"skip","action":"off","detail":"not a reply"}]})",
    R"({"event":"message","queue_id":"4XbQ7m1Kz3","message_id":"r-2291@support.example.com","thread_id":"t-ivo","direction":"outbound","author":"dana@support.example.com","customer":"ivo.marek@client.example","message_time":"2026-11-04T10:12:30.000Z","action":"hold","mode":"enforce","hold_reason":"reply-all","passed":["polite-tone","plain-language"],)"
    R"("findings":[{"rule":"reply-all","result":"fail","action":"hold","detail":"tomas.berg@client.example was on the customer's message and is not on the reply","evidence":{"missing":["tomas.berg@client.example"]}},{"rule":"subject-continuity","result":"skip","action":"off","detail":"not a reply in a known thread"},{"rule":"answer-every-question","result":"skip","action":"off","detail":"answered between the quoted lines","evidence":{"inline":true}},{"rule":"call-to-action","result":"fail","action":"log","detail":"the reply asks nothing of the customer"}],)"
    R"("sla":{"latency_s":null,"first_reply":false,"status":"held","waiting_since":"2026-11-04T08:40:00.000Z"}})",
    R"({"event":"release","time":"2026-11-04T11:00:00.000Z","queue_id":"4XbQ7m1Kz3","by":"lena","reason":"Tomas asked to be left out","message_id":"r-2291@support.example.com","thread_id":"t-ivo","direction":"outbound","author":"dana@support.example.com","rules":["reply-all"],"sla":{"latency_s":8400,"first_reply":true,"status":"over_target","released":true}})",
    R"({"event":"message","queue_id":"5Pq8Rt2Vw4","message_id":"c-119@client.example","thread_id":"t-ivo","direction":"inbound","author":"ivo.marek@client.example","customer":"ivo.marek@client.example","message_time":"2026-11-04T13:05:00.000Z","action":"accept","mode":"enforce","passed":["subject-continuity"],)"
    R"("findings":[{"rule":"polite-tone","result":"skip","action":"off","detail":"not an outbound message"},{"rule":"call-to-action","result":"skip","action":"off","detail":"not a reply"}]})",
    R"({"event":"message","queue_id":"6Ys3Bn7Cd5","message_id":"r-2304@support.example.com","thread_id":"t-ivo","direction":"outbound","author":"dana@support.example.com","customer":"ivo.marek@client.example","message_time":"2026-11-04T13:50:00.000Z","action":"accept","mode":"enforce","passed":["subject-continuity","reply-all","polite-tone","plain-language","call-to-action"],)"
    R"("findings":[{"rule":"meaningful-subject","result":"skip","action":"off","detail":"not a new outbound thread"}],"sla":{"latency_s":2700,"first_reply":false,"status":"within_target"}})",
    R"({"event":"message","queue_id":"7Gh4Jk8Lm6","message_id":"c-7@shop.example","thread_id":"t-ola","direction":"inbound","author":"ola@shop.example","customer":"ola@shop.example","message_time":"2026-11-04T09:00:00.000Z","action":"accept","mode":"enforce","passed":[],)"
    R"("findings":[{"rule":"polite-tone","result":"skip","action":"off","detail":"not an outbound message"}]})",
    R"({"event":"sla_breach","at":"2026-11-05T09:00:01.000Z","thread_id":"t-ola","subject":"Invoice 4471","waiting_since":"2026-11-04T09:00:00.000Z","waited_s":86401,"limit_s":86400})",
};

// The same records as the milter writes them now (format 2): each message record read and written
// again; the other events as they were.
std::string new_form(const std::string& line) {
  const AuditLine l = read_audit_record(line);
  const auto* m = std::get_if<MessageRecord>(&l.record);
  if (m == nullptr) return line;
  nlohmann::json j = {{"event", "message"}};
  j.update(to_json(*m));
  return j.dump();
}

// Both forms written to their own directory, each chained through AuditLog as the milter writes.
struct Logs {
  fs::path dir;
  std::string old_form, new_form;
  Logs() : dir(fs::path(::testing::TempDir()) / ("record-forms-" + std::to_string(getpid()))) {
    fs::create_directories(dir / "1");
    fs::create_directories(dir / "2");
    old_form = (dir / "1" / "audit.jsonl").string();
    new_form = (dir / "2" / "audit.jsonl").string();
    AuditLog one(old_form), two(new_form);
    for (const char* line : kOldForm) {
      auto j = nlohmann::json::parse(line);
      const std::string event = j["event"];
      j.erase("event");
      EXPECT_TRUE(one.write(event, j));
      auto k = nlohmann::json::parse(sm::new_form(line));
      k.erase("event");
      EXPECT_TRUE(two.write(event, k));
    }
  }
  ~Logs() { fs::remove_all(dir); }
};

std::string text_of(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(RecordForms, TheNewFormIsSmallerAndCarriesTheSameFindings) {
  Logs logs;
  const std::string a = text_of(logs.old_form), b = text_of(logs.new_form);
  EXPECT_LT(b.size(), a.size());
  EXPECT_NE(b.find(R"("skipped":{"not a reply":["call-to-action"],"not a reply in a known thread":["subject-continuity"])"),
            std::string::npos);
  EXPECT_EQ(a.find(R"("skipped")"), std::string::npos);
}

TEST(RecordForms, ReportGivesTheSameFigures) {
  Logs logs;
  auto a = build_report({logs.old_form}, ReportOptions{});
  auto b = build_report({logs.new_form}, ReportOptions{});
  EXPECT_EQ(a["total"], b["total"]);
  EXPECT_EQ(a["total"]["findings"], nlohmann::json({{"call-to-action", 1}, {"reply-all", 1}}));
  EXPECT_EQ(a["total"]["first_reply"]["count"], 1);
  EXPECT_EQ(a["total"]["breaches"], 1);
  // Every list alike but the chain's: the two logs' lines differ, and so do their heads.
  ASSERT_EQ(a["lists"]["integrity"][0]["detail"].get<std::string>().rfind("7 records, seq 1..7", 0), 0u);
  ASSERT_EQ(b["lists"]["integrity"][0]["detail"].get<std::string>().rfind("7 records, seq 1..7", 0), 0u);
  a["lists"].erase("integrity");
  b["lists"].erase("integrity");
  EXPECT_EQ(a["lists"], b["lists"]);
  ASSERT_EQ(a["lists"]["findings"].size(), 2u);
  ReportOptions by_agent;
  by_agent.by = "agent";
  EXPECT_EQ(build_report({logs.old_form}, by_agent)["groups"], build_report({logs.new_form}, by_agent)["groups"]);
  EXPECT_EQ(a["chain"]["ok"], b["chain"]["ok"]);
}

TEST(RecordForms, HeldAndVerifyReadBoth) {
  Logs logs;
  const auto queue = parse_postqueue_json(
      R"({"queue_name": "hold", "queue_id": "4XbQ7m1Kz3", "arrival_time": 1793786000, "message_size": 3120, "sender": "dana@support.example.com", "recipients": [{"address": "ivo.marek@client.example"}]})"
      "\n");
  std::vector<std::string> unreadable, problems;
  auto a = join_held_files(queue, {logs.old_form}, &unreadable, &problems);
  auto b = join_held_files(queue, {logs.new_form}, &unreadable, &problems);
  EXPECT_TRUE(unreadable.empty());
  EXPECT_TRUE(problems.empty());
  // Alike but for the time each log's record was written.
  auto without_time = [](nlohmann::json held) {
    for (auto& h : held) {
      EXPECT_TRUE(h.contains("audit_time"));
      h.erase("audit_time");
    }
    return held;
  };
  EXPECT_EQ(without_time(held_json(a)), without_time(held_json(b)));
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(a[0].findings.size(), 1u);
  EXPECT_EQ(a[0].findings[0].rule, "reply-all");

  for (const auto& file : {logs.old_form, logs.new_form}) {
    const ChainReport r = verify_audit_chain({file});
    EXPECT_TRUE(r.ok()) << file;
    EXPECT_EQ(r.records, std::size(kOldForm)) << file;
  }
}

}  // namespace
}  // namespace sm
