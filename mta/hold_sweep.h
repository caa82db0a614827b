// The daemon's look at held mail on every sweep: the messages the store has held on this instance
// are looked up in the MTA's hold queue, and one that left it by other means than `support-milter
// release`/`discard` (the MTA's own commands, a queue file removed by hand) is settled as those
// would have settled it (settle.h), with by "mta".
//
// How it left: Mta::left_hold (Postfix: another queue of postqueue -j, else the mail log's
// postsuper lines; Sendmail: a qf file, else a delivery line of the mail log). Released: a release
// record, and its clock stops at this sweep. Deleted: a discard record. Nothing tells (the log
// says nothing of it): it is looked at again at the next sweep (a mail log is written a moment
// after the queue changes), and if still nothing tells, a discard record with evidence "none":
// no proof that it reached anyone, so the customer's wait stays open.
//
// One record per message: the sweep settles only under the settle lock (settle.h), after the
// store's own check that the message is still held; a message whose release or discard record is
// in the log already (the store could not be updated then) is settled in the store only. A queue
// that cannot be read settles nothing.
//
// The records name the sender and recipients as `release`'s do: from the envelope the store kept
// when the message was held (StoredMessage::envelope_sender), since the daemon's user cannot read
// Sendmail's queue files and a message the MTA deleted is in no queue.
#pragma once
#include <cstddef>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "mta/mta.h"
#include "mta/settle.h"

namespace sm {

// The store's held messages (with a queue id) that the hold entries of `queue` no longer list.
std::vector<const StoredMessage*> left_hold_queue(const std::vector<StoredMessage>& held,
                                                  const std::vector<QueueEntry>& queue);

// What to do about a message that left the hold queue, from what the MTA showed (`exit`) and
// whether nothing told at the sweep before (`unknown_before`).
struct HoldDecision {
  enum class Act { release, discard, wait };
  Act act = Act::wait;
  std::string evidence;  // as SettleRecord::evidence
  std::string reason;    // the record's reason
};
HoldDecision decide_hold_exit(const HoldExit& exit, bool unknown_before);

class HoldSweep {
 public:
  struct Context {
    ThreadStore* store = nullptr;
    Mta* mta = nullptr;
    std::string audit_path;  // its records are searched; its settle lock is taken
    std::string instance;
    std::string user;  // the daemon's user, for the records
    TimeMs now = 0;
    SlaSettings sla;
    std::function<bool(const SettleRecord&)> write;  // false: not written
    std::function<void(const std::string&)> warn;    // a problem, for the log
  };
  // Settles what left the hold queue; returns the records written. Throws StoreError.
  std::size_t run(const Context& c);

 private:
  std::map<std::string, QueueEntry> seen_;  // the hold entries last listed of the store's held messages
  std::set<std::string> unknown_;           // left, and nothing told how, at the last sweep
};

}  // namespace sm
