// Settling a held message: store, record, lock.
#include "mta/settle.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sm {

SlaResult settle_in_store(ThreadStore& store, const std::string& message_id, bool discard, TimeMs now,
                          const SlaSettings& settings) {
  SlaResult r;
  if (discard) {
    if (store.discard_held(message_id)) {
      r.status = SlaStatus::not_sent;
      r.reason = "discarded";
      return r;
    }
  } else if (auto released = sla_on_release(store, message_id, now, settings)) {
    return *released;
  }
  r.status = SlaStatus::unknown;
  r.reason = "no held message " + message_id + " in the store";
  return r;
}

SettleRecord settle_record(bool discard, const std::string& queue_id, const QueueEntry* entry,
                           const HeldMessage* held, const SettleStore& settle) {
  SettleRecord rec;
  rec.discard = discard;
  rec.queue_id = queue_id;
  if (entry != nullptr) {
    rec.sender = entry->sender;
    rec.recipients = entry->recipients;
  }
  if (held != nullptr && held->audited) {
    rec.audited = true;
    rec.message_id = held->message_id;
    rec.thread_id = held->thread_id;
    rec.direction = held->direction;
    rec.author = held->author;
    for (const auto& f : held->findings) rec.rules.push_back(f.rule);
    if (!held->message_id.empty()) {
      rec.sla = settle(held->message_id);
      rec.released = !discard && rec.sla->status != SlaStatus::unknown;
    }
  }
  return rec;
}

SettleLock::SettleLock(const std::string& audit_path, bool wait) {
  const std::string path = audit_path + ".settle.lock";
  // Readable by all: the daemon's user and root (the admin tools) lock the same file, whoever made it.
  fd_ = ::open(path.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    error_ = "cannot open " + path + ": " + std::strerror(errno);
    return;
  }
  int rc;
  do rc = ::flock(fd_, LOCK_EX | (wait ? 0 : LOCK_NB));
  while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    if (errno != EWOULDBLOCK) error_ = "cannot lock " + path + ": " + std::strerror(errno);
    ::close(fd_);
    fd_ = -1;
  }
}

SettleLock::~SettleLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace sm
