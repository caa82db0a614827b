// The SLA sweeper on a real SQLite store: each event fires once, at its time.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "pipeline/pipeline.h"
#include "pipeline/sweeper.h"
#include "store/sqlite_store.h"

namespace sm {
namespace {

namespace fs = std::filesystem;
constexpr TimeMs kH = 3600 * 1000;
constexpr TimeMs kFri17 = 1795194000000;  // Friday 2026-11-20 17:00 UTC

std::string mail(const std::string& id, const std::string& from, const std::string& to, const std::string& body,
                 const std::string& parent = "") {
  std::string m = "From: " + from + "\r\nTo: " + to + "\r\nSubject: " + (parent.empty() ? "" : "Re: ") +
                  "Order 5521 missing\r\nMessage-ID: <" + id + ">\r\n";
  if (!parent.empty()) m += "In-Reply-To: <" + parent + ">\r\nReferences: <" + parent + ">\r\n";
  return m + "\r\n" + body + "\r\n";
}

std::vector<nlohmann::json> events(const fs::path& p) {
  std::ifstream in(p);
  std::vector<nlohmann::json> out;
  for (std::string line; std::getline(in, line);) {
    auto j = nlohmann::json::parse(line);
    if (j["event"] != "message") out.push_back(j);
  }
  return out;
}

struct Fixture {
  fs::path dir = fs::path(::testing::TempDir()) / ("sweep-" + std::to_string(getpid()));
  std::unique_ptr<ThreadStore> store;
  std::unique_ptr<AuditLog> audit;
  std::shared_ptr<Config> cfg = std::make_shared<Config>(*default_config());
  Fixture() {
    fs::remove_all(dir);
    fs::create_directories(dir);
    store = open_sqlite_store((dir / "state.db").string());
    audit = std::make_unique<AuditLog>((dir / "audit.jsonl").string());
    cfg->support.domains = {"support.example.com"};
  }
  ~Fixture() { fs::remove_all(dir); }
  void send(const std::string& raw, TimeMs at) {
    Pipeline p(store.get());
    Message m = parse_message(raw, cfg->limits);
    p.process(m, Envelope{}, at, *cfg);
  }
};

TEST(Sweeper, WarningThenBreachOnceEach) {
  Fixture f;
  f.send(mail("c1@client.example", "ana@client.example", "help@support.example.com", "Where is order 5521?"), kFri17);
  EXPECT_EQ(sweep(*f.store, kFri17 + kH, sla_settings(*f.cfg), f.audit.get()), 0u);
  EXPECT_EQ(sweep(*f.store, kFri17 + 2 * kH, sla_settings(*f.cfg), f.audit.get()), 1u);   // target reached
  EXPECT_EQ(sweep(*f.store, kFri17 + 3 * kH, sla_settings(*f.cfg), f.audit.get()), 0u);   // once
  EXPECT_EQ(sweep(*f.store, kFri17 + 25 * kH, sla_settings(*f.cfg), f.audit.get()), 1u);  // the weekend counts
  EXPECT_EQ(sweep(*f.store, kFri17 + 50 * kH, sla_settings(*f.cfg), f.audit.get()), 0u);
  auto ev = events(f.dir / "audit.jsonl");
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0]["event"], "sla_warning");
  EXPECT_EQ(ev[1]["event"], "sla_breach");
  EXPECT_EQ(ev[1]["waiting_since"], "2026-11-20T17:00:00Z");
}

