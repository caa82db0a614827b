// One message's transaction, as the milter and `replay` both run it: judge, keep in the store,
// write the audit record, and take the message back from the store when its record cannot be
// written and audit.on_error says tempfail (answered 451: the retry is judged and timed as new).
#pragma once
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "audit/audit_log.h"
#include "pipeline/pipeline.h"

namespace sm {

struct Transaction {
  Verdict verdict;
  double seconds = 0;         // judging and keeping in the store
  bool audit_failed = false;  // the audit record could not be written
  // What went wrong, for the operator's log (error severity), in order.
  std::vector<std::string> errors;
};

// `audit` may be null (no audit log: nothing to write, nothing to take back). `replay_source`,
// for a replayed message, names where it came from in its audit record ("source", "replay").
Transaction run_message(ThreadStore* store, AuditLog* audit, const Message& msg, const Envelope& env, TimeMs now,
                        const Config& cfg, std::chrono::steady_clock::time_point started,
                        const std::optional<std::string>& replay_source = std::nullopt);

}  // namespace sm
