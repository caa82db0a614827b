// The PostgreSQL thread store against a real server (tests/integration/pg.py: a private cluster on
// 127.0.0.1). ctest starts one server for all of these tests (the pg_server fixture) and passes
// its directory in SM_PG_STATE; run alone, the binary starts and removes its own. Each test gets
// a database of its own.
//
// The contract of test_store_sqlite.cpp, then what only a server has: migrations under
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

namespace sm {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::string read_line(const fs::path& p) {
  std::ifstream in(p);
  std::string s;
  std::getline(in, s);
  return s;
}

int helper(const std::string& action, const std::string& dir) {
  std::string cmd = "python3 '" SM_PG_HELPER "' " + action + " --state '" + dir + "' >/dev/null";
  return std::system(cmd.c_str());
}

// The server: the fixture's, or one of our own.
class PgServer : public ::testing::Environment {
 public:
  static std::string dir;
  static std::string url;
  static std::string admin_url;
  bool own = false;

  void SetUp() override {
    if (const char* d = std::getenv("SM_PG_STATE"); d != nullptr && *d != 0) {
      dir = d;
    } else {
      dir = (fs::path(::testing::TempDir()) / ("sm-pg-" + std::to_string(getpid()))).string();
      own = true;
      ASSERT_EQ(helper("start", dir), 0) << "could not start a PostgreSQL server";
    }
    url = read_line(fs::path(dir) / "url");
    admin_url = read_line(fs::path(dir) / "admin_url");
    ASSERT_FALSE(url.empty()) << "no server in " << dir;
  }
  void TearDown() override {
    if (own) helper("stop", dir);
  }
};
std::string PgServer::dir, PgServer::url, PgServer::admin_url;

// Runs SQL as the superuser; returns the first value of the last result.
std::string admin(const std::string& sql, const std::string& db = "postgres") {
  std::string u = PgServer::admin_url.substr(0, PgServer::admin_url.rfind('/') + 1) + db;
  PGconn* c = PQconnectdb(u.c_str());
  EXPECT_EQ(PQstatus(c), CONNECTION_OK) << PQerrorMessage(c);
  PGresult* r = PQexec(c, sql.c_str());
  auto st = PQresultStatus(r);
  EXPECT_TRUE(st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) << sql << ": " << PQresultErrorMessage(r);
  std::string out = (st == PGRES_TUPLES_OK && PQntuples(r) > 0) ? PQgetvalue(r, 0, 0) : "";
  PQclear(r);
  PQfinish(c);
  return out;
}

// A new, empty database owned by the milter's role; returns its URL.
std::string fresh_db(const std::string& name) {
  admin("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
  admin("CREATE DATABASE " + name + " OWNER support_milter");
  return PgServer::url.substr(0, PgServer::url.rfind('/') + 1) + name;
}

StoredMessage msg(const std::string& id, const std::string& thread, Direction d, TimeMs t) {
  StoredMessage m;
  m.message_id = id;
  m.thread_id = thread;
  m.direction = d;
  m.time = t;
  m.subject = "Invoice 4471";
  m.participants = {{Role::from, "ana@client.example", "ana@client.example"},
                    {Role::cc, "bob@client.example", "Bob"}};
  m.question_count = 2;
  m.fingerprints = {1, 2, 0xffffffffffffffffULL};
  return m;
}

ThreadInfo thread(const std::string& id, TimeMs t) {
  return {id, "Invoice 4471", t, t, ""};
}

long long ms_since(Clock::time_point t0) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
}

TEST(PgStore, RecordsAndFinds) {
  auto s = open_store(fresh_db("records"));
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

TEST(PgStore, SameTimeLaterRecordIsLast) {
  auto s = open_store(fresh_db("sametime"));
  auto t = thread("t1", 1000);
  s->record(msg("b@x", "t1", Direction::inbound, 1000), &t);
  s->record(msg("a@x", "t1", Direction::inbound, 1000), nullptr);
  EXPECT_EQ(s->last_message("t1", {})->message_id, "a@x");
}

TEST(PgStore, FirstMessageIdWins) {
  auto s = open_store(fresh_db("firstwins"));
  auto t1 = thread("t1", 1), t2 = thread("t2", 2);
  EXPECT_TRUE(s->record(msg("same@x", "t1", Direction::inbound, 1), &t1));
  EXPECT_FALSE(s->record(msg("same@x", "t2", Direction::outbound, 2), &t2));
  EXPECT_EQ(s->get_message("same@x")->thread_id, "t1");
  EXPECT_EQ(s->get_message("same@x")->participants.size(), 2u);
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

TEST(PgStore, TwoStoresOnOneDatabaseAndReopen) {
  auto url = fresh_db("shared");
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
  EXPECT_EQ(admin("SELECT string_agg(version::text, ',' ORDER BY version) FROM schema_version", "shared"), "1,2,3");
}

TEST(PgStore, PruneAndSla) {
  auto s = open_store(fresh_db("prune"));
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
  EXPECT_EQ(admin("SELECT count(*) FROM participants", "prune"), "2");
  EXPECT_EQ(s->prune(3000), 0u);
}

TEST(PgStore, RecordWithSlaSavesOnlyForNewMessages) {
  auto s = open_store(fresh_db("with_sla"));
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
  EXPECT_EQ(admin("SELECT count(*) FROM schema_version", "together"), "3");
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
)sql",
        "from_v1");
  auto s = open_store(url);
  EXPECT_EQ(admin("SELECT string_agg(version::text, ',' ORDER BY version) FROM schema_version", "from_v1"), "1,2,3");
  auto old = s->get_message("old@x");
  ASSERT_TRUE(old.has_value());
  EXPECT_EQ(old->question_count, 3);
  EXPECT_FALSE(old->complaint);
  EXPECT_EQ(old->status, "sent");
  EXPECT_TRUE(old->sla_pending.empty());
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
  ASSERT_EQ(helper("down", PgServer::dir), 0);
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

  ASSERT_EQ(helper("up", PgServer::dir), 0);
  EXPECT_TRUE(s->get_message("before@x").has_value());
  EXPECT_TRUE(s->record(msg("after@x", "t1", Direction::inbound, 3), nullptr));
  EXPECT_FALSE(s->get_message("during0@x").has_value());
  EXPECT_TRUE(s->try_lock_sweep());
  s->unlock_sweep();
  // The lazy store connected and created its schema at its first call.
  EXPECT_TRUE(lazy->record(msg("lazy@x", "t1", Direction::inbound, 1), &t));
  EXPECT_EQ(lazy->get_message("lazy@x")->thread_id, "t1");
  EXPECT_EQ(admin("SELECT count(*) FROM schema_version", "outage_lazy"), "3");

  // A restart while the pool is idle is noticed before use: no call fails for it.
  ASSERT_EQ(helper("down", PgServer::dir), 0);
  ASSERT_EQ(helper("up", PgServer::dir), 0);
  EXPECT_TRUE(s->get_message("after@x").has_value());
  EXPECT_EQ(s->last_message("t1", {})->message_id, "after@x");
}

TEST(StoreCopy, SqliteToPostgresqlAndBackIsComplete) {
  auto path = fs::path(::testing::TempDir()) / ("copy-" + std::to_string(getpid()) + ".db");
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(path.string() + suffix);
  auto lite = open_sqlite_store(path.string());
  auto t1 = thread("t1", 1000), t2 = thread("t2", 3000);
  lite->record(msg("a@x", "t1", Direction::inbound, 1000), &t1);
  lite->record(msg("b@x", "t1", Direction::outbound, 2000), nullptr);
  auto c = msg("c@x", "t2", Direction::inbound, 3000);
  c.participants.clear();
  c.fingerprints.clear();
  c.status = "held";
  c.sla_pending = R"({"direction":"inbound"})";
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
}

// The store contract for the write after the verdict (and taking it back), held messages and the
// other thread keys, once over both backends: SQLite (a file) and PostgreSQL (the fixture's server).
class StoreContract : public ::testing::TestWithParam<std::string> {
 protected:
  std::unique_ptr<ThreadStore> open(const std::string& name) {
    if (GetParam() == "postgresql") return open_store(fresh_db(name));
    auto p = fs::path(::testing::TempDir()) / ("contract-" + name + "-" + std::to_string(getpid()) + ".db");
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(p.string() + suffix);
    files_.push_back(p);
    return open_store("sqlite:" + p.string());
  }
  void TearDown() override {
    for (const auto& p : files_)
      for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(p.string() + suffix);
  }
  std::vector<fs::path> files_;
};


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
  s->record_message(held, nullptr, {}, std::nullopt);
  auto stored = s->get_message("r1@x");
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->status, "held");
  EXPECT_EQ(stored->sla_pending, R"({"direction":"outbound"})");
  EXPECT_EQ(s->get_thread("t1")->sla, R"({"waiting_since":1000})") << "held: the clock has not moved";
  EXPECT_EQ(s->find_thread({"r1@x"}), "t1");

  EXPECT_TRUE(s->release_held("r1@x", {R"({"replies":1})", std::nullopt}));
  EXPECT_EQ(s->get_message("r1@x")->status, "sent");
  EXPECT_EQ(s->get_thread("t1")->sla, R"({"replies":1})");
  EXPECT_TRUE(s->due_threads(9000, 10).empty());
  EXPECT_FALSE(s->release_held("r1@x", {"{}", std::nullopt})) << "released once";
  EXPECT_FALSE(s->discard_held("r1@x")) << "a sent message is not discarded";

  auto other = msg("r2@x", "t1", Direction::outbound, 3000);
  other.status = "held";
  s->record_message(other, nullptr, {}, std::nullopt);
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
  EXPECT_FALSE(s->find_thread_by_subject("Invoice 4471", "eve@client.example", 0).has_value());
  EXPECT_FALSE(s->find_thread_by_index("").has_value());
  EXPECT_FALSE(s->find_thread_by_ticket("").has_value());
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreContract, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& p) { return p.param; });

}  // namespace
}  // namespace sm

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new sm::PgServer);
  return RUN_ALL_TESTS();
}
