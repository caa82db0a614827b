// The SQLite thread store on real files, beyond the contract both backends keep
// (test_store_contract.cpp): migration from the first schema and from version 3, two handles on one file, WAL
// checkpoints, and clear errors for broken or locked files.
#include <gtest/gtest.h>
#include <thread>
#include <chrono>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "store/sqlite_store.h"
#include "tests/unit/store_testing.h"

namespace sm {
namespace {

namespace fs = std::filesystem;

fs::path fresh_db(const std::string& name) {
  auto p = fs::path(::testing::TempDir()) / ("store-" + name + "-" + std::to_string(getpid()) + ".db");
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(p.string() + suffix);
  return p;
}

using test::msg;
using test::thread;

// A file as an older version left it: `sql` run on a new file.
void write_file(const fs::path& path, const char* sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  EXPECT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  sqlite3_close(db);
}

// A file of the first schema (as version 1 made it, with a message in it) is migrated when it is
// opened: the message keeps its fields and reads as no complaint; new ones carry theirs.
TEST(SqliteStore, MigratesTheFirstSchema) {
  auto path = fresh_db("from-v1");
  write_file(path, R"sql(
CREATE TABLE threads(thread_id TEXT PRIMARY KEY, subject TEXT NOT NULL, created INTEGER NOT NULL,
  last_activity INTEGER NOT NULL, sla TEXT NOT NULL DEFAULT '', due INTEGER);
CREATE TABLE messages(message_id TEXT PRIMARY KEY,
  thread_id TEXT NOT NULL REFERENCES threads(thread_id) ON DELETE CASCADE, direction TEXT NOT NULL,
  time INTEGER NOT NULL, subject TEXT NOT NULL, question_count INTEGER NOT NULL, fingerprints BLOB);
CREATE TABLE participants(message_id TEXT NOT NULL REFERENCES messages(message_id) ON DELETE CASCADE,
  role TEXT NOT NULL, address TEXT NOT NULL, display TEXT NOT NULL);
INSERT INTO threads VALUES ('t1', 'Invoice 4471', 1000, 1000, '', NULL);
INSERT INTO messages VALUES ('old@x', 't1', 'inbound', 1000, 'Invoice 4471', 3, x'');
PRAGMA user_version = 1;
)sql");
  ASSERT_FALSE(HasFailure());
  auto s = open_sqlite_store(path.string());
  auto old = s->get_message("old@x");
  ASSERT_TRUE(old.has_value());
  EXPECT_EQ(old->question_count, 3);
  EXPECT_FALSE(old->complaint);
  EXPECT_EQ(old->status, "sent");
  EXPECT_TRUE(old->sla_pending.empty());
  EXPECT_TRUE(old->envelope_sender.empty());
  EXPECT_TRUE(old->envelope_recipients.empty());
  EXPECT_FALSE(s->find_thread_by_subject("Invoice 4471", "ana@client.example", 0).has_value()) << "no participants stored";
  auto m = msg("new@x", "t1", Direction::inbound, 2000);
  m.complaint = true;
  EXPECT_TRUE(s->record(m, nullptr));
  EXPECT_TRUE(s->get_message("new@x")->complaint);
  s.reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(st, 0), 7);
  sqlite3_finalize(st);
  sqlite3_close(db);
}

// A file of version 6 (held messages with their queue ids, no envelope) gets the envelope's
// columns: a message held before reads with none, and the sweep falls back to the MTA's queue for
// it; one held after keeps its sender and recipients.
TEST(SqliteStore, MigratesVersion6ToHeldMessagesWithTheirEnvelope) {
  auto path = fresh_db("from-v6");
  write_file(path, R"sql(
CREATE TABLE threads(thread_id TEXT PRIMARY KEY, subject TEXT NOT NULL, created INTEGER NOT NULL,
  last_activity INTEGER NOT NULL, sla TEXT NOT NULL DEFAULT '', due INTEGER,
  thread_index TEXT NOT NULL DEFAULT '', ticket TEXT NOT NULL DEFAULT '', subject_key TEXT NOT NULL DEFAULT '');
CREATE TABLE messages(message_id TEXT PRIMARY KEY,
  thread_id TEXT NOT NULL REFERENCES threads(thread_id) ON DELETE CASCADE, direction TEXT NOT NULL,
  time INTEGER NOT NULL, subject TEXT NOT NULL, question_count INTEGER NOT NULL, fingerprints BLOB,
  complaint INTEGER NOT NULL DEFAULT 0, status TEXT NOT NULL DEFAULT 'sent', sla_pending TEXT NOT NULL DEFAULT '',
  queue_id TEXT NOT NULL DEFAULT '', instance TEXT NOT NULL DEFAULT '');
CREATE TABLE participants(message_id TEXT NOT NULL REFERENCES messages(message_id) ON DELETE CASCADE,
  role TEXT NOT NULL, address TEXT NOT NULL, display TEXT NOT NULL);
CREATE INDEX messages_held ON messages(instance) WHERE status = 'held';
INSERT INTO threads(thread_id, subject, created, last_activity, subject_key) VALUES ('t1', 'Refund', 1000, 1000, 'refund');
INSERT INTO messages(message_id, thread_id, direction, time, subject, question_count, status, sla_pending, queue_id, instance)
  VALUES ('old@x', 't1', 'outbound', 2000, 'Re: Refund', 0, 'held', '{"direction":"outbound"}', '4Fb2Xk0Y1Zz9', 'mx1');
PRAGMA user_version = 6;
)sql");
  ASSERT_FALSE(HasFailure());
  auto s = open_sqlite_store(path.string());
  auto held = s->held_messages("mx1");
  ASSERT_EQ(held.size(), 1u);
  EXPECT_EQ(held[0].queue_id, "4Fb2Xk0Y1Zz9");
  EXPECT_TRUE(held[0].envelope_sender.empty());
  EXPECT_TRUE(held[0].envelope_recipients.empty());
  auto m = msg("new@x", "t1", Direction::outbound, 3000);
  m.status = "held";
  m.queue_id = "4Gc3Yl1Z2Aa0";
  m.instance = "mx1";
  m.envelope_sender = "omar@support.example.com";
  m.envelope_recipients = {"priya@client.example"};
  EXPECT_TRUE(s->record(m, nullptr));
  held = s->held_messages("mx1");
  ASSERT_EQ(held.size(), 2u);
  EXPECT_EQ(held[1].envelope_sender, "omar@support.example.com");
  EXPECT_EQ(held[1].envelope_recipients, std::vector<std::string>{"priya@client.example"});
  s.reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(st, 0), 7);
  sqlite3_finalize(st);
  sqlite3_close(db);
}