// An event whose audit record cannot be written (the file may not grow: RLIMIT_FSIZE fails the
// write as a full disk does) is not lost: the next sweep after the log takes records again writes it.
TEST(Sweeper, AnEventTheAuditLogRefusedComesRoundAgain) {
  Fixture f;
  f.send(mail("c1@client.example", "ana@client.example", "help@support.example.com", "Where is order 5521?"), kFri17);
  const auto path = f.dir / "audit.jsonl";
  {
    // Every file may grow not one byte more while the guard lives (the store too: the sweep must
    // not get as far as saving the thread).
    struct FileSizeLimit {
      rlimit old{};
      sighandler_t old_handler = signal(SIGXFSZ, SIG_IGN);
      explicit FileSizeLimit(rlim_t bytes) {
        getrlimit(RLIMIT_FSIZE, &old);
        rlimit r = old;
        r.rlim_cur = bytes;
        setrlimit(RLIMIT_FSIZE, &r);
      }
      ~FileSizeLimit() {
        setrlimit(RLIMIT_FSIZE, &old);
        signal(SIGXFSZ, old_handler);
      }
    } limit(fs::file_size(path));
    EXPECT_EQ(sweep(*f.store, kFri17 + 2 * kH, sla_settings(*f.cfg), f.audit.get()), 0u);
  }
  EXPECT_TRUE(events(path).empty());
  EXPECT_EQ(sweep(*f.store, kFri17 + 2 * kH + 60000, sla_settings(*f.cfg), f.audit.get()), 1u);
  auto ev = events(path);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0]["event"], "sla_warning");
  EXPECT_EQ(sweep(*f.store, kFri17 + 3 * kH, sla_settings(*f.cfg), f.audit.get()), 0u);  // and only once
}

TEST(Sweeper, AnsweredInTimeFiresNothing) {
  Fixture f;
  f.send(mail("c1@client.example", "ana@client.example", "help@support.example.com", "Where is order 5521?"), kFri17);
  f.send(mail("a1@support.example.com", "sam@support.example.com", "ana@client.example", "It ships today.", "c1@client.example"), kFri17 + kH);
  EXPECT_EQ(sweep(*f.store, kFri17 + 30 * kH, sla_settings(*f.cfg), f.audit.get()), 0u);
}

TEST(Sweeper, PromiseMissedAndContactGap) {
  Fixture f;
  f.send(mail("c1@client.example", "ana@client.example", "help@support.example.com", "Where is order 5521?"), kFri17);
  f.send(mail("a1@support.example.com", "sam@support.example.com", "ana@client.example",
              "We have received your message and will answer within 2 hours.", "c1@client.example"), kFri17 + kH / 2);
  EXPECT_EQ(sweep(*f.store, kFri17 + 2 * kH, sla_settings(*f.cfg), f.audit.get()), 0u);
  EXPECT_EQ(sweep(*f.store, kFri17 + 3 * kH, sla_settings(*f.cfg), f.audit.get()), 1u);  // promise_missed
  EXPECT_EQ(sweep(*f.store, kFri17 + 80 * kH, sla_settings(*f.cfg), f.audit.get()), 1u);  // contact_gap after 3 days
  auto ev = events(f.dir / "audit.jsonl");
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0]["event"], "promise_missed");
  EXPECT_EQ(ev[0]["promised_by"], "2026-11-20T19:30:00Z");
  EXPECT_EQ(ev[1]["event"], "contact_gap");
}

TEST(Sweeper, KeptPromiseIsReported) {
  Fixture f;
  f.send(mail("c1@client.example", "ana@client.example", "help@support.example.com", "Where is order 5521?"), kFri17);
  f.send(mail("a1@support.example.com", "sam@support.example.com", "ana@client.example",
              "We have received your message and will answer within 2 hours.", "c1@client.example"), kFri17 + kH / 2);
  Pipeline p(f.store.get());
  Message m = parse_message(mail("a2@support.example.com", "sam@support.example.com", "ana@client.example",
                                 "Order 5521 left our warehouse this morning; tracking number ZX1.", "a1@support.example.com"),
                            f.cfg->limits);
  Verdict v = p.process(m, Envelope{}, kFri17 + kH, *f.cfg);
  EXPECT_EQ(v.sla.promise_kept, true);
  EXPECT_EQ(sweep(*f.store, kFri17 + 10 * kH, sla_settings(*f.cfg), f.audit.get()), 0u);
}

}  // namespace
}  // namespace sm
