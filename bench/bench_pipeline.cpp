// The per-message pipeline on one core, stage by stage, on the messages of the end-to-end
// benchmark (bench/make_messages.py): replies with quoted history in English, Spanish and
// Russian, 4 KB and 20 KB, and a 2 MB reply with an attachment.
//
//   parse      headers, MIME, transfer and charset decoding, quote split (parse_message)
//   body       MIME walk, transfer and charset decoding only (extract_body)
//   quote      splitting the body into new text and quoted history (split_quotes)
//   rules      every rule, the conversation's customer message in the store
//   store      recording the message and its SLA state in a SQLite file
//   commit     the floor under that: one SQLite transaction adding a small row to each of 1, 3 or
//              9 B-trees, opened as the store opens its file (WAL, synchronous = NORMAL)
//   pipeline   all of it: parse, then Pipeline::process with a SQLite file
//
// SM_BENCH_STORE_URL=<store URL> (e.g. postgresql://user:pw@127.0.0.1:5432/db) adds the whole
// pipeline on that store and the store calls of one message from 1 and 8 threads, timed in
// wall-clock time (a network store mostly waits).
#include <benchmark/benchmark.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <random>

#include "audit/anchor.h"
#include "audit/audit_log.h"
#include "audit/seal.h"
#include "text/promise.h"
#include "checks/registry.h"
#include "text/message_text.h"
#include "config/config.h"
#include "pipeline/pipeline.h"
#include "message/mime.h"
#include "store/fingerprint.h"
#include "store/sqlite_store.h"
#include "wire_message.h"

namespace {

using namespace sm;

std::string slurp(const std::string& name) {
  return bench::read_wire_message(std::string(SM_BENCH_MESSAGES) + "/" + name + ".eml");
}

std::string lang_of(const std::string& name) { return name.substr(name.size() - 2); }

std::shared_ptr<Config> config() {
  auto cfg = std::make_shared<Config>(*default_config());
  cfg->support.domains = {"support.example.com"};
  return cfg;
}

// A SQLite file of its own, removed at the end.
struct TempStore {
  std::string path = "/tmp/bench-pipeline-" + std::to_string(getpid()) + ".db";
  std::unique_ptr<ThreadStore> store;
  explicit TempStore(bool file, const std::string& url = {}) {
    remove();
    store = !url.empty() ? open_store(url) : file ? open_sqlite_store(path) : open_store("sqlite::memory:");
  }
  ~TempStore() {
    store.reset();
    remove();
  }
  void remove() const {
    for (const char* s : {"", "-wal", "-shm"}) std::filesystem::remove(path + s);
  }
};

// A thread that the customer's message in the language of reply `name` opened, in a store of its
// own: what every benchmark of a reply starts from.
struct CustomerThread {
  std::shared_ptr<Config> cfg = config();
  TempStore ts;
  Pipeline p;
  Message customer;
  CustomerThread(const std::string& name, bool file, const std::string& url = {})
      : ts(file, url), p(ts.store.get()), customer(parse_message(slurp("customer-" + lang_of(name)), cfg->limits)) {
    p.process(customer, Envelope{}, *customer.date, *cfg);
  }
};

// A fresh Message-ID for each pass, so the store inserts as it would for new mail.
std::string with_id(const std::string& msg, std::size_t n) {
  std::string r = msg;
  auto pos = r.find("Message-ID: <");
  r.insert(pos + 13, std::to_string(n) + ".");
  return r;
}

void BM_Parse(benchmark::State& state, const std::string& name) {
  std::string msg = slurp(name);
  Limits limits;
  for (auto _ : state) benchmark::DoNotOptimize(parse_message(msg, limits));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * msg.size()));
  state.SetItemsProcessed(state.iterations());
}

void BM_Body(benchmark::State& state, const std::string& name) {
  std::string msg = slurp(name);
  Limits limits;
  for (auto _ : state) benchmark::DoNotOptimize(extract_body(msg, limits));
  state.SetItemsProcessed(state.iterations());
}

void BM_Quote(benchmark::State& state, const std::string& name) {
  Message m = parse_message(slurp(name), Limits{});
  for (auto _ : state) benchmark::DoNotOptimize(split_quotes(m.body_text));
  state.SetItemsProcessed(state.iterations());
}