// A file of version 3 gets the senders' address index in place of the index of every address;
// the customers stored before are still found by subject.
TEST(SqliteStore, MigratesVersion3ToTheSendersIndex) {
  auto path = fresh_db("from-v3");
  write_file(path, R"sql(
CREATE TABLE threads(thread_id TEXT PRIMARY KEY, subject TEXT NOT NULL, created INTEGER NOT NULL,
  last_activity INTEGER NOT NULL, sla TEXT NOT NULL DEFAULT '', due INTEGER,
  thread_index TEXT NOT NULL DEFAULT '', ticket TEXT NOT NULL DEFAULT '');
CREATE TABLE messages(message_id TEXT PRIMARY KEY,
  thread_id TEXT NOT NULL REFERENCES threads(thread_id) ON DELETE CASCADE, direction TEXT NOT NULL,
  time INTEGER NOT NULL, subject TEXT NOT NULL, question_count INTEGER NOT NULL, fingerprints BLOB,
  complaint INTEGER NOT NULL DEFAULT 0, status TEXT NOT NULL DEFAULT 'sent', sla_pending TEXT NOT NULL DEFAULT '');
CREATE TABLE participants(message_id TEXT NOT NULL REFERENCES messages(message_id) ON DELETE CASCADE,
  role TEXT NOT NULL, address TEXT NOT NULL, display TEXT NOT NULL);
CREATE INDEX participants_message ON participants(message_id);
CREATE INDEX participants_address ON participants(address);
CREATE INDEX threads_subject ON threads(subject);
INSERT INTO threads(thread_id, subject, created, last_activity) VALUES ('t1', 'Refund', 1000, 1000);
INSERT INTO messages(message_id, thread_id, direction, time, subject, question_count)
  VALUES ('old@x', 't1', 'inbound', 1000, 'Refund', 1);
INSERT INTO participants VALUES ('old@x', 'from', 'ana@client.example', 'Ana'),
  ('old@x', 'to', 'help@support.example', 'Help');
PRAGMA user_version = 3;
)sql");
  ASSERT_FALSE(HasFailure());
  auto s = open_sqlite_store(path.string());
  EXPECT_EQ(s->find_thread_by_subject("Refund", "ana@client.example", 0), "t1");
  EXPECT_FALSE(s->find_thread_by_subject("Refund", "help@support.example", 0).has_value());
  // A thread stored before the subject key is found by it: case and white space do not matter.
  EXPECT_EQ(s->find_thread_by_subject("REFUND ", "ana@client.example", 0), "t1");
  s.reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db,
                               "SELECT group_concat(name, ',') FROM (SELECT name FROM sqlite_master "
                               "WHERE type = 'index' AND tbl_name = 'participants' ORDER BY name)",
                               -1, &st, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)), "participants_message,participants_sender");
  sqlite3_finalize(st);
  // The lookup by subject and customer reads the senders' index.
  ASSERT_EQ(sqlite3_prepare_v2(db,
                               "EXPLAIN QUERY PLAN SELECT 1 FROM participants p "
                               "WHERE p.address = 'ana@client.example' AND p.role IN ('from', 'reply_to')",
                               -1, &st, nullptr),
            SQLITE_OK);
  std::string plan;
  while (sqlite3_step(st) == SQLITE_ROW) plan += reinterpret_cast<const char*>(sqlite3_column_text(st, 3));
  sqlite3_finalize(st);
  EXPECT_NE(plan.find("participants_sender"), std::string::npos) << plan;
  sqlite3_close(db);
}

