// The PostgreSQL thread store: one database shared by several milters (an MX and a submission
// server see one conversation). Same semantics as the SQLite store; see pg_store.cpp for the
// connection pool, timeouts, failure and recovery, and the schema migrations.
#pragma once
#include <memory>
#include <string>

#include "store/thread_store.h"

namespace sm {

struct PgOptions {
  unsigned pool_size = 4;      // connections opened at most (lazily), one per concurrent call
  unsigned timeout_ms = 5000;  // per statement (server side and client side), connect, pool wait
  bool lazy = false;           // connect and migrate at the first call, not now
};

// Connects once (the URL must reach a server now) and brings the schema to this version; lazy,
// only checks the options, and the first call that reaches the server does that. Throws
// StoreError; its messages never show a password from the URL.
std::unique_ptr<ThreadStore> open_pg_store(const std::string& url, const PgOptions& opts = {});

// The URL with any password replaced by "***", for messages and logs.
std::string redact_pg_url(const std::string& url);

}  // namespace sm
