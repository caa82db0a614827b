// A report that goes on from a checkpoint equals one run over the whole log, seals and anchors
// included; a checkpoint made with other keys is refused.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "audit/anchor.h"
#include "audit/audit_log.h"
#include "audit/seal.h"
#include "tools/report.h"
#include "tools/report_checkpoint.h"

namespace sm {
namespace {

namespace fs = std::filesystem;

nlohmann::json whole(const Report& report) {
  nlohmann::json r = report.figures();
  for (const auto& l : report_lists()) {
    nlohmann::json& rows = r["lists"][l.name] = nlohmann::json::array();
    report.rows(l.name, [&](const nlohmann::json& row) { rows.push_back(row); });
  }
  return r;
}

void exchange(AuditLog& a, int n, const std::string& day) {
  const std::string thread = "t" + std::to_string(n);
  a.write("message", {{"message_time", day + "T09:00:00.000Z"}, {"message_id", "c" + std::to_string(n) + "@client.example"},
                      {"thread_id", thread}, {"direction", "inbound"}, {"customer", "ana@client.example"},
                      {"action", "accept"}, {"findings", nlohmann::json::array()}});
  a.write("message", {{"message_time", day + "T10:" + std::to_string(10 + n) + ":00.000Z"},
                      {"message_id", "r" + std::to_string(n) + "@support.example.com"}, {"thread_id", thread},
                      {"direction", "outbound"}, {"author", "sam@support.example.com"}, {"customer", "ana@client.example"},
                      {"action", "accept"},
                      {"findings", nlohmann::json::array({{{"rule", "reply-all"}, {"result", "fail"}, {"action", "log"}}})},
                      {"sla", {{"latency_s", 3600 + 60 * n}, {"first_reply", true}, {"status", "within_target"}}}});
}

TEST(ReportCheckpoint, SealedLogInStepsEqualsOneRun) {
  auto dir = fs::path(::testing::TempDir()) / ("report-checkpoint-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const auto log = (dir / "audit.jsonl").string(), key = (dir / "seal.key").string(), anchor = (dir / "anchor.key").string();
  const auto ckpt = (dir / "report.ckpt").string();
  const VerificationKey v = new_verification_key();
  std::string error;
  ASSERT_TRUE(SealKeyFile::create(key, SealKey::first(v), false, static_cast<unsigned>(-1), static_cast<unsigned>(-1), &error)) << error;
  auto pk = AnchorSigner::create(anchor, false, static_cast<unsigned>(-1), static_cast<unsigned>(-1), &error);
  ASSERT_TRUE(pk) << error;
  std::string anchors;
  auto options = [&] {
    ReportOptions opts;
    opts.verify.keys = {v};
    std::vector<std::string> errors;
    find_anchors(anchors, "anchors.txt", &opts.verify.anchors, &errors);
    opts.verify.anchor_keys = {*pk};
    opts.verify.anchors_given = true;
    return opts;
  };
  AuditLog a(log, {}, "mx");
  a.start_sealing({key, 900, anchor, [&](const std::string& line, const AnchorHead&) { anchors += line + "\n"; }});
  exchange(a, 1, "2026-11-02");
  a.seal_now("hourly");
  exchange(a, 2, "2026-11-02");
  {
    ReportOptions opts = options();
    opts.checkpoint = ckpt;
    Report first({log}, opts);
    EXPECT_TRUE(first.figures()["chain"]["ok"].get<bool>()) << first.figures()["chain"].dump();
    first.commit_checkpoint();
  }
  exchange(a, 3, "2026-11-03");
  a.seal_now("hourly");
  exchange(a, 4, "2026-11-03");
  a.seal_now("stop");
  ReportOptions opts = options();
  const nlohmann::json one = build_report({log}, opts);
  ASSERT_TRUE(one["chain"]["ok"].get<bool>()) << one["chain"].dump();
  EXPECT_EQ(one["chain"]["instances"][0]["anchors"]["matched"], 3);
  EXPECT_EQ(one["total"]["replies"], 4);

  // Other keys: refused before anything is read.
  ReportOptions other = opts;
  other.checkpoint = ckpt;
  other.verify.keys = {new_verification_key()};
  EXPECT_THROW(Report({log}, other), CheckpointError);

  opts.checkpoint = ckpt;
  Report steps({log}, opts);
  EXPECT_EQ(whole(steps), one);
  steps.commit_checkpoint();
  fs::remove_all(dir);
}

// Records of every kind the report counts (held and released, SLA events, a record of the wrong
// form, a line that is not JSON, times out of order), in a log without a chain: the report counts
// it all the same, and the chain's problems go on from the checkpoint as they were.
const char* kRecords[] = {
    R"({"event":"message","message_time":"2026-11-02T09:00:00.000Z","thread_id":"t1","direction":"inbound","customer":"ana@client.example","action":"accept","findings":[]})",
    R"({"event":"message","message_time":"2026-11-02T10:00:00.000Z","thread_id":"t1","direction":"outbound","author":"sam@support.example.com","action":"accept","findings":[],"sla":{"latency_s":3600,"first_reply":true,"status":"within_target"}})",
    R"({"event":"message","message_time":"2026-11-02T09:00:00.000Z","thread_id":"t2","direction":"inbound","customer":"bo@client.example","action":"accept","findings":[]})",
    R"({"event":"sla_breach","at":"2026-11-03T09:00:01Z","thread_id":"t2","subject":"Invoice"})",
    R"({"event":"message","message_time":"2026-11-03T12:00:00.000Z","thread_id":"t2","direction":"outbound","author":"lee@support.example.com","action":"hold","findings":[{"rule":"reply-all","result":"fail","action":"hold"}],"sla":{"latency_s":null,"first_reply":false,"status":"held"}})",
    "this line is not JSON",
    R"({"event":"release","time":"2026-11-03T15:00:00.000Z","queue_id":"Q2","message_id":"m2@x","thread_id":"t2","direction":"outbound","author":"lee@support.example.com","by":"kim","sla":{"latency_s":108000,"first_reply":true,"status":"breached","released":true}})",
    R"({"event":"message","message_time":12,"thread_id":"t9","direction":"inbound","action":"accept","findings":[]})",
    R"({"event":"message","message_time":"2026-11-03T09:00:00.000Z","thread_id":"t3","direction":"inbound","customer":"cy@client.example","action":"accept","findings":[]})",
    R"({"event":"message","message_time":"2026-11-03T12:00:00.000Z","thread_id":"t3","direction":"outbound","author":"lee@support.example.com","action":"accept","findings":[{"rule":"quoted-history","result":"fail","action":"log","detail":"no quote"}],"sla":{"latency_s":10800,"first_reply":true,"status":"over_target"}})",
    R"({"event":"message","message_time":"2026-11-03T12:30:00.000Z","thread_id":"t3","direction":"outbound","author":"lee@support.example.com","action":"reject","findings":[{"rule":"reply-all","result":"fail","action":"reject"}]})",
    R"({"event":"message","message_time":"2026-11-03T13:00:00.000Z","thread_id":"t3","direction":"inbound","customer":"cy@client.example","action":"accept","findings":[]})",
    R"({"event":"promise_missed","at":"2026-11-03T14:00:00Z","thread_id":"t3","promise":"tomorrow"})",
    R"({"event":"message","message_time":"2026-11-01T08:00:00.000Z","thread_id":"t1","direction":"inbound","customer":"ana@client.example","action":"accept","findings":[]})",
    R"({"event":"contact_gap","at":"2026-11-06T12:30:00Z","thread_id":"t3"})",
};

TEST(ReportCheckpoint, EveryKindOfRecordSplitAnywhere) {
  auto dir = fs::path(::testing::TempDir()) / ("report-checkpoint-kinds-" + std::to_string(getpid()));
  const std::size_t n = std::size(kRecords);
  for (std::size_t cut = 0; cut <= n; ++cut) {
    fs::remove_all(dir);
    fs::create_directories(dir);
    const auto log = (dir / "audit.jsonl").string();
    ReportOptions opts;
    opts.by = "week";
    opts.checkpoint = (dir / "report.ckpt").string();
    {
      std::ofstream out(log);
      for (std::size_t i = 0; i < cut; ++i) out << kRecords[i] << "\n";
    }
    Report({log}, opts).commit_checkpoint();
    {
      std::ofstream out(log, std::ios::app);
      for (std::size_t i = cut; i < n; ++i) out << kRecords[i] << "\n";
    }
    Report steps({log}, opts);
    ReportOptions plain = opts;
    plain.checkpoint.clear();
    EXPECT_EQ(whole(steps), build_report({log}, plain)) << "split after " << cut << " records";
  }
  fs::remove_all(dir);
}

TEST(ReportCheckpoint, SeveralInstancesAreRefused) {
  auto dir = fs::path(::testing::TempDir()) / ("report-checkpoint-instances-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const auto mx = (dir / "mx.jsonl").string(), sub = (dir / "submission.jsonl").string();
  {
    AuditLog a(mx, {}, "mx"), b(sub, {}, "submission");
    exchange(a, 1, "2026-11-02");
    exchange(b, 2, "2026-11-02");
  }
  ReportOptions opts;
  opts.checkpoint = (dir / "report.ckpt").string();
  try {
    Report({mx, sub}, opts);
    ADD_FAILURE() << "several instances with a checkpoint";
  } catch (const CheckpointError& e) {
    EXPECT_NE(std::string(e.what()).find("one instance"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(opts.checkpoint));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace sm
