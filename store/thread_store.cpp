// Names of the store's enums and the backend chooser.
#include "store/thread_store.h"

#include "store/pg_store.h"
#include "store/sqlite_store.h"

#include <algorithm>

namespace sm {

const char* to_string(Direction d) {
  switch (d) {
    case Direction::inbound: return "inbound";
    case Direction::outbound: return "outbound";
    case Direction::internal: return "internal";
    case Direction::other: return "other";
  }
  return "other";
}

std::optional<Direction> direction_from_string(std::string_view s) {
  for (Direction d : {Direction::inbound, Direction::outbound, Direction::internal, Direction::other})
    if (s == to_string(d)) return d;
  return std::nullopt;
}

const char* to_string(Role r) {
  switch (r) {
    case Role::from: return "from";
    case Role::reply_to: return "reply_to";
    case Role::to: return "to";
    case Role::cc: return "cc";
  }
  return "to";
}

std::optional<Role> role_from_string(std::string_view s) {
  for (Role r : {Role::from, Role::reply_to, Role::to, Role::cc})
    if (s == to_string(r)) return r;
  return std::nullopt;
}

bool is_server_store(const std::string& spec) {
  return spec.rfind("postgresql://", 0) == 0 || spec.rfind("postgres://", 0) == 0;
}

namespace {
// SQLite waits up to timeout_ms for a lock another process holds (its busy timeout).
SqliteOptions sqlite_options(const StoreOptions& opts) {
  SqliteOptions o;
  o.busy_timeout_ms = static_cast<int>(std::min(opts.timeout_ms, 3600000u));
  o.background_checkpoints = opts.background_checkpoints;
  return o;
}
}  // namespace

std::unique_ptr<ThreadStore> open_store(const std::string& spec, const StoreOptions& opts) {
  if (spec == "sqlite::memory:" || spec == ":memory:") return open_sqlite_store(":memory:");
  if (spec.rfind("sqlite:", 0) == 0) {
    if (spec.size() == 7) throw StoreError("store \"sqlite:\": no path after sqlite:");
    return open_sqlite_store(spec.substr(7), sqlite_options(opts));
  }
  if (is_server_store(spec))
    return open_pg_store(spec, PgOptions{opts.pool_size, opts.timeout_ms, opts.lazy});
  if (spec.rfind("postgresql:", 0) == 0 || spec.rfind("postgres:", 0) == 0)
    throw StoreError("store \"" + spec.substr(0, spec.find(':') + 1) +
                     "...\": PostgreSQL wants a URL postgresql://[user[:password]@][host][:port]/dbname[?param=value]");
  if (spec.find("://") != std::string::npos) throw StoreError("store \"" + spec + "\": unknown kind");
  return open_sqlite_store(spec, sqlite_options(opts));
}

}  // namespace sm
