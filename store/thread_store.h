// The thread store: what support-milter remembers of every conversation, behind one interface.
// SQLite is the embedded default (sqlite_store.h); PostgreSQL (pg_store.h) implements the same
// interface for several milters that share one conversation state. Only hashes of text are kept,
// never bodies.
//
// Errors: every method throws StoreError when the backend fails (locked, unreadable, full disk);
// the pipeline turns that into the configured failure action.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "message/datetime.h"
#include "message/roles.h"

namespace sm {

struct Participant {
  Role role;
  std::string address;  // Address::key() form
  std::string display;  // Address::address() form, for findings
};

struct StoredMessage {
  std::string message_id;
  std::string thread_id;
  Direction direction = Direction::other;
  TimeMs time = 0;
  std::string subject;  // decoded
  std::vector<Participant> participants;
  int question_count = 0;
  bool complaint = false;  // the new text reads as a complaint (its cues; the words are not kept)
  std::vector<std::uint64_t> fingerprints;  // sketch of the new text (store/fingerprint.h)
  // "sent" (delivered: it counts for the SLA clock) or "held" (in the MTA's hold queue: it counts
  // when released, and `sla_pending` keeps what the clock needs then, as JSON).
  std::string status = "sent";
  std::string sla_pending;
  // Where a held message is held: the MTA's queue id and the instance (audit.instance) whose MTA
  // holds it; empty for other messages, and for those held before the store kept them.
  std::string queue_id;
  std::string instance;
  // A held message's SMTP envelope (bare addresses): what its release or discard record names when
  // the MTA's queue no longer tells (it left by the MTA's own commands, or its queue file is not
  // readable); empty for other messages, and for those held before the store kept it.
  std::string envelope_sender;
  std::vector<std::string> envelope_recipients;
};

// The envelope's recipients in one column of the stores: one address a line (an address has no
// line break; an empty list is the empty string).
std::string pack_recipients(const std::vector<std::string>& recipients);
std::vector<std::string> unpack_recipients(std::string_view packed);

// Other ways a thread is found than by message ids: Outlook's Thread-Index root (hex) and a
// ticket token of the subject. Kept with the thread that first carried them.
struct ThreadKeys {
  std::string thread_index;
  std::string ticket;
};

struct ThreadInfo {
  std::string thread_id;
  std::string subject;  // the first message's subject without reply prefixes, as written (found by its subject_key())
  TimeMs created = 0;
  TimeMs last_activity = 0;
  std::string sla;  // the thread's SLA state as JSON (sla/clock.h); empty when none yet
  ThreadKeys keys;  // filled by export_threads (for copying a store)
};

// Customers waiting for an answer now: threads whose SLA state has a waiting_since, and the
// oldest of those times.
struct WaitingSummary {
  std::int64_t threads = 0;
  std::optional<TimeMs> oldest;
};

class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class ThreadStore {
 public:
  virtual ~ThreadStore() = default;

  // The thread of the first of `ids` (In-Reply-To then References, newest first) that the store
  // knows, or nullopt.
  virtual std::optional<std::string> find_thread(const std::vector<std::string>& ids) = 0;
  virtual std::optional<StoredMessage> get_message(std::string_view message_id) = 0;
  virtual std::optional<ThreadInfo> get_thread(std::string_view thread_id) = 0;
  // The latest message of a thread with one of `directions` (all when empty), or nullopt.
  virtual std::optional<StoredMessage> last_message(std::string_view thread_id,
                                                    const std::vector<Direction>& directions) = 0;

  // Records a message; creates its thread when `thread` is given and unknown, and moves the
  // thread's last_activity. A message id already stored is left as it was (first one wins) and
  // false is returned.
  virtual bool record(const StoredMessage& msg, const ThreadInfo* thread) = 0;

  // Replaces a thread's SLA state. `due` is the next time the SLA sweeper must look at the thread
  // (a target, a limit, a promise, a contact gap), kept in its own indexed column; none when
  // nothing is pending.
  virtual void save_sla(std::string_view thread_id, const std::string& sla_json, std::optional<TimeMs> due) = 0;

