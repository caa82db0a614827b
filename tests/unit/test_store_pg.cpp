// The PostgreSQL thread store against a real server (tests/unit/pg_server.h), beyond the contract
// both backends keep (test_store_contract.cpp): text that is not UTF-8, migrations under
// concurrency, the pool serving threads side by side, statement timeouts, an outage and the
// recovery after it, the sweep lock shared between instances, and copying a store.
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include "store/copy.h"
#include "store/pg_store.h"
#include "store/sqlite_store.h"
#include "tests/unit/pg_server.h"
#include "tests/unit/store_testing.h"

namespace sm {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using test::admin;
using test::fresh_db;
using test::msg;
using test::PgServer;
using test::thread;

long long ms_since(Clock::time_point t0) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
}

// Two milters receive the same message (a copy through each server) at the same moment: one
// record wins, the other is told the id exists, and nothing is stored twice.
TEST(PgStore, FirstMessageIdWinsAcrossInstancesRacing) {
  auto url = fresh_db("racing");
  auto a = open_store(url);
  auto b = open_store(url);
  std::atomic<int> won{0};
  auto run = [&](ThreadStore& s, Direction d) {
    for (int i = 0; i < 60; ++i) {
      auto t = thread("shared-" + std::to_string(i % 6), i);
      if (s.record(msg("m" + std::to_string(i) + "@x", t.thread_id, d, i), &t)) ++won;
    }
  };
  std::thread ta([&] { run(*a, Direction::inbound); });
  std::thread tb([&] { run(*b, Direction::outbound); });
  ta.join();
  tb.join();
  EXPECT_EQ(won.load(), 60);
  EXPECT_EQ(admin("SELECT count(*) FROM messages", "racing"), "60");
  EXPECT_EQ(admin("SELECT count(*) FROM threads", "racing"), "6");
  EXPECT_EQ(admin("SELECT count(*) FROM participants", "racing"), "120");
  EXPECT_EQ(a->get_thread("shared-0")->last_activity, 54);
}

TEST(PgStore, TextThatIsNotUtf8IsStoredAndFound) {
  auto s = open_store(fresh_db("notutf8"));
  std::string id = "raw\xff\xfe-\"{}\\,@x";
  auto t = thread("t\xc3", 1);
  auto m = msg(id, "t\xc3", Direction::inbound, 1);
  m.subject = std::string("Caf\xe9 with a NUL\0inside", 22);
  EXPECT_TRUE(s->record(m, &t));
  EXPECT_EQ(s->find_thread({"other@x", id}), "t\xEF\xBF\xBD");
  auto got = s->get_message(id);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->subject, "Caf\xEF\xBF\xBD with a NUL\xEF\xBF\xBDinside");
  EXPECT_FALSE(s->record(m, &t));
}

TEST(PgStore, MessageOfAnUnknownThreadIsAnError) {
  auto s = open_store(fresh_db("orphan"));
  EXPECT_THROW(s->record(msg("m@x", "nowhere", Direction::inbound, 1), nullptr), StoreError);
  // The failed transaction left the connection usable.
  auto t = thread("t1", 1);
  EXPECT_TRUE(s->record(msg("m@x", "t1", Direction::inbound, 1), &t));
}

TEST(PgStore, InstancesStartingTogetherMigrateOnce) {
  auto url = fresh_db("together");
  std::vector<std::future<bool>> starts;
  for (int i = 0; i < 6; ++i)
    starts.push_back(std::async(std::launch::async, [&] { return open_store(url) != nullptr; }));
  for (auto& f : starts) EXPECT_TRUE(f.get());
  EXPECT_EQ(admin("SELECT count(*) FROM schema_version", "together"), "7");
  EXPECT_EQ(admin("SELECT count(*) FROM information_schema.tables WHERE table_name IN "
                  "('threads', 'messages', 'participants')",
                  "together"),
            "3");
}

