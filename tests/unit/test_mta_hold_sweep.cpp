// Held mail that left the hold queue by other means: the store compared with the queue, the mail
// log read, the decision, and the sweep over a real SQLite store with an MTA that says what it is
// told (one record, the figures of `release`, nothing when the queue cannot be read).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "mta/hold_sweep.h"
#include "store/sqlite_store.h"

namespace sm {
namespace {

namespace fs = std::filesystem;

constexpr TimeMs kMinute = 60 * 1000;
constexpr TimeMs kT0 = 1795194000000;  // 2026-11-20 17:00 UTC

QueueEntry entry(const std::string& queue, const std::string& id) {
  QueueEntry e;
  e.queue_name = queue;
  e.queue_id = id;
  e.sender = "omar@support.example.com";
  e.recipients = {"priya@client.example"};
  return e;
}

StoredMessage held_message(const std::string& message_id, const std::string& queue_id) {
  StoredMessage m;
  m.message_id = message_id;
  m.thread_id = "t-" + message_id;
  m.direction = Direction::outbound;
  m.status = "held";
  m.queue_id = queue_id;
  m.instance = "mx1";
  return m;
}

TEST(LeftHoldQueue, ListsTheStoresHeldMessagesTheHoldQueueNoLongerHas) {
  const std::vector<StoredMessage> held = {held_message("a@x", "4AAAA1"), held_message("b@x", "4BBBB2"),
                                           held_message("c@x", "4CCCC3"), held_message("d@x", "")};
  struct Row {
    const char* label;
    std::vector<QueueEntry> queue;
    std::vector<std::string> left;
  } rows[] = {
      {"all still held", {entry("hold", "4AAAA1"), entry("hold", "4BBBB2"), entry("hold", "4CCCC3")}, {}},
      {"one released to the deferred queue",
       {entry("deferred", "4AAAA1"), entry("hold", "4BBBB2"), entry("hold", "4CCCC3")},
       {"a@x"}},
      {"one gone from every queue", {entry("hold", "4AAAA1"), entry("hold", "4CCCC3")}, {"b@x"}},
      {"an empty queue", {}, {"a@x", "b@x", "c@x"}},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.label);
    std::vector<std::string> got;
    for (const auto* m : left_hold_queue(held, row.queue)) got.push_back(m->message_id);
    EXPECT_EQ(got, row.left) << "a message without a queue id is never compared";
  }
}

TEST(PostfixLog, ThePostsuperLineAfterTheHoldDecides) {
  const std::string hold =
      "Nov 20 17:00:01 mx1 postfix/cleanup[311]: 4Fb2Xk0Y1Zz9: milter-hold: END-OF-MESSAGE from "
      "localhost[127.0.0.1]: support-milter: quoted-history; from=<omar@support.example.com>\n";
  struct Row {
    const char* label;
    std::string log;
    HoldExit::Way way;
    const char* evidence;
  } rows[] = {
      {"released with postsuper -H",
       hold + "Nov 20 17:03:10 mx1 postfix/postsuper[402]: 4Fb2Xk0Y1Zz9: released from hold\n",
       HoldExit::Way::released, "log"},
      {"requeued with postsuper -r (out of hold too)",
       hold + "Nov 20 17:03:10 mx1 postfix/postsuper[402]: 4Fb2Xk0Y1Zz9: requeued\n", HoldExit::Way::released,
       "log"},
      {"deleted with postsuper -d",
       hold + "Nov 20 17:03:10 mx1 postfix/postsuper[402]: 4Fb2Xk0Y1Zz9: removed\n", HoldExit::Way::deleted,
       "log"},
      {"released, then delivered (qmgr removes it)",
       hold + "Nov 20 17:03:10 mx1 postfix/postsuper[402]: 4Fb2Xk0Y1Zz9: released from hold\n"
              "Nov 20 17:03:11 mx1 postfix/smtp[405]: 4Fb2Xk0Y1Zz9: to=<priya@client.example>, status=sent "
              "(250 ok)\n"
              "Nov 20 17:03:11 mx1 postfix/qmgr[300]: 4Fb2Xk0Y1Zz9: removed\n",
       HoldExit::Way::released, "log"},
      {"released, then deleted from the deferred queue",
       hold + "Nov 20 17:03:10 mx1 postfix/postsuper[402]: 4Fb2Xk0Y1Zz9: released from hold\n"
              "Nov 20 17:09:00 mx1 postfix/postsuper[410]: 4Fb2Xk0Y1Zz9: removed\n",
       HoldExit::Way::deleted, "log"},
      {"only qmgr's line is left (postsuper's is in a rotated log)",
       hold + "Nov 20 17:03:11 mx1 postfix/qmgr[300]: 4Fb2Xk0Y1Zz9: removed\n", HoldExit::Way::released,
       "log"},
      {"maillog_file's form and another syslog_name",
       hold + "2026-11-20T17:03:10.123456+00:00 mx1 postfix-out/postsuper[402]: 4Fb2Xk0Y1Zz9: removed\n",
       HoldExit::Way::deleted, "log"},
      {"the same short id, used by an earlier message, before the hold",
       "Nov 20 16:00:00 mx1 postfix/postsuper[100]: 4Fb2Xk0Y1Zz9: removed\n" + hold, HoldExit::Way::unknown,
       ""},
      {"another id only", hold + "Nov 20 17:03:10 mx1 postfix/postsuper[402]: 4Fb2Xk0Y1Zz8: removed\n",
       HoldExit::Way::unknown, ""},
      {"nothing after the hold", hold, HoldExit::Way::unknown, ""},
      {"no log at all", "", HoldExit::Way::unknown, ""},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.label);
    std::map<std::string, HoldExit> exits = {{"4Fb2Xk0Y1Zz9", {}}};
    read_postfix_log(row.log, "/var/log/mail.log", &exits);
    EXPECT_EQ(exits["4Fb2Xk0Y1Zz9"].way, row.way);
    EXPECT_EQ(exits["4Fb2Xk0Y1Zz9"].evidence, row.evidence);
    if (row.way != HoldExit::Way::unknown) {
      EXPECT_NE(exits["4Fb2Xk0Y1Zz9"].detail.find("/var/log/mail.log"), std::string::npos);
    }
  }
}

