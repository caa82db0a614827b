// A report that goes on from a checkpoint equals one run over the whole log, seals and anchors
// included; a checkpoint made with other keys is refused.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

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

}  // namespace
}  // namespace sm
