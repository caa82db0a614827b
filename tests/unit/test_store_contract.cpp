// The store contract, once over every backend (SQLite on a file, PostgreSQL on a real server):
// records and lookups, first Message-ID wins, two stores on one database, pruning and SLA state,
// the write after the verdict and taking it back, held messages, thread keys. What only one
// backend has is in test_store_sqlite.cpp and test_store_pg.cpp.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "store/thread_store.h"
#include "tests/unit/pg_server.h"
#include "tests/unit/store_testing.h"

namespace sm {
namespace {

namespace fs = std::filesystem;
using test::msg;
using test::thread;

// Each test runs over both backends: SQLite (a file) and PostgreSQL (the fixture's server).
class StoreContract : public ::testing::TestWithParam<std::string> {
 protected:
  // A new, empty store of this backend: its URL.
  std::string location(const std::string& name) {
    if (GetParam() == "postgresql") return test::fresh_db(name);
    auto p = fs::path(::testing::TempDir()) / ("contract-" + name + "-" + std::to_string(getpid()) + ".db");
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(p.string() + suffix);
    files_.push_back(p);
    return "sqlite:" + p.string();
  }
  std::unique_ptr<ThreadStore> open(const std::string& name) { return open_store(location(name)); }
  void TearDown() override {
    for (const auto& p : files_)
      for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(p.string() + suffix);
  }
  std::vector<fs::path> files_;
};

TEST_P(StoreContract, RecordsAndFinds) {
  auto s = open("records");
  auto t = thread("t1", 1000);
  EXPECT_TRUE(s->record(msg("m1@x", "t1", Direction::inbound, 1000), &t));
  EXPECT_TRUE(s->record(msg("m2@x", "t1", Direction::outbound, 2000), nullptr));
  EXPECT_EQ(s->find_thread({"nope@x", "m2@x"}), "t1");
  EXPECT_FALSE(s->find_thread({"nope@x"}).has_value());
  EXPECT_FALSE(s->find_thread({}).has_value());
  auto m = s->get_message("m1@x");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->direction, Direction::inbound);
  EXPECT_EQ(m->time, 1000);
  EXPECT_EQ(m->question_count, 2);
  EXPECT_EQ(m->subject, "Invoice 4471");
  EXPECT_EQ(m->fingerprints, (std::vector<std::uint64_t>{1, 2, 0xffffffffffffffffULL}));
  ASSERT_EQ(m->participants.size(), 2u);
  EXPECT_EQ(m->participants[0].role, Role::from);
  EXPECT_EQ(m->participants[1].role, Role::cc);
  EXPECT_EQ(m->participants[1].display, "Bob");
  auto th = s->get_thread("t1");
  ASSERT_TRUE(th.has_value());
  EXPECT_EQ(th->created, 1000);
  EXPECT_EQ(th->last_activity, 2000);
  EXPECT_EQ(s->last_message("t1", {Direction::inbound})->message_id, "m1@x");
  EXPECT_EQ(s->last_message("t1", {})->message_id, "m2@x");
  EXPECT_EQ(s->last_message("t1", {Direction::inbound, Direction::outbound})->message_id, "m2@x");
  EXPECT_FALSE(s->last_message("t1", {Direction::internal}).has_value());
  EXPECT_FALSE(s->get_thread("nope").has_value());
  EXPECT_FALSE(s->get_message("nope@x").has_value());
}

TEST_P(StoreContract, SameTimeLaterRecordIsLast) {
  auto s = open("sametime");
  auto t = thread("t1", 1000);
  s->record(msg("b@x", "t1", Direction::inbound, 1000), &t);
  s->record(msg("a@x", "t1", Direction::inbound, 1000), nullptr);
  EXPECT_EQ(s->last_message("t1", {})->message_id, "a@x");
}

TEST_P(StoreContract, FirstMessageIdWins) {
  auto s = open("firstwins");
  auto t1 = thread("t1", 1), t2 = thread("t2", 2);
  EXPECT_TRUE(s->record(msg("same@x", "t1", Direction::inbound, 1), &t1));
  EXPECT_FALSE(s->record(msg("same@x", "t2", Direction::outbound, 2), &t2));
  EXPECT_EQ(s->get_message("same@x")->thread_id, "t1");
  EXPECT_EQ(s->get_message("same@x")->participants.size(), 2u);
}

TEST_P(StoreContract, TwoStoresOnOneDatabaseAndReopen) {
  auto url = location("shared");
  {
    auto a = open_store(url);
    auto b = open_store(url);
    auto t = thread("t1", 1);
    a->record(msg("m1@x", "t1", Direction::inbound, 1), &t);
    EXPECT_TRUE(b->get_message("m1@x").has_value());
    EXPECT_FALSE(b->record(msg("m1@x", "t1", Direction::inbound, 1), &t));
  }
  auto again = open_store(url);
  EXPECT_TRUE(again->get_message("m1@x").has_value());
}

TEST_P(StoreContract, PruneAndSla) {
  auto s = open("prune");
  auto t1 = thread("old", 1000), t2 = thread("new", 5000);
  s->record(msg("a@x", "old", Direction::inbound, 1000), &t1);
  s->record(msg("b@x", "new", Direction::inbound, 5000), &t2);
  s->save_sla("new", R"({"waiting_since":5000})", 5000);
  s->save_sla("old", R"({"waiting_since":1000})", 1000);
  auto waiting = s->due_threads(6000, 10);
  ASSERT_EQ(waiting.size(), 2u);
  EXPECT_EQ(waiting[0].thread_id, "old");
  EXPECT_EQ(waiting[1].sla, R"({"waiting_since":5000})");
  EXPECT_EQ(s->due_threads(6000, 1).size(), 1u);
  auto summary = s->waiting_summary();
  ASSERT_TRUE(summary.has_value());
  EXPECT_EQ(summary->threads, 2);
  EXPECT_EQ(summary->oldest, 1000);
  s->save_sla("old", "{}", std::nullopt);
  EXPECT_EQ(s->due_threads(6000, 10).size(), 1u);
  EXPECT_TRUE(s->due_threads(4999, 10).empty());
  EXPECT_EQ(s->get_thread("old")->sla, "{}");
  EXPECT_EQ(s->waiting_summary()->threads, 1);
  EXPECT_EQ(s->waiting_summary()->oldest, 5000);
  EXPECT_EQ(s->prune(3000), 1u);
  EXPECT_FALSE(s->get_message("a@x").has_value());
  EXPECT_FALSE(s->get_thread("old").has_value());
  EXPECT_TRUE(s->get_thread("new").has_value());
  EXPECT_EQ(s->prune(3000), 0u);
}

TEST_P(StoreContract, RecordWithSlaSavesOnlyForNewMessages) {
  auto s = open("with_sla");
  auto t = thread("t", 1000);
  EXPECT_TRUE(s->record_with_sla(msg("a@x", "t", Direction::inbound, 1000), &t, {R"({"waiting_since":1000})", 8000}));
  EXPECT_EQ(s->get_thread("t")->sla, R"({"waiting_since":1000})");
  EXPECT_EQ(s->due_threads(9000, 10).size(), 1u);
  EXPECT_FALSE(s->record_with_sla(msg("a@x", "t", Direction::inbound, 2000), nullptr, {"{}", std::nullopt}));
  EXPECT_EQ(s->get_thread("t")->sla, R"({"waiting_since":1000})");
  EXPECT_TRUE(s->record_with_sla(msg("b@x", "t", Direction::outbound, 3000), nullptr, {"{}", std::nullopt}));
  EXPECT_EQ(s->get_thread("t")->sla, "{}");
  EXPECT_TRUE(s->due_threads(9000, 10).empty());
}

TEST_P(StoreContract, ARecordedMessageCanBeTakenBack) {
  auto s = open("record");
  auto t = thread("t1", 1000);
  EXPECT_TRUE(s->record_message(msg("a@x", "t1", Direction::inbound, 1000), &t, {"0a0b", "4471"},
                                ThreadStore::SlaUpdate{R"({"waiting_since":1000})", 8000}));
  EXPECT_EQ(s->get_thread("t1")->sla, R"({"waiting_since":1000})");
  EXPECT_EQ(s->due_threads(9000, 10).size(), 1u);
  EXPECT_EQ(s->find_thread_by_index("0a0b"), "t1");
  EXPECT_EQ(s->find_thread_by_ticket("4471"), "t1");
  // A repeat writes nothing, not even its SLA state.
  EXPECT_FALSE(s->record_message(msg("a@x", "t1", Direction::inbound, 2000), nullptr, {},
                                 ThreadStore::SlaUpdate{"{}", std::nullopt}));
  EXPECT_EQ(s->get_thread("t1")->sla, R"({"waiting_since":1000})");

  // A reply taken back: it goes, and the thread's state is what it was before.
  EXPECT_TRUE(s->record_message(msg("r@x", "t1", Direction::outbound, 3000), nullptr, {},
                                ThreadStore::SlaUpdate{R"({"replies":1})", std::nullopt}));
  EXPECT_TRUE(s->due_threads(9000, 10).empty());
  EXPECT_EQ(s->get_thread("t1")->last_activity, 3000);
  EXPECT_EQ(s->get_thread("t1")->sla, R"({"replies":1})");
  s->unrecord_message("r@x", "t1", ThreadStore::SlaUpdate{R"({"waiting_since":1000})", 8000});
  EXPECT_FALSE(s->get_message("r@x").has_value());
  EXPECT_EQ(s->get_thread("t1")->sla, R"({"waiting_since":1000})");
  EXPECT_EQ(s->due_threads(9000, 10).size(), 1u);
  // The first message of a thread taken back: the thread goes with it.
  s->unrecord_message("a@x", "t1", std::nullopt);
  EXPECT_FALSE(s->get_message("a@x").has_value());
  EXPECT_FALSE(s->get_thread("t1").has_value());
  EXPECT_FALSE(s->find_thread_by_ticket("4471").has_value());
}

TEST_P(StoreContract, HeldMessagesAreReleasedOrDiscarded) {
  auto s = open("held");
  auto t = thread("t1", 1000);
  s->record_message(msg("c@x", "t1", Direction::inbound, 1000), &t, {}, ThreadStore::SlaUpdate{R"({"waiting_since":1000})", 8000});
  auto held = msg("r1@x", "t1", Direction::outbound, 2000);
  held.status = "held";
  held.sla_pending = R"({"direction":"outbound"})";
  held.queue_id = "4Fb2Xk0Y1Zz9";
  held.instance = "mx1";
  held.participants = {{Role::from, "omar@support.example.com", "Omar"}, {Role::to, "priya@client.example", "Priya"}};
  held.envelope_sender = "omar@support.example.com";
  held.envelope_recipients = {"priya@client.example", "raj@client.example"};
  s->record_message(held, nullptr, {}, std::nullopt);
  auto stored = s->get_message("r1@x");
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->status, "held");
  EXPECT_EQ(stored->sla_pending, R"({"direction":"outbound"})");
  EXPECT_EQ(stored->queue_id, "4Fb2Xk0Y1Zz9");
  EXPECT_EQ(stored->instance, "mx1");
  auto on_mx1 = s->held_messages("mx1");
  ASSERT_EQ(on_mx1.size(), 1u);
  EXPECT_EQ(on_mx1[0].message_id, "r1@x");
  EXPECT_EQ(on_mx1[0].queue_id, "4Fb2Xk0Y1Zz9");
  ASSERT_EQ(on_mx1[0].participants.size(), 2u);
  EXPECT_EQ(on_mx1[0].participants[1].address, "priya@client.example");
  // Its envelope, for the sweep's record when the MTA's queue no longer names it.
  EXPECT_EQ(on_mx1[0].envelope_sender, "omar@support.example.com");
  EXPECT_EQ(on_mx1[0].envelope_recipients, (std::vector<std::string>{"priya@client.example", "raj@client.example"}));
  EXPECT_TRUE(s->held_messages("mx2").empty()) << "held on another instance's MTA";
  EXPECT_EQ(s->get_thread("t1")->sla, R"({"waiting_since":1000})") << "held: the clock has not moved";
  EXPECT_EQ(s->find_thread({"r1@x"}), "t1");

