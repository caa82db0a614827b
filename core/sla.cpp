// SLA clock arithmetic. Pure functions over ThreadSla; the pipeline loads and saves the state.
#include "core/sla.h"

namespace sm {

namespace {
nlohmann::json opt_time(const std::optional<TimeMs>& t) {
  return t ? nlohmann::json(*t) : nlohmann::json(nullptr);
}
std::optional<TimeMs> read_time(const nlohmann::json& j, const char* key) {
  if (j.contains(key) && j[key].is_number_integer()) return j[key].get<TimeMs>();
  return std::nullopt;
}
int read_int(const nlohmann::json& j, const char* key) {
  return j.contains(key) && j[key].is_number_integer() ? j[key].get<int>() : 0;
}
}  // namespace

nlohmann::json ThreadSla::to_json() const {
  return {{"waiting_since", opt_time(waiting_since)},
          {"last_inbound", opt_time(last_inbound)},
          {"last_outbound", opt_time(last_outbound)},
          {"replies", replies},
          {"customer_messages", customer_messages}};
}

ThreadSla ThreadSla::from_json(const nlohmann::json& j) {
  ThreadSla s;
  if (!j.is_object()) return s;
  s.waiting_since = read_time(j, "waiting_since");
  s.last_inbound = read_time(j, "last_inbound");
  s.last_outbound = read_time(j, "last_outbound");
  s.replies = read_int(j, "replies");
  s.customer_messages = read_int(j, "customer_messages");
  return s;
}

nlohmann::json SlaResult::to_json() const {
  return {{"latency_s", latency_s ? nlohmann::json(*latency_s) : nlohmann::json(nullptr)},
          {"first_reply", first_reply},
          {"status", status},
          {"waiting_since", waiting_since ? nlohmann::json(format_rfc3339(*waiting_since)) : nlohmann::json(nullptr)}};
}

std::int64_t waited_seconds(TimeMs from, TimeMs to) { return to > from ? (to - from) / 1000 : 0; }

SlaResult sla_on_message(ThreadSla& state, Direction d, TimeMs time, const SlaSettings& s) {
  SlaResult r;
  if (d == Direction::inbound) {
    ++state.customer_messages;
    state.last_inbound = time;
    // The wait runs from the oldest unanswered message: a second message does not reset it.
    if (!state.waiting_since || time < *state.waiting_since) state.waiting_since = time;
  } else if (d == Direction::outbound) {
    if (state.waiting_since) {
      auto latency = waited_seconds(*state.waiting_since, time);
      r.latency_s = latency;
      r.first_reply = state.replies == 0;
      r.waiting_since = state.waiting_since;
      r.status = latency <= s.target_s ? "within_target" : latency <= s.limit_s ? "over_target" : "breached";
      state.waiting_since.reset();
    }
    ++state.replies;
    state.last_outbound = time;
  }
  return r;
}

}  // namespace sm