// A database of the first schema (as version 1 made it, with a message in it) is migrated when a
// milter opens it: the message keeps its fields and reads as no complaint; new ones carry theirs.
TEST(PgStore, MigratesTheFirstSchema) {
  auto url = fresh_db("from_v1");
  admin(R"sql(
SET ROLE support_milter;
CREATE TABLE schema_version(version integer PRIMARY KEY, applied timestamptz NOT NULL DEFAULT now());
CREATE TABLE threads(thread_id text PRIMARY KEY, subject text NOT NULL, created bigint NOT NULL,
  last_activity bigint NOT NULL, sla text NOT NULL DEFAULT '', due bigint);
CREATE TABLE messages(message_id text PRIMARY KEY, seq bigint GENERATED ALWAYS AS IDENTITY,
  thread_id text NOT NULL REFERENCES threads(thread_id) ON DELETE CASCADE, direction text NOT NULL,
  time bigint NOT NULL, subject text NOT NULL, question_count integer NOT NULL, fingerprints bytea NOT NULL);
CREATE TABLE participants(message_id text NOT NULL REFERENCES messages(message_id) ON DELETE CASCADE,
  pos integer NOT NULL, role text NOT NULL, address text NOT NULL, display text NOT NULL,
  PRIMARY KEY (message_id, pos));
INSERT INTO schema_version(version) VALUES (1);
INSERT INTO threads VALUES ('t1', 'Invoice 4471', 1000, 1000, '', NULL);
INSERT INTO messages(message_id, thread_id, direction, time, subject, question_count, fingerprints)
  VALUES ('old@x', 't1', 'inbound', 1000, 'Invoice 4471', 3, '\x');
INSERT INTO participants VALUES ('old@x', 0, 'from', 'ana@client.example', 'Ana');
)sql",
        "from_v1");
  auto s = open_store(url);
  EXPECT_EQ(admin("SELECT string_agg(version::text, ',' ORDER BY version) FROM schema_version", "from_v1"), "1,2,3,4,5,6,7");
  auto old = s->get_message("old@x");
  ASSERT_TRUE(old.has_value());
  EXPECT_EQ(old->question_count, 3);
  // A thread stored before the subject key is found by it: case and white space do not matter.
  EXPECT_EQ(s->find_thread_by_subject("INVOICE  4471", "ana@client.example", 0), "t1");
  EXPECT_FALSE(old->complaint);
  EXPECT_EQ(old->status, "sent");
  EXPECT_TRUE(old->sla_pending.empty());
  EXPECT_TRUE(old->envelope_sender.empty());
  EXPECT_TRUE(old->envelope_recipients.empty());
  auto m = msg("new@x", "t1", Direction::inbound, 2000);
  m.complaint = true;
  EXPECT_TRUE(s->record(m, nullptr));
  EXPECT_TRUE(s->get_message("new@x")->complaint);
}

TEST(PgStore, NewerSchemaIsRefused) {
  auto url = fresh_db("newer");
  open_store(url);
  admin("INSERT INTO schema_version(version) VALUES (99)", "newer");
  try {
    open_store(url);
    FAIL() << "opened a schema from the future";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("schema version 99 is newer"), std::string::npos) << e.what();
  }
}

TEST(PgStore, BadUrlsAndCredentialsAreClearErrors) {
  auto expect_error = [](const std::string& url, const std::string& part) {
    try {
      open_store(url, StoreOptions{2, 2000});
      ADD_FAILURE() << "opened " << url;
    } catch (const StoreError& e) {
      std::string what = e.what();
      EXPECT_NE(what.find(part), std::string::npos) << what;
      EXPECT_EQ(what.find("s3cret"), std::string::npos) << "password shown: " << what;
    }
  };
  // Nothing listens on port 1 of the loopback.
  expect_error("postgresql://milter:s3cret@127.0.0.1:1/x", "cannot connect");
  expect_error("postgresql://milter:s3cret@127.0.0.1:1/x", "milter:***@127.0.0.1:1");
  expect_error("postgresql://127.0.0.1:1/x?user=milter&password=s3cret", "password=***");
  expect_error("postgresql://127.0.0.1:notaport/x", "notaport");
  std::string wrong = PgServer::url;
  wrong.replace(wrong.find(':', 13) + 1, wrong.find('@') - wrong.find(':', 13) - 1, "s3cret");
  expect_error(wrong, "password authentication failed");
  expect_error(PgServer::url.substr(0, PgServer::url.rfind('/') + 1) + "no_such_db", "no_such_db");
  EXPECT_THROW(open_store("postgresql:nohost"), StoreError);
  // Even a store that may connect later refuses a URL it cannot read.
  try {
    open_store("postgresql://milter:s3cret@127.0.0.1:5432/x?nosuchparam=1", StoreOptions{2, 1000, true});
    ADD_FAILURE() << "accepted an unknown URL parameter";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("nosuchparam"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find("s3cret"), std::string::npos) << e.what();
  }
}