void BM_Shingles(benchmark::State& state, const std::string& name) {
  Message m = parse_message(slurp(name), Limits{});
  for (auto _ : state) benchmark::DoNotOptimize(shingles(m.quote.quoted));
  state.SetItemsProcessed(state.iterations());
}

// Every rule (or the one named) on one parsed reply, in the thread its customer message opened.
void BM_Rules(benchmark::State& state, const std::string& name, const std::string& only = {}) {
  CustomerThread t(name, false);
  auto& [cfg, ts, p, c] = t;
  Message m = parse_message(slurp(name), cfg->limits);
  ThreadContext tctx;
  tctx.thread = *ts.store->get_thread(*ts.store->find_thread({c.message_id}));
  tctx.answered = ts.store->get_message(c.message_id);
  Envelope env;
  TimeMs now = *c.date + 3600000;
  for (auto _ : state) {
    MessageText text(m.quote.new_text, m.quote.quoted, cfg->lexicons.loaded.get(), now, cfg->sla.time_zone);
    RuleContext ctx{m, Direction::outbound, env, cfg->support, &tctx, now, text};
    for (const auto& rule : rule_registry())
      if (only.empty() || rule->id() == only) benchmark::DoNotOptimize(rule->evaluate(ctx, cfg->rule(rule->id())));
  }
  state.SetItemsProcessed(state.iterations());
}

// Recording a reply and its thread's SLA state in a SQLite file.
void BM_Store(benchmark::State& state) {
  TempStore ts(true);
  StoredMessage base;
  base.thread_id = "t";
  base.direction = Direction::outbound;
  base.subject = "Re: Invoice 4471 charged twice";
  base.participants = {{Role::from, "sam@support.example.com", "sam@support.example.com"},
                       {Role::to, "ana@client.example", "ana@client.example"}};
  base.fingerprints = sketch(std::string(200, 'x') + " invoice refund card statement payment gateway");
  ThreadInfo info;
  info.thread_id = "t";
  info.subject = "Invoice 4471 charged twice";
  std::size_t n = 0;
  for (auto _ : state) {
    StoredMessage m = base;
    m.message_id = "bench-" + std::to_string(n) + "@support.example.com";
    m.thread_id = info.thread_id = "t" + std::to_string(n / 4);  // four messages per thread
    m.time = static_cast<TimeMs>(n) * 1000;
    // As the pipeline writes a message: the message, its thread and the SLA state in one transaction.
    ts.store->record_message(m, &info, {}, ThreadStore::SlaUpdate{R"({"waiting_since":null,"replies":1})", m.time + 3600000});
    ++n;
  }
  state.SetItemsProcessed(state.iterations());
}

// Pages one message's commit writes (WAL frames, each a whole page), in a store that already holds
// 30,000 messages of 10,000 threads from 5,000 customers: what the commit's cost grows with. Once
// filled, the WAL is emptied and a reader holds the file as it is, so no checkpoint copies or
// restarts the WAL while the replies are written and its growth is every page they wrote.
void BM_StorePages(benchmark::State& state) {
  TempStore ts(true);
  std::mt19937 rng(7);
  auto reply = [&](std::size_t n, std::size_t thread, Direction d) {
    StoredMessage m;
    m.message_id = "pages-" + std::to_string(n) + "@mail.example.net";
    m.thread_id = "thread-" + std::to_string(thread);
    m.direction = d;
    m.time = static_cast<TimeMs>(n) * 1000;
    m.subject = "Order " + std::to_string(thread) + " arrived damaged";
    const std::string customer = "customer" + std::to_string(thread % 5000) + "@client" + std::to_string(thread % 97) + ".example";
    const std::string agent = "agent" + std::to_string(thread % 7) + "@support.example.com";
    const bool in = d == Direction::inbound;
    m.participants = {{Role::from, in ? customer : agent, "From"},
                      {Role::to, in ? "help@support.example.com" : customer, "To"},
                      {Role::cc, "lead" + std::to_string(thread % 31) + "@client.example", "Cc"}};
    m.fingerprints = sketch("order " + std::to_string(n) + " arrived damaged box crushed replacement refund courier");
    ThreadInfo info{m.thread_id, m.subject, m.time, m.time, "", {}};
    ts.store->record_message(m, &info, {}, ThreadStore::SlaUpdate{R"({"waiting_since":null,"replies":1})", m.time + 3600000});
  };
  std::size_t n = 0;
  for (; n < 30000; ++n) reply(n, n % 3 == 0 ? n / 3 : rng() % (n / 3 + 1), n % 2 ? Direction::outbound : Direction::inbound);
  sqlite3* reader = nullptr;
  auto check = [&](int rc) {
    if (rc != SQLITE_OK) throw std::runtime_error(sqlite3_errmsg(reader));
  };
  check(sqlite3_open(ts.path.c_str(), &reader));
  sqlite3_busy_timeout(reader, 5000);
  check(sqlite3_exec(reader, "PRAGMA wal_checkpoint(TRUNCATE)", nullptr, nullptr, nullptr));
  check(sqlite3_exec(reader, "BEGIN; SELECT count(*) FROM threads", nullptr, nullptr, nullptr));
  const auto wal = ts.path + "-wal";
  const auto before = std::filesystem::file_size(wal);
  std::size_t written = 0;
  for (auto _ : state) {
    reply(n++, rng() % 10000, Direction::outbound);
    ++written;
  }
  const auto grown = std::filesystem::file_size(wal) - before;
  sqlite3_exec(reader, "COMMIT", nullptr, nullptr, nullptr);
  sqlite3_close(reader);
  constexpr double kFrame = 24 + 4096;  // a WAL frame: its header and one page
  state.counters["pages_per_message"] = static_cast<double>(grown) / kFrame / static_cast<double>(written);
  state.SetItemsProcessed(state.iterations());
}

