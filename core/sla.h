// The SLA clock of a thread, from the mail flow alone. An inbound customer message starts the
// customer's wait (or continues it); the next outbound message to the customer answers it. The
// latency is measured from the oldest unanswered customer message, on the customer's clock (24x7)
// unless an organisation chooses a business calendar. Internal messages neither start nor stop it.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "message/datetime.h"
#include "store/thread_store.h"

namespace sm {

struct SlaSettings {
  std::int64_t target_s = 2 * 3600;  // first/next reply target
  std::int64_t limit_s = 24 * 3600;  // breach limit
};

// What a thread remembers for its SLA (kept in the store as JSON).
struct ThreadSla {
  std::optional<TimeMs> waiting_since;  // oldest unanswered customer message
  std::optional<TimeMs> last_inbound;
  std::optional<TimeMs> last_outbound;
  int replies = 0;                      // outbound replies so far
  int customer_messages = 0;

  nlohmann::json to_json() const;
  static ThreadSla from_json(const nlohmann::json& j);  // tolerant: missing fields stay empty
};

// The `sla` object of a verdict for one message.
struct SlaResult {
  std::optional<std::int64_t> latency_s;  // outbound answering a wait
  bool first_reply = false;
  std::string status = "none";            // none | within_target | over_target | breached
  std::optional<TimeMs> waiting_since;

  nlohmann::json to_json() const;
};

// Moves the thread's SLA state for one message and says what the message did to the clock.
SlaResult sla_on_message(ThreadSla& state, Direction d, TimeMs time, const SlaSettings& s);

// Seconds of waiting between two times on the customer's clock.
std::int64_t waited_seconds(TimeMs from, TimeMs to);

}  // namespace sm
