// The SLA figures of an audit record read back from its JSON, over any tree the field readers of
// base/json_fields.h read: SlaResult::from_json reads nlohmann's, the figures of `report` read
// simdjson's (pipeline/audit_record.cpp), with this one list of fields.
#pragma once
#include <cmath>
#include <optional>
#include <string_view>

#include "base/json_fields.h"
#include "message/datetime.h"
#include "sla/clock.h"

namespace sm {

// An RFC 3339 time field; nullopt when absent, of another type or unreadable.
template <JsonObject O>
std::optional<TimeMs> json_time(const O& o, std::string_view key) {
  auto m = o.find(key);
  if (!m || !m->is_string()) return std::nullopt;
  return parse_rfc3339(m->string());
}

// What SlaResult::to_json wrote, and defaults for what it did not; a field of another type is left
// at its default.
template <JsonObject O>
SlaResult read_sla_result(const O& j) {
  SlaResult r;
  if (auto m = j.find("latency_s"); m && m->is_number())
    r.latency_s = m->is_float() ? static_cast<std::int64_t>(std::llround(m->real())) : m->integer();
  if (auto b = json_opt_bool(j, "first_reply")) r.first_reply = *b;
  if (auto m = j.find("status"); m && m->is_string()) r.status = sla_status_from_string(m->string());
  if (auto s = json_opt_string(j, "reason")) r.reason = *s;
  r.waiting_since = json_time(j, "waiting_since");
  if (auto b = json_opt_bool(j, "acknowledgement")) r.acknowledgement = *b;
  r.promised = json_time(j, "promised_by");
  if (auto b = json_opt_bool(j, "promise_kept")) r.promise_kept = *b;
  return r;
}

}  // namespace sm
