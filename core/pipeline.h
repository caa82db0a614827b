// The per-message pipeline, shared by the daemon and `check`: direction, thread lookup, rules,
// actions, store update. Turns one parsed message into a Verdict; never throws.
#pragma once
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "checks/rule.h"
#include "core/config.h"
#include "core/direction.h"
#include "message/message.h"
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
  nlohmann::json sla = nlohmann::json::object();
  std::string error;                         // store or internal error that decided the action
  bool deadline_passed = false;              // limits.message_ms ran out: later rules were skipped
  std::string thread_found_by;               // references | thread-index | ticket | subject | new

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
    nlohmann::json result;
    bool recorded = false;
  };
  std::optional<PendingWrite> pending;
};

class Pipeline {
 public:
  // `store` may be null: thread rules then skip and nothing is recorded.
  explicit Pipeline(ThreadStore* store) : store_(store) {}

  // The verdict, with nothing written: direction, thread, rules, the action, and what the store
  // is to keep. `started` is when the message's data was complete (the deadline limits.message_ms
  // counts from it, parsing included).
  Verdict judge(const Message& msg, const Envelope& env, TimeMs time, const Config& cfg,
                std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now());
  // Writes what the verdict keeps in the store; a store error becomes the verdict's (its error,
  // and store.on_error), so the audit record written after it says so.
  void record(Verdict& v, const Config& cfg);
  // Takes the write back when the audit record of the verdict could not be written and the
  // message is answered 451: its retry is then new. False when the store failed to.
  bool undo(Verdict& v);
  // judge and record: for `check`, `replay` and tests.
  Verdict process(const Message& msg, const Envelope& env, TimeMs time, const Config& cfg,
                  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now());

 private:
  ThreadStore* store_;
};

// The thread id for a message whose thread the store does not know: derived from the root of
// its References (or In-Reply-To, or its own Message-ID), so that later messages of the same
// conversation land in the same thread even when they arrive out of order.
std::string derive_thread_id(const Message& msg);

// The audit record of one message (without time/event, which AuditLog adds).
nlohmann::json audit_record(const Message& msg, const Envelope& env, const Verdict& v,
                            const Config& cfg);

// The `check` output for one message (JSON Lines).
nlohmann::json check_record(const std::string& file, const Message& msg, const Verdict& v);

nlohmann::json finding_json(const Finding& f);

}  // namespace sm
