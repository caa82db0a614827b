// SLA clock arithmetic over ThreadSla (the pipeline loads and saves the state), and the release
// of a held message, which moves the clock in the store.
#include "sla/clock.h"

#include <algorithm>

#include "text/promise.h"

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
          {"customer_messages", customer_messages},
          {"warned", warned},
          {"breached", breached},
          {"in_progress", in_progress},
          {"promise_due", opt_time(promise_due)},
          {"promise", promise},
          {"promise_missed", promise_missed},
          {"gap_noted_for", opt_time(gap_noted_for)}};
}

ThreadSla ThreadSla::from_json(const nlohmann::json& j) {
  ThreadSla s;
  if (!j.is_object()) return s;
  s.waiting_since = read_time(j, "waiting_since");
  s.last_inbound = read_time(j, "last_inbound");
  s.last_outbound = read_time(j, "last_outbound");
  s.replies = read_int(j, "replies");
  s.customer_messages = read_int(j, "customer_messages");
  auto flag = [&](const char* k) { return j.contains(k) && j[k].is_boolean() && j[k].get<bool>(); };
  s.warned = flag("warned");
  s.breached = flag("breached");
  s.in_progress = flag("in_progress");
  s.promise_due = read_time(j, "promise_due");
  if (j.contains("promise") && j["promise"].is_string()) s.promise = j["promise"].get<std::string>();
  s.promise_missed = flag("promise_missed");
  s.gap_noted_for = read_time(j, "gap_noted_for");
  return s;
}

nlohmann::json SlaResult::to_json() const {
  nlohmann::json j = {{"latency_s", latency_s ? nlohmann::json(*latency_s) : nlohmann::json(nullptr)},
                      {"first_reply", first_reply},
                      {"status", status},
                      {"waiting_since", waiting_since ? nlohmann::json(format_rfc3339(*waiting_since)) : nlohmann::json(nullptr)}};
  if (acknowledgement) j["acknowledgement"] = true;
  if (promised) j["promised_by"] = format_rfc3339(*promised);
  if (promise_kept) j["promise_kept"] = *promise_kept;
  return j;
}

std::int64_t waited_seconds(TimeMs from, TimeMs to) { return to > from ? (to - from) / 1000 : 0; }

SlaResult sla_on_message(ThreadSla& state, Direction d, TimeMs time, const SlaSettings& s, const Acknowledgement* ack) {
  SlaResult r;
  if (d == Direction::inbound) {
    ++state.customer_messages;
    state.last_inbound = time;
    // The wait runs from the oldest unanswered message: a second message does not reset it.
    if (!state.waiting_since) state.warned = state.breached = false;
    if (!state.waiting_since || time < *state.waiting_since) state.waiting_since = time;
  } else if (d == Direction::outbound) {
    const bool only_ack = ack != nullptr && ack->only_acknowledges;
    if (only_ack) {
      r.acknowledgement = true;
      state.in_progress = true;
      if (ack->promised) {
        r.promised = ack->promised;
        state.promise_due = ack->promised;
        state.promise = ack->promise;
        state.promise_missed = false;
      }
    } else {
      if (state.promise_due) r.promise_kept = time <= *state.promise_due;
      state.promise_due.reset();
      state.promise.clear();
      state.in_progress = false;
    }
    if (state.waiting_since) {
      auto latency = s.calendar.elapsed_s(*state.waiting_since, time);
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

std::vector<SlaEvent> sla_due_events(ThreadSla& state, TimeMs now, const SlaSettings& s) {
  std::vector<SlaEvent> out;
  if (state.waiting_since) {
    auto waited = s.calendar.elapsed_s(*state.waiting_since, now);
    nlohmann::json d = {{"waiting_since", format_rfc3339(*state.waiting_since)}, {"waited_s", waited}};
    if (!state.warned && waited >= s.target_s) {
      state.warned = true;
      d["target_s"] = s.target_s;
      out.push_back({"sla_warning", d});
    }
    if (!state.breached && waited > s.limit_s) {
      state.breached = true;
      d["limit_s"] = s.limit_s;
      out.push_back({"sla_breach", d});
    }
  }
  if (state.promise_due && !state.promise_missed && now > *state.promise_due) {
    state.promise_missed = true;
    out.push_back({"promise_missed", {{"promised_by", format_rfc3339(*state.promise_due)}, {"promise", state.promise}}});
  }
  if (state.in_progress && state.last_outbound && state.gap_noted_for != state.last_outbound &&
      waited_seconds(*state.last_outbound, now) >= s.contact_gap_s) {
    state.gap_noted_for = state.last_outbound;
    out.push_back({"contact_gap", {{"last_outbound", format_rfc3339(*state.last_outbound)},
                                   {"silent_s", waited_seconds(*state.last_outbound, now)}}});
  }
  return out;
}

std::optional<TimeMs> sla_next_due(const ThreadSla& state, const SlaSettings& s) {
  std::optional<TimeMs> due;
  auto consider = [&](TimeMs t) { due = due ? std::min(*due, t) : t; };
  if (state.waiting_since) {
    if (!state.warned) consider(s.calendar.add(*state.waiting_since, s.target_s));
    if (!state.breached) consider(s.calendar.add(*state.waiting_since, s.limit_s) + 1000);
  }
  if (state.promise_due && !state.promise_missed) consider(*state.promise_due + 1000);
  if (state.in_progress && state.last_outbound && state.gap_noted_for != state.last_outbound)
    consider(*state.last_outbound + s.contact_gap_s * 1000);
  return due;
}

std::optional<SlaResult> sla_on_release(ThreadStore& store, std::string_view message_id, TimeMs now, const SlaSettings& s) {
  auto m = store.get_message(message_id);
  if (!m || m->status != "held") return std::nullopt;
  auto thread = store.get_thread(m->thread_id);
  ThreadSla state = ThreadSla::from_json(thread && !thread->sla.empty() ? nlohmann::json::parse(thread->sla, nullptr, false)
                                                                         : nlohmann::json::object());
  const auto pending = nlohmann::json::parse(m->sla_pending.empty() ? "{}" : m->sla_pending, nullptr, false);
  Acknowledgement ack;
  if (pending.is_object()) {
    ack.only_acknowledges = pending.value("only_acknowledges", false);
    ack.phrase = pending.value("phrase", "");
    if (pending.contains("promised") && pending["promised"].is_number()) ack.promised = pending["promised"].get<TimeMs>();
    ack.promise = pending.value("promise", "");
  }
  SlaResult r;
  if (m->direction == Direction::inbound || m->direction == Direction::outbound)
    r = sla_on_message(state, m->direction, m->direction == Direction::inbound ? m->time : now, s, &ack);
  if (!store.release_held(message_id, {state.to_json().dump(), sla_next_due(state, s)})) return std::nullopt;
  return r;
}

}  // namespace sm
