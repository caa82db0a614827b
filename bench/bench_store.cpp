// The SQLite thread store at scale: a file holding N messages (10 million by default), then the
// latency of what the milter does per message, measured one call at a time through the store's
// own interface: find_thread and get_message for ids that exist (lookups), and record + save_sla
// of new messages (inserts). Prints p50/p90/p99/max in microseconds and writes them as JSON.
//
// The file is filled once with plain SQL in large transactions (the milter's own insert path is
// what is measured, not the loader) and kept: a later run with the same --messages reuses it.
//
// Usage: bench_store [--messages N] [--path FILE] [--ops N] [--json FILE]
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "store/fingerprint.h"
#include "store/sqlite_store.h"

namespace {

using namespace sm;
using Clock = std::chrono::steady_clock;

std::uint64_t mix(std::uint64_t x) {  // splitmix64: message ids that look random, reproducibly
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

std::string message_id(std::uint64_t i) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%016llx.%llu@mx%llu.example", static_cast<unsigned long long>(mix(i)),
                static_cast<unsigned long long>(i), static_cast<unsigned long long>(i % 50));
  return buf;
}

std::string thread_id(std::uint64_t i) { return "t" + std::to_string(i / 4); }  // four messages a thread

std::string fingerprints_blob(std::uint64_t i) {
  std::string out(kSketchSize * 8, '\0');
  for (std::size_t k = 0; k < kSketchSize; ++k) {
    std::uint64_t h = mix(i * kSketchSize + k);
    std::memcpy(&out[k * 8], &h, 8);
  }
  return out;
}

void check(int rc, sqlite3* db, const char* what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
    throw std::runtime_error(std::string(what) + ": " + sqlite3_errmsg(db));
}

std::uint64_t count_messages(const std::string& path) {
  sqlite3* db = nullptr;
  std::uint64_t n = 0;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT max(rowid) FROM messages", -1, &st, nullptr) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
      n = static_cast<std::uint64_t>(sqlite3_column_int64(st, 0));
    sqlite3_finalize(st);
  }
  sqlite3_close(db);
  return n;
}

