// The per-message pipeline on one core, stage by stage: parse (headers, MIME, quote split), all
// rules with the store in memory, and the whole pipeline with a real SQLite file. Messages are
// replies with quoted history in English, Spanish and Russian, padded to 4 KB and 20 KB.
// SM_BENCH_STORE_URL=<store URL> (e.g. postgresql://user:pw@127.0.0.1:5432/db) adds the whole
// pipeline on that store and the store calls of one message from 1 and 8 threads, timed in
// wall-clock time (a network store mostly waits).
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdlib>

#include <filesystem>
#include <mutex>
#include <fstream>
#include <sstream>

#include "core/config.h"
#include "core/pipeline.h"
#include "store/fingerprint.h"
#include "store/sqlite_store.h"

namespace {

using namespace sm;

std::string slurp(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream b;
  b << in.rdbuf();
  return b.str();
}

// A reply of about `size` bytes: the fixture's headers, new text, and quoted history padded with
// more quoted lines in the same language.
std::string reply_of_size(const std::string& lang, std::size_t size) {
  std::string base = slurp(std::string(SM_TEST_DATA) + "/conversations/" + lang +
                           (lang == "en" ? "/02-agent-reply.eml" : lang == "es" ? "/04-agente-cita-ajena.eml" : "/02-agent.eml"));
  if (lang == "ru") {
    // The Russian fixture is base64; use a plain copy of its text for padding.
    base = slurp(std::string(SM_TEST_DATA) + "/conversations/ru/05-vnutrennee.eml");
  }
  std::string pad = lang == "ru" ? "> Третий день не можем войти в личный кабинет, страница просто обновляется.\r\n"
                    : lang == "es" ? "> Hemos recibido la factura duplicada en nuestra cuenta de correo otra vez.\r\n"
                                   : "> We were charged twice for invoice 4471 this month, once on the 3rd.\r\n";
  std::string out = base;
  while (out.size() < size) out += pad;
  return out;
}

std::shared_ptr<Config> config() {
  auto cfg = std::make_shared<Config>(*default_config());
  cfg->support.domains = {"support.example.com"};
  return cfg;
}

void BM_Parse(benchmark::State& state, const std::string& lang, std::size_t size) {
  std::string msg = reply_of_size(lang, size);
  Limits limits;
  for (auto _ : state) benchmark::DoNotOptimize(parse_message(msg, limits));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * msg.size()));
  state.SetItemsProcessed(state.iterations());
}

void BM_Fingerprint(benchmark::State& state, const std::string& lang, std::size_t size) {
  Message m = parse_message(reply_of_size(lang, size), Limits{});
  for (auto _ : state) benchmark::DoNotOptimize(shingles(m.quote.quoted));
  state.SetItemsProcessed(state.iterations());
}

// Every rule, the store in memory, the conversation's customer message stored first.
// `store`: "memory", "sqlite_file", or a store URL.
void BM_Pipeline(benchmark::State& state, const std::string& lang, std::size_t size, const std::string& store_spec) {
  auto cfg = config();
  std::string customer = slurp(std::string(SM_TEST_DATA) + "/conversations/" + lang +
                               (lang == "en" ? "/01-customer.eml" : lang == "es" ? "/01-cliente.eml" : "/01-klient.eml"));
  std::string reply = reply_of_size(lang, size);
  std::string path = "/tmp/bench-pipeline-" + std::to_string(getpid()) + ".db";
  std::filesystem::remove(path);
  auto store = store_spec == "sqlite_file" ? open_sqlite_store(path)
               : store_spec == "memory"    ? open_store("sqlite::memory:")
                                           : open_store(store_spec);
  Pipeline p(store.get());
  Message c = parse_message(customer, cfg->limits);
  p.process(c, Envelope{}, *c.date, *cfg);
  std::size_t n = 0;
  for (auto _ : state) {
    // A fresh Message-ID each time, so the store inserts as it would for new mail.
    std::string r = reply;
    auto pos = r.find("Message-ID: <");
    r.insert(pos + 13, std::to_string(getpid()) + "." + std::to_string(n++) + ".");
    Message m = parse_message(r, cfg->limits);
    benchmark::DoNotOptimize(p.process(m, Envelope{}, *c.date + 3600000, *cfg));
  }
  state.SetItemsProcessed(state.iterations());
  std::filesystem::remove(path);
  std::filesystem::remove(path + "-wal");
  std::filesystem::remove(path + "-shm");
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
    ThreadInfo t{"t" + id, "Invoice 4471", 1, 1, ""};
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

BENCHMARK_CAPTURE(BM_Parse, en_4k, std::string("en"), 4096);
BENCHMARK_CAPTURE(BM_Parse, en_20k, std::string("en"), 20480);
BENCHMARK_CAPTURE(BM_Parse, es_20k, std::string("es"), 20480);
BENCHMARK_CAPTURE(BM_Parse, ru_20k, std::string("ru"), 20480);
BENCHMARK_CAPTURE(BM_Fingerprint, en_20k, std::string("en"), 20480);
BENCHMARK_CAPTURE(BM_Pipeline, en_4k_memory, std::string("en"), 4096, std::string("memory"));
BENCHMARK_CAPTURE(BM_Pipeline, en_20k_memory, std::string("en"), 20480, std::string("memory"));
BENCHMARK_CAPTURE(BM_Pipeline, es_20k_memory, std::string("es"), 20480, std::string("memory"));
BENCHMARK_CAPTURE(BM_Pipeline, ru_20k_memory, std::string("ru"), 20480, std::string("memory"));
BENCHMARK_CAPTURE(BM_Pipeline, en_20k_sqlite_file, std::string("en"), 20480, std::string("sqlite_file"));

int main(int argc, char** argv) {
  if (const char* url = std::getenv("SM_BENCH_STORE_URL"); url != nullptr && *url != 0)
    benchmark::RegisterBenchmark("BM_Pipeline/en_20k_store_url",
                                 [spec = std::string(url)](benchmark::State& s) { BM_Pipeline(s, "en", 20480, spec); })
        ->UseRealTime();
  if (const char* url = std::getenv("SM_BENCH_STORE_URL"); url != nullptr && *url != 0)
    benchmark::RegisterBenchmark("BM_StoreCalls/store_url",
                                 [spec = std::string(url)](benchmark::State& s) { BM_StoreCalls(s, spec); })
        ->UseRealTime()
        ->Threads(1)
        ->Threads(8);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
