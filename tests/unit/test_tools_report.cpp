// Report figures equal hand-computed values on a crafted audit log.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "audit/anchor.h"
#include "audit/audit_log.h"
#include "audit/seal.h"
#include "tools/report.h"

namespace sm {
namespace {

namespace fs = std::filesystem;

// Three threads:
//  t1: customer 09:00, agent sam first reply 10:00 (1 h), customer 11:00, agent sam next reply 11:30 (30 min)
//  t2: customer 09:00 day 1, sla_breach event; agent lee's reply day 2 12:00 is held (reply-all
//      finding) and released 15:00: the first reply counts then (30 h, breached)
//  t3: customer 09:00, agent lee first reply 12:00 (3 h, over target), customer writes last 13:00;
//      a promise_missed and a contact_gap event; a rejected reply (it counts only as rejected)
const char* kLog[] = {
    R"({"event":"message","message_time":"2026-11-02T09:00:00.000Z","thread_id":"t1","direction":"inbound","action":"accept","findings":[]})",
    R"({"event":"message","message_time":"2026-11-02T10:00:00.000Z","thread_id":"t1","direction":"outbound","author":"sam@support.example.com","action":"accept","findings":[],"sla":{"latency_s":3600,"first_reply":true,"status":"within_target"}})",
    R"({"event":"message","message_time":"2026-11-02T11:00:00.000Z","thread_id":"t1","direction":"inbound","action":"accept","findings":[]})",
    R"({"event":"message","message_time":"2026-11-02T11:30:00.000Z","thread_id":"t1","direction":"outbound","author":"sam@support.example.com","action":"accept","findings":[],"sla":{"latency_s":1800,"first_reply":false,"status":"within_target"}})",
    R"({"event":"message","message_time":"2026-11-02T09:00:00.000Z","thread_id":"t2","direction":"inbound","customer":"ana@client.example","action":"accept","findings":[]})",
    R"({"event":"sla_breach","at":"2026-11-03T09:00:01Z","thread_id":"t2"})",
    R"({"event":"message","message_time":"2026-11-03T12:00:00.000Z","thread_id":"t2","direction":"outbound","author":"lee@support.example.com","action":"hold","findings":[{"rule":"reply-all","result":"fail","action":"hold"}],"sla":{"latency_s":null,"first_reply":false,"status":"held","waiting_since":"2026-11-02T09:00:00Z"}})",
    R"({"event":"release","time":"2026-11-03T15:00:00.000Z","queue_id":"Q2","message_id":"m2@x","thread_id":"t2","direction":"outbound","author":"lee@support.example.com","sla":{"latency_s":108000,"first_reply":true,"status":"breached","released":true}})",
    R"({"event":"message","message_time":"2026-11-03T09:00:00.000Z","thread_id":"t3","direction":"inbound","action":"accept","findings":[]})",
    R"({"event":"message","message_time":"2026-11-03T12:00:00.000Z","thread_id":"t3","direction":"outbound","author":"lee@support.example.com","action":"accept","findings":[{"rule":"quoted-history","result":"fail","action":"log"}],"sla":{"latency_s":10800,"first_reply":true,"status":"over_target"}})",
    R"({"event":"message","message_time":"2026-11-03T12:30:00.000Z","thread_id":"t3","direction":"outbound","author":"lee@support.example.com","action":"reject","findings":[{"rule":"reply-all","result":"fail","action":"reject"}],"sla":{"latency_s":null,"first_reply":false,"status":"not_sent","reason":"rejected"}})",
    R"({"event":"message","message_time":"2026-11-03T13:00:00.000Z","thread_id":"t3","direction":"inbound","action":"accept","findings":[]})",
    R"({"event":"promise_missed","at":"2026-11-03T14:00:00Z","thread_id":"t3"})",
    R"({"event":"contact_gap","at":"2026-11-06T12:30:00Z","thread_id":"t3"})",
    "this line is not JSON",
};

fs::path write_log() {
  auto p = fs::path(::testing::TempDir()) / ("report-" + std::to_string(getpid()) + ".jsonl");
  std::ofstream out(p);
  for (const char* l : kLog) out << l << "\n";
  return p;
}

TEST(Report, TotalsMatchHandComputedFigures) {
  auto r = build_report({write_log().string()}, ReportOptions{});
  const auto& t = r["total"];
  EXPECT_EQ(t["threads"], 3);
  EXPECT_EQ(t["customer_messages"], 5);
  EXPECT_EQ(t["replies"], 4);  // the rejected one did not leave
  EXPECT_EQ(t["first_reply"]["count"], 3);
  EXPECT_EQ(t["first_reply"]["p50_s"], 10800);  // 1 h, 3 h, 30 h (at release)
  EXPECT_EQ(t["first_reply"]["p90_s"], 108000);
  EXPECT_EQ(t["first_reply"]["max_s"], 108000);
  EXPECT_EQ(t["next_reply"]["count"], 1);
  EXPECT_EQ(t["next_reply"]["p50_s"], 1800);
  EXPECT_DOUBLE_EQ(t["within_target"].get<double>(), 0.5);  // 1 h and 30 min of four answers
  EXPECT_DOUBLE_EQ(t["within_limit"].get<double>(), 0.75);
  EXPECT_EQ(t["breaches"], 1);
  EXPECT_EQ(t["contact_gaps"], 1);
  EXPECT_EQ(t["promises_missed"], 1);
  EXPECT_EQ(t["customer_last_word"], 1);  // t3
  EXPECT_EQ(t["held"], 1);
  EXPECT_EQ(t["released"], 1);
  EXPECT_EQ(t["rejected"], 1);
  EXPECT_EQ(t["findings"]["reply-all"], 2);
  EXPECT_EQ(t["findings"]["quoted-history"], 1);
  EXPECT_EQ(r["unreadable_lines"], 1);
}

TEST(Report, PeriodAndGroups) {
  ReportOptions by_agent;
  by_agent.by = "agent";
  auto r = build_report({write_log().string()}, by_agent);
  EXPECT_EQ(r["groups"]["sam@support.example.com"]["replies"], 2);
  EXPECT_EQ(r["groups"]["lee@support.example.com"]["replies"], 2);  // released, and the one accepted
  EXPECT_EQ(r["groups"]["lee@support.example.com"]["rejected"], 1);

  ReportOptions day2;
  day2.from = parse_rfc3339("2026-11-03T00:00:00Z");
  day2.to = parse_rfc3339("2026-11-04T00:00:00Z");
  r = build_report({write_log().string()}, day2);
  EXPECT_EQ(r["total"]["threads"], 2);
  EXPECT_EQ(r["total"]["customer_messages"], 2);
  EXPECT_EQ(r["total"]["contact_gaps"], 0);

  ReportOptions by_day;
  by_day.by = "day";
  r = build_report({write_log().string()}, by_day);
  EXPECT_EQ(r["groups"]["2026-11-02"]["replies"], 2);
  EXPECT_EQ(r["groups"]["2026-11-03"]["replies"], 2);
}

TEST(Report, RenderingsCarryTheFigures) {
  auto r = build_report({write_log().string()}, ReportOptions{});
  std::string text = report_text(r);
  EXPECT_NE(text.find("within target 50.0%"), std::string::npos) << text;
  EXPECT_NE(text.find("customer had the last word in 1 threads"), std::string::npos) << text;
  std::string html = report_html(r);
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("id=\"histogram\""), std::string::npos);
  EXPECT_NE(html.find("id=\"sla-share\""), std::string::npos);
  EXPECT_EQ(html.find("http"), std::string::npos) << "self-contained: nothing loaded from elsewhere";
}

// Each count has its rows: the auditor goes from "breaches 1" to the thread, from "over target" to
// the reply, with its Message-ID and queue id where the record has them.
TEST(Report, EveryCountHasItsRows) {
  auto r = build_report({write_log().string()}, ReportOptions{});
  const auto& l = r["lists"];
  ASSERT_EQ(l["replies"].size(), 4u);
  EXPECT_EQ(l["breaches"].size(), r["total"]["breaches"].get<std::size_t>());
  EXPECT_EQ(l["breaches"][0]["thread_id"], "t2");
  EXPECT_EQ(l["breaches"][0]["customer"], "ana@client.example") << "the thread's customer, from its messages";
  EXPECT_EQ(l["over_target"][0]["customer"], "ana@client.example");
  ASSERT_EQ(l["over_target"].size(), 2u);  // t3's 3 h and t2's 30 h (at release)
  EXPECT_EQ(l["over_target"][0]["thread_id"], "t2");
  EXPECT_EQ(l["over_target"][0]["message_id"], "m2@x");
  EXPECT_EQ(l["over_target"][0]["queue_id"], "Q2");
  EXPECT_EQ(l["over_target"][0]["latency_s"], 108000);
  EXPECT_EQ(l["over_target"][1]["agent"], "lee@support.example.com");
  EXPECT_EQ(l["held"].size(), 1u);
  EXPECT_EQ(l["held"][0]["rules"], "reply-all");
  EXPECT_EQ(l["released"].size(), 1u);
  EXPECT_EQ(l["rejected"].size(), 1u);
  EXPECT_EQ(l["promises_missed"].size(), 1u);
  EXPECT_EQ(l["contact_gaps"].size(), 1u);
  ASSERT_EQ(l["customer_last_word"].size(), 1u);
  EXPECT_EQ(l["customer_last_word"][0]["thread_id"], "t3");
  EXPECT_EQ(l["findings"].size(), 3u);
  // The CSV of a list: a header, one row per entry, every field quoted.
  auto csv = report_csv(r, "over_target");
  EXPECT_EQ(csv.substr(0, csv.find("\r\n")),
            R"("thread_id","message_id","queue_id","customer","agent","waiting_since","answered_at","latency_s","first_reply")");
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 3);
}

