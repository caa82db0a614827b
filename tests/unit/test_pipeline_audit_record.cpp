// The message record's two forms: format 1 (every rule that did not pass is a finding) and
// format 2 (a skip without evidence is named under its reason in "skipped") read into the same
// MessageRecord; the type table names a wrong "skipped".
#include <gtest/gtest.h>

#include <algorithm>
#include <tuple>

#include "audit/record_types.h"
#include "pipeline/audit_record.h"

namespace sm {
namespace {

using Row = std::tuple<std::string, std::string, std::string, std::string, std::string>;

// The findings as comparable rows, in one order (format 2 reads its skips after the others).
std::vector<Row> rows(const std::vector<FindingRecord>& findings) {
  std::vector<Row> out;
  for (const auto& f : findings) out.emplace_back(f.rule, f.result, f.action, f.detail, f.evidence.dump());
  std::sort(out.begin(), out.end());
  return out;
}

// A reply held for reply-all: two rules passed, one failed with evidence, one skipped with
// evidence, three skipped for two reasons.
MessageRecord held_reply() {
  MessageRecord r;
  r.queue_id = "4XbQ7m1Kz3";
  r.message_id = "r-2291@support.example.com";
  r.thread_id = "9f41c0d2a7e3b5c81e06";
  r.direction = "outbound";
  r.author = "dana@support.example.com";
  r.customer = "ivo.marek@client.example";
  r.message_time = "2026-11-04T10:12:30.000Z";
  r.action = "hold";
  r.mode = "enforce";
  r.passed = {"polite-tone", "plain-language"};
  r.findings = {
      {"reply-all", "fail", "hold", "tomas.berg@client.example was on the customer's message and is not on the reply",
       nlohmann::json{{"missing", {"tomas.berg@client.example"}}}},
      {"meaningful-subject", "skip", "off", "not a new outbound thread", nullptr},
      {"answer-every-question", "skip", "off", "answered between the quoted lines",
       nlohmann::json{{"inline", true}}},
      {"acknowledge-with-eta", "skip", "off", "not an acknowledgement", nullptr},
      {"apology-on-complaint", "skip", "off", "not an acknowledgement", nullptr},
  };
  r.hold_reason = "reply-all";
  return r;
}

std::string line_of(const nlohmann::json& record) {
  nlohmann::json j = {{"time", "2026-11-04T10:12:30.120Z"}, {"event", "message"}, {"seq", 7}, {"prev", std::string(64, '0')}};
  j.update(record);
  return j.dump();
}

TEST(AuditRecord, SkipsWithoutEvidenceAreNamedUnderTheirReason) {
  const auto j = to_json(held_reply());
  EXPECT_EQ(j["format"], 2);
  EXPECT_EQ(j["passed"], nlohmann::json({"polite-tone", "plain-language"}));
  ASSERT_EQ(j["findings"].size(), 2u);  // the failure and the skip with evidence
  EXPECT_EQ(j["findings"][0]["rule"], "reply-all");
  EXPECT_EQ(j["findings"][0]["evidence"]["missing"][0], "tomas.berg@client.example");
  EXPECT_EQ(j["findings"][1]["rule"], "answer-every-question");
  EXPECT_EQ(j["skipped"], nlohmann::json({{"not a new outbound thread", {"meaningful-subject"}},
                                          {"not an acknowledgement", {"acknowledge-with-eta", "apology-on-complaint"}}}));
}

TEST(AuditRecord, BothFormsReadIntoTheSameRecord) {
  const MessageRecord r = held_reply();
  // Format 1, as records were written before: every skip a finding of its own, no "format".
  const std::string old_line =
      R"({"time":"2026-11-04T10:12:30.120Z","event":"message","seq":7,"prev":"0000000000000000000000000000000000000000000000000000000000000000",)"
      R"("action":"hold","author":"dana@support.example.com","customer":"ivo.marek@client.example","direction":"outbound",)"
      R"("findings":[{"action":"hold","detail":"tomas.berg@client.example was on the customer's message and is not on the reply","evidence":{"missing":["tomas.berg@client.example"]},"result":"fail","rule":"reply-all"},)"
      R"({"action":"off","detail":"not a new outbound thread","result":"skip","rule":"meaningful-subject"},)"
      R"({"action":"off","detail":"answered between the quoted lines","evidence":{"inline":true},"result":"skip","rule":"answer-every-question"},)"
      R"({"action":"off","detail":"not an acknowledgement","result":"skip","rule":"acknowledge-with-eta"},)"
      R"({"action":"off","detail":"not an acknowledgement","result":"skip","rule":"apology-on-complaint"}],)"
      R"("hold_reason":"reply-all","message_id":"r-2291@support.example.com","message_time":"2026-11-04T10:12:30.000Z","mode":"enforce",)"
      R"("passed":["polite-tone","plain-language"],"queue_id":"4XbQ7m1Kz3","thread_id":"9f41c0d2a7e3b5c81e06"})";
  const std::string new_line = line_of(to_json(r));
  ASSERT_LT(new_line.size(), old_line.size());
  for (const auto& line : {old_line, new_line}) {
    const AuditLine l = read_audit_record(line);
    ASSERT_EQ(l.problem, "") << line;
    const auto* m = std::get_if<MessageRecord>(&l.record);
    ASSERT_NE(m, nullptr);
    EXPECT_EQ(rows(m->findings), rows(r.findings)) << line;
    EXPECT_EQ(m->passed, r.passed);
    EXPECT_EQ(m->failing_rules(), "reply-all");
    EXPECT_EQ(m->hold_reason, r.hold_reason);
    // Written again, either form gives the same compact record.
    EXPECT_EQ(to_json(*m), to_json(r)) << line;
  }
}

TEST(AuditRecord, TheTypeTableNamesAWrongSkippedField) {
  struct Case {
    const char* label;
    const char* record;
    const char* want;
  } cases[] = {
      {"right", R"({"event":"message","format":2,"skipped":{"not a reply":["call-to-action"]}})", ""},
      {"not an object", R"({"event":"message","skipped":["call-to-action"]})", R"(field "skipped" is an array, not an object)"},
      {"a reason not a list", R"({"event":"message","skipped":{"not a reply":"call-to-action"}})",
       R"(field "skipped.not a reply" is a string, not an array)"},
      {"a rule not a string", R"({"event":"message","skipped":{"not a reply":["call-to-action",3]}})",
       R"(field "skipped.not a reply[1]" is a number, not a string)"},
      {"format", R"({"event":"message","format":"2"})", R"(field "format" is a string, not a whole number of at least 0)"},
      {"passed", R"({"event":"message","passed":[true]})", R"(field "passed[0]" is true or false, not a string)"},
  };
  for (const auto& c : cases)
    EXPECT_EQ(audit_record_type_problem(nlohmann::json::parse(c.record)), c.want) << c.label;
}

// What the figures read of a line is what the whole reading gives, whichever parser took it: the
// last of a repeated key, skip reasons in key order, numbers of every kind, escapes, and the same
// words for a line that is no record or has a field of the wrong type.
TEST(AuditRecord, TheFiguresReadWhatTheWholeReadingReads) {
  const std::string head = R"({"time":"2026-11-04T10:12:30.120Z","seq":7,"prev":"0000000000000000000000000000000000000000000000000000000000000000",)";
  const std::vector<std::string> lines = {
      head + R"("event":"message","queue_id":"4XbQ7m1Kz3","thread_id":"t-1","action":"hold","mode":"enforce","format":2,)"
             R"("findings":[{"rule":"reply-all","result":"fail","action":"hold","detail":"a recipient left","evidence":{"missing":["x"]}}],)"
             R"("skipped":{"not a reply":["call-to-action"],"an internal note":["polite-tone","blame-shifting"]},)"
             R"("sla":{"status":"met","latency_s":12.6,"first_reply":true,"waiting_since":"2026-11-04T10:00:00Z"},"notes":["a",1,"b"],"would":"reject"})",
      head + R"("event":"message","action":"accept","action":"hold","sla":{"latency_s":3,"latency_s":9}})",
      head + R"("event":"message","action":"hold","action":"accept","thread_id":"a","thread_id":"b"})",
      head + R"("event":"message","customer":"ren\u00e9e \ud83d\ude00 \"q\" \\u00e9","sla":{"latency_s":-0,"status":"missed"}})",
      head + R"("event":"message","sla":{"latency_s":-0.0,"status":"missed"},"replay":true,"deadline_passed":true,"mode":7})",
      head + R"("event":"release","queue_id":"Q1","by":"mta","evidence":"log","recipients":["a@x",2],"message_id":"m","rules":["r"],)"
             R"("sla":{"status":"not_sent","reason":"held","released":true}})",
      head + R"("event":"sla_breach","thread_id":"t","subject":"s","waited_s":12.7,"target_s":18446744073709551615,"limit_s":-5,"silent_s":null})",
      head + R"("event":"contact_gap","thread_id":"t","last_outbound":"2026-11-01T08:00:00Z","silent_s":1e3,"at":"2026-11-04T09:00:00Z"})",
      head + R"("event":"sla_warning","waited_s":"12"})",
      head + R"("event":"message","skipped":{"not a reply":"call-to-action"}})",
      head + R"("event":"message","findings":[{"rule":3}]})",
      head + R"("event":"message","customer":"\ud800"})",
      head + R"("event":"message"} trailing)",
      head + R"("event":"seal","epoch":0,"mac":"m","reason":"r"})",
      R"({"seq":7,"prev":"x"})",
      R"([1,2])",
      "",
      head.substr(0, 40),
  };
  auto sla = [](const std::optional<SlaResult>& s) { return s ? s->to_json().dump() : std::string("none"); };
  for (const auto& line : lines) {
    const AuditLine all = read_audit_record(line);
    const AuditLine fig = read_audit_record(line, AuditFields::figures);
    EXPECT_EQ(fig.problem, all.problem) << line;
    EXPECT_EQ(fig.unreadable, all.unreadable) << line;
    EXPECT_EQ(fig.event, all.event) << line;
    EXPECT_EQ(fig.time, all.time) << line;
    EXPECT_EQ(fig.seq, all.seq) << line;
    EXPECT_EQ(fig.chain.formed, all.chain.formed) << line;
    EXPECT_EQ(fig.chain.prev, all.chain.prev) << line;
    EXPECT_EQ(fig.chain.event, all.chain.event) << line;
    EXPECT_EQ(fig.record.index(), all.record.index()) << line;
    if (const auto* m = std::get_if<MessageRecord>(&all.record)) {
      MessageRecord want = *m;
      want.passed.clear();
      want.rules.clear();
      for (auto& f : want.findings) f.evidence = nullptr;
      EXPECT_EQ(to_json(std::get<MessageRecord>(fig.record)), to_json(want)) << line;
      // to_json leaves these out when unset; the order of the findings is the reading's own.
      EXPECT_EQ(sla(std::get<MessageRecord>(fig.record).sla), sla(want.sla)) << line;
      std::vector<std::string> got_order, want_order;
      for (const auto& f : std::get<MessageRecord>(fig.record).findings) got_order.push_back(f.rule);
      for (const auto& f : want.findings) want_order.push_back(f.rule);
      EXPECT_EQ(got_order, want_order) << line;
    }
    if (const auto* s = std::get_if<SettleRecord>(&all.record)) {
      SettleRecord want = *s;
      want.rules.clear();
      const auto& got = std::get<SettleRecord>(fig.record);
      EXPECT_EQ(to_json(got), to_json(want)) << line;
      EXPECT_EQ(sla(got.sla), sla(want.sla)) << line;
    }
    if (const auto* e = std::get_if<SlaEventRecord>(&all.record)) {
      EXPECT_EQ(to_json(std::get<SlaEventRecord>(fig.record)), to_json(*e)) << line;
    }
  }
}

}  // namespace
}  // namespace sm
