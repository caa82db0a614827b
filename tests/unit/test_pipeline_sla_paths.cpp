// The SLA clock through every way a reply can go, with a real SQLite store and exact figures: it
// stops only for mail that leaves (accept, annotate, fix), at release for held mail (never for a
// discarded one), never for a rejected or tempfailed message (its resend or retry is the reply);
// and threads found by Outlook's Thread-Index, a ticket token, or the subject and the customer.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "config/config.h"
#include "pipeline/pipeline.h"
#include "sla/clock.h"
#include "pipeline/sweeper.h"
#include "message/message.h"
#include "store/sqlite_store.h"

namespace sm {
namespace {

namespace fs = std::filesystem;

constexpr TimeMs kT0 = 1793610000000;  // 2026-11-02T09:00:00Z
constexpr TimeMs kHour = 3'600'000;

std::string mail(const std::string& headers, const std::string& body) {
  return headers + "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + body;
}

// Ana writes, with Bob in Cc.
const std::string kCustomer = mail(
    "From: Ana Lopez <ana@client.example>\r\nTo: help@support.example.com\r\nCc: bob@client.example\r\n"
    "Subject: Invoice 4471 charged twice\r\nMessage-ID: <c1@client.example>\r\n",
    "Hello,\r\n\r\nWe were charged twice for invoice 4471. Could you refund the second payment?\r\n\r\nAna\r\n");

// Sam answers; `cc` says whether Bob stays on it (reply-all).
std::string reply(const std::string& id, bool cc) {
  return mail("From: Sam <sam@support.example.com>\r\nTo: ana@client.example\r\n" +
                  std::string(cc ? "Cc: bob@client.example\r\n" : "") +
                  "Subject: Re: Invoice 4471 charged twice\r\nMessage-ID: <" + id +
                  ">\r\nIn-Reply-To: <c1@client.example>\r\nReferences: <c1@client.example>\r\n",
              "Hi Ana,\r\n\r\nSorry for the trouble: the second payment is refunded today and reaches your card within "
              "5 days.\r\n\r\nKind regards,\r\nSam\r\nExample Support, +1 555 0100\r\n\r\nOn Mon, Ana wrote:\r\n> We were "
              "charged twice for invoice 4471. Could you refund the second payment?\r\n");
}

class SlaPaths : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = fs::path(::testing::TempDir()) / ("sla-paths-" + std::to_string(getpid()) + ".db");
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(path_.string() + suffix);
    store_ = open_sqlite_store(path_.string());
    auto c = std::make_shared<Config>(*default_config());
    c->support.domains = {"support.example.com"};
    cfg_ = c;
  }
  void TearDown() override {
    store_.reset();
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(path_.string() + suffix);
  }
  // The reply-all rule's action, and with it the verdict on a reply that drops Bob.
  void reply_all(Action a) {
    auto c = std::make_shared<Config>(*cfg_);
    c->rules.settings.at("reply-all").action = a;
    cfg_ = c;
  }
  Verdict run(const std::string& raw, TimeMs at) {
    Pipeline p(store_.get());
    return p.process(parse_message(raw, cfg_->limits), Envelope{}, at, *cfg_);
  }
  ThreadSla state() {
    auto t = store_->get_thread(store_->find_thread({"c1@client.example"}).value());
    return ThreadSla::from_json(nlohmann::json::parse(t->sla));
  }
  fs::path path_;
  std::unique_ptr<ThreadStore> store_;
  std::shared_ptr<const Config> cfg_;
};

void expect_sla(const nlohmann::json& sla, std::optional<std::int64_t> latency, const char* status, bool first,
                const char* waiting_since) {
  if (latency) {
    EXPECT_EQ(sla["latency_s"], *latency) << sla;
  } else {
    EXPECT_TRUE(sla["latency_s"].is_null()) << sla;
  }
  EXPECT_EQ(sla["status"], status) << sla;
  EXPECT_EQ(sla["first_reply"], first) << sla;
  if (waiting_since) {
    EXPECT_EQ(sla["waiting_since"], waiting_since) << sla;
  } else {
    EXPECT_TRUE(sla["waiting_since"].is_null()) << sla;
  }
}

TEST_F(SlaPaths, AcceptAnnotateAndFixStopTheClockAtDelivery) {
  struct Row {
    const char* label;
    Action rule;
    bool cc;
    FinalAction want;
  };
  const Row rows[] = {{"accept", Action::annotate, true, FinalAction::accept},
                      {"annotate", Action::annotate, false, FinalAction::annotate},
                      {"fix", Action::fix, false, FinalAction::fix}};
  for (const auto& r : rows) {
    SCOPED_TRACE(r.label);
    SetUp();
    reply_all(r.rule);
    run(kCustomer, kT0);
    Verdict v = run(reply("a1@support.example.com", r.cc), kT0 + kHour);
    EXPECT_EQ(v.action, r.want);
    expect_sla(v.sla.to_json(), 3600, "within_target", true, "2026-11-02T09:00:00Z");
    EXPECT_FALSE(state().waiting_since.has_value());
    TearDown();
  }
}

