// SLA sweeper.
#include "pipeline/sweeper.h"

namespace sm {

std::size_t sweep(ThreadStore& store, TimeMs now, const SlaSettings& settings, AuditLog* audit,
                  const SlaEventSink& on_event) {
  std::size_t events = 0;
  // Bounded batches; a thread handled here gets a later due time (or none), so the loop ends.
  for (int round = 0; round < 1000; ++round) {
    auto due = store.due_threads(now, 500);
    if (due.empty()) break;
    for (const auto& t : due) {
      ThreadSla state = ThreadSla::parse(t.sla);
      for (auto& e : sla_due_events(state, now, settings)) {
        const SlaEventRecord rec{std::move(e), t.thread_id, t.subject, now};
        // An event that cannot be audited is not marked as done: the thread's state is left as it
        // was, so the next sweep comes round to it again, and this sweep ends here (the audit
        // log is full or gone; the others would fail the same way).
        if (audit != nullptr && !write_audit_record(*audit, rec)) return events;
        if (on_event) on_event(rec);
        ++events;
      }
      auto next = sla_next_due(state, settings);
      if (next && *next <= now) next = now + 1000;  // never loop on one thread within a sweep
      store.save_sla(t.thread_id, state.dump(), next);
    }
  }
  return events;
}

}  // namespace sm
