// What the pipeline decides for one message (the Verdict), and its JSON forms: the audit record
// and the `check` output (pipeline/verdict_json.cpp).
#pragma once
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "checks/rule.h"
#include "config/config.h"
#include "message/envelope.h"
#include "message/message.h"
#include "pipeline/audit_record.h"
#include "pipeline/direction.h"
#include "sla/clock.h"
#include "store/thread_store.h"

namespace sm {

// The header that marks support-milter's own notices; the pipeline passes them untouched.
inline constexpr const char* kNoticeHeader = "X-Support-Milter-Notice";

// What the MTA is told. Ordered by strength, except tempfail which stands apart.
enum class FinalAction { accept, annotate, fix, hold, reject, tempfail };
const char* to_string(FinalAction a);

struct Verdict {
  DirectionInfo direction;
  std::string thread_id;
  bool new_thread = false;
  TimeMs time = 0;
  std::vector<Finding> findings;
  FinalAction action = FinalAction::accept;  // what is done (accept in observe mode)
  FinalAction would = FinalAction::accept;   // what enforce mode would do
  bool observe = false;
  std::vector<Modification> modifications;   // to apply at end of message (enforce only)
  std::string reply_code = "550";
  std::string reply_xcode = "5.7.1";
  std::string reply_text;                    // for reject, sanitized
  std::string quarantine_reason;             // for hold, sanitized
  SlaResult sla;                             // what the message did to the customer's clock
  std::string error;                         // store or internal error that decided the action
  bool deadline_passed = false;              // limits.message_ms ran out: later rules were skipped
  std::string thread_found_by;               // references | thread-index | ticket | subject | new
  std::string language;                      // of the new text: "en", ..., "other", "unknown"
  std::string agent_language;                // what its sender reads (pipeline/agent_text.h)
  // The split into new text and history when the body showed no marker and the history was found
  // by the words of the message answered (message/quote.h, split_unmarked); the rules judged it.
  std::optional<QuoteSplit> quote;

  // What the store is to keep of the message once the verdict stands (none: nothing, as for a
  // rejected message): the message, its thread when new, its thread keys, and the thread's SLA
  // state after it (none for a held message: its clock moves at release) and before it (to take
  // the message back). `result` is the sla object of the verdict when the message is new to the
  // store; `recorded` says it was written.
  struct PendingWrite {
    StoredMessage message;
    std::optional<ThreadInfo> thread;
    ThreadKeys keys;
    std::optional<ThreadStore::SlaUpdate> sla;
    std::optional<ThreadStore::SlaUpdate> previous;
    std::optional<SlaResult> result;
    bool recorded = false;
  };
  std::optional<PendingWrite> pending;
};

// The audit record of one message (pipeline/audit_record.h).
MessageRecord message_record(const Message& msg, const Envelope& env, const Verdict& v, const Config& cfg);

// The `check` output for one message (JSON Lines).
nlohmann::json check_record(const std::string& file, const Message& msg, const Verdict& v);

nlohmann::json finding_json(const Finding& f);

}  // namespace sm
