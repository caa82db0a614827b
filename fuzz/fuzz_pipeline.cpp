// One message through the whole pipeline: parse, direction, thread lookup, every rule with the
// shipped lexicons, the store (SQLite in memory) and the audit record. The store is emptied after
// each input, so an input found failing fails again on its own and a long run's memory stays flat.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <string_view>

#include "config/config.h"
#include "pipeline/pipeline.h"
#include "store/thread_store.h"

namespace {

struct World {
  std::shared_ptr<sm::Config> cfg;
  std::unique_ptr<sm::ThreadStore> store;
  World() : cfg(std::make_shared<sm::Config>(*sm::default_config())), store(sm::open_store("sqlite::memory:")) {
    cfg->support.domains = {"support.example.com"};
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static World w;
  sm::Message m = sm::parse_message(std::string_view(reinterpret_cast<const char*>(data), size), w.cfg->limits);
  sm::Pipeline p(w.store.get());
  sm::Envelope env;
  sm::Verdict v = p.process(m, env, 1793786400000, *w.cfg);
  sm::to_json(sm::message_record(m, env, v, *w.cfg)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  for (const auto& mod : v.modifications)
    for (unsigned char c : mod.value)
      if (c == '\r' || c == '\n' || c == 0) __builtin_trap();  // nothing injected into a header
  w.store->prune(std::numeric_limits<sm::TimeMs>::max());
  return 0;
}
