// The daemon's sweep of held mail.
#include "mta/hold_sweep.h"

#include <algorithm>

namespace sm {

std::vector<const StoredMessage*> left_hold_queue(const std::vector<StoredMessage>& held,
                                                  const std::vector<QueueEntry>& queue) {
  std::set<std::string> holding;
  for (const auto& e : queue)
    if (e.queue_name == "hold") holding.insert(e.queue_id);
  std::vector<const StoredMessage*> left;
  for (const auto& m : held)
    if (!m.queue_id.empty() && !holding.contains(m.queue_id)) left.push_back(&m);
  return left;
}

HoldDecision decide_hold_exit(const HoldExit& exit, bool unknown_before) {
  HoldDecision d;
  switch (exit.way) {
    case HoldExit::Way::released:
      d.act = HoldDecision::Act::release;
      d.evidence = exit.evidence;
      d.reason = "released from hold by the MTA's own commands: " + exit.detail;
      break;
    case HoldExit::Way::deleted:
      d.act = HoldDecision::Act::discard;
      d.evidence = exit.evidence;
      d.reason = "deleted from hold by the MTA's own commands: " + exit.detail;
      break;
    case HoldExit::Way::unknown:
      if (!unknown_before) break;  // wait: the mail log may not have the line yet
      d.act = HoldDecision::Act::discard;
      d.evidence = "none";
      d.reason =
          "left the hold queue, and neither the MTA's queue nor its mail log tells how: counted as "
          "discarded (not sent)";
      break;
  }
  return d;
}

std::size_t HoldSweep::run(const Context& c) {
  std::vector<StoredMessage> held = c.store->held_messages(c.instance);
  std::erase_if(held, [](const StoredMessage& m) { return m.queue_id.empty(); });
  if (held.empty()) {
    seen_.clear();
    unknown_.clear();
    return 0;
  }
  std::vector<QueueEntry> queue;
  if (!c.mta->read_queue(&queue)) {
    c.warn("held mail: the MTA's queue could not be read; nothing settled this sweep");
    return 0;
  }
  // Remember the hold entries of the store's held messages, for the records of those that leave.
  std::map<std::string, QueueEntry> seen;
  for (const auto& m : held) {
    auto it = std::find_if(queue.begin(), queue.end(), [&](const QueueEntry& e) {
      return e.queue_name == "hold" && e.queue_id == m.queue_id;
    });
    if (it != queue.end())
      seen[m.queue_id] = *it;
    else if (auto old = seen_.find(m.queue_id); old != seen_.end())
      seen[m.queue_id] = old->second;
  }
  seen_ = std::move(seen);
  if (left_hold_queue(held, queue).empty()) {
    unknown_.clear();
    return 0;
  }

  // `release` or `discard` may be at work on one of them: under the lock, the queue and the store
  // again, so what they did is seen.
  SettleLock lock(c.audit_path, false);
  if (!lock) {
    if (!lock.error().empty()) c.warn("held mail: " + lock.error() + "; nothing settled this sweep");
    return 0;
  }
  if (!c.mta->read_queue(&queue)) {
    c.warn("held mail: the MTA's queue could not be read; nothing settled this sweep");
    return 0;
  }
  held = c.store->held_messages(c.instance);
  const auto left = left_hold_queue(held, queue);
  std::vector<std::string> ids;
  std::vector<QueueEntry> probe;
  for (const auto* m : left) {
    ids.push_back(m->queue_id);
    QueueEntry e;
    e.queue_name = "hold";
    e.queue_id = m->queue_id;
    probe.push_back(e);
  }
  if (ids.empty()) {
    unknown_.clear();
    return 0;
  }
  const auto exits = c.mta->left_hold(ids, queue);
  std::vector<std::string> unreadable, problems;
  const auto joined =
      join_held_files(probe, audit_files_oldest_first(c.audit_path), &unreadable, &problems, c.instance);
  for (const auto& f : unreadable) c.warn("held mail: cannot read audit log " + f);

  std::set<std::string> still_unknown;
  std::size_t written = 0;
  for (const auto* m : left) {
    auto x = exits.find(m->queue_id);
    const HoldDecision d =
        decide_hold_exit(x == exits.end() ? HoldExit{} : x->second, unknown_.contains(m->queue_id));
    if (d.act == HoldDecision::Act::wait) {
      still_unknown.insert(m->queue_id);
      continue;
    }
    // The message's record; the store's facts when the log no longer has it.
    HeldMessage h;
    for (const auto& j : joined)
      if (j.queue.queue_id == m->queue_id) h = j;
    if (!h.audited || h.message_id != m->message_id) {
      h = HeldMessage{};
      h.audited = true;
      h.message_id = m->message_id;
      h.thread_id = m->thread_id;
      h.direction = to_string(m->direction);
    }
    if (!h.settled.empty()) {
      // Recorded by `release` or `discard`, whose store update failed: the store catches up.
      const SlaResult r = settle_in_store(*c.store, m->message_id, h.settled == "discard", c.now, c.sla);
      c.warn("held mail: " + m->queue_id + " has its " + h.settled +
             " record already; the store is updated now (" + to_string(r.status) + ")");
      continue;
    }
    const bool discard = d.act == HoldDecision::Act::discard;
    // Sender and recipients: the envelope the store kept when it was held; for a message held
    // before the store kept it, its hold entry of an earlier sweep, else its entry in another
    // queue now (none when it was never listed by this daemon and is gone, or the MTA's queue
    // files are not readable to the daemon).
    const QueueEntry* entry = nullptr;
    if (auto it = seen_.find(m->queue_id); it != seen_.end()) entry = &it->second;
    for (const auto& q : queue)
      if (entry == nullptr && q.queue_id == m->queue_id) entry = &q;
    QueueEntry kept;
    if (!m->envelope_sender.empty() || !m->envelope_recipients.empty()) {
      if (entry != nullptr) kept = *entry;
      kept.queue_id = m->queue_id;
      kept.sender = m->envelope_sender;
      kept.recipients = m->envelope_recipients;
      entry = &kept;
    }
    SettleRecord rec = settle_record(discard, m->queue_id, entry, &h, [&](const std::string& id) {
      return settle_in_store(*c.store, id, discard, c.now, c.sla);
    });
    if (!rec.sla || rec.sla->status == SlaStatus::unknown)
      continue;  // settled meanwhile: its record is written
    rec.instance = c.instance;
    rec.by = "mta";
    rec.reason = d.reason;
    rec.user = c.user;
    rec.evidence = d.evidence;
    if (!c.write(rec)) {
      c.warn("held mail: " + m->queue_id + " is settled in the store (" + (discard ? "discard" : "release") +
             "), but its audit record could not be written");
      continue;
    }
    ++written;
    seen_.erase(m->queue_id);
  }
  unknown_ = std::move(still_unknown);
  return written;
}

}  // namespace sm
