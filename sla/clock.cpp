// SLA clock arithmetic over ThreadSla (the pipeline loads and saves the state), and the release
// of a held message, which moves the clock in the store.
#include "sla/clock.h"

#include <algorithm>
#include <cmath>

#include "base/enum_names.h"
#include "sla/result_json.h"
#include "store/thread_store.h"
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

std::string ThreadSla::dump() const {
  // Keys in the order of to_json()'s object (sorted), values as its dump() writes them.
  std::string out;
  out.reserve(256);
  auto time = [&](const char* key, const std::optional<TimeMs>& t) {
    out += '"';
    out += key;
    out += "\":";
    out += t ? std::to_string(*t) : std::string("null");
    out += ',';
  };
  auto flag = [&](const char* key, bool b) {
    out += '"';
    out += key;
    out += "\":";
    out += b ? "true" : "false";
    out += ',';
  };
  out += '{';
  flag("breached", breached);
  out += "\"customer_messages\":" + std::to_string(customer_messages) + ",";
  time("gap_noted_for", gap_noted_for);
  flag("in_progress", in_progress);
  time("last_inbound", last_inbound);
  time("last_outbound", last_outbound);
  out += "\"promise\":" + nlohmann::json(promise).dump() + ",";
  time("promise_due", promise_due);
  flag("promise_missed", promise_missed);
  out += "\"replies\":" + std::to_string(replies) + ",";
  time("waiting_since", waiting_since);
  flag("warned", warned);
  out.back() = '}';
  return out;
}

namespace {

// Reads the state's object as nlohmann's parser walks it, field by field, with from_json's
// tolerance: a field of another type counts as missing; the last of a repeated key wins.
class SlaReader : public nlohmann::json_sax<nlohmann::json> {
 public:
  ThreadSla state;
  bool object = false;  // the text is an object (anything else gives the empty state)