TEST(SendmailLog, ADeliveryLineSaysReleasedNothingSaysDeleted) {
  struct Row {
    const char* label;
    std::string log;
    HoldExit::Way way;
  } rows[] = {
      {"delivered after -qQ",
       "Nov 20 17:03:11 mx1 sm-mta[88]: 0AKH01aB012345: to=<priya@client.example>, delay=00:03:10, "
       "mailer=esmtp, "
       "pri=120, relay=127.0.0.1, dsn=2.0.0, stat=Sent (ok)\n",
       HoldExit::Way::released},
      {"deferred after -qQ (it was tried)",
       "Nov 20 17:03:11 mx1 sm-mta[88]: 0AKH01aB012345: to=<priya@client.example>, delay=00:03:10, "
       "stat=Deferred: "
       "Connection refused\n",
       HoldExit::Way::released},
      {"only the receipt",
       "Nov 20 17:00:01 mx1 sm-mta[80]: 0AKH01aB012345: from=<omar@support.example.com>, size=812\n",
       HoldExit::Way::unknown},
      {"another id", "Nov 20 17:03:11 mx1 sm-mta[88]: 0AKH01aB099999: to=<x@y.example>, stat=Sent (ok)\n",
       HoldExit::Way::unknown},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.label);
    std::map<std::string, HoldExit> exits = {{"0AKH01aB012345", {}}};
    read_sendmail_log(row.log, "/var/log/mail.log", &exits);
    EXPECT_EQ(exits["0AKH01aB012345"].way, row.way);
  }
}

