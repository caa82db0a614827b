// The table of audit record field types and its check.
#include "audit/record_types.h"

#include <string_view>
#include <vector>

namespace sm {

// What the readers read. Fields every event may carry first, then each event's own.
const std::vector<AuditFieldType>& audit_field_types() {
  static const std::vector<AuditFieldType> t = {
      {"event", kString},
      {"time", kString},
      {"seq", kUnsigned},
      {"prev", kString},
      {"instance", kString},
      // message records
      {"queue_id", kString},
      {"message_id", kString},
      {"thread_id", kString},
      {"direction", kString},
      {"author", kString},
      {"customer", kString},
      {"message_time", kString},
      {"action", kString},
      {"hold_reason", kString},
      {"findings", kArray},
      {"findings[]", kObject},
      {"findings[].rule", kString},
      {"findings[].result", kString},
      {"findings[].action", kString},
      {"findings[].detail", kString},
      {"format", kUnsigned},
      {"passed", kArray},
      {"passed[]", kString},
      {"skipped", kObject},  // format 2: reason -> the rules skipped for it
      {"skipped.*", kArray},
      {"skipped.*[]", kString},
      {"sla", kObject},
      {"sla.latency_s", kNumber | kNull},
      {"sla.first_reply", kBool},
      {"sla.waiting_since", kString | kNull},
      {"sla.status", kString},
      // release and discard records
      {"by", kString},
      {"reason", kString},
      {"evidence", kString},
      // the sweeper's events
      {"at", kString},
      {"subject", kString},
      {"waiting_since", kString | kNull},
      {"waited_s", kNumber | kNull},
      {"last_outbound", kString | kNull},
      {"silent_s", kNumber | kNull},
  };
  return t;
}

namespace {

const char* kind_name(const nlohmann::json& v) {
  switch (v.type()) {
    case nlohmann::json::value_t::string: return "a string";
    case nlohmann::json::value_t::boolean: return "true or false";
    case nlohmann::json::value_t::object: return "an object";
    case nlohmann::json::value_t::array: return "an array";
    case nlohmann::json::value_t::null: return "null";
    case nlohmann::json::value_t::number_integer:
      return v.get<std::int64_t>() < 0 ? "a negative number" : "a number";
    case nlohmann::json::value_t::number_unsigned:
    case nlohmann::json::value_t::number_float: return "a number";
    default: return "of no JSON type";
  }
}

bool fits(const nlohmann::json& v, unsigned kinds) {
  if ((kinds & kString) && v.is_string()) return true;
  if ((kinds & kNumber) && v.is_number()) return true;
  if ((kinds & kUnsigned) && v.is_number_unsigned()) return true;
  if ((kinds & kBool) && v.is_boolean()) return true;
  if ((kinds & kObject) && v.is_object()) return true;
  if ((kinds & kArray) && v.is_array()) return true;
  if ((kinds & kNull) && v.is_null()) return true;
  return false;
}

std::string wanted(unsigned kinds) {
  std::string s;
  auto add = [&](unsigned k, const char* name) {
    if (kinds & k) s += (s.empty() ? "" : " or ") + std::string(name);
  };
  add(kString, "a string");
  add(kNumber, "a number");
  add(kUnsigned, "a whole number of at least 0");
  add(kBool, "true or false");
  add(kObject, "an object");
  add(kArray, "an array");
  add(kNull, "null");
  return s;
}

// The first value under a path that is not of its kinds, and its place in the record
// ("findings[2].rule"). The place is put together on the way back from the value, so the walk of a
// record of the right form makes no string.
struct Wrong {
  const nlohmann::json* value = nullptr;
  std::string place;  // ".findings[2].rule"
};

bool find_wrong(const nlohmann::json& v, std::string_view path, unsigned kinds, Wrong& w);

// `m` against what follows its key in the path: "" (m itself), "[]…" (every element of m), ".…"
// (a field below m).
bool member_wrong(const nlohmann::json& m, std::string_view rest, unsigned kinds, Wrong& w) {
  if (rest.empty()) {
    if (fits(m, kinds)) return false;
    w.value = &m;
    return true;
  }
  if (rest.substr(0, 2) == "[]") {
    if (!m.is_array()) return false;  // an array of the wrong type has its own row
    for (std::size_t i = 0; i < m.size(); ++i)
      if (member_wrong(m[i], rest.substr(2), kinds, w)) {
        w.place = "[" + std::to_string(i) + "]" + w.place;
        return true;
      }
    return false;
  }
  return find_wrong(m, rest.substr(1), kinds, w);
}

bool find_wrong(const nlohmann::json& v, std::string_view path, unsigned kinds, Wrong& w) {
  if (!v.is_object()) return false;  // a parent of the wrong type has its own row
  const auto dot = path.find('.');
  const auto brackets = path.find("[]");
  const auto end = brackets != std::string_view::npos && (dot == std::string_view::npos || brackets < dot) ? brackets : dot;
  const std::string_view key = path.substr(0, end);
  const std::string_view rest = end == std::string_view::npos ? std::string_view() : path.substr(end);
  auto found = [&](std::string_view k) {
    w.place = "." + std::string(k) + w.place;
    return true;
  };
  if (key == "*") {
    for (const auto& [k, m] : v.items())
      if (member_wrong(m, rest, kinds, w)) return found(k);
    return false;
  }
  auto it = v.find(key);
  if (it == v.end()) return false;
  return member_wrong(*it, rest, kinds, w) && found(key);
}

}  // namespace

std::string audit_record_type_problem(const nlohmann::json& record) {
  if (!record.is_object()) return "not a JSON object";
  for (const auto& f : audit_field_types()) {
    if (Wrong w; find_wrong(record, f.path, f.kinds, w))
      return "field \"" + w.place.substr(1) + "\" is " + kind_name(*w.value) + ", not " + wanted(f.kinds);
  }
  return {};
}

}  // namespace sm