  EXPECT_TRUE(s->release_held("r1@x", {R"({"replies":1})", std::nullopt}));
  EXPECT_EQ(s->get_message("r1@x")->status, "sent");
  EXPECT_EQ(s->get_thread("t1")->sla, R"({"replies":1})");
  EXPECT_TRUE(s->due_threads(9000, 10).empty());
  EXPECT_FALSE(s->release_held("r1@x", {"{}", std::nullopt})) << "released once";
  EXPECT_TRUE(s->held_messages("mx1").empty()) << "released: no longer held";
  EXPECT_FALSE(s->discard_held("r1@x")) << "a sent message is not discarded";

  auto other = msg("r2@x", "t1", Direction::outbound, 3000);
  other.status = "held";
  other.instance = "mx1";
  other.envelope_recipients = {"li@client.example"};  // a bounce's null sender
  s->record_message(other, nullptr, {}, std::nullopt);
  on_mx1 = s->held_messages("mx1");
  ASSERT_EQ(on_mx1.size(), 1u);
  EXPECT_EQ(on_mx1[0].envelope_sender, "");
  EXPECT_EQ(on_mx1[0].envelope_recipients, std::vector<std::string>{"li@client.example"});
  EXPECT_TRUE(s->discard_held("r2@x"));
  EXPECT_FALSE(s->get_message("r2@x").has_value());
  EXPECT_EQ(s->get_thread("t1")->sla, R"({"replies":1})");
}