TEST(MailLogTail, ReadsTheNewestWholeLines) {
  const fs::path p = fs::path(::testing::TempDir()) / ("maillog-" + std::to_string(getpid()));
  std::ofstream(p) << "first line of the log\nsecond line\nthird line\n";
  std::string text;
  ASSERT_TRUE(read_mail_log_tail(p.string(), 1 << 20, &text));
  EXPECT_EQ(text, "first line of the log\nsecond line\nthird line\n");
  ASSERT_TRUE(read_mail_log_tail(p.string(), 15, &text));
  EXPECT_EQ(text, "third line\n") << "the cut line is dropped";
  EXPECT_FALSE(read_mail_log_tail((p.string() + ".missing"), 10, &text));
  fs::remove(p);
}

TEST(DecideHoldExit, UnknownWaitsOneSweepThenCountsAsDiscarded) {
  const HoldExit released{HoldExit::Way::released, "queue", "in Postfix's deferred queue (postqueue -j)"};
  const HoldExit deleted{HoldExit::Way::deleted, "log", "mail log /var/log/mail.log: postsuper: removed"};
  struct Row {
    const char* label;
    HoldExit exit;
    bool unknown_before;
    HoldDecision::Act act;
    const char* evidence;
  } rows[] = {
      {"released", released, false, HoldDecision::Act::release, "queue"},
      {"deleted", deleted, false, HoldDecision::Act::discard, "log"},
      {"unknown the first time", {}, false, HoldDecision::Act::wait, ""},
      {"unknown again", {}, true, HoldDecision::Act::discard, "none"},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.label);
    const auto d = decide_hold_exit(row.exit, row.unknown_before);
    EXPECT_EQ(d.act, row.act);
    EXPECT_EQ(d.evidence, row.evidence);
    if (row.act != HoldDecision::Act::wait) {
      EXPECT_FALSE(d.reason.empty());
    }
  }
}

// An MTA that lists what the test puts in `queue` and says of each id what `exits` holds.
class FakeMta final : public Mta {
 public:
  std::vector<QueueEntry> queue;
  std::map<std::string, HoldExit> exits;
  bool readable = true;
  int reads = 0;

  bool read_queue(std::vector<QueueEntry>* entries) override {
    ++reads;
    if (!readable) return false;
    *entries = queue;
    return true;
  }
  std::string not_held(const std::string&, const QueueEntry*) override { return ""; }
  int release(const std::string&, const std::vector<QueueEntry>&) override { return 0; }
  int discard(const std::string&) override { return 0; }
  bool read_message(const std::string&, std::string*) override { return false; }
  std::map<std::string, HoldExit> left_hold(const std::vector<std::string>& ids,
                                            const std::vector<QueueEntry>&) override {
    std::map<std::string, HoldExit> out;
    for (const auto& id : ids) out[id] = exits.count(id) ? exits[id] : HoldExit{};
    return out;
  }
};

// A store with a customer waiting since kT0 and the support's reply to it held in the MTA as
// `queue_id`, an audit log holding the reply's message record, and the sweep's context.
struct Fixture {
  fs::path dir;
  std::unique_ptr<ThreadStore> store;
  FakeMta mta;
  std::vector<SettleRecord> written;
  std::vector<std::string> warnings;
  HoldSweep sweep;