// What one transaction costs SQLite itself on this machine, whatever the schema: a small row
// appended to each of `trees` tables (one leaf page each), as the store commits a message. The
// store's write touches eight or nine B-trees (the message and its three indexes, its participants
// and their index, the senders' index for a From or Reply-To address, the thread row and its due
// index); BM_StorePages counts the pages that makes.
void BM_SqliteCommit(benchmark::State& state) {
  const std::string path = "/tmp/bench-commit-" + std::to_string(getpid()) + ".db";
  auto remove = [&] {
    for (const char* s : {"", "-wal", "-shm"}) std::filesystem::remove(path + s);
  };
  remove();
  sqlite3* db = nullptr;
  auto check = [&](int rc) {
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) throw std::runtime_error(sqlite3_errmsg(db));
  };
  check(sqlite3_open(path.c_str(), &db));
  check(sqlite3_exec(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL", nullptr, nullptr, nullptr));
  const auto trees = static_cast<int>(state.range(0));
  std::vector<sqlite3_stmt*> inserts;
  for (int t = 0; t < trees; ++t) {
    const std::string name = "t" + std::to_string(t);
    check(sqlite3_exec(db, ("CREATE TABLE " + name + "(k INTEGER PRIMARY KEY, v BLOB)").c_str(), nullptr, nullptr, nullptr));
    sqlite3_stmt* st = nullptr;
    check(sqlite3_prepare_v2(db, ("INSERT INTO " + name + "(k, v) VALUES(?1, ?2)").c_str(), -1, &st, nullptr));
    inserts.push_back(st);
  }
  sqlite3_stmt *begin = nullptr, *commit = nullptr;
  check(sqlite3_prepare_v2(db, "BEGIN", -1, &begin, nullptr));
  check(sqlite3_prepare_v2(db, "COMMIT", -1, &commit, nullptr));
  const std::string value(100, 'x');
  std::int64_t n = 0;
  for (auto _ : state) {
    check(sqlite3_step(begin));
    sqlite3_reset(begin);
    for (sqlite3_stmt* st : inserts) {
      sqlite3_bind_int64(st, 1, n);
      sqlite3_bind_blob(st, 2, value.data(), static_cast<int>(value.size()), SQLITE_STATIC);
      check(sqlite3_step(st));
      sqlite3_reset(st);
    }
    check(sqlite3_step(commit));
    sqlite3_reset(commit);
    ++n;
  }
  for (sqlite3_stmt* st : inserts) sqlite3_finalize(st);
  sqlite3_finalize(begin);
  sqlite3_finalize(commit);
  sqlite3_close(db);
  remove();
  state.SetItemsProcessed(state.iterations());
}

// The whole pipeline with a SQLite file: parse, thread lookup, every rule, SLA, store update.
void BM_Pipeline(benchmark::State& state, const std::string& name, bool sqlite_file, const std::string& url = {}) {
  CustomerThread t(name, sqlite_file, url);
  auto& [cfg, ts, p, c] = t;
  std::string reply = slurp(name);
  std::size_t n = 0;
  for (auto _ : state) {
    Message m = parse_message(with_id(reply, n++ * 100000 + static_cast<std::size_t>(getpid())), cfg->limits);
    benchmark::DoNotOptimize(p.process(m, Envelope{}, *c.date + 3600000, *cfg));
  }
  state.SetItemsProcessed(state.iterations());
}

// A sealing key and an anchor key in `dir` (what `audit keygen` writes), and the log sealed with
// them, an epoch of `epoch_seconds`.
void seal_log(AuditLog& log, const std::filesystem::path& dir, unsigned epoch_seconds) {
  std::string error;
  const auto key = (dir / "seal.key").string(), anchor = (dir / "anchor.key").string();
  if (!SealKeyFile::create(key, SealKey::first(new_verification_key()), true, static_cast<unsigned>(-1),
                           static_cast<unsigned>(-1), &error) ||
      !AnchorSigner::create(anchor, true, static_cast<unsigned>(-1), static_cast<unsigned>(-1), &error))
    throw std::runtime_error(error);
  log.start_sealing({key, epoch_seconds, anchor, {}});
}

// What the daemon does after the pipeline for every message: the audit record made from the
// verdict of a 20 KB reply, then written to the log (its line, the SHA-256 chain, the locked
// append). The log rotates at 64 MB; its files are removed at the end. `sealed`: the log is sealed
// (15-minute epochs, none ending during the run): what sealing adds to every record.
void BM_AuditRecord(benchmark::State& state, const std::string& name, bool sealed = false) {
  CustomerThread t(name, false);
  auto& [cfg, ts, p, c] = t;
  Message m = parse_message(slurp(name), cfg->limits);
  Envelope env;
  env.queue_id = "4dQk2x0Zr7z9";
  env.mail_from = "sam@support.example.com";
  env.rcpt_to = {"ana@client.example"};
  Verdict v = p.process(m, env, *c.date + 3600000, *cfg);
  const auto dir = std::filesystem::path("/tmp") / ("bench-audit-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  {
    AuditLog log((dir / "audit.log").string(), AuditRotation{64u << 20, false});
    if (sealed) seal_log(log, dir, 900);
    for (auto _ : state) benchmark::DoNotOptimize(log.write("message", to_json(message_record(m, env, v, *cfg))));
  }
  std::filesystem::remove_all(dir);
  state.SetItemsProcessed(state.iterations());
}

// One epoch's end: the seal's MAC and record, the key's evolution (a new key file, fsync, rename,
// the old one overwritten) and, for a stop, a rotation or a day, the signed anchor. An epoch's
// messages share it.
void BM_Seal(benchmark::State& state, const std::string& reason) {
  const auto dir = std::filesystem::path("/tmp") / ("bench-seal-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  {
    AuditLog log((dir / "audit.log").string(), AuditRotation{64u << 20, false});
    seal_log(log, dir, 900);
    for (auto _ : state) benchmark::DoNotOptimize(log.seal_now(reason));
  }
  std::filesystem::remove_all(dir);
  state.SetItemsProcessed(state.iterations());
}

// The store calls the pipeline makes for one message (thread lookup, record, last message) from
// several threads at once, as libmilter's workers do, on one store with SM_BENCH_POOL_SIZE
// connections (default 4).
void BM_StoreCalls(benchmark::State& state, const std::string& spec) {
  static std::once_flag once;
  static std::unique_ptr<ThreadStore> store;
  std::call_once(once, [&] {
    const char* pool = std::getenv("SM_BENCH_POOL_SIZE");
    store = open_store(spec, StoreOptions{pool != nullptr ? static_cast<unsigned>(std::atoi(pool)) : 4u, 5000});
  });
  std::size_t n = 0;
  const std::string prefix = std::to_string(getpid()) + "-" + std::to_string(state.thread_index()) + "-";
  for (auto _ : state) {
    std::string id = prefix + std::to_string(n++);
    ThreadInfo t{"t" + id, "Invoice 4471", 1, 1, "", {}};
    StoredMessage m;
    m.message_id = id + "@bench.example";
    m.thread_id = t.thread_id;
    m.direction = Direction::inbound;
    m.time = 1;
    m.subject = "Invoice 4471";
    m.participants = {{Role::from, "ana@client.example", "Ana"}, {Role::to, "help@support.example.com", ""}};
    m.fingerprints = {1, 2, 3, 4};
    benchmark::DoNotOptimize(store->find_thread({id + "@parent.example"}));
    benchmark::DoNotOptimize(store->record(m, &t));
    benchmark::DoNotOptimize(store->last_message(t.thread_id, {}));
  }
  state.SetItemsProcessed(state.iterations());
}

}  // namespace