TEST_P(StoreContract, ThreadsBySubjectAndCustomerWithinAWindow) {
  auto s = open("subject");
  auto t1 = thread("t1", 1000), t2 = thread("t2", 5000);
  s->record_message(msg("a@x", "t1", Direction::inbound, 1000), &t1, {}, std::nullopt);  // from ana
  auto bob = msg("b@x", "t2", Direction::inbound, 5000);
  bob.participants = {{Role::from, "bob@client.example", "bob@client.example"}};
  s->record_message(bob, &t2, {}, std::nullopt);
  EXPECT_EQ(s->find_thread_by_subject("Invoice 4471", "ana@client.example", 0), "t1");
  EXPECT_EQ(s->find_thread_by_subject("Invoice 4471", "bob@client.example", 0), "t2");
  EXPECT_FALSE(s->find_thread_by_subject("Invoice 4471", "ana@client.example", 2000).has_value()) << "outside the window";
  EXPECT_FALSE(s->find_thread_by_subject("Invoice 9999", "ana@client.example", 0).has_value());
  // "The same subject" is the subject key's: case, width and white space do not matter.
  EXPECT_EQ(s->find_thread_by_subject("INVOICE  4471", "ana@client.example", 0), "t1");
  EXPECT_EQ(s->find_thread_by_subject("ｉｎｖｏｉｃｅ 4471", "ana@client.example", 0), "t1");
  EXPECT_FALSE(s->find_thread_by_subject("Invoice 4471", "eve@client.example", 0).has_value());
  // The customer is the sender (From or Reply-To) of an inbound message, never one of its other
  // recipients.
  auto t3 = thread("t3", 6000);
  t3.subject = "Login fails";
  auto carol = msg("c@x", "t3", Direction::inbound, 6000);
  carol.subject = "Login fails";
  carol.participants = {{Role::from, "carol@client.example", "Carol"},
                        {Role::reply_to, "tickets@client.example", "Tickets"},
                        {Role::to, "help@support.example", "Help"},
                        {Role::cc, "dan@client.example", "Dan"}};
  s->record_message(carol, &t3, {}, std::nullopt);
  EXPECT_EQ(s->find_thread_by_subject("Login fails", "carol@client.example", 0), "t3");
  EXPECT_EQ(s->find_thread_by_subject("Login fails", "tickets@client.example", 0), "t3");
  EXPECT_FALSE(s->find_thread_by_subject("Login fails", "help@support.example", 0).has_value());
  EXPECT_FALSE(s->find_thread_by_subject("Login fails", "dan@client.example", 0).has_value());
  EXPECT_FALSE(s->find_thread_by_index("").has_value());
  EXPECT_FALSE(s->find_thread_by_ticket("").has_value());
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreContract, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& p) { return p.param; });

}  // namespace
}  // namespace sm

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new sm::test::PgServer);
  return RUN_ALL_TESTS();
}