  bool null() override { return scalar(Value::null, 0, false, nullptr); }
  bool boolean(bool b) override { return scalar(Value::boolean, 0, b, nullptr); }
  bool number_integer(number_integer_t n) override { return scalar(Value::integer, n, false, nullptr); }
  bool number_unsigned(number_unsigned_t n) override {
    // As json::get<std::int64_t>() converts an unsigned value.
    return scalar(Value::integer, static_cast<std::int64_t>(n), false, nullptr);
  }
  bool number_float(number_float_t, const string_t&) override { return scalar(Value::other, 0, false, nullptr); }
  bool string(string_t& s) override { return scalar(Value::string, 0, false, &s); }
  bool binary(binary_t&) override { return scalar(Value::other, 0, false, nullptr); }
  bool start_object(std::size_t) override {
    if (depth_ == 0) object = true;
    else if (depth_ == 1) scalar(Value::other, 0, false, nullptr);
    ++depth_;
    return true;
  }
  bool end_object() override {
    --depth_;
    return true;
  }
  bool start_array(std::size_t) override {
    if (depth_ == 1) scalar(Value::other, 0, false, nullptr);
    ++depth_;
    return true;
  }
  bool end_array() override {
    --depth_;
    return true;
  }
  bool key(string_t& k) override {
    if (depth_ == 1) key_ = k;
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override { return false; }

 private:
  enum class Value { null, boolean, integer, string, other };
  int depth_ = 0;
  std::string key_;

  // A value at the top of the object sets its field; any other value leaves the state alone.
  bool scalar(Value kind, std::int64_t n, bool b, const std::string* s) {
    if (depth_ != 1) return true;
    auto time = [&](std::optional<TimeMs>& t) { t = kind == Value::integer ? std::optional<TimeMs>(n) : std::nullopt; };
    auto count = [&](int& i) { i = kind == Value::integer ? static_cast<int>(n) : 0; };
    auto flag = [&](bool& f) { f = kind == Value::boolean && b; };
    if (key_ == "waiting_since") time(state.waiting_since);
    else if (key_ == "last_inbound") time(state.last_inbound);
    else if (key_ == "last_outbound") time(state.last_outbound);
    else if (key_ == "replies") count(state.replies);
    else if (key_ == "customer_messages") count(state.customer_messages);
    else if (key_ == "warned") flag(state.warned);
    else if (key_ == "breached") flag(state.breached);
    else if (key_ == "in_progress") flag(state.in_progress);
    else if (key_ == "promise_due") time(state.promise_due);
    else if (key_ == "promise") state.promise = kind == Value::string ? *s : std::string();
    else if (key_ == "promise_missed") flag(state.promise_missed);
    else if (key_ == "gap_noted_for") time(state.gap_noted_for);
    return true;
  }
};

}  // namespace

ThreadSla ThreadSla::parse(std::string_view text) {
  SlaReader reader;
  if (!nlohmann::json::sax_parse(text, &reader) || !reader.object) return ThreadSla{};
  return std::move(reader.state);
}

namespace {
constexpr NameRow<SlaStatus> kSlaStatuses[] = {
    {SlaStatus::none, "none"}, {SlaStatus::within_target, "within_target"}, {SlaStatus::over_target, "over_target"},
    {SlaStatus::breached, "breached"}, {SlaStatus::held, "held"}, {SlaStatus::not_sent, "not_sent"},
    {SlaStatus::unknown, "unknown"}};
}  // namespace

const char* to_string(SlaStatus s) { return name_of(kSlaStatuses, s, "unknown"); }

nlohmann::json SlaResult::to_json() const {
  nlohmann::json j = {{"latency_s", latency_s ? nlohmann::json(*latency_s) : nlohmann::json(nullptr)},
                      {"first_reply", first_reply},
                      {"status", to_string(status)},
                      {"waiting_since", waiting_since ? nlohmann::json(format_rfc3339(*waiting_since)) : nlohmann::json(nullptr)}};
  if (acknowledgement) j["acknowledgement"] = true;
  if (promised) j["promised_by"] = format_rfc3339(*promised);
  if (promise_kept) j["promise_kept"] = *promise_kept;
  if (!reason.empty()) j["reason"] = reason;
  return j;
}

SlaStatus sla_status_from_string(std::string_view s) { return value_of(kSlaStatuses, s).value_or(SlaStatus::unknown); }

SlaResult SlaResult::from_json(const nlohmann::json& j) {
  if (!j.is_object()) return SlaResult();
  return read_sla_result(NlohmannView(j));
}

HeldClock::HeldClock(Direction d, const Acknowledgement* ack) : direction(d) {
  if (ack == nullptr || !ack->only_acknowledges) return;
  only_acknowledges = true;
  phrase = ack->phrase;
  promised = ack->promised;
  if (promised) promise = ack->promise;
}

std::string HeldClock::dump() const {
  nlohmann::json j = {{"direction", to_string(direction)}};
  if (only_acknowledges) {
    j["only_acknowledges"] = true;
    j["phrase"] = phrase;
    if (promised) {
      j["promised"] = *promised;
      j["promise"] = promise;
    }
  }
  return j.dump();
}

HeldClock HeldClock::parse(std::string_view text) {
  HeldClock h;
  const auto j = nlohmann::json::parse(text.empty() ? std::string_view("{}") : text, nullptr, false);
  if (!j.is_object()) return h;
  if (j.contains("direction") && j["direction"].is_string())
    h.direction = direction_from_string(j["direction"].get<std::string>()).value_or(Direction::other);
  if (j.contains("only_acknowledges") && j["only_acknowledges"].is_boolean()) h.only_acknowledges = j["only_acknowledges"].get<bool>();
  if (j.contains("phrase") && j["phrase"].is_string()) h.phrase = j["phrase"].get<std::string>();
  if (j.contains("promised") && j["promised"].is_number_integer()) h.promised = j["promised"].get<TimeMs>();
  if (j.contains("promise") && j["promise"].is_string()) h.promise = j["promise"].get<std::string>();
  return h;
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
      r.status = latency <= s.target_s ? SlaStatus::within_target
                 : latency <= s.limit_s  ? SlaStatus::over_target
                                         : SlaStatus::breached;
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
    SlaEvent d;
    d.waiting_since = state.waiting_since;
    d.waited_s = s.calendar.elapsed_s(*state.waiting_since, now);
    if (!state.warned && *d.waited_s >= s.target_s) {
      state.warned = true;
      d.target_s = s.target_s;
      d.event = "sla_warning";
      out.push_back(d);
    }
    if (!state.breached && *d.waited_s > s.limit_s) {
      state.breached = true;
      d.limit_s = s.limit_s;
      d.event = "sla_breach";
      out.push_back(d);
    }
  }
  if (state.promise_due && !state.promise_missed && now > *state.promise_due) {
    state.promise_missed = true;
    SlaEvent e;
    e.event = "promise_missed";
    e.promised_by = state.promise_due;
    e.promise = state.promise;
    out.push_back(e);
  }
  if (state.in_progress && state.last_outbound && state.gap_noted_for != state.last_outbound &&
      waited_seconds(*state.last_outbound, now) >= s.contact_gap_s) {
    state.gap_noted_for = state.last_outbound;
    SlaEvent e;
    e.event = "contact_gap";
    e.last_outbound = state.last_outbound;
    e.silent_s = waited_seconds(*state.last_outbound, now);
    out.push_back(e);
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
  ThreadSla state = thread ? ThreadSla::parse(thread->sla) : ThreadSla{};
  const HeldClock pending = HeldClock::parse(m->sla_pending);
  Acknowledgement ack;
  ack.only_acknowledges = pending.only_acknowledges;
  ack.phrase = pending.phrase;
  ack.promised = pending.promised;
  ack.promise = pending.promise;
  SlaResult r;
  if (m->direction == Direction::inbound || m->direction == Direction::outbound)
    r = sla_on_message(state, m->direction, m->direction == Direction::inbound ? m->time : now, s, &ack);
  if (!store.release_held(message_id, {state.dump(), sla_next_due(state, s)})) return std::nullopt;
  return r;
}

}  // namespace sm
