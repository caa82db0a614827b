// Names of the store's enums and the backend chooser.
#include "store/thread_store.h"

#include "store/pg_store.h"
#include "store/sqlite_store.h"

#include <algorithm>
#include <atomic>
#include <functional>
#include <mutex>

namespace sm {

std::string pack_recipients(const std::vector<std::string>& recipients) {
  std::string out;
  for (const auto& r : recipients) {
    if (r.empty() || r.find_first_of("\r\n") != std::string::npos) continue;
    if (!out.empty()) out += '\n';
    out += r;
  }
  return out;
}

std::vector<std::string> unpack_recipients(std::string_view packed) {
  std::vector<std::string> out;
  while (!packed.empty()) {
    const auto nl = packed.find('\n');
    const auto line = packed.substr(0, nl);
    if (!line.empty()) out.emplace_back(line);
    if (nl == std::string_view::npos) break;
    packed.remove_prefix(nl + 1);
  }
  return out;
}

bool is_server_store(const std::string& spec) {
  return spec.rfind("postgresql://", 0) == 0 || spec.rfind("postgres://", 0) == 0;
}

namespace {

// A store opened at its first call, and at every call after until that succeeds: the daemon starts
// on a store file it cannot open now and needs no restart once the file is fixed.
class DeferredStore final : public ThreadStore {
 public:
  using Opener = std::function<std::unique_ptr<ThreadStore>()>;
  explicit DeferredStore(Opener open) : open_(std::move(open)) {}

  std::optional<std::string> find_thread(const std::vector<std::string>& ids) override { return get().find_thread(ids); }
  std::optional<StoredMessage> get_message(std::string_view id) override { return get().get_message(id); }
  std::optional<ThreadInfo> get_thread(std::string_view id) override { return get().get_thread(id); }
  std::optional<StoredMessage> last_message(std::string_view thread_id, const std::vector<Direction>& directions) override {
    return get().last_message(thread_id, directions);
  }
  bool record(const StoredMessage& msg, const ThreadInfo* thread) override { return get().record(msg, thread); }
  void save_sla(std::string_view thread_id, const std::string& sla_json, std::optional<TimeMs> due) override {
    get().save_sla(thread_id, sla_json, due);
  }
  bool record_with_sla(const StoredMessage& msg, const ThreadInfo* thread, const SlaUpdate& sla) override {
    return get().record_with_sla(msg, thread, sla);
  }
  bool record_message(const StoredMessage& msg, const ThreadInfo* thread, const ThreadKeys& keys,
                      const std::optional<SlaUpdate>& sla) override {
    return get().record_message(msg, thread, keys, sla);
  }
  void unrecord_message(std::string_view id, std::string_view thread, const std::optional<SlaUpdate>& previous) override {
    get().unrecord_message(id, thread, previous);
  }
  bool release_held(std::string_view id, const SlaUpdate& sla) override { return get().release_held(id, sla); }
  bool discard_held(std::string_view id) override { return get().discard_held(id); }
  std::vector<StoredMessage> held_messages(std::string_view instance) override { return get().held_messages(instance); }
  std::optional<std::string> find_thread_by_index(std::string_view root) override {
    return get().find_thread_by_index(root);
  }
  std::optional<std::string> find_thread_by_ticket(std::string_view ticket) override {
    return get().find_thread_by_ticket(ticket);
  }
  std::optional<std::string> find_thread_by_subject(std::string_view subject, std::string_view customer,
                                                    TimeMs since) override {
    return get().find_thread_by_subject(subject, customer, since);
  }
  std::vector<ThreadInfo> due_threads(TimeMs now, std::size_t max) override { return get().due_threads(now, max); }
  std::optional<WaitingSummary> waiting_summary() override { return get().waiting_summary(); }
  std::size_t prune(TimeMs before) override { return get().prune(before); }
  void export_threads(const ThreadVisitor& visit) override { get().export_threads(visit); }
  bool try_lock_sweep() override { return get().try_lock_sweep(); }
  void unlock_sweep() override { get().unlock_sweep(); }

 private:
  ThreadStore& get() {
    if (ThreadStore* s = ready_.load(std::memory_order_acquire)) return *s;
    std::lock_guard lock(mu_);
    if (!store_) {
      store_ = open_();  // throws StoreError while the file cannot be opened
      ready_.store(store_.get(), std::memory_order_release);
    }
    return *store_;
  }

  Opener open_;
  std::mutex mu_;
  std::unique_ptr<ThreadStore> store_;
  std::atomic<ThreadStore*> ready_{nullptr};
};

// SQLite waits up to timeout_ms for a lock another process holds (its busy timeout).
SqliteOptions sqlite_options(const StoreOptions& opts) {
  SqliteOptions o;
  o.busy_timeout_ms = static_cast<int>(std::min(opts.timeout_ms, 3600000u));
  o.background_checkpoints = opts.background_checkpoints;
  return o;
}

std::unique_ptr<ThreadStore> open_sqlite_file(const std::string& path, const StoreOptions& opts) {
  if (!opts.lazy) return open_sqlite_store(path, sqlite_options(opts));
  return std::make_unique<DeferredStore>([path, o = sqlite_options(opts)] { return open_sqlite_store(path, o); });
}
}  // namespace

std::unique_ptr<ThreadStore> open_store(const std::string& spec, const StoreOptions& opts) {
  if (spec == "sqlite::memory:" || spec == ":memory:") return open_sqlite_store(":memory:");
  if (spec.rfind("sqlite:", 0) == 0) {
    if (spec.size() == 7) throw StoreError("store \"sqlite:\": no path after sqlite:");
    return open_sqlite_file(spec.substr(7), opts);
  }
  if (is_server_store(spec))
    return open_pg_store(spec, PgOptions{opts.pool_size, opts.timeout_ms, opts.lazy});
  if (spec.rfind("postgresql:", 0) == 0 || spec.rfind("postgres:", 0) == 0)
    throw StoreError("store \"" + spec.substr(0, spec.find(':') + 1) +
                     "...\": PostgreSQL wants a URL postgresql://[user[:password]@][host][:port]/dbname[?param=value]");
  if (spec.find("://") != std::string::npos) throw StoreError("store \"" + spec + "\": unknown kind");
  return open_sqlite_file(spec, opts);
}

}  // namespace sm