TEST(SqliteStore, TwoHandlesOnOneFileAndReopen) {
  auto path = fresh_db("shared");
  {
    auto a = open_sqlite_store(path.string());
    auto b = open_sqlite_store(path.string());
    auto t = thread("t1", 1);
    a->record(msg("m1@x", "t1", Direction::inbound, 1), &t);
    EXPECT_TRUE(b->get_message("m1@x").has_value());
  }
  auto again = open_sqlite_store(path.string());
  EXPECT_TRUE(again->get_message("m1@x").has_value());
  EXPECT_EQ(fs::status(path).permissions() & fs::perms::others_read, fs::perms::none);
}

// With background checkpoints the commits only append to the WAL, and the store's own thread
// copies it into the database file soon after: the file grows without any further commit.
TEST(SqliteStore, BackgroundCheckpointsMoveTheWalIntoTheFile) {
  auto path = fresh_db("checkpoint");
  auto s = open_sqlite_store(path.string(), SqliteOptions{5000, false, true});
  auto t = thread("t", 1000);
  const auto empty = std::filesystem::file_size(path);
  for (int i = 0; i < 300; ++i) s->record(msg("m" + std::to_string(i) + "@x", "t", Direction::inbound, 1000 + i), &t);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::filesystem::file_size(path) <= empty && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_GT(std::filesystem::file_size(path), empty);
  EXPECT_TRUE(s->get_message("m299@x").has_value());
  s.reset();  // stops the thread
  EXPECT_TRUE(open_sqlite_store(path.string())->get_message("m0@x").has_value());
}

