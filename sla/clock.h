// The SLA clock of a thread, from the mail flow alone. An inbound customer message starts the
// customer's wait (or continues it); the next outbound message to the customer answers it. The
// latency is measured from the oldest unanswered customer message, on the customer's clock (24x7)
// unless an organisation chooses a business calendar. Internal messages neither start nor stop it.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "sla/calendar.h"
#include "message/datetime.h"
#include "message/roles.h"

namespace sm {

struct SlaSettings {
  std::int64_t target_s = 2 * 3600;       // first/next reply target
  std::int64_t limit_s = 24 * 3600;       // breach limit
  std::int64_t contact_gap_s = 3 * 86400;  // longest silence while work is in progress
  SlaCalendar calendar;                   // 24x7 unless a business calendar is chosen
};

// What a thread remembers for its SLA (kept in the store as JSON).
struct ThreadSla {
  std::optional<TimeMs> waiting_since;  // oldest unanswered customer message
  std::optional<TimeMs> last_inbound;
  std::optional<TimeMs> last_outbound;
  int replies = 0;                      // outbound replies so far
  int customer_messages = 0;
  bool warned = false;                  // sla_warning fired for the current wait
  bool breached = false;                // sla_breach fired for the current wait
  bool in_progress = false;             // the last outbound only acknowledged or promised
  std::optional<TimeMs> promise_due;    // a promised time not yet kept
  std::string promise;                  // its words
  bool promise_missed = false;          // promise_missed fired for it
  std::optional<TimeMs> gap_noted_for;  // the outbound after which contact_gap fired

  nlohmann::json to_json() const;
  static ThreadSla from_json(const nlohmann::json& j);  // tolerant: missing fields stay empty
  // The state as the store keeps it: to_json().dump() and from_json(parse(text)), the same text
  // and the same state, without building the JSON object in between (once per message).
  std::string dump() const;
  static ThreadSla parse(std::string_view text);
};

struct Acknowledgement;  // text/promise.h

// What one message did to the customer's clock, as the audit record and the reports name it:
// none (it answered no wait), within_target, over_target or breached (a reply, by its latency),
// held (it counts when released), not_sent (rejected, discarded or tempfailed: it never left), or
// unknown (the store could not say).
enum class SlaStatus { none, within_target, over_target, breached, held, not_sent, unknown };
const char* to_string(SlaStatus s);

// The `sla` object of a verdict for one message.
struct SlaResult {
  std::optional<std::int64_t> latency_s;  // outbound answering a wait
  bool first_reply = false;
  SlaStatus status = SlaStatus::none;
  std::string reason;                     // why not_sent or unknown ("rejected", "store error")
  std::optional<TimeMs> waiting_since;
  bool acknowledgement = false;           // the reply only acknowledged
  std::optional<TimeMs> promised;         // the time it promised
  std::optional<bool> promise_kept;       // a substantive reply after a promise: by the time?

  nlohmann::json to_json() const;
  // The figures back from their JSON form (an audit record's "sla"): what to_json wrote, and
  // defaults for what it did not; a field of another type is left at its default.
  static SlaResult from_json(const nlohmann::json& j);
};
SlaStatus sla_status_from_string(std::string_view s);  // unknown for a word it does not know

// Moves the thread's SLA state for one message and says what the message did to the clock.
// `ack` describes an outbound message's new text (nullptr: substantive).
SlaResult sla_on_message(ThreadSla& state, Direction d, TimeMs time, const SlaSettings& s,
                         const Acknowledgement* ack = nullptr);

// An event the sweeper writes to the audit log: sla_warning, sla_breach, promise_missed or
// contact_gap, with its figures (each only where the event has it).
struct SlaEvent {
  std::string event;
  std::optional<TimeMs> waiting_since;  // sla_warning, sla_breach
  std::optional<std::int64_t> waited_s;
  std::optional<std::int64_t> target_s;  // sla_warning (and a breach found by the same sweep)
  std::optional<std::int64_t> limit_s;   // sla_breach
  std::optional<TimeMs> promised_by;     // promise_missed
  std::optional<std::string> promise;
  std::optional<TimeMs> last_outbound;   // contact_gap
  std::optional<std::int64_t> silent_s;
};

// The events due at `now` for a thread (each fires once), marking them in the state.
std::vector<SlaEvent> sla_due_events(ThreadSla& state, TimeMs now, const SlaSettings& s);

// When the sweeper must next look at the thread; none when nothing is pending.
std::optional<TimeMs> sla_next_due(const ThreadSla& state, const SlaSettings& s);

// What a held message's clock needs when it is released: its direction and, for a reply, what it
// acknowledged and promised. The store keeps it as the message's `sla_pending` text, written by
// dump() and read back by parse() (nothing else reads that text).
struct HeldClock {
  Direction direction = Direction::other;
  bool only_acknowledges = false;
  std::string phrase;              // the acknowledgement phrase
  std::optional<TimeMs> promised;  // the time it promised
  std::string promise;             // the words that promise it

  HeldClock() = default;
  // `ack`: an outbound message's new text read as an acknowledgement (nullptr: substantive).
  HeldClock(Direction d, const Acknowledgement* ack);
  std::string dump() const;
  // An unreadable or empty text gives a substantive message of no direction.
  static HeldClock parse(std::string_view text);
};

class ThreadStore;  // store/thread_store.h

// A held message released from the hold queue at `now`: the clock moves for it now, in the store
// (an outbound reply answers the wait at its release; an inbound message counts from when it
// arrived), and its figures are returned for the release record. nullopt when the store holds no
// such held message (released already, or never held there).
std::optional<SlaResult> sla_on_release(ThreadStore& store, std::string_view message_id, TimeMs now, const SlaSettings& s);

// Seconds of waiting between two times on the customer's clock (plain seconds).
std::int64_t waited_seconds(TimeMs from, TimeMs to);

}  // namespace sm