// Fills the file with `n` messages in the store's schema (created by opening it as a store).
void load(const std::string& path, std::uint64_t n) {
  std::filesystem::remove(path);
  std::filesystem::remove(path + "-wal");
  std::filesystem::remove(path + "-shm");
  open_sqlite_store(path).reset();  // schema
  sqlite3* db = nullptr;
  check(sqlite3_open(path.c_str(), &db), db, "open");
  check(sqlite3_exec(db, "PRAGMA synchronous = OFF; PRAGMA cache_size = -1000000;", nullptr, nullptr, nullptr), db,
        "pragma");
  sqlite3_stmt *th = nullptr, *msg = nullptr, *part = nullptr;
  check(sqlite3_prepare_v2(db, "INSERT INTO threads(thread_id, subject, created, last_activity, sla, due) "
                               "VALUES(?1, 'Invoice 4471 charged twice', ?2, ?2, '{}', ?3)", -1, &th, nullptr), db, "prepare");
  check(sqlite3_prepare_v2(db, "INSERT INTO messages(message_id, thread_id, direction, time, subject, question_count, "
                               "fingerprints) VALUES(?1, ?2, ?3, ?4, 'Re: Invoice 4471 charged twice', 1, ?5)", -1, &msg,
                           nullptr), db, "prepare");
  check(sqlite3_prepare_v2(db, "INSERT INTO participants(message_id, role, address, display) VALUES(?1, ?2, ?3, ?3)",
                           -1, &part, nullptr), db, "prepare");
  auto t0 = Clock::now();
  const std::int64_t base = 1'700'000'000'000;
  for (std::uint64_t i = 0; i < n; ++i) {
    if (i % 200000 == 0) {
      if (i > 0) check(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), db, "commit");
      check(sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr), db, "begin");
      if (i % 1000000 == 0 && i > 0)
        std::cerr << "  " << i / 1000000 << " M messages, "
                  << std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - t0).count() << " s\n";
    }
    std::string id = message_id(i), tid = thread_id(i), fp = fingerprints_blob(i);
    std::int64_t time = base + static_cast<std::int64_t>(i) * 1000;
    if (i % 4 == 0) {
      sqlite3_bind_text(th, 1, tid.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64(th, 2, time);
      if (i % 40 == 0) sqlite3_bind_int64(th, 3, time + 86400000);
      else sqlite3_bind_null(th, 3);
      check(sqlite3_step(th), db, "thread");
      sqlite3_reset(th);
    }
    sqlite3_bind_text(msg, 1, id.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(msg, 2, tid.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(msg, 3, i % 2 == 0 ? "inbound" : "outbound", -1, SQLITE_STATIC);
    sqlite3_bind_int64(msg, 4, time);
    sqlite3_bind_blob(msg, 5, fp.data(), static_cast<int>(fp.size()), SQLITE_TRANSIENT);
    check(sqlite3_step(msg), db, "message");
    sqlite3_reset(msg);
    for (int r = 0; r < 2; ++r) {
      std::string addr = (r == 0 ? "agent" : "customer") + std::to_string(i % 997) + "@example.com";
      sqlite3_bind_text(part, 1, id.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(part, 2, r == 0 ? "from" : "to", -1, SQLITE_STATIC);
      sqlite3_bind_text(part, 3, addr.c_str(), -1, SQLITE_TRANSIENT);
      check(sqlite3_step(part), db, "participant");
      sqlite3_reset(part);
    }
  }
  check(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), db, "commit");
  sqlite3_finalize(th);
  sqlite3_finalize(msg);
  sqlite3_finalize(part);
  check(sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", nullptr, nullptr, nullptr), db, "checkpoint");
  sqlite3_close(db);
  std::cerr << "  loaded " << n << " messages in "
            << std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - t0).count() << " s\n";
}

struct Stats {
  double p50, p90, p99, max;
};

Stats stats(std::vector<double> us) {
  std::sort(us.begin(), us.end());
  auto at = [&](double q) { return us[std::min(us.size() - 1, static_cast<std::size_t>(q * static_cast<double>(us.size())))]; };
  return {at(0.50), at(0.90), at(0.99), us.back()};
}

template <class F>
std::vector<double> time_each(std::size_t ops, F&& f) {
  std::vector<double> us;
  us.reserve(ops);
  for (std::size_t k = 0; k < ops; ++k) {
    auto t0 = Clock::now();
    f(k);
    us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
  }
  return us;
}

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t n = 10'000'000;
  std::size_t ops = 100'000;
  std::string path = "/var/tmp/support-milter-bench-store.db", json;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error(a + " needs a value");
      return argv[++i];
    };
    if (a == "--messages") n = std::stoull(value());
    else if (a == "--ops") ops = std::stoull(value());
    else if (a == "--path") path = value();
    else if (a == "--json") json = value();
    else {
      std::cerr << "usage: bench_store [--messages N] [--path FILE] [--ops N] [--json FILE]\n";
      return 64;
    }
  }
  try {
    if (count_messages(path) != n) {
      std::cerr << "bench_store: filling " << path << " with " << n << " messages\n";
      load(path, n);
    }
    // As the daemon opens it: WAL checkpoints on the store's own thread.
    auto store = open_sqlite_store(path, SqliteOptions{5000, false, true});
    std::mt19937_64 rng(4471);
    std::uniform_int_distribution<std::uint64_t> any(0, n - 1);

    std::vector<std::string> ids(ops);
    for (auto& id : ids) id = message_id(any(rng));
    auto find = stats(time_each(ops, [&](std::size_t k) {
      if (!store->find_thread({ids[k]})) throw std::runtime_error("lookup missed " + ids[k]);
    }));
    for (auto& id : ids) id = message_id(any(rng));
    auto get = stats(time_each(ops, [&](std::size_t k) {
      if (!store->get_message(ids[k])) throw std::runtime_error("get missed " + ids[k]);
    }));
    auto missing = stats(time_each(ops, [&](std::size_t k) {
      if (store->find_thread({"absent-" + std::to_string(k) + "@nowhere.example"})) throw std::runtime_error("found absent id");
    }));
    // New replies in existing threads, the way the pipeline records them.
    StoredMessage m;
    m.direction = Direction::outbound;
    m.subject = "Re: Invoice 4471 charged twice";
    m.question_count = 1;
    m.participants = {{Role::from, "agent@example.com", "agent@example.com"},
                      {Role::to, "customer@example.com", "customer@example.com"}};
    auto insert = stats(time_each(ops, [&](std::size_t k) {
      std::uint64_t i = n + k;
      m.message_id = message_id(i);
      m.thread_id = thread_id(any(rng));
      m.time = 1'700'000'000'000 + static_cast<std::int64_t>(i) * 1000;
      m.fingerprints.assign(kSketchSize, mix(i));
      if (!store->record(m, nullptr)) throw std::runtime_error("insert refused " + m.message_id);
      store->save_sla(m.thread_id, R"({"waiting_since":null})", m.time + 86400000);
    }));
    store.reset();
    // Take the new messages out again, so the next run finds the file as it was loaded.
    sqlite3* db = nullptr;
    check(sqlite3_open(path.c_str(), &db), db, "open");
    std::string above = std::to_string(n);
    std::string del = "DELETE FROM participants WHERE message_id IN (SELECT message_id FROM messages WHERE rowid > " +
                      above + "); DELETE FROM messages WHERE rowid > " + above + ";";
    int rc = sqlite3_exec(db, del.c_str(), nullptr, nullptr, nullptr);
    sqlite3_close(db);
    if (rc != SQLITE_OK) throw std::runtime_error("cannot remove the measured inserts from " + path);

    auto bytes = std::filesystem::file_size(path);
    std::printf("store: %llu messages, %.1f GB file, %zu operations each\n", static_cast<unsigned long long>(n),
                static_cast<double>(bytes) / 1e9, ops);
    std::printf("%-28s %9s %9s %9s %9s\n", "operation (µs)", "p50", "p90", "p99", "max");
    auto row = [](const char* name, const Stats& s) {
      std::printf("%-28s %9.1f %9.1f %9.1f %9.1f\n", name, s.p50, s.p90, s.p99, s.max);
    };
    row("find_thread (known id)", find);
    row("get_message (known id)", get);
    row("find_thread (unknown id)", missing);
    row("record + save_sla (insert)", insert);
    if (!json.empty()) {
      std::ofstream out(json);
      auto obj = [](const Stats& s) {
        char b[200];
        std::snprintf(b, sizeof b, R"({"p50_us": %.1f, "p90_us": %.1f, "p99_us": %.1f, "max_us": %.1f})", s.p50, s.p90,
                      s.p99, s.max);
        return std::string(b);
      };
      out << "{\n  \"messages\": " << n << ",\n  \"file_bytes\": " << bytes << ",\n  \"operations\": " << ops
          << ",\n  \"find_thread_known\": " << obj(find) << ",\n  \"get_message_known\": " << obj(get)
          << ",\n  \"find_thread_unknown\": " << obj(missing) << ",\n  \"insert\": " << obj(insert) << "\n}\n";
    }
  } catch (const std::exception& e) {
    std::cerr << "bench_store: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
