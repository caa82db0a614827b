// The libmilter side: callbacks that collect one message per transaction and, at end of message,
// run the pipeline and apply its verdict (headers, recipients, quarantine, reply). Nothing thrown
// crosses a callback: errors become the configured failure action and an audit line.
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>

#include "audit/audit_log.h"
#include "config/config.h"
#include "milter/metrics.h"
#include "store/thread_store.h"

namespace sm {

// What the callbacks share: the current config (swapped on reload), the store, the audit log,
// and the count of messages in flight (for draining on stop).
struct MilterRuntime {
  std::atomic<std::shared_ptr<const Config>> config;
  ThreadStore* store = nullptr;
  AuditLog* audit = nullptr;
  Metrics* metrics = nullptr;  // counted at end of message; may be null
  std::atomic<int> in_flight{0};
  std::atomic<bool> stopping{false};
  // When a stop began: steady-clock time (ns since its epoch) by which it ends, whatever is still in
  // flight; 0 while running.
  std::atomic<std::int64_t> stop_deadline_ns{0};
};

// Registers the filter with libmilter (once per process). Returns false on failure.
bool register_milter(MilterRuntime* runtime);

}  // namespace sm
