// A held message settled: what became of it goes into the store (its clock) and into one release
// or discard record. `support-milter release`/`discard` and the daemon's sweep (hold_sweep.h) both
// settle through here, under the settle lock, so a message gets one record whoever comes first.
#pragma once
#include <functional>
#include <string>

#include "mta/held.h"
#include "pipeline/audit_record.h"
#include "sla/clock.h"
#include "store/thread_store.h"

namespace sm {

// The store learns what became of a held message: released at `now`, it is sent from then and its
// clock moves (the figures are returned); discarded, it never left (status not_sent, reason
// "discarded"). Status unknown, with why, when the store holds no such held message (settled
// already). Throws StoreError.
SlaResult settle_in_store(ThreadStore& store, const std::string& message_id, bool discard, TimeMs now,
                          const SlaSettings& settings);

// The release or discard record of the held message `queue_id`: sender and recipients from its
// queue entry (`entry`, null when unknown), the message's facts and the rules that held it from its
// message record (`held`, null or not audited when the log has none); `settle`, called with the
// message id when one is known, gives the figures (status unknown when the store was not
// updated). `by`, `reason`, `user` and `instance` are the caller's to fill.
using SettleStore = std::function<SlaResult(const std::string& message_id)>;
SettleRecord settle_record(bool discard, const std::string& queue_id, const QueueEntry* entry,
                           const HeldMessage* held, const SettleStore& settle);

// An exclusive lock for settling the held messages of one audit log (a file beside it,
// <audit path>.settle.lock): held while the message is looked up in the queue, acted on, settled
// in the store and recorded. `wait`: block until it is free; else give up at once when it is
// taken. Converts to false when not taken (`error` says why, unless it was only busy).
class SettleLock {
 public:
  SettleLock(const std::string& audit_path, bool wait);
  ~SettleLock();
  SettleLock(const SettleLock&) = delete;
  SettleLock& operator=(const SettleLock&) = delete;
  explicit operator bool() const { return fd_ >= 0; }
  const std::string& error() const { return error_; }

 private:
  int fd_ = -1;
  std::string error_;
};

}  // namespace sm