TEST_F(SlaPaths, ARejectedReplyIsNotSentAndItsResendIsTheReply) {
  reply_all(Action::reject);
  run(kCustomer, kT0);
  Verdict v = run(reply("a1@support.example.com", false), kT0 + kHour);
  EXPECT_EQ(v.action, FinalAction::reject);
  expect_sla(v.sla.to_json(), std::nullopt, "not_sent", false, "2026-11-02T09:00:00Z");
  EXPECT_EQ(v.sla.reason, "rejected");
  EXPECT_FALSE(store_->get_message("a1@support.example.com").has_value()) << "a rejected reply leaves no trace";
  EXPECT_EQ(state().waiting_since, kT0) << "the customer still waits";

  // The corrected resend, an hour later (the same Message-ID, as a client sends it again).
  v = run(reply("a1@support.example.com", true), kT0 + 2 * kHour);
  EXPECT_EQ(v.action, FinalAction::accept);
  expect_sla(v.sla.to_json(), 7200, "within_target", true, "2026-11-02T09:00:00Z");
  EXPECT_FALSE(state().waiting_since.has_value());
}

TEST_F(SlaPaths, AHeldReplyCountsWhenReleased) {
  reply_all(Action::hold);
  run(kCustomer, kT0);
  Verdict v = run(reply("a1@support.example.com", false), kT0 + kHour);
  EXPECT_EQ(v.action, FinalAction::hold);
  expect_sla(v.sla.to_json(), std::nullopt, "held", false, "2026-11-02T09:00:00Z");
  EXPECT_EQ(store_->get_message("a1@support.example.com")->status, "held");
  EXPECT_EQ(state().waiting_since, kT0) << "held is not delivered: the customer still waits";

  // While it sits in the hold queue the sweeper warns (target 2 h) as for any waiting customer.
  auto settings = sla_settings(*cfg_);
  ThreadSla s = state();
  auto events = sla_due_events(s, kT0 + 2 * kHour + 1000, settings);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].event, "sla_warning");

  // Released three hours after the customer wrote: the reply counts then.
  auto released = sla_on_release(*store_, "a1@support.example.com", kT0 + 3 * kHour, settings);
  ASSERT_TRUE(released.has_value());
  expect_sla(released->to_json(), 10800, "over_target", true, "2026-11-02T09:00:00Z");
  EXPECT_EQ(store_->get_message("a1@support.example.com")->status, "sent");
  EXPECT_FALSE(state().waiting_since.has_value());
  EXPECT_FALSE(sla_on_release(*store_, "a1@support.example.com", kT0 + 4 * kHour, settings).has_value())
      << "released once";
}

TEST_F(SlaPaths, ADiscardedHeldReplyNeverStopsTheClock) {
  reply_all(Action::hold);
  run(kCustomer, kT0);
  run(reply("a1@support.example.com", false), kT0 + kHour);
  EXPECT_TRUE(store_->discard_held("a1@support.example.com"));
  EXPECT_FALSE(store_->get_message("a1@support.example.com").has_value());
  EXPECT_EQ(state().waiting_since, kT0);
  reply_all(Action::annotate);
  Verdict v = run(reply("a2@support.example.com", true), kT0 + 5 * kHour);
  expect_sla(v.sla.to_json(), 18000, "over_target", true, "2026-11-02T09:00:00Z");
}