// Libmilter's worker threads use the store at once: a call that waits on the server does not
// hold up the others, and many threads share the pool without losing a record.
TEST(PgStore, PoolServesThreadsSideBySide) {
  auto url = fresh_db("pool");
  auto s = open_store(url, StoreOptions{4, 5000});
  auto t = thread("blocked", 1);
  s->record(msg("b@x", "blocked", Direction::inbound, 1), &t);

  // Another session holds the thread's row: save_sla waits on the server.
  PGconn* other = PQconnectdb(url.c_str());
  ASSERT_EQ(PQstatus(other), CONNECTION_OK);
  PQclear(PQexec(other, "BEGIN"));
  PQclear(PQexec(other, "SELECT * FROM threads WHERE thread_id = 'blocked' FOR UPDATE"));
  auto waiting = std::async(std::launch::async, [&] { s->save_sla("blocked", "{}", 10); });
  // Until the waiting call is really waiting on the row lock.
  auto t0 = Clock::now();
  while (admin("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'support-milter' AND datname "
               "= 'pool' AND wait_event_type = 'Lock'") != "1") {
    ASSERT_LT(ms_since(t0), 5000) << "save_sla never waited on the lock";
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  // Meanwhile other calls go through on other connections.
  auto t1 = Clock::now();
  EXPECT_TRUE(s->get_message("b@x").has_value());
  auto t2 = thread("other", 2);
  EXPECT_TRUE(s->record(msg("o@x", "other", Direction::inbound, 2), &t2));
  EXPECT_LT(ms_since(t1), 2000);
  EXPECT_EQ(waiting.wait_for(std::chrono::seconds(0)), std::future_status::timeout);
  PQclear(PQexec(other, "COMMIT"));
  PQfinish(other);
  waiting.get();
  EXPECT_EQ(s->due_threads(10, 10).size(), 1u);

  // Eight threads, four connections, 400 records.
  std::vector<std::thread> workers;
  std::atomic<int> recorded{0}, errors{0};
  for (int w = 0; w < 8; ++w)
    workers.emplace_back([&, w] {
      for (int i = 0; i < 50; ++i) {
        try {
          std::string id = "w" + std::to_string(w) + "-" + std::to_string(i);
          auto th = thread("t-" + id, i);
          if (s->record(msg(id + "@x", "t-" + id, Direction::inbound, i), &th) && s->get_message(id + "@x"))
            ++recorded;
        } catch (const StoreError&) {
          ++errors;
        }
      }
    });
  for (auto& w : workers) w.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(recorded.load(), 400);
  EXPECT_EQ(admin("SELECT count(*) FROM messages", "pool"), "402");
  auto connections =
      std::stoi(admin("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'support-milter' AND "
                      "datname = 'pool'"));
  EXPECT_GE(connections, 2);
  EXPECT_LE(connections, 4);
}

TEST(PgStore, BusyPoolAndSlowStatementsFailWithinTheTimeout) {
  auto url = fresh_db("timeouts");
  auto s = open_store(url, StoreOptions{1, 400});
  auto t = thread("t1", 1);
  s->record(msg("m@x", "t1", Direction::inbound, 1), &t);
  PGconn* other = PQconnectdb(url.c_str());
  ASSERT_EQ(PQstatus(other), CONNECTION_OK);
  PQclear(PQexec(other, "BEGIN"));
  PQclear(PQexec(other, "LOCK TABLE threads IN ACCESS EXCLUSIVE MODE"));

  auto t0 = Clock::now();
  try {
    s->save_sla("t1", "{}", 5);
    ADD_FAILURE() << "wrote through a table lock";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("statement timeout"), std::string::npos) << e.what();
  }
  EXPECT_LT(ms_since(t0), 1400);

  PQclear(PQexec(other, "COMMIT"));
  PQfinish(other);
  s->save_sla("t1", "{}", 5);
  EXPECT_EQ(s->due_threads(5, 10).size(), 1u);

  // The one connection is in use (export_threads holds it while it visits): another call gives
  // up after the timeout instead of waiting for ever.
  int visited = 0;
  s->export_threads([&](const ThreadInfo&, std::optional<TimeMs>, const std::vector<StoredMessage>&) {
    ++visited;
    auto t1 = Clock::now();
    try {
      s->get_message("m@x");
      ADD_FAILURE() << "a second call got the only connection";
    } catch (const StoreError& e) {
      EXPECT_NE(std::string(e.what()).find("connections busy"), std::string::npos) << e.what();
    }
    EXPECT_GE(ms_since(t1), 350);
    EXPECT_LT(ms_since(t1), 1400);
  });
  EXPECT_EQ(visited, 1);
  EXPECT_TRUE(s->get_message("m@x").has_value());
}