// Days are local days of sla.time_zone: 23:30 UTC on 2 November is already the 3rd in Madrid.
TEST(Report, DaysAreCountedInTheConfiguredZone) {
  auto p = fs::path(::testing::TempDir()) / ("report-zone-" + std::to_string(getpid()) + ".jsonl");
  {
    std::ofstream out(p);
    out << R"({"event":"message","message_time":"2026-11-02T22:30:00.000Z","thread_id":"z","direction":"inbound","action":"accept","findings":[]})" << "\n"
        << R"({"event":"message","message_time":"2026-11-02T23:30:00.000Z","thread_id":"z","direction":"outbound","author":"sam@support.example.com","action":"accept","findings":[],"sla":{"latency_s":3600,"first_reply":true}})" << "\n";
  }
  ReportOptions utc, madrid;
  madrid.time_zone = "Europe/Madrid";
  EXPECT_TRUE(build_report({p.string()}, utc)["views"]["day"].contains("2026-11-02"));
  auto m = build_report({p.string()}, madrid);
  EXPECT_EQ(m["views"]["day"]["2026-11-03"]["replies"], 1);
  EXPECT_EQ(m["views"]["day"]["2026-11-02"]["customer_messages"], 1);  // 23:30 in Madrid
  EXPECT_EQ(m["views"]["agent"]["sam@support.example.com"]["first_reply"]["count"], 1);
}

