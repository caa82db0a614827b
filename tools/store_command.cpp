// `store migrate`: the source is opened read-only when it is a SQLite file (a missing file is an
// error, not a new empty store); the target is created and migrated to the current schema.
#include "tools/store_command.h"

#include <algorithm>
#include <filesystem>
#include <iostream>

#include "store/copy.h"
#include "store/pg_store.h"
#include "store/sqlite_store.h"

namespace sm {

namespace {

std::string sqlite_path(const std::string& spec) {
  if (spec.rfind("sqlite:", 0) == 0) return spec.substr(7);
  if (spec.find("://") == std::string::npos && spec.rfind("postgres", 0) != 0) return spec;
  return {};
}

}  // namespace

int run_store_migrate(const StoreMigrateOptions& opts, std::ostream& out, std::ostream& err) {
  const std::string from_name = redact_pg_url(opts.from), to_name = redact_pg_url(opts.to);
  if (opts.from.empty() || opts.to.empty()) {
    err << "support-milter store migrate: --from and --to are required\n";
    return 64;
  }
  if (opts.from == opts.to) {
    err << "support-milter store migrate: --from and --to name the same store (" << from_name << ")\n";
    return 64;
  }
  const std::string from_file = sqlite_path(opts.from), to_file = sqlite_path(opts.to);
  if (from_file == ":memory:" || to_file == ":memory:") {
    err << "support-milter store migrate: an in-memory store cannot be copied from or to\n";
    return 64;
  }
  std::error_code ec;
  if (!from_file.empty() && !std::filesystem::is_regular_file(from_file, ec)) {
    err << "support-milter store migrate: --from " << from_name << ": no such file\n";
    return 64;
  }
  if (!from_file.empty() && !to_file.empty() && std::filesystem::equivalent(from_file, to_file, ec)) {
    err << "support-milter store migrate: --from and --to are the same file\n";
    return 64;
  }
  std::unique_ptr<ThreadStore> from, to;
  try {
    from = from_file.empty()
               ? open_store(opts.from, StoreOptions{1, opts.timeout_ms})
               : open_sqlite_store(
                     from_file, SqliteOptions{static_cast<int>(std::min(opts.timeout_ms, 3600000u)), true});
  } catch (const std::exception& e) {
    err << "support-milter store migrate: --from: " << e.what() << "\n";
    return 74;
  }
  try {
    to = open_store(opts.to, StoreOptions{1, opts.timeout_ms});
  } catch (const std::exception& e) {
    err << "support-milter store migrate: --to: " << e.what() << "\n";
    return 74;
  }
  CopyCounts c;
  int status = 0;
  try {
    c = copy_store(*from, *to);
  } catch (const std::exception& e) {
    err << "support-milter store migrate: " << e.what() << "\n";
    status = 74;
  }
  out << (status == 0 ? "copied " : "stopped copying ") << from_name << " -> " << to_name << "\n"
      << "threads: " << c.threads << " created, " << c.threads_present << " already present, "
      << c.threads_empty << " without messages\n"
      << "messages: " << c.messages << " copied, " << c.messages_present << " already present\n"
      << "participants: " << c.participants << "\n"
      << "fingerprints: " << c.fingerprints << "\n"
      << "sla states: " << c.sla_states << "\n";
  return status;
}

}  // namespace sm