// The daemon answers 451 when the audit record cannot be written: the store takes the message
// back, and the retry is new, with its full figures, at the time of the attempt that was accepted.
TEST_F(SlaPaths, ATempfailedMessageLeavesNoTraceAndItsRetryCountsOnce) {
  Pipeline p(store_.get());
  {
    Message m = parse_message(kCustomer, cfg_->limits);
    Verdict v = p.judge(m, Envelope{}, kT0, *cfg_);
    p.record(v, *cfg_);
    ASSERT_TRUE(store_->get_message("c1@client.example").has_value());
    EXPECT_TRUE(p.undo(v));  // the audit record could not be written
  }
  EXPECT_FALSE(store_->get_message("c1@client.example").has_value());
  EXPECT_FALSE(store_->find_thread({"c1@client.example"}).has_value()) << "its new thread went with it";
  run(kCustomer, kT0 + 600'000);  // the retry, ten minutes later
  EXPECT_EQ(state().waiting_since, kT0 + 600'000);
  EXPECT_EQ(state().customer_messages, 1);

  {
    Message m = parse_message(reply("a1@support.example.com", true), cfg_->limits);
    Verdict v = p.judge(m, Envelope{}, kT0 + kHour, *cfg_);
    p.record(v, *cfg_);
    EXPECT_FALSE(state().waiting_since.has_value());
    EXPECT_TRUE(p.undo(v));
  }
  EXPECT_EQ(state().waiting_since, kT0 + 600'000) << "taken back, the tempfailed reply stopped nothing";
  EXPECT_EQ(state().replies, 0);
  Verdict v = run(reply("a1@support.example.com", true), kT0 + kHour + 300'000);
  expect_sla(v.sla.to_json(), 3300, "within_target", true, "2026-11-02T09:10:00Z");
  EXPECT_EQ(v.thread_found_by, "references");
}

// A stored message sent again is a repeat: it moves nothing and carries no figures.
TEST_F(SlaPaths, ARepeatCountsNothing) {
  run(kCustomer, kT0);
  run(reply("a1@support.example.com", true), kT0 + kHour);
  Verdict v = run(reply("a1@support.example.com", true), kT0 + 2 * kHour);
  expect_sla(v.sla.to_json(), std::nullopt, "none", false, nullptr);
}

// Threads found the way help desks find them when References are gone.
TEST_F(SlaPaths, ThreadsFoundByThreadIndexTicketAndSubject) {
  auto customer = [](const std::string& from, const std::string& id, const std::string& subject,
                     const std::string& extra) {
    return mail("From: " + from + "\r\nTo: help@support.example.com\r\nSubject: " + subject + "\r\nMessage-ID: <" + id +
                    ">\r\n" + extra,
                "Hello, my invoice is wrong. Could you check it?\r\n");
  };
  auto agent = [](const std::string& to, const std::string& id, const std::string& subject, const std::string& extra) {
    return mail("From: sam@support.example.com\r\nTo: " + to + "\r\nSubject: " + subject + "\r\nMessage-ID: <" + id +
                    ">\r\n" + extra,
                "Hi, it is fixed now.\r\n\r\nSam, +1 555 0100\r\n");
  };
  // Outlook: the reply's References were stripped, its Thread-Index root is the customer's.
  const std::string root = "Thread-Index: AdtP8wG6Ahh4b2tzQ6WcZ3kDHk2bLw==\r\n";
  Verdict c = run(customer("ana@client.example", "o1@client.example", "Wrong invoice", root), kT0);
  Verdict a = run(agent("ana@client.example", "o2@support.example.com", "RE: Wrong invoice",
                        "Thread-Index: AdtP8wG6Ahh4b2tzQ6WcZ3kDHk2bLwAAB3Xw\r\n"),
                  kT0 + kHour);
  EXPECT_EQ(a.thread_found_by, "thread-index");
  EXPECT_EQ(a.thread_id, c.thread_id);
  expect_sla(a.sla.to_json(), 3600, "within_target", true, "2026-11-02T09:00:00Z");

  // A ticket token in the subject.
  c = run(customer("carl@other.example", "t1@other.example", "[#5521] Delivery late", ""), kT0);
  a = run(agent("carl@other.example", "t2@support.example.com", "Re: [#5521] Delivery late", ""), kT0 + 2 * kHour);
  EXPECT_EQ(a.thread_found_by, "ticket");
  EXPECT_EQ(a.thread_id, c.thread_id);
  expect_sla(a.sla.to_json(), 7200, "within_target", true, "2026-11-02T09:00:00Z");

  // A customer who writes a new message with the same subject a day later: the same thread, and
  // the wait still runs from the first message.
  c = run(customer("dina@third.example", "s1@third.example", "Password reset link expired", ""), kT0);
  Verdict again = run(customer("dina@third.example", "s2@third.example", "Password reset link expired", ""), kT0 + 24 * kHour);
  EXPECT_EQ(again.thread_found_by, "subject");
  EXPECT_EQ(again.thread_id, c.thread_id);
  // Another customer with the same subject stays apart.
  Verdict other = run(customer("eve@fourth.example", "s3@fourth.example", "Password reset link expired", ""), kT0 + 25 * kHour);
  EXPECT_EQ(other.thread_found_by, "new");
  EXPECT_NE(other.thread_id, c.thread_id);
  a = run(agent("dina@third.example", "s4@support.example.com", "Re: Password reset link expired", ""), kT0 + 26 * kHour);
  EXPECT_EQ(a.thread_found_by, "subject");
  EXPECT_EQ(a.thread_id, c.thread_id);
  expect_sla(a.sla.to_json(), 93600, "breached", true, "2026-11-02T09:00:00Z");
  // A follow-up whose subject differs only in case and spacing is the same subject (the key
  // subject-continuity compares by): its thread, and the wait counted from the first message.
  c = run(customer("fay@fifth.example", "k1@fifth.example", "Invoice 7731 charged twice", ""), kT0);
  again = run(customer("fay@fifth.example", "k2@fifth.example", "invoice 7731  CHARGED TWICE", ""), kT0 + 3 * kHour);
  EXPECT_EQ(again.thread_found_by, "subject");
  EXPECT_EQ(again.thread_id, c.thread_id);
  a = run(agent("fay@fifth.example", "k3@support.example.com", "Re: Invoice 7731 charged twice", ""), kT0 + 4 * kHour);
  EXPECT_EQ(a.thread_id, c.thread_id);
  expect_sla(a.sla.to_json(), 14400, "over_target", true, "2026-11-02T09:00:00Z");
  // Past the window the same subject is a new thread.
  Verdict late = run(customer("dina@third.example", "s5@third.example", "Password reset link expired", ""),
                     kT0 + 26 * kHour + 15 * 24 * kHour);
  EXPECT_EQ(late.thread_found_by, "new");
}

}  // namespace
}  // namespace sm