  // record() and save_sla() of the message's thread as one step: the SLA state is saved only when
  // the message is recorded. Backends with transactions do both in one, so a crash cannot keep
  // the message without its SLA state; this default does the two calls.
  struct SlaUpdate {
    std::string json;
    std::optional<TimeMs> due;
  };
  virtual bool record_with_sla(const StoredMessage& msg, const ThreadInfo* thread, const SlaUpdate& sla) {
    if (!record(msg, thread)) return false;
    save_sla(msg.thread_id, sla.json, sla.due);
    return true;
  }
  // A message once its verdict stands: the message, its thread when new, the thread's keys and,
  // when the message moves the clock, the thread's new SLA state, in one transaction. False when
  // the message id was stored already (a repeat): then nothing is written.
  virtual bool record_message(const StoredMessage& msg, const ThreadInfo* thread, const ThreadKeys& keys,
                              const std::optional<SlaUpdate>& sla) = 0;
  // Takes back a message that record_message wrote but whose audit record could not be written
  // (it is answered 451, and its retry must be new): the message goes, its thread too when no
  // other message is in it, and the thread's SLA state returns to `previous` when given.
  virtual void unrecord_message(std::string_view message_id, std::string_view thread_id,
                                const std::optional<SlaUpdate>& previous) = 0;

  // A held message released from the hold queue: it is sent from now, and its thread's SLA
  // state is saved, in one transaction. False when no such held message is stored.
  virtual bool release_held(std::string_view message_id, const SlaUpdate& sla) = 0;
  // A held message discarded: it never left, and nothing of it stays. False when none is held.
  virtual bool discard_held(std::string_view message_id) = 0;
  // The messages held on `instance` (oldest first), participants included.
  virtual std::vector<StoredMessage> held_messages(std::string_view instance) = 0;

  // A thread by its Outlook Thread-Index root or its ticket token; or the newest thread with the
  // subject `subject` (the same by subject_key(), message/subject.h) in which `customer`
  // (Address::key()) wrote since `since`.
  virtual std::optional<std::string> find_thread_by_index(std::string_view root) = 0;
  virtual std::optional<std::string> find_thread_by_ticket(std::string_view ticket) = 0;
  virtual std::optional<std::string> find_thread_by_subject(std::string_view subject, std::string_view customer,
                                                            TimeMs since) = 0;

  // Threads due at or before `now`, earliest first.
  virtual std::vector<ThreadInfo> due_threads(TimeMs now, std::size_t max) = 0;

  // Customers waiting now (for metrics). Backends that cannot tell return nullopt.
  virtual std::optional<WaitingSummary> waiting_summary() { return std::nullopt; }

  // Deletes messages older than `before` and threads left empty; returns messages deleted.
  virtual std::size_t prune(TimeMs before) = 0;

  // Every thread with its due time and its messages (oldest first, participants and fingerprints
  // included), for copying a store. Threads come in creation order.
  using ThreadVisitor =
      std::function<void(const ThreadInfo& thread, std::optional<TimeMs> due, const std::vector<StoredMessage>& messages)>;
  virtual void export_threads(const ThreadVisitor& visit) = 0;

  // The SLA sweeper runs in one process at a time among all that share the store: a sweep starts
  // only when try_lock_sweep() returns true and ends with unlock_sweep(). A store private to one
  // process (SQLite) always grants it; the sweeper's single thread never asks twice.
  virtual bool try_lock_sweep() { return true; }
  virtual void unlock_sweep() {}
};

// Holds the sweep lock for a scope when it could be taken (see ThreadStore::try_lock_sweep).
class SweepLock {
 public:
  explicit SweepLock(ThreadStore& store) : store_(store), held_(store.try_lock_sweep()) {}
  ~SweepLock() {
    if (!held_) return;
    try {
      store_.unlock_sweep();
    } catch (const StoreError&) {
      // A lost connection has released the lock already.
    }
  }
  SweepLock(const SweepLock&) = delete;
  SweepLock& operator=(const SweepLock&) = delete;
  explicit operator bool() const { return held_; }

 private:
  ThreadStore& store_;
  bool held_;
};

// Settings of the backends.
struct StoreOptions {
  unsigned pool_size = 4;      // connections open at most, shared by libmilter's worker threads
  unsigned timeout_ms = 5000;  // longest wait for one statement, a lock, a free connection or a connect
  bool lazy = false;           // a store that cannot be opened now is opened at a later use (see open_store)
  bool background_checkpoints = false;  // SQLite: WAL checkpoints off the message path (the daemon)
};

// Opens the store named by a URL or path: "sqlite:/path", a plain path (SQLite),
// "postgresql://..." or "postgres://..." (PostgreSQL, libpq's URL form). A spec of no known kind
// throws StoreError even when lazy. Lazy, nothing is opened now: a PostgreSQL store connects at its
// first call, a SQLite file is opened at its first call and, as long as that fails (unreadable,
// not a database, on a full disk), again at every call after; each failing call throws StoreError.
std::unique_ptr<ThreadStore> open_store(const std::string& spec, const StoreOptions& opts = {});

// True when `spec` names a store on a server (PostgreSQL), which can be down for a while.
bool is_server_store(const std::string& spec);

}  // namespace sm
