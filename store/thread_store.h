// The thread store: what support-milter remembers of every conversation, behind one interface.
// SQLite is the embedded default (sqlite_store.h); a PostgreSQL backend implements the same
// interface. Only hashes of text are kept, never bodies.
//
// Errors: every method throws StoreError when the backend fails (locked, unreadable, full disk);
// the pipeline turns that into the configured failure action.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "message/datetime.h"

namespace sm {

enum class Direction { inbound, outbound, internal, other };
const char* to_string(Direction d);
std::optional<Direction> direction_from_string(std::string_view s);

enum class Role { from, reply_to, to, cc };
const char* to_string(Role r);
std::optional<Role> role_from_string(std::string_view s);

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
  std::vector<std::uint64_t> fingerprints;  // sketch of the new text (store/fingerprint.h)
};

struct ThreadInfo {
  std::string thread_id;
  std::string subject;  // canonical: the first message's subject without reply prefixes
  TimeMs created = 0;
  TimeMs last_activity = 0;
  std::string sla;  // the thread's SLA state as JSON (core/sla.h); empty when none yet
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
  // Threads due at or before `now`, earliest first.
  virtual std::vector<ThreadInfo> due_threads(TimeMs now, std::size_t max) = 0;

  // Customers waiting now (for metrics). Backends that cannot tell return nullopt.
  virtual std::optional<WaitingSummary> waiting_summary() { return std::nullopt; }

  // Deletes messages older than `before` and threads left empty; returns messages deleted.
  virtual std::size_t prune(TimeMs before) = 0;
};

// Opens the store named by a URL or path: "sqlite:/path", a plain path (SQLite).
std::unique_ptr<ThreadStore> open_store(const std::string& spec);

}  // namespace sm
