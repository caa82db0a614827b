// Replay of mbox and Maildir: Date order, original times, the same verdicts as live processing.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <csignal>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tools/replay.h"
#include "tests/unit/files.h"

namespace sm {
namespace {

namespace fs = std::filesystem;

using test::slurp;

std::vector<nlohmann::json> records(const fs::path& p) {
  std::ifstream in(p);
  std::vector<nlohmann::json> out;
  for (std::string l; std::getline(in, l);) out.push_back(nlohmann::json::parse(l));
  return out;
}

class Replay : public ::testing::Test {
 protected:
  fs::path dir = fs::path(::testing::TempDir()) / ("replay-" + std::to_string(getpid()));
  fs::path conv = fs::path(SM_TEST_DATA) / "conversations" / "en";
  std::shared_ptr<Config> cfg = std::make_shared<Config>(*default_config());
  void SetUp() override {
    fs::remove_all(dir);
    fs::create_directories(dir);
    cfg->support.domains = {"support.example.com"};
  }
  void TearDown() override { fs::remove_all(dir); }
  std::vector<nlohmann::json> run(const std::vector<std::string>& sources) {
    auto store = open_store("sqlite::memory:");
    {
      AuditLog audit((dir / "audit.jsonl").string());
      std::ostringstream notes;
      replay(sources, *cfg, *store, audit, notes);
    }
    return records(dir / "audit.jsonl");
  }
};

TEST_F(Replay, MboxInDateOrderWithOriginalTimes) {
  // Written newest first, with a ">From " line in a body.
  std::ofstream mbox(dir / "box.mbox", std::ios::binary);
  std::vector<std::string> files = {"04-agent-bad-reply.eml", "03-customer-followup.eml", "02-agent-reply.eml", "01-customer.eml"};
  for (const auto& f : files) {
    std::string m = slurp(conv / f);
    mbox << "From someone@example Mon Nov  2 09:00:00 2026\n" << m << "\n";
  }
  mbox << "From someone@example Mon Nov  2 09:00:00 2026\nSubject: no date\n\n>From the archive\n";
  mbox.close();
  auto recs = run({(dir / "box.mbox").string()});
  std::vector<std::string> ids, times;
  for (const auto& r : recs)
    if (r["event"] == "message") ids.push_back(r["message_id"]), times.push_back(r["message_time"]);
  EXPECT_EQ(ids, (std::vector<std::string>{"en-c1@client.example", "en-a2@support.example.com", "en-c3@client.example",
                                            "en-a4@support.example.com"}));
  EXPECT_EQ(times.front(), "2026-11-02T09:00:00.000Z");
  EXPECT_EQ(recs.back()["action"], "fix");
  EXPECT_EQ(recs[1]["sla"]["latency_s"], 4200);
}

// A record that cannot be written (the log's file may not grow, as on a full disk): the message is
// taken back from the store, as the milter does when it answers 451, and counted apart; with
// audit.on_error = accept it stays.
TEST_F(Replay, AFailedAuditWriteIsTheMiltersTransaction) {
  {
    std::ofstream mbox(dir / "box.mbox", std::ios::binary);
    for (const char* f : {"01-customer.eml", "02-agent-reply.eml"})
      mbox << "From someone@example Mon Nov  2 09:00:00 2026\n" << slurp(conv / f) << "\n";
  }
  const std::vector<std::string> sources = {(dir / "box.mbox").string()};
  for (FailAction on_error : {FailAction::tempfail, FailAction::accept}) {
    SCOPED_TRACE(on_error == FailAction::tempfail ? "tempfail" : "accept");
    cfg->audit.on_error = on_error;
    auto store = open_store("sqlite::memory:");
    ReplayResult r;
    {
      AuditLog audit((dir / "full.jsonl").string());
      rlimit old{};
      getrlimit(RLIMIT_FSIZE, &old);
      const auto previous = signal(SIGXFSZ, SIG_IGN);
      rlimit tight = old;
      tight.rlim_cur = fs::file_size(dir / "full.jsonl") + 1;
      ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &tight), 0);
      std::ostringstream notes;
      r = replay(sources, *cfg, *store, audit, notes);
      setrlimit(RLIMIT_FSIZE, &old);
      signal(SIGXFSZ, previous);
      EXPECT_NE(notes.str().find("audit record not written"), std::string::npos) << notes.str();
    }
    EXPECT_EQ(r.messages, 2u);
    EXPECT_EQ(r.unrecorded, 2u);
    EXPECT_EQ(store->get_message("en-c1@client.example").has_value(), on_error == FailAction::accept);
    EXPECT_EQ(store->get_message("en-a2@support.example.com").has_value(), on_error == FailAction::accept);
    fs::remove(dir / "full.jsonl");
  }
}

TEST_F(Replay, MaildirAndSweeperEvents) {
  fs::create_directories(dir / "md" / "cur");
  fs::create_directories(dir / "md" / "new");
  fs::copy_file(conv / "01-customer.eml", dir / "md" / "cur" / "1.eml");
  // A second customer thread, two days later: the first one's wait passes target and limit.
  std::string late = slurp(conv / "01-customer.eml");
  late.replace(late.find("Mon, 02 Nov 2026 09:00:00"), 25, "Wed, 04 Nov 2026 09:00:00");
  late.replace(late.find("<en-c1@client.example>"), 22, "<en-late@client.example>");
  std::ofstream(dir / "md" / "new" / "2.eml", std::ios::binary) << late;
  auto recs = run({(dir / "md").string()});
  std::vector<std::string> events;
  for (const auto& r : recs) events.push_back(r["event"]);
  EXPECT_EQ(events, (std::vector<std::string>{"message", "sla_warning", "sla_breach", "message"}));
}

}  // namespace
}  // namespace sm
