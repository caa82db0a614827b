// `support-milter store migrate`: copies a thread store into another (SQLite into PostgreSQL when
// several mail servers start sharing one conversation state).
#pragma once
#include <iosfwd>
#include <string>

namespace sm {

struct StoreMigrateOptions {
  std::string from;  // sqlite:PATH, or any store URL
  std::string to;    // postgresql://..., or any store URL
  unsigned timeout_ms = 30000;
};

// Prints the counts on `out`, errors on `err`; returns the exit code (0, 64 usage, 74 store).
int run_store_migrate(const StoreMigrateOptions& opts, std::ostream& out, std::ostream& err);

}  // namespace sm