// Two servers on one store: the MX took the customer's message, the submission server the reply
// (with the figures); the MX also saw the reply on its way out, as a repeat without figures. Each
// chain is verified on its own; the reply counts once, with the submission server's latency.
TEST(Report, InstancesAreVerifiedApartAndAMessageCountsOnce) {
  auto dir = fs::path(::testing::TempDir()) / ("report-instances-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const auto mx = (dir / "mx.jsonl").string(), sub = (dir / "submission.jsonl").string();
  {
    AuditLog a(mx, {}, "mx"), b(sub, {}, "submission");
    a.write("message", {{"message_time", "2026-11-02T09:00:00.000Z"}, {"message_id", "c1@client.example"}, {"thread_id", "t"},
                        {"direction", "inbound"}, {"action", "accept"}, {"findings", nlohmann::json::array()}});
    b.write("message", {{"message_time", "2026-11-02T09:20:00.000Z"}, {"message_id", "r1@support.example.com"}, {"thread_id", "t"},
                        {"direction", "outbound"}, {"author", "sam@support.example.com"}, {"action", "accept"},
                        {"findings", nlohmann::json::array()}, {"sla", {{"latency_s", 1200}, {"first_reply", true}}}});
    a.write("message", {{"message_time", "2026-11-02T09:20:01.000Z"}, {"message_id", "r1@support.example.com"}, {"thread_id", "t"},
                        {"direction", "outbound"}, {"author", "sam@support.example.com"}, {"action", "accept"},
                        {"findings", nlohmann::json::array()}});
  }
  auto r = build_report({mx, sub}, ReportOptions{});
  ASSERT_TRUE(r["chain"]["ok"].get<bool>()) << r["chain"].dump();
  ASSERT_EQ(r["chain"]["instances"].size(), 2u);
  EXPECT_EQ(r["chain"]["instances"][0]["instance"], "mx");
  EXPECT_EQ(r["chain"]["instances"][0]["records"], 2);
  EXPECT_EQ(r["chain"]["instances"][1]["records"], 1);
  EXPECT_EQ(r["total"]["replies"], 1);
  EXPECT_EQ(r["total"]["first_reply"]["p50_s"], 1200);
  EXPECT_EQ(r["total"]["customer_last_word"], 0);
  EXPECT_EQ(report_text(r).rfind("audit chain intact: instance mx: 2 records", 0), 0u) << report_text(r);

  // A record of the MX's log changed: that instance's chain is broken, the other's is not.
  std::ifstream in(mx);
  std::string first, second;
  std::getline(in, first);
  std::getline(in, second);
  in.close();
  first.replace(first.find("inbound"), 7, "unknown");
  std::ofstream(mx, std::ios::trunc) << first << "\n" << second << "\n";
  auto broken = build_report({mx, sub}, ReportOptions{});
  EXPECT_FALSE(broken["chain"]["ok"].get<bool>());
  EXPECT_FALSE(broken["chain"]["instances"][0]["ok"].get<bool>());
  EXPECT_TRUE(broken["chain"]["instances"][1]["ok"].get<bool>());
  EXPECT_EQ(broken["chain"]["problems"][0]["instance"], "mx");
}

// A valid chain (written by the audit log's own writer) whose records have fields of the wrong
// type: each is skipped and named (file:line: field), the rest is counted, the chain stays intact.
TEST(Report, RecordsWithFieldsOfTheWrongTypeAreSkippedAndNamed) {
  auto p = fs::path(::testing::TempDir()) / ("report-types-" + std::to_string(getpid()) + ".jsonl");
  fs::remove(p);
  {
    AuditLog log(p.string());
    log.write("message", {{"message_time", "2026-11-02T09:00:00.000Z"},
                          {"thread_id", "t"},
                          {"direction", "inbound"},
                          {"action", "accept"},
                          {"findings", nlohmann::json::array()}});
    log.write("message", {{"message_time", "2026-11-02T09:10:00.000Z"},
                          {"thread_id", "t"},
                          {"direction", "outbound"},
                          {"author", "sam@support.example.com"},
                          {"action", "accept"},
                          {"findings", nlohmann::json::array()},
                          {"sla", {{"latency_s", "ten minutes"}, {"first_reply", true}}}});
    log.write("message", {{"message_time", "2026-11-02T09:20:00.000Z"},
                          {"thread_id", 17},
                          {"direction", "outbound"},
                          {"action", "accept"},
                          {"findings", nlohmann::json::array()}});
    log.write("message", {{"message_time", "2026-11-02T09:30:00.000Z"},
                          {"thread_id", "t"},
                          {"direction", "outbound"},
                          {"action", "hold"},
                          {"findings", {{{"rule", "polite-tone"}, {"result", true}}}}});
    log.write("release",
              {{"time", "2026-11-02T10:00:00.000Z"}, {"queue_id", "Q1"}, {"by", nlohmann::json::array()}});
    log.write("message", {{"message_time", "2026-11-02T10:30:00.000Z"},
                          {"thread_id", "t"},
                          {"direction", "outbound"},
                          {"author", "sam@support.example.com"},
                          {"action", "accept"},
                          {"findings", nlohmann::json::array()},
                          {"sla", {{"latency_s", 5400}, {"first_reply", true}}}});
  }
  auto r = build_report({p.string()}, ReportOptions{});
  EXPECT_TRUE(r["chain"]["ok"].get<bool>()) << r["chain"].dump();
  const auto& skipped = r["skipped_records"];
  ASSERT_EQ(skipped.size(), 4u) << skipped.dump();
  struct Want {
    std::size_t line;
    const char* what;
  } want[] = {
      {2, "field \"sla.latency_s\" is a string, not a number or null"},
      {3, "field \"thread_id\" is a number, not a string"},
      {4, "field \"findings[0].result\" is true or false, not a string"},
      {5, "field \"by\" is an array, not a string"},
  };
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(skipped[i]["file"], p.string()) << i;
    EXPECT_EQ(skipped[i]["line"], want[i].line) << i;
    EXPECT_EQ(skipped[i]["what"], want[i].what) << i;
  }
  // The records of the right form are counted.
  EXPECT_EQ(r["total"]["customer_messages"], 1);
  EXPECT_EQ(r["total"]["replies"], 1);
  EXPECT_EQ(r["total"]["first_reply"]["p50_s"], 5400);
  const std::string text = report_text(r);
  EXPECT_NE(text.find("skipped 4 record(s) with a field of the wrong type"), std::string::npos) << text;
  EXPECT_NE(text.find(p.string() + ":3: field \"thread_id\" is a number, not a string"), std::string::npos)
      << text;
  EXPECT_NE(report_html(r).find("id=\"skipped\""), std::string::npos);
}