  explicit Fixture(const std::string& name) {
    dir = fs::path(::testing::TempDir()) / ("hold-sweep-" + name + "-" + std::to_string(getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    store = open_sqlite_store((dir / "state.db").string());
  }
  ~Fixture() { fs::remove_all(dir); }

  std::string audit_path() const { return (dir / "audit.jsonl").string(); }

  struct KeptEnvelope {
    std::string sender;
    std::vector<std::string> recipients;
  };
  // A held reply; `envelope`: what the store keeps of its envelope (none: held before it kept one).
  void hold(const std::string& message_id, const std::string& queue_id, const std::string& instance = "mx1",
            const KeptEnvelope& envelope = {}) {
    const std::string thread = "t-" + message_id;
    ThreadSla state;
    StoredMessage customer;
    customer.message_id = "c-" + message_id;
    customer.thread_id = thread;
    customer.direction = Direction::inbound;
    customer.time = kT0;
    sla_on_message(state, Direction::inbound, kT0, SlaSettings{});
    const ThreadInfo t{thread, "Order 5520: two chairs missing", kT0, kT0, "", {}};
    ASSERT_TRUE(store->record_message(customer, &t, {}, ThreadStore::SlaUpdate{state.dump(), std::nullopt}));
    StoredMessage reply = held_message(message_id, queue_id);
    reply.instance = instance;
    reply.time = kT0 + 10 * kMinute;
    reply.sla_pending = HeldClock(Direction::outbound, nullptr).dump();
    reply.envelope_sender = envelope.sender;
    reply.envelope_recipients = envelope.recipients;
    ASSERT_TRUE(store->record_message(reply, nullptr, {}, std::nullopt));
    MessageRecord rec;
    rec.queue_id = queue_id;
    rec.message_id = message_id;
    rec.thread_id = thread;
    rec.direction = "outbound";
    rec.author = "omar@support.example.com";
    rec.action = "hold";
    rec.findings.push_back({"quoted-history", "fail", "hold", "the reply quotes nothing", nullptr});
    append("message", to_json(rec), instance);
    mta.queue.push_back(entry("hold", queue_id));
  }

  void append(const std::string& event, nlohmann::json j, const std::string& instance = "mx1") {
    j["event"] = event;
    j["time"] = "2026-11-20T17:10:00.000Z";
    j["instance"] = instance;
    std::ofstream(audit_path(), std::ios::app) << j.dump() << "\n";
  }

  void leave(const std::string& queue_id) {
    std::erase_if(mta.queue, [&](const QueueEntry& e) { return e.queue_id == queue_id; });
  }

  std::size_t run(TimeMs now) {
    HoldSweep::Context c;
    c.store = store.get();
    c.mta = &mta;
    c.audit_path = audit_path();
    c.instance = "mx1";
    c.user = "support-milter";
    c.now = now;
    c.write = [this](const SettleRecord& r) {
      written.push_back(r);
      return true;
    };
    c.warn = [this](const std::string& w) { warnings.push_back(w); };
    return sweep.run(c);
  }
};

TEST(HoldSweep, AReleaseSeenInTheQueueGetsOneRecordWithReleasesFigures) {
  Fixture f("release");
  f.hold("a1@support.example.com", "4AAAA1");
  EXPECT_EQ(f.run(kT0 + 20 * kMinute), 0u);
  EXPECT_TRUE(f.written.empty());

  f.leave("4AAAA1");
  f.mta.queue.push_back(entry("deferred", "4AAAA1"));
  f.mta.exits["4AAAA1"] = {HoldExit::Way::released, "queue", "in Postfix's deferred queue (postqueue -j)"};
  const TimeMs now = kT0 + 30 * kMinute;
  // What `support-milter release` computes at the same time, on a store in the same state.
  Fixture same("release-by-hand");
  same.hold("a1@support.example.com", "4AAAA1");
  const SlaResult by_hand = settle_in_store(*same.store, "a1@support.example.com", false, now, SlaSettings{});

  EXPECT_EQ(f.run(now), 1u);
  ASSERT_EQ(f.written.size(), 1u);
  const SettleRecord& r = f.written[0];
  EXPECT_FALSE(r.discard);
  EXPECT_EQ(r.by, "mta");
  EXPECT_EQ(r.evidence, "queue");
  EXPECT_EQ(r.user, "support-milter");
  EXPECT_EQ(r.instance, "mx1");
  EXPECT_EQ(r.queue_id, "4AAAA1");
  EXPECT_EQ(r.message_id, "a1@support.example.com");
  EXPECT_EQ(r.author, "omar@support.example.com");
  EXPECT_EQ(r.rules, std::vector<std::string>{"quoted-history"});
  EXPECT_EQ(r.sender, "omar@support.example.com") << "from the hold entry of the sweep before";
  EXPECT_TRUE(r.released);
  ASSERT_TRUE(r.sla.has_value());
  EXPECT_EQ(r.sla->to_json(), by_hand.to_json());
  EXPECT_EQ(r.sla->latency_s, 30 * 60);
  EXPECT_TRUE(f.store->held_messages("mx1").empty());

  EXPECT_EQ(f.run(now + kMinute), 0u) << "settled once";
  EXPECT_EQ(f.written.size(), 1u);
}

TEST(HoldSweep, ReleasedBeforeASweepListedItTheOtherQueueGivesSenderAndRecipients) {
  Fixture f("unlisted");
  f.hold("a8@support.example.com", "4HHHH8");
  f.leave("4HHHH8");
  QueueEntry deferred = entry("deferred", "4HHHH8");
  deferred.sender = "nadia@support.example.com";
  f.mta.queue.push_back(deferred);
  f.mta.exits["4HHHH8"] = {HoldExit::Way::released, "queue", "in Postfix's deferred queue (postqueue -j)"};
  EXPECT_EQ(f.run(kT0 + 30 * kMinute), 1u);
  ASSERT_EQ(f.written.size(), 1u);
  EXPECT_EQ(f.written[0].sender, "nadia@support.example.com");
  EXPECT_EQ(f.written[0].recipients, std::vector<std::string>{"priya@client.example"});
}

// Sendmail's quarantine files are not readable to the daemon's user (its queue lists the ids with
// no sender or recipients), and a deleted message is in no queue: the records name the envelope
// the store kept when the message was held, as `release`'s and `discard`'s do.
TEST(HoldSweep, TheEnvelopeKeptAtTheHoldNamesSenderAndRecipientsTheQueueDoesNot) {
  Fixture f("envelope");
  const std::vector<std::string> rcpts = {"priya@client.example", "raj@client.example"};
  f.hold("a9@support.example.com", "4JJJJ9", "mx1", {"nadia@support.example.com", rcpts});
  f.hold("a10@support.example.com", "4KKKK0", "mx1", {"omar@support.example.com", {"li@client.example"}});
  for (auto& e : f.mta.queue) {  // what the daemon's user reads of Sendmail's quarantine
    e.sender.clear();
    e.recipients.clear();
  }
  EXPECT_EQ(f.run(kT0 + 20 * kMinute), 0u);
  f.leave("4JJJJ9");
  f.leave("4KKKK0");
  f.mta.exits["4JJJJ9"] = {HoldExit::Way::released, "queue", "a qf file in Sendmail's queue"};
  f.mta.exits["4KKKK0"] = {HoldExit::Way::deleted, "log", "removed"};
  EXPECT_EQ(f.run(kT0 + 30 * kMinute), 2u);
  ASSERT_EQ(f.written.size(), 2u);
  for (const auto& r : f.written) {
    SCOPED_TRACE(r.queue_id);
    if (r.queue_id == "4JJJJ9") {
      EXPECT_FALSE(r.discard);
      EXPECT_EQ(r.sender, "nadia@support.example.com");
      EXPECT_EQ(r.recipients, rcpts);
    } else {
      EXPECT_TRUE(r.discard);
      EXPECT_EQ(r.sender, "omar@support.example.com");
      EXPECT_EQ(r.recipients, std::vector<std::string>{"li@client.example"});
    }
  }
}

TEST(HoldSweep, ADeletionGetsADiscardRecordAndTheCustomerKeepsWaiting) {
  Fixture f("delete");
  f.hold("a2@support.example.com", "4BBBB2");
  f.leave("4BBBB2");
  f.mta.exits["4BBBB2"] = {HoldExit::Way::deleted, "log", "mail log /var/log/mail.log: postsuper: removed"};
  EXPECT_EQ(f.run(kT0 + 30 * kMinute), 1u);
  ASSERT_EQ(f.written.size(), 1u);
  EXPECT_TRUE(f.written[0].discard);
  EXPECT_EQ(f.written[0].evidence, "log");
  EXPECT_EQ(f.written[0].sla->status, SlaStatus::not_sent);
  EXPECT_EQ(f.written[0].sla->reason, "discarded");
  EXPECT_FALSE(f.written[0].released);
  EXPECT_FALSE(f.store->get_message("a2@support.example.com").has_value());
  auto t = f.store->get_thread("t-a2@support.example.com");
  ASSERT_TRUE(t.has_value());
  EXPECT_TRUE(ThreadSla::parse(t->sla).waiting_since.has_value());
}

TEST(HoldSweep, NothingTellsHowItLeftThenItWaitsOneSweepAndIsCountedAsDiscarded) {
  Fixture f("unknown");
  f.hold("a3@support.example.com", "4CCCC3");
  f.leave("4CCCC3");
  EXPECT_EQ(f.run(kT0 + 30 * kMinute), 0u);
  EXPECT_EQ(f.store->held_messages("mx1").size(), 1u);
  EXPECT_EQ(f.run(kT0 + 31 * kMinute), 1u);
  ASSERT_EQ(f.written.size(), 1u);
  EXPECT_TRUE(f.written[0].discard);
  EXPECT_EQ(f.written[0].evidence, "none");
  EXPECT_NE(f.written[0].reason.find("counted as discarded"), std::string::npos);
}

TEST(HoldSweep, AQueueThatCannotBeReadSettlesNothing) {
  Fixture f("unreadable");
  f.hold("a4@support.example.com", "4DDDD4");
  f.leave("4DDDD4");
  f.mta.readable = false;
  f.mta.exits["4DDDD4"] = {HoldExit::Way::deleted, "log", "removed"};
  EXPECT_EQ(f.run(kT0 + 30 * kMinute), 0u);
  EXPECT_TRUE(f.written.empty());
  ASSERT_EQ(f.warnings.size(), 1u);
  EXPECT_NE(f.warnings[0].find("could not be read"), std::string::npos);
  EXPECT_EQ(f.store->held_messages("mx1").size(), 1u);
}

TEST(HoldSweep, WhatReleaseSettledFirstGetsNoSecondRecord) {
  Fixture f("race");
  f.hold("a5@support.example.com", "4EEEE5");
  f.leave("4EEEE5");
  f.mta.exits["4EEEE5"] = {HoldExit::Way::released, "log", "released from hold"};
  {
    // `release` holds the settle lock from its look at the queue to its record: the sweep skips.
    SettleLock lock(f.audit_path(), true);
    ASSERT_TRUE(lock);
    EXPECT_EQ(f.run(kT0 + 30 * kMinute), 0u);
    EXPECT_TRUE(f.warnings.empty()) << "a busy lock is no problem";
    settle_in_store(*f.store, "a5@support.example.com", false, kT0 + 30 * kMinute, SlaSettings{});
  }
  EXPECT_EQ(f.run(kT0 + 31 * kMinute), 0u);
  EXPECT_TRUE(f.written.empty());
}

TEST(HoldSweep, ARecordWrittenByReleaseWhoseStoreUpdateFailedIsNotWrittenAgain) {
  Fixture f("recorded");
  f.hold("a6@support.example.com", "4FFFF6");
  f.leave("4FFFF6");
  SettleRecord by_hand;
  by_hand.queue_id = "4FFFF6";
  by_hand.by = "lead";
  by_hand.reason = "approved";
  f.append("release", to_json(by_hand));
  f.mta.exits["4FFFF6"] = {HoldExit::Way::released, "log", "released from hold"};
  EXPECT_EQ(f.run(kT0 + 30 * kMinute), 0u);
  EXPECT_TRUE(f.written.empty());
  EXPECT_TRUE(f.store->held_messages("mx1").empty()) << "the store catches up";
}

TEST(HoldSweep, MessagesHeldOnAnotherInstanceAreNotItsToSettle) {
  Fixture f("instance");
  f.hold("a7@support.example.com", "4GGGG7", "mx2");
  f.leave("4GGGG7");
  f.mta.exits["4GGGG7"] = {HoldExit::Way::deleted, "log", "removed"};
  EXPECT_EQ(f.run(kT0 + 30 * kMinute), 0u);
  EXPECT_EQ(f.mta.reads, 0) << "nothing held here: the queue is not even read";
  EXPECT_EQ(f.store->held_messages("mx2").size(), 1u);
}

}  // namespace
}  // namespace sm