TEST(PgStore, SweepLockIsHeldByOneInstance) {
  auto url = fresh_db("sweeplock");
  auto a = open_store(url);
  auto b = open_store(url);
  {
    SweepLock la(*a);
    EXPECT_TRUE(la);
    SweepLock lb(*b);
    EXPECT_FALSE(lb);
  }
  {
    SweepLock lb(*b);
    EXPECT_TRUE(lb);
    SweepLock la(*a);
    EXPECT_FALSE(la);
  }
  // An instance that ends while holding it gives it up.
  ASSERT_TRUE(b->try_lock_sweep());
  EXPECT_FALSE(a->try_lock_sweep());
  b.reset();
  auto t0 = Clock::now();
  bool got = false;
  while (!(got = a->try_lock_sweep()) && ms_since(t0) < 5000)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_TRUE(got);
  a->unlock_sweep();
  // SQLite belongs to one process: always granted.
  auto lite = open_store("sqlite::memory:");
  EXPECT_TRUE(SweepLock(*lite));
}

// Last of the server tests: stops the server in the middle.
TEST(PgStore, OutageFailsWithinTheTimeoutAndRecovers) {
  auto url = fresh_db("outage");
  auto s = open_store(url, StoreOptions{2, 1000});
  auto t = thread("t1", 1);
  ASSERT_TRUE(s->record(msg("before@x", "t1", Direction::inbound, 1), &t));
  ASSERT_TRUE(s->try_lock_sweep());
  s->unlock_sweep();

  auto never_opened = fresh_db("outage_lazy");
  ASSERT_EQ(test::pg_helper("down", PgServer::dir), 0);
  // Opening needs the server, unless lazy: then calls fail until it is back.
  EXPECT_THROW(open_store(never_opened, StoreOptions{2, 1000}), StoreError);
  auto lazy = open_store(never_opened, StoreOptions{2, 1000, true});
  EXPECT_THROW(lazy->get_thread("t1"), StoreError);
  for (int i = 0; i < 3; ++i) {
    auto t0 = Clock::now();
    EXPECT_THROW(s->record(msg("during" + std::to_string(i) + "@x", "t1", Direction::inbound, 2), nullptr),
                 StoreError);
    EXPECT_THROW(s->get_message("before@x"), StoreError);
    EXPECT_LT(ms_since(t0), 2 * 2000) << "call " << i;
  }
  EXPECT_THROW(s->try_lock_sweep(), StoreError);

  ASSERT_EQ(test::pg_helper("up", PgServer::dir), 0);
  EXPECT_TRUE(s->get_message("before@x").has_value());
  EXPECT_TRUE(s->record(msg("after@x", "t1", Direction::inbound, 3), nullptr));
  EXPECT_FALSE(s->get_message("during0@x").has_value());
  EXPECT_TRUE(s->try_lock_sweep());
  s->unlock_sweep();
  // The lazy store connected and created its schema at its first call.
  EXPECT_TRUE(lazy->record(msg("lazy@x", "t1", Direction::inbound, 1), &t));
  EXPECT_EQ(lazy->get_message("lazy@x")->thread_id, "t1");
  EXPECT_EQ(admin("SELECT count(*) FROM schema_version", "outage_lazy"), "7");

  // A restart while the pool is idle is noticed before use: no call fails for it.
  ASSERT_EQ(test::pg_helper("down", PgServer::dir), 0);
  ASSERT_EQ(test::pg_helper("up", PgServer::dir), 0);
  EXPECT_TRUE(s->get_message("after@x").has_value());
  EXPECT_EQ(s->last_message("t1", {})->message_id, "after@x");
}