// OWASP's CSV-injection rule: a text cell that a spreadsheet would read as a formula (=, +, -, @,
// a tab or a carriage return first) gets a leading single quote; other text and numbers stay.
TEST(ReportCsv, CellsThatLookLikeFormulasAreNeutralised) {
  struct Row {
    const char* label;
    std::string in, want;
  } rows[] = {
      {"equals", "=HYPERLINK(\"http://x.example\",\"a\")", "'=HYPERLINK(\"http://x.example\",\"a\")"},
      {"plus", "+1+1", "'+1+1"},
      {"minus", "-2+3", "'-2+3"},
      {"at", "@SUM(A1)", "'@SUM(A1)"},
      {"tab", "\t=1", "'\t=1"},
      {"carriage return", "\r=1", "'\r=1"},
      {"plain", "ana@client.example", "ana@client.example"},
      {"inner equals", "a=b", "a=b"},
      {"empty", "", ""},
  };
  for (const auto& row : rows) EXPECT_EQ(csv_text_cell(row.in), row.want) << row.label;

  nlohmann::json r;
  r["lists"]["findings"] = nlohmann::json::array({{{"rule", "polite-tone"},
                                                   {"action", "hold"},
                                                   {"thread_id", "t"},
                                                   {"message_id", "m@x"},
                                                   {"queue_id", "Q"},
                                                   {"customer", "-cmd|' /C calc'!A0"},
                                                   {"agent", "@agent"},
                                                   {"at", "2026-11-02T09:00:00.000Z"},
                                                   {"detail", "=1+2"}}});
  r["lists"]["replies"] = nlohmann::json::array({{{"thread_id", "t"}, {"latency_s", -5}}});
  auto csv = report_csv(r, "findings");
  auto data = csv.substr(csv.find("\r\n") + 2);
  EXPECT_EQ(data,
            "\"polite-tone\",\"hold\",\"t\",\"m@x\",\"Q\",\"'-cmd|' /C calc'!A0\",\"'@agent\","
            "\"2026-11-02T09:00:00.000Z\",\"'=1+2\"\r\n");
  // A number the report wrote is not text from mail.
  auto replies = report_csv(r, "replies");
  EXPECT_NE(replies.find(",\"-5\""), std::string::npos) << replies;
}

}  // namespace
}  // namespace sm