BENCHMARK_CAPTURE(BM_Parse, 4k_en, std::string("4k-en"));
BENCHMARK_CAPTURE(BM_Parse, 20k_en, std::string("20k-en"));
BENCHMARK_CAPTURE(BM_Parse, 20k_es, std::string("20k-es"));
BENCHMARK_CAPTURE(BM_Parse, 20k_ru, std::string("20k-ru"));
BENCHMARK_CAPTURE(BM_Parse, 2m_en, std::string("2m-en"));
BENCHMARK_CAPTURE(BM_Body, 20k_en, std::string("20k-en"));
BENCHMARK_CAPTURE(BM_Body, 20k_ru, std::string("20k-ru"));
BENCHMARK_CAPTURE(BM_Quote, 20k_en, std::string("20k-en"));
BENCHMARK_CAPTURE(BM_Shingles, 20k_en, std::string("20k-en"));
BENCHMARK_CAPTURE(BM_Shingles, 20k_ru, std::string("20k-ru"));
BENCHMARK_CAPTURE(BM_Rules, 20k_en, std::string("20k-en"));
BENCHMARK_CAPTURE(BM_Rules, 20k_es, std::string("20k-es"));
BENCHMARK_CAPTURE(BM_Rules, 20k_ru, std::string("20k-ru"));
BENCHMARK(BM_Store);
BENCHMARK(BM_StorePages)->Iterations(2000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_SqliteCommit)->Arg(1)->Arg(3)->Arg(9);
BENCHMARK_CAPTURE(BM_Pipeline, 4k_en, std::string("4k-en"), true);
BENCHMARK_CAPTURE(BM_Pipeline, 20k_en, std::string("20k-en"), true);
BENCHMARK_CAPTURE(BM_Pipeline, 20k_es, std::string("20k-es"), true);
BENCHMARK_CAPTURE(BM_Pipeline, 20k_ru, std::string("20k-ru"), true);
BENCHMARK_CAPTURE(BM_Pipeline, 4k_en_memory, std::string("4k-en"), false);
BENCHMARK_CAPTURE(BM_Pipeline, 20k_en_memory, std::string("20k-en"), false);
BENCHMARK_CAPTURE(BM_Pipeline, 20k_es_memory, std::string("20k-es"), false);
BENCHMARK_CAPTURE(BM_Pipeline, 20k_ru_memory, std::string("20k-ru"), false);
BENCHMARK_CAPTURE(BM_Pipeline, 2m_en, std::string("2m-en"), true);
BENCHMARK_CAPTURE(BM_AuditRecord, 20k_es, std::string("20k-es"));
BENCHMARK_CAPTURE(BM_AuditRecord, 20k_es_sealed, std::string("20k-es"), true);
BENCHMARK_CAPTURE(BM_Seal, epoch, std::string("epoch"))->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Seal, anchored, std::string("stop"))->Unit(benchmark::kMicrosecond);

int main(int argc, char** argv) {
  // One benchmark per rule on the 20 KB English reply: where the rules' time goes.
  for (const auto& rule : rule_registry()) {
    std::string id(rule->id());
    benchmark::RegisterBenchmark(("BM_Rule/20k_en/" + id).c_str(),
                                 [id](benchmark::State& st) { BM_Rules(st, "20k-en", id); });
  }
  if (const char* url = std::getenv("SM_BENCH_STORE_URL"); url != nullptr && *url != 0) {
    benchmark::RegisterBenchmark("BM_Pipeline/20k_en_store_url",
                                 [spec = std::string(url)](benchmark::State& s) { BM_Pipeline(s, "20k-en", false, spec); })
        ->UseRealTime();
    benchmark::RegisterBenchmark("BM_StoreCalls/store_url",
                                 [spec = std::string(url)](benchmark::State& s) { BM_StoreCalls(s, spec); })
        ->UseRealTime()
        ->Threads(1)
        ->Threads(8);
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