TEST(StoreCopy, SqliteToPostgresqlAndBackIsComplete) {
  auto path = fs::path(::testing::TempDir()) / ("copy-" + std::to_string(getpid()) + ".db");
  struct RemovedAtEnd {  // also when an assertion ends the test early
    fs::path p;
    void remove() const {
      for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(p.string() + suffix);
    }
    ~RemovedAtEnd() { remove(); }
  } file{path};
  file.remove();
  auto lite = open_sqlite_store(path.string());
  auto t1 = thread("t1", 1000), t2 = thread("t2", 3000);
  lite->record(msg("a@x", "t1", Direction::inbound, 1000), &t1);
  lite->record(msg("b@x", "t1", Direction::outbound, 2000), nullptr);
  auto c = msg("c@x", "t2", Direction::inbound, 3000);
  c.participants.clear();
  c.fingerprints.clear();
  c.status = "held";
  c.sla_pending = R"({"direction":"inbound"})";
  c.queue_id = "4Fb2Xk0Y1Zz9";
  c.instance = "mx1";
  c.envelope_sender = "ana@client.example";
  c.envelope_recipients = {"help@support.example.com", "billing@support.example.com"};
  lite->record_message(c, &t2, ThreadKeys{"0a1b2c", "1234"}, std::nullopt);
  lite->save_sla("t1", R"({"waiting_since":2000})", 9000);

  auto url = fresh_db("copy");
  auto pg = open_store(url);
  auto counts = copy_store(*lite, *pg);
  EXPECT_EQ(counts.threads, 2u);
  EXPECT_EQ(counts.messages, 3u);
  EXPECT_EQ(counts.messages_present, 0u);
  EXPECT_EQ(counts.participants, 4u);
  EXPECT_EQ(counts.fingerprints, 6u);
  EXPECT_EQ(counts.sla_states, 1u);

  auto b = pg->get_message("b@x");
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->direction, Direction::outbound);
  EXPECT_EQ(b->participants.size(), 2u);
  EXPECT_EQ(b->fingerprints, (std::vector<std::uint64_t>{1, 2, 0xffffffffffffffffULL}));
  EXPECT_EQ(pg->get_thread("t1")->last_activity, 2000);
  EXPECT_EQ(pg->get_thread("t1")->sla, R"({"waiting_since":2000})");
  auto due = pg->due_threads(9000, 10);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].thread_id, "t1");
  EXPECT_TRUE(pg->due_threads(8999, 10).empty());
  EXPECT_EQ(pg->last_message("t1", {})->message_id, "b@x");
  // The thread keys and a held message come along: the copy finds threads and releases as the source.
  EXPECT_EQ(pg->find_thread_by_index("0a1b2c"), "t2");
  EXPECT_EQ(pg->find_thread_by_ticket("1234"), "t2");
  EXPECT_EQ(pg->get_message("c@x")->status, "held");
  EXPECT_EQ(pg->get_message("c@x")->sla_pending, R"({"direction":"inbound"})");
  EXPECT_EQ(pg->held_messages("mx1").at(0).envelope_sender, "ana@client.example");
  EXPECT_EQ(pg->get_message("c@x")->envelope_recipients, c.envelope_recipients);

  // Again: nothing new, nothing overwritten.
  pg->save_sla("t1", R"({"answered":true})", std::nullopt);
  auto again = copy_store(*lite, *pg);
  EXPECT_EQ(again.messages, 0u);
  EXPECT_EQ(again.messages_present, 3u);
  EXPECT_EQ(again.threads, 0u);
  EXPECT_EQ(again.sla_states, 0u);
  EXPECT_EQ(pg->get_thread("t1")->sla, R"({"answered":true})");

  // A message added to the source later is copied on the next run.
  lite->record(msg("d@x", "t2", Direction::outbound, 4000), nullptr);
  auto more = copy_store(*lite, *pg);
  EXPECT_EQ(more.messages, 1u);
  EXPECT_EQ(more.messages_present, 3u);
  EXPECT_EQ(pg->get_thread("t2")->last_activity, 4000);

  // And back into an empty SQLite store: the same threads and messages.
  auto back = open_store("sqlite::memory:");
  auto b2 = copy_store(*pg, *back);
  EXPECT_EQ(b2.threads, 2u);
  EXPECT_EQ(b2.messages, 4u);
  EXPECT_EQ(back->get_message("a@x")->participants.size(), 2u);
  EXPECT_TRUE(back->get_message("c@x")->fingerprints.empty());
  EXPECT_EQ(back->find_thread_by_ticket("1234"), "t2");
  EXPECT_EQ(back->get_message("c@x")->status, "held");
  EXPECT_EQ(back->get_message("c@x")->envelope_recipients, c.envelope_recipients);
}

}  // namespace
}  // namespace sm

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new sm::test::PgServer);
  return RUN_ALL_TESTS();
}
