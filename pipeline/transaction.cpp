#include "pipeline/transaction.h"

#include "pipeline/verdict.h"

namespace sm {

Transaction run_message(ThreadStore* store, AuditLog* audit, const Message& msg, const Envelope& env, TimeMs now,
                        const Config& cfg, std::chrono::steady_clock::time_point started,
                        const std::optional<std::string>& replay_source) {
  Transaction t;
  Pipeline pipeline(store);
  t.verdict = pipeline.judge(msg, env, now, cfg, started);
  // The store keeps the message once its verdict stands (a store error becomes the verdict's,
  // so the record below carries it).
  pipeline.record(t.verdict, cfg);
  t.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (!t.verdict.error.empty()) t.errors.push_back(t.verdict.error);
  if (audit == nullptr) return t;
  // The record is written before the reply: a message the log has no record of does not pass,
  // unless audit.on_error says it may (observe mode changes nothing, this neither).
  MessageRecord record = message_record(msg, env, t.verdict, cfg);
  if (replay_source) {
    record.source = *replay_source;
    record.replay = true;
  }
  if (write_audit_record(*audit, record)) return t;
  t.audit_failed = true;
  if (cfg.audit.on_error == FailAction::tempfail && cfg.rules.mode != Mode::observe) {
    t.verdict.action = FinalAction::tempfail;
    if (!pipeline.undo(t.verdict))
      t.errors.push_back("the store could not take back the message answered 451: its retry is a repeat");
    t.errors.push_back("audit record not written: answered 451, the sender will retry (audit.on_error)");
  } else {
    t.errors.push_back(std::string("audit record not written: the message passes without it (") +
                       (cfg.rules.mode == Mode::observe ? "observe mode" : "audit.on_error = accept") + ")");
  }
  return t;
}

}  // namespace sm
