// The SQLite thread store: one file in WAL mode, safe for the milter's worker threads (one
// connection, serialized) and for several processes (busy timeout).
#pragma once
#include <memory>
#include <string>

#include "store/thread_store.h"

namespace sm {

struct SqliteOptions {
  int busy_timeout_ms = 5000;
  bool read_only = false;
  // WAL checkpoints on a thread of the store's own instead of inside the commits (the daemon).
  bool background_checkpoints = false;
};

std::unique_ptr<ThreadStore> open_sqlite_store(const std::string& path, const SqliteOptions& opts = {});

}  // namespace sm