TEST(SqliteStore, BrokenFilesAreClearErrors) {
  auto garbage = fresh_db("garbage");
  std::ofstream(garbage) << std::string(4096, 'x');
  try {
    open_sqlite_store(garbage.string());
    FAIL() << "opened a non-database";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find(garbage.string()), std::string::npos) << e.what();
  }
  // A path below a regular file cannot be created, even by root.
  EXPECT_THROW(open_sqlite_store(garbage.string() + "/state.db"), StoreError);
}

TEST(SqliteStore, LockedDatabaseFailsWithinTheBusyTimeout) {
  auto path = fresh_db("locked");
  auto s = open_sqlite_store(path.string(), SqliteOptions{200, false});
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr), SQLITE_OK);
  auto t = thread("t1", 1);
  try {
    s->record(msg("m1@x", "t1", Direction::inbound, 1), &t);
    ADD_FAILURE() << "wrote through an exclusive lock";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("locked"), std::string::npos) << e.what();
  }
  sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(other);
  EXPECT_TRUE(s->record(msg("m1@x", "t1", Direction::inbound, 1), &t));
}

// store.timeout_ms is the SQLite store's busy timeout: how long a write waits for another process.
TEST(StoreSpec, SqliteWaitsForALockAsLongAsTimeoutMs) {
  auto path = fresh_db("spec-locked");
  StoreOptions opts;
  opts.timeout_ms = 300;
  auto s = open_store("sqlite:" + path.string(), opts);
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr), SQLITE_OK);
  auto t = thread("t1", 1);
  const auto started = std::chrono::steady_clock::now();
  EXPECT_THROW(s->record(msg("m1@x", "t1", Direction::inbound, 1), &t), StoreError);
  const auto waited = std::chrono::steady_clock::now() - started;
  EXPECT_GE(waited, std::chrono::milliseconds(250));
  EXPECT_LT(waited, std::chrono::milliseconds(3000)) << "the default (5 s) was used";
  sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(other);
  EXPECT_TRUE(s->record(msg("m1@x", "t1", Direction::inbound, 1), &t));
}

// Lazy, a SQLite file that cannot be opened now is tried again at every call: each call fails
// with a StoreError until the file is fixed, then the store works without being reopened.
TEST(StoreSpec, LazySqliteOpensOnceTheFileIsFixed) {
  auto path = fresh_db("lazy");
  std::ofstream(path) << std::string(4096, 'x');  // not a database
  StoreOptions opts;
  opts.lazy = true;
  auto s = open_store("sqlite:" + path.string(), opts);
  auto t = thread("t1", 1);
  for (int i = 0; i < 2; ++i) {
    try {
      s->record(msg("m1@x", "t1", Direction::inbound, 1), &t);
      ADD_FAILURE() << "wrote into a file that is not a database";
    } catch (const StoreError& e) {
      EXPECT_NE(std::string(e.what()).find("not a database"), std::string::npos) << e.what();
    }
  }
  EXPECT_THROW(s->find_thread({"m1@x"}), StoreError);
  std::string garbage;
  std::getline(std::ifstream(path), garbage);
  EXPECT_EQ(garbage, std::string(4096, 'x')) << "the broken file was left as it was";
  fs::remove(path);
  EXPECT_TRUE(s->record(msg("m1@x", "t1", Direction::inbound, 1), &t));
  EXPECT_EQ(s->find_thread({"m1@x"}), "t1");
  EXPECT_THROW(open_store("redis://x", opts), StoreError) << "an unknown kind is an error even when lazy";
}

TEST(StoreSpec, Kinds) {
  EXPECT_NE(open_store("sqlite::memory:"), nullptr);
  EXPECT_THROW(open_store("postgresql:db.example"), StoreError);
  EXPECT_THROW(open_store("sqlite:"), StoreError);
  EXPECT_TRUE(is_server_store("postgresql://db.example/x"));
  EXPECT_TRUE(is_server_store("postgres://db.example/x"));
  EXPECT_FALSE(is_server_store("sqlite:/var/lib/x.db"));
  EXPECT_FALSE(is_server_store("/var/lib/postgresql.db"));
  EXPECT_THROW(open_store("redis://x"), StoreError);
}

}  // namespace
}  // namespace sm
