// The SLA sweeper: looks at the threads that are due (a target or limit passed, a promise
// expired, a contact gap) and writes each event once to the audit log. Called by the daemon every
// sla.sweep_seconds from one thread, and by `replay` at each message's time.
#pragma once
#include <cstddef>
#include <functional>

#include "audit/audit_log.h"
#include "pipeline/audit_record.h"
#include "sla/clock.h"
#include "store/thread_store.h"

namespace sm {

// Handles every thread due at `now`; returns the number of events written. Throws StoreError.
// When an event's audit record cannot be written the sweep stops there and that thread's state is
// not saved: the event is written by a later sweep, once the audit log takes records again.
// `on_event`, when given, is told of each event after it is audited (the daemon sends notices).
using SlaEventSink = std::function<void(const SlaEventRecord& record)>;
std::size_t sweep(ThreadStore& store, TimeMs now, const SlaSettings& settings, AuditLog* audit,
                  const SlaEventSink& on_event = nullptr);

}  // namespace sm
