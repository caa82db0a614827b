// The per-message pipeline, shared by the daemon, `check` and `replay`: direction, thread lookup,
// rules, actions, the store's write. Turns one parsed message into a Verdict; never throws.
#pragma once
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "message/message.h"
#include "pipeline/verdict.h"
#include "store/thread_store.h"

namespace sm {

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

}  // namespace sm