namespace sm {
namespace {

// What the report could and could not check heads every format: sealed up to which epoch, the
// anchors, the tail after the last seal; and, for CSV, the integrity list row by row.
TEST(Report, EveryFormatSaysWhatWasCheckedOfTheLog) {
  auto dir = fs::path(::testing::TempDir()) / ("report-sealed-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const auto log = (dir / "audit.jsonl").string(), key = (dir / "seal.key").string(), anchor = (dir / "anchor.key").string();
  const VerificationKey v = new_verification_key();
  std::string error;
  ASSERT_TRUE(SealKeyFile::create(key, SealKey::first(v), false, static_cast<unsigned>(-1), static_cast<unsigned>(-1), &error)) << error;
  auto pk = AnchorSigner::create(anchor, false, static_cast<unsigned>(-1), static_cast<unsigned>(-1), &error);
  ASSERT_TRUE(pk) << error;
  std::string anchors;
  {
    AuditLog a(log, {}, "mx");
    a.start_sealing({key, 900, anchor, [&](const std::string& line, const AnchorHead&) { anchors += line + "\n"; }});
    a.write("message", {{"message_time", "2026-11-02T09:00:00.000Z"}, {"message_id", "c1@client.example"}, {"thread_id", "t"},
                        {"direction", "inbound"}, {"action", "accept"}, {"findings", nlohmann::json::array()}});
    a.seal_now("stop");
    a.write("message", {{"message_time", "2026-11-02T09:30:00.000Z"}, {"message_id", "c2@client.example"}, {"thread_id", "t"},
                        {"direction", "inbound"}, {"action", "accept"}, {"findings", nlohmann::json::array()}});
  }
  ReportOptions opts;
  opts.verify.keys = {v};
  std::vector<std::string> errors;
  find_anchors(anchors, "anchors.txt", &opts.verify.anchors, &errors);
  opts.verify.anchor_keys = {*pk};
  opts.verify.anchors_given = true;
  auto r = build_report({log}, opts);
  ASSERT_TRUE(r["chain"]["ok"].get<bool>()) << r["chain"].dump();
  const auto& c = r["chain"]["instances"][0];
  EXPECT_EQ(c["seals"]["sealed_epoch"], 0);
  EXPECT_EQ(c["seals"]["unsealed_tail"], 1);
  EXPECT_EQ(c["anchors"]["anchored_seq"], 2);
  const std::string text = report_text(r);
  EXPECT_EQ(text.rfind("audit chain intact: 3 records", 0), 0u) << text;
  EXPECT_NE(text.find("\nsealed up to epoch 0 (seq 2, "), std::string::npos) << text;
  EXPECT_NE(text.find("; tail after the last seal unsealed: 1 record(s) (seq 3)\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nanchors matched up to seq 2 ("), std::string::npos) << text;
  EXPECT_LT(text.find("anchors matched"), text.find("support-milter report,")) << "at the head";
  const std::string html = report_html(r);
  EXPECT_NE(html.find("sealed up to epoch 0 (seq 2, "), std::string::npos);
  EXPECT_LT(html.find("sealed up to epoch 0"), html.find("id=\"summary\""));
  const std::string csv = report_csv(r, "integrity");
  EXPECT_EQ(csv.substr(0, csv.find("\r\n")), "\"instance\",\"check\",\"status\",\"detail\"");
  EXPECT_NE(csv.find("\"mx\",\"seals\",\"sealed\",\"sealed up to epoch 0"), std::string::npos) << csv;
  EXPECT_NE(csv.find("\"mx\",\"anchors\",\"matched\","), std::string::npos) << csv;
  EXPECT_EQ(report_csv(r, "replies").find("sealed"), std::string::npos) << "the replies' CSV stays one table";

  // Without the key and the anchors: said so, not passed over.
  auto plain = build_report({log}, ReportOptions{});
  const std::string plain_text = report_text(plain);
  EXPECT_NE(plain_text.find("\nseals not checked (no verification key given): the log carries 1 seal(s)"), std::string::npos)
      << plain_text;
  EXPECT_NE(plain_text.find("\nanchors not checked (none given)\n"), std::string::npos);
  EXPECT_NE(report_csv(plain, "integrity").find("\"mx\",\"seals\",\"not checked\","), std::string::npos);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace sm
