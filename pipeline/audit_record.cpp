// The audit record's JSON form, written and read.
#include "pipeline/audit_record.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include <simdjson.h>

#include "audit/record_types.h"
#include "base/json_fields.h"

namespace sm {

namespace {

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  if (from.empty()) return;
  for (std::size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size()) s.replace(pos, from.size(), to);
}

using Forms = std::vector<std::pair<std::string, std::string>>;

void hide_in(std::string& s, const Forms& forms) {
  for (const auto& [from, to] : forms) replace_all(s, from, to);
}

// Evidence is free-form: every string in it, keys included.
void hide_in(nlohmann::json& j, const Forms& forms) {
  if (j.is_string()) {
    std::string s = j.get<std::string>();
    hide_in(s, forms);
    j = s;
  } else if (j.is_array()) {
    for (auto& e : j) hide_in(e, forms);
  } else if (j.is_object()) {
    nlohmann::json out = nlohmann::json::object();
    for (auto& [k, val] : j.items()) {
      std::string key = k;
      hide_in(key, forms);
      hide_in(val, forms);
      out[key] = val;
    }
    j = std::move(out);
  }
}

void hide_in(std::optional<std::string>& s, const Forms& forms) {
  if (s) hide_in(*s, forms);
}

// Readers of a record whose field types audit_record_type_problem has checked: a field is absent
// or of its type.
std::optional<std::string> opt_str(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

std::optional<std::int64_t> opt_int(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number()) return std::nullopt;
  if (it->is_number_float()) return static_cast<std::int64_t>(it->get<double>());
  return it->get<std::int64_t>();
}

std::optional<TimeMs> opt_time(const nlohmann::json& j, const char* key) {
  auto s = opt_str(j, key);
  return s ? parse_rfc3339(*s) : std::nullopt;
}

std::vector<std::string> strings(const nlohmann::json& j, const char* key) {
  std::vector<std::string> out;
  auto it = j.find(key);
  if (it == j.end() || !it->is_array()) return out;
  for (const auto& e : *it)
    if (e.is_string()) out.push_back(e.get<std::string>());
  return out;
}

bool flag(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_boolean() && it->get<bool>();
}

// A skip that says only why the rule did not apply (no evidence; a skip is never acted on): the
// record names it under its reason in "skipped" rather than as a finding of its own.
bool compact_skip(const FindingRecord& f) {
  return f.result == "skip" && f.action == "off" && f.evidence.is_null();
}

nlohmann::json to_json(const FindingRecord& f) {
  nlohmann::json j = {{"rule", f.rule}, {"result", f.result}, {"action", f.action}, {"detail", f.detail}};
  if (!f.evidence.is_null()) j["evidence"] = f.evidence;
  return j;
}

MessageRecord read_message(const nlohmann::json& j) {
  MessageRecord r;
  r.queue_id = json_string(j, "queue_id");
  r.message_id = json_string(j, "message_id");
  r.thread_id = json_string(j, "thread_id");
  r.direction = json_string(j, "direction");
  r.direction_reason = json_string(j, "direction_reason");
  r.author = json_string(j, "author");
  r.customer = json_string(j, "customer");
  r.message_time = json_string(j, "message_time");
  r.action = json_string(j, "action");
  r.mode = json_string(j, "mode");
  r.passed = strings(j, "passed");
  if (auto it = j.find("findings"); it != j.end() && it->is_array())
    for (const auto& f : *it) {
      FindingRecord fr{json_string(f, "rule"), json_string(f, "result"), json_string(f, "action"), json_string(f, "detail"), nullptr};
      if (auto e = f.find("evidence"); e != f.end()) fr.evidence = *e;
      r.findings.push_back(std::move(fr));
    }
  // Format 2: the skips without evidence, reason -> rules. Read back as the findings they were.
  if (auto it = j.find("skipped"); it != j.end() && it->is_object())
    for (const auto& [reason, rules] : it->items())
      if (rules.is_array())
        for (const auto& rule : rules)
          if (rule.is_string()) r.findings.push_back({rule.get<std::string>(), "skip", "off", reason, nullptr});
  r.config = json_string(j, "config");
  r.lexicons = json_string(j, "lexicons");
  if (auto it = j.find("rules"); it != j.end() && it->is_object())
    for (const auto& [id, version] : it->items())
      if (version.is_string()) r.rules[id] = version.get<std::string>();
  r.would = opt_str(j, "would");
  r.error = opt_str(j, "error");
  r.deadline_passed = flag(j, "deadline_passed");
  r.hold_reason = opt_str(j, "hold_reason");
  r.reply = opt_str(j, "reply");
  r.notes = strings(j, "notes");
  if (auto it = j.find("sla"); it != j.end() && it->is_object()) r.sla = SlaResult::from_json(*it);
  r.thread_found_by = opt_str(j, "thread_found_by");
  r.language = opt_str(j, "language");
  r.auth = opt_str(j, "auth");
  r.source = opt_str(j, "source");
  r.replay = flag(j, "replay");
  return r;
}

SettleRecord read_settle(const nlohmann::json& j, bool discard) {
  SettleRecord r;
  r.discard = discard;
  r.instance = json_string(j, "instance");
  r.queue_id = json_string(j, "queue_id");
  r.by = json_string(j, "by");
  r.reason = json_string(j, "reason");
  r.user = json_string(j, "user");
  r.evidence = json_string(j, "evidence");
  r.sender = json_string(j, "sender");
  r.recipients = strings(j, "recipients");
  r.audited = j.contains("message_id");
  r.message_id = json_string(j, "message_id");
  r.thread_id = json_string(j, "thread_id");
  r.direction = json_string(j, "direction");
  r.author = json_string(j, "author");
  r.rules = strings(j, "rules");
  if (auto it = j.find("sla"); it != j.end() && it->is_object()) {
    r.sla = SlaResult::from_json(*it);
    r.released = flag(*it, "released");
  }
  return r;
}

SlaEventRecord read_sla_event(const nlohmann::json& j, const std::string& event) {
  SlaEventRecord r;
  r.sla.event = event;
  r.thread_id = json_string(j, "thread_id");
  r.subject = json_string(j, "subject");
  // When the event happened; a record without it happened when it was written.
  r.at = opt_time(j, "at").value_or(opt_time(j, "time").value_or(0));
  r.sla.waiting_since = opt_time(j, "waiting_since");
  r.sla.waited_s = opt_int(j, "waited_s");
  r.sla.target_s = opt_int(j, "target_s");
  r.sla.limit_s = opt_int(j, "limit_s");
  r.sla.promised_by = opt_time(j, "promised_by");
  r.sla.promise = opt_str(j, "promise");
  r.sla.last_outbound = opt_time(j, "last_outbound");
  r.sla.silent_s = opt_int(j, "silent_s");
  return r;
}


// The quick reading of a line for the figures: simdjson's parser, the record filled straight from
// its tree. It reads what the figures and the chain check read, as the nlohmann path below does
// (the same table of types, the last of a repeated key, numbers of the same kinds); whatever it
// does not handle the same way for certain it leaves to that path (nullopt), which says what is
// wrong with a line in the words it always has.
namespace quick {

using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;
using simdjson::dom::array;

// The parts of an element whose type was seen (simdjson's results held in named values).
array as_array(element e) {
  array a;
  if (e.get(a) != simdjson::SUCCESS) return {};
  return a;
}
object as_object(element e) {
  object o;
  if (e.get(o) != simdjson::SUCCESS) return {};
  return o;
}
std::string_view as_string(element e) {
  std::string_view s;
  if (e.get(s) != simdjson::SUCCESS) return {};
  return s;
}

// Lines nlohmann and simdjson might read apart: a raw control character (nlohmann refuses it in a
// string), an escaped surrogate (a lone one is refused by nlohmann), a -0 (an integer for
// nlohmann, whose sign makes it no whole number of at least 0).
bool plain(std::string_view line) {
  for (const char c : line)
    if (static_cast<unsigned char>(c) < 0x20 && c != ' ') return false;
  for (std::size_t pos = 0; (pos = line.find("\\u", pos)) != std::string_view::npos; pos += 2) {
    // An even run of backslashes before it is an escaped backslash followed by "u".
    std::size_t slashes = 0;
    while (pos >= slashes + 1 && line[pos - slashes - 1] == '\\') ++slashes;
    if (slashes % 2 == 1) continue;
    if (pos + 3 < line.size() && (line[pos + 2] == 'd' || line[pos + 2] == 'D') &&
        std::strchr("89abcdefABCDEF", line[pos + 3]) != nullptr && line[pos + 3] != '\0')
      return false;
  }
  for (std::size_t pos = 0; (pos = line.find("-0", pos)) != std::string_view::npos; ++pos) {
    std::size_t b = pos;
    while (b > 0 && (line[b - 1] == ' ' || line[b - 1] == '\t')) --b;
    if (b > 0 && (line[b - 1] == ':' || line[b - 1] == ',' || line[b - 1] == '[')) return false;
  }
  return true;
}

// No object in the tree repeats a key (simdjson keeps both; nlohmann the last).
bool unique_keys(element e) {
  if (e.type() == element_type::ARRAY) {
    for (element x : as_array(e))
      if (!unique_keys(x)) return false;
    return true;
  }
  if (e.type() != element_type::OBJECT) return true;
  const object o = as_object(e);
  std::string_view small[16];
  std::size_t n = 0;
  std::vector<std::string_view> many;
  for (auto field : o) {
    if (n < 16) small[n++] = field.key;
    else many.push_back(field.key);
    if (!unique_keys(field.value)) return false;
  }
  if (many.empty()) {
    for (std::size_t i = 1; i < n; ++i)
      for (std::size_t k = 0; k < i; ++k)
        if (small[i] == small[k]) return false;
    return true;
  }
  many.insert(many.end(), small, small + n);
  std::sort(many.begin(), many.end());
  return std::adjacent_find(many.begin(), many.end()) == many.end();
}

// Keys by length, then bytes: most comparisons end at the length.
bool key_before(std::string_view x, std::string_view y) { return x.size() != y.size() ? x.size() < y.size() : x < y; }

// The record's own fields, sorted by key_before: looked up without a walk over all of them.
struct Fields {
  std::vector<std::pair<std::string_view, element>> sorted;
  void read(object o) {
    sorted.clear();
    for (auto field : o) sorted.emplace_back(field.key, field.value);
    std::sort(sorted.begin(), sorted.end(), [](const auto& x, const auto& y) { return key_before(x.first, y.first); });
  }
  bool repeats() const {
    return std::adjacent_find(sorted.begin(), sorted.end(), [](const auto& x, const auto& y) { return x.first == y.first; }) !=
           sorted.end();
  }
};

std::int64_t as_int(element v);

bool fits(element v, unsigned kinds) {
  switch (v.type()) {
    case element_type::STRING: return kinds & kString;
    case element_type::INT64:
      return (kinds & kNumber) || ((kinds & kUnsigned) && as_int(v) >= 0);
    case element_type::UINT64: return kinds & (kNumber | kUnsigned);
    case element_type::DOUBLE: return kinds & kNumber;
    case element_type::BOOL: return kinds & kBool;
    case element_type::OBJECT: return kinds & kObject;
    case element_type::ARRAY: return kinds & kArray;
    case element_type::NULL_VALUE: return kinds & kNull;
  }
  return false;
}

bool fine(element v, std::string_view path, unsigned kinds);

// As audit/record_types.cpp walks one row of the table.
bool fine_member(element m, std::string_view rest, unsigned kinds) {
  if (rest.empty()) return fits(m, kinds);
  if (rest.substr(0, 2) == "[]") {
    if (m.type() != element_type::ARRAY) return true;
    for (element e : as_array(m))
      if (!fine_member(e, rest.substr(2), kinds)) return false;
    return true;
  }
  return fine(m, rest.substr(1), kinds);
}

bool fine(element v, std::string_view path, unsigned kinds) {
  if (v.type() != element_type::OBJECT) return true;
  const object o = as_object(v);
  const auto dot = path.find('.');
  const auto brackets = path.find("[]");
  const auto end = brackets != std::string_view::npos && (dot == std::string_view::npos || brackets < dot) ? brackets : dot;
  const std::string_view key = path.substr(0, end);
  const std::string_view rest = end == std::string_view::npos ? std::string_view() : path.substr(end);
  if (key == "*") {
    for (auto field : o)
      if (!fine_member(field.value, rest, kinds)) return false;
    return true;
  }
  element m;
  if (o.at_key(key).get(m) != simdjson::SUCCESS) return true;
  return fine_member(m, rest, kinds);
}

std::optional<element> find(object o, std::string_view key);
std::optional<element> find(const Fields& o, std::string_view key);

// fine() from the record itself, its fields sorted.
bool fine_row(const Fields& record, std::string_view path, unsigned kinds) {
  const auto dot = path.find('.');
  const auto brackets = path.find("[]");
  const auto end = brackets != std::string_view::npos && (dot == std::string_view::npos || brackets < dot) ? brackets : dot;
  const std::string_view key = path.substr(0, end);
  const std::string_view rest = end == std::string_view::npos ? std::string_view() : path.substr(end);
  auto m = find(record, key);
  return !m || fine_member(*m, rest, kinds);
}

std::optional<element> find(object o, std::string_view key) {
  element m;
  if (o.at_key(key).get(m) != simdjson::SUCCESS) return std::nullopt;
  return m;
}

std::optional<element> find(const Fields& o, std::string_view key) {
  auto it = std::lower_bound(o.sorted.begin(), o.sorted.end(), key, [](const auto& x, std::string_view k) { return key_before(x.first, k); });
  if (it == o.sorted.end() || it->first != key) return std::nullopt;
  return it->second;
}

template <class O>
std::optional<std::string> opt_str(const O& o, std::string_view key) {
  auto m = find(o, key);
  if (!m || m->type() != element_type::STRING) return std::nullopt;
  return std::string(as_string(*m));
}

template <class O>
std::string str(const O& o, std::string_view key) { return opt_str(o, key).value_or(std::string()); }

bool is_number(element v) {
  return v.type() == element_type::INT64 || v.type() == element_type::UINT64 || v.type() == element_type::DOUBLE;
}

// As json::get<std::int64_t>() gives a number (a float cut towards zero).
std::int64_t as_int(element v) {
  switch (v.type()) {
    case element_type::INT64: return v.get_int64().value_unsafe();
    case element_type::UINT64: return static_cast<std::int64_t>(v.get_uint64().value_unsafe());
    default: return static_cast<std::int64_t>(v.get_double().value_unsafe());
  }
}

template <class O>
std::optional<std::int64_t> opt_int(const O& o, std::string_view key) {
  auto m = find(o, key);
  if (!m || !is_number(*m)) return std::nullopt;
  return as_int(*m);
}

template <class O>
std::optional<TimeMs> opt_time(const O& o, std::string_view key) {
  auto m = find(o, key);
  if (!m || m->type() != element_type::STRING) return std::nullopt;
  return parse_rfc3339(as_string(*m));
}

template <class O>
std::optional<bool> opt_bool(const O& o, std::string_view key) {
  auto m = find(o, key);
  if (!m || m->type() != element_type::BOOL) return std::nullopt;
  return m->get_bool().value_unsafe();
}

template <class O>
bool flag(const O& o, std::string_view key) { return opt_bool(o, key).value_or(false); }

template <class O>
std::vector<std::string> strings(const O& o, std::string_view key) {
  std::vector<std::string> out;
  auto m = find(o, key);
  if (!m || m->type() != element_type::ARRAY) return out;
  for (element e : as_array(*m))
    if (e.type() == element_type::STRING) out.emplace_back(as_string(e));
  return out;
}

// SlaResult::from_json, read from this tree.
SlaResult sla_result(object j) {
  SlaResult r;
  if (auto m = find(j, "latency_s"); m && is_number(*m))
    r.latency_s = m->type() == element_type::DOUBLE ? static_cast<std::int64_t>(std::llround(m->get_double().value_unsafe()))
                                                    : as_int(*m);
  if (auto b = opt_bool(j, "first_reply")) r.first_reply = *b;
  if (auto s = find(j, "status"); s && s->type() == element_type::STRING)
    r.status = sla_status_from_string(as_string(*s));
  if (auto s = opt_str(j, "reason")) r.reason = *s;
  r.waiting_since = opt_time(j, "waiting_since");
  if (auto b = opt_bool(j, "acknowledgement")) r.acknowledgement = *b;
  r.promised = opt_time(j, "promised_by");
  if (auto b = opt_bool(j, "promise_kept")) r.promise_kept = *b;
  return r;
}

template <class O>
std::optional<object> opt_object(const O& o, std::string_view key) {
  auto m = find(o, key);
  if (!m || m->type() != element_type::OBJECT) return std::nullopt;
  return as_object(*m);
}

// read_message() for the figures: no rules' versions, no passes, no evidence.
MessageRecord message(const Fields& j) {
  MessageRecord r;
  r.queue_id = str(j, "queue_id");
  r.message_id = str(j, "message_id");
  r.thread_id = str(j, "thread_id");
  r.direction = str(j, "direction");
  r.direction_reason = str(j, "direction_reason");
  r.author = str(j, "author");
  r.customer = str(j, "customer");
  r.message_time = str(j, "message_time");
  r.action = str(j, "action");
  r.mode = str(j, "mode");
  if (auto m = find(j, "findings"); m && m->type() == element_type::ARRAY)
    for (element f : as_array(*m)) {
      const object fo = as_object(f);  // the type check saw objects
      r.findings.push_back({str(fo, "rule"), str(fo, "result"), str(fo, "action"), str(fo, "detail"), nullptr});
    }
  // Format 2's skips, reason -> rules, in the order of nlohmann's object: its keys sorted.
  if (auto skipped = opt_object(j, "skipped")) {
    std::vector<std::pair<std::string_view, element>> reasons;
    for (auto field : *skipped) reasons.emplace_back(field.key, field.value);
    std::sort(reasons.begin(), reasons.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& [reason, rules] : reasons)
      if (rules.type() == element_type::ARRAY)
        for (element rule : as_array(rules))
          if (rule.type() == element_type::STRING)
            r.findings.push_back({std::string(as_string(rule)), "skip", "off", std::string(reason), nullptr});
  }
  r.config = str(j, "config");
  r.lexicons = str(j, "lexicons");
  r.would = opt_str(j, "would");
  r.error = opt_str(j, "error");
  r.deadline_passed = flag(j, "deadline_passed");
  r.hold_reason = opt_str(j, "hold_reason");
  r.reply = opt_str(j, "reply");
  r.notes = strings(j, "notes");
  if (auto sla = opt_object(j, "sla")) r.sla = sla_result(*sla);
  r.thread_found_by = opt_str(j, "thread_found_by");
  r.language = opt_str(j, "language");
  r.auth = opt_str(j, "auth");
  r.source = opt_str(j, "source");
  r.replay = flag(j, "replay");
  return r;
}

// read_settle() for the figures: no rules.
SettleRecord settle(const Fields& j, bool discard) {
  SettleRecord r;
  r.discard = discard;
  r.instance = str(j, "instance");
  r.queue_id = str(j, "queue_id");
  r.by = str(j, "by");
  r.reason = str(j, "reason");
  r.user = str(j, "user");
  r.evidence = str(j, "evidence");
  r.sender = str(j, "sender");
  r.recipients = strings(j, "recipients");
  r.audited = find(j, "message_id").has_value();
  r.message_id = str(j, "message_id");
  r.thread_id = str(j, "thread_id");
  r.direction = str(j, "direction");
  r.author = str(j, "author");
  if (auto sla = opt_object(j, "sla")) {
    r.sla = sla_result(*sla);
    r.released = flag(*sla, "released");
  }
  return r;
}

SlaEventRecord sla_event(const Fields& j, const std::string& event) {
  SlaEventRecord r;
  r.sla.event = event;
  r.thread_id = str(j, "thread_id");
  r.subject = str(j, "subject");
  r.at = opt_time(j, "at").value_or(opt_time(j, "time").value_or(0));
  r.sla.waiting_since = opt_time(j, "waiting_since");
  r.sla.waited_s = opt_int(j, "waited_s");
  r.sla.target_s = opt_int(j, "target_s");
  r.sla.limit_s = opt_int(j, "limit_s");
  r.sla.promised_by = opt_time(j, "promised_by");
  r.sla.promise = opt_str(j, "promise");
  r.sla.last_outbound = opt_time(j, "last_outbound");
  r.sla.silent_s = opt_int(j, "silent_s");
  return r;
}

std::optional<AuditLine> figures(std::string_view line) {
  if (!plain(line)) return std::nullopt;
  thread_local simdjson::dom::parser parser;
  thread_local std::vector<char> padded;
  padded.resize(line.size() + simdjson::SIMDJSON_PADDING);
  std::memcpy(padded.data(), line.data(), line.size());
  element doc;
  if (parser.parse(padded.data(), line.size(), false).get(doc) != simdjson::SUCCESS) return std::nullopt;
  if (doc.type() != element_type::OBJECT) return std::nullopt;
  thread_local Fields j;
  j.read(as_object(doc));
  if (j.repeats()) return std::nullopt;
  for (const auto& field : j.sorted)
    if (!unique_keys(field.second)) return std::nullopt;
  // A line without "event" is not a record; a seal's fields are the chain check's own.
  auto event = find(j, "event");
  if (!event) return std::nullopt;
  // The table's rows, but those of "passed": the figures leave it out (and so its check).
  for (const auto& f : audit_field_types())
    if (std::string_view(f.path).substr(0, 6) != "passed" && !fine_row(j, f.path, f.kinds)) return std::nullopt;
  AuditLine out;
  out.event = std::string(as_string(*event));
  if (out.event == "seal") return std::nullopt;
  out.time = str(j, "time");
  out.instance = str(j, "instance");
  auto seq = find(j, "seq");
  auto prev = find(j, "prev");
  if (seq && fits(*seq, kUnsigned)) out.seq = static_cast<std::uint64_t>(as_int(*seq));
  out.chain.formed = out.seq && prev && prev->type() == element_type::STRING;
  if (out.chain.formed) {
    out.chain.seq = *out.seq;
    out.chain.prev = std::string(as_string(*prev));
    out.chain.event = out.event;
    out.chain.time = out.time;
    out.chain.instance = out.instance;
  }
  if (out.event == MessageRecord::kEvent) out.record = message(j);
  else if (out.event == "release" || out.event == "discard") out.record = settle(j, out.event == "discard");
  else if (out.event == "sla_warning" || out.event == "sla_breach" || out.event == "promise_missed" ||
           out.event == "contact_gap")
    out.record = sla_event(j, out.event);
  return out;
}

}  // namespace quick

}  // namespace

void MessageRecord::hide(const Forms& forms) {
  for (std::string* s : {&queue_id, &message_id, &thread_id, &direction, &direction_reason, &author, &customer,
                         &message_time, &action, &mode})
    hide_in(*s, forms);
  for (auto& f : findings) {
    hide_in(f.detail, forms);
    hide_in(f.evidence, forms);
  }
  for (auto& n : notes) hide_in(n, forms);
  for (auto* s : {&would, &error, &hold_reason, &reply, &thread_found_by, &language, &auth, &source}) hide_in(*s, forms);
  if (sla) hide_in(sla->reason, forms);
}

std::string MessageRecord::failing_rules() const {
  std::string rules;
  for (const auto& f : findings)
    if (f.result == "fail") rules += (rules.empty() ? "" : " ") + f.rule;
  return rules;
}

nlohmann::json to_json(const MessageRecord& r) {
  nlohmann::json findings = nlohmann::json::array();
  nlohmann::json skipped = nlohmann::json::object();
  for (const auto& f : r.findings) {
    if (compact_skip(f)) skipped[f.detail].push_back(f.rule);
    else findings.push_back(to_json(f));
  }
  nlohmann::json j = {
      {"format", kMessageRecordFormat},
      {"queue_id", r.queue_id},
      {"message_id", r.message_id},
      {"thread_id", r.thread_id},
      {"direction", r.direction},
      {"direction_reason", r.direction_reason},
      {"author", r.author},
      {"customer", r.customer},
      {"message_time", r.message_time},
      {"action", r.action},
      {"mode", r.mode},
      {"passed", r.passed},
      {"config", r.config},
      {"lexicons", r.lexicons},
      {"rules", r.rules},
      {"findings", std::move(findings)},
  };
  if (!skipped.empty()) j["skipped"] = std::move(skipped);
  if (r.would) j["would"] = *r.would;
  if (r.error) j["error"] = *r.error;
  if (r.deadline_passed) j["deadline_passed"] = true;
  if (r.hold_reason) j["hold_reason"] = *r.hold_reason;
  if (r.reply) j["reply"] = *r.reply;
  if (!r.notes.empty()) j["notes"] = r.notes;
  if (r.sla) j["sla"] = r.sla->to_json();
  if (r.thread_found_by) j["thread_found_by"] = *r.thread_found_by;
  if (r.language) j["language"] = *r.language;
  if (r.auth) j["auth"] = *r.auth;
  if (r.source) j["source"] = *r.source;
  if (r.replay) j["replay"] = true;
  return j;
}

nlohmann::json to_json(const SettleRecord& r) {
  nlohmann::json j = {{"instance", r.instance}, {"queue_id", r.queue_id}, {"by", r.by},
                      {"reason", r.reason},     {"user", r.user},         {"sender", r.sender},
                      {"recipients", r.recipients}};
  if (!r.evidence.empty()) j["evidence"] = r.evidence;
  if (r.audited) {
    j["message_id"] = r.message_id;
    j["thread_id"] = r.thread_id;
    j["direction"] = r.direction;
    j["author"] = r.author;
    if (r.sla) {
      // A message that did not leave has no figures: what became of it, and why.
      if (r.sla->status == SlaStatus::unknown || r.sla->status == SlaStatus::not_sent)
        j["sla"] = {{"status", to_string(r.sla->status)}, {"reason", r.sla->reason}};
      else
        j["sla"] = r.sla->to_json();
      if (r.released) j["sla"]["released"] = true;
    }
    j["rules"] = r.rules;
  }
  return j;
}

nlohmann::json to_json(const SlaEventRecord& r) {
  const SlaEvent& e = r.sla;
  nlohmann::json j = {{"thread_id", r.thread_id}, {"subject", r.subject}, {"at", format_rfc3339(r.at)}};
  if (e.waiting_since) j["waiting_since"] = format_rfc3339(*e.waiting_since);
  if (e.waited_s) j["waited_s"] = *e.waited_s;
  if (e.target_s) j["target_s"] = *e.target_s;
  if (e.limit_s) j["limit_s"] = *e.limit_s;
  if (e.promised_by) j["promised_by"] = format_rfc3339(*e.promised_by);
  if (e.promise) j["promise"] = *e.promise;
  if (e.last_outbound) j["last_outbound"] = format_rfc3339(*e.last_outbound);
  if (e.silent_s) j["silent_s"] = *e.silent_s;
  return j;
}

nlohmann::json to_json(const StartRecord& r) {
  return {{"config", r.config}, {"path", r.path}, {"socket", r.socket}, {"pid", r.pid}};
}

nlohmann::json to_json(const StopRecord& r) { return {{"in_flight", r.in_flight}, {"pid", r.pid}}; }

nlohmann::json to_json(const ConfigRecord& r) {
  nlohmann::json j = {{"path", r.path}, {"reload", r.reload}};
  if (r.reload) j["config"] = r.config;
  if (r.error) j["error"] = *r.error;
  return j;
}

nlohmann::json to_json(const ErrorRecord& r) {
  return {{"queue_id", r.queue_id}, {"where", r.where}, {"error", r.error}, {"action", r.action}};
}

const char* event_of(const MessageRecord&) { return MessageRecord::kEvent; }
const char* event_of(const SettleRecord& r) { return r.discard ? "discard" : "release"; }
const char* event_of(const SlaEventRecord& r) { return r.sla.event.c_str(); }
const char* event_of(const StartRecord&) { return StartRecord::kEvent; }
const char* event_of(const StopRecord&) { return StopRecord::kEvent; }
const char* event_of(const ConfigRecord&) { return ConfigRecord::kEvent; }
const char* event_of(const ErrorRecord&) { return ErrorRecord::kEvent; }

AuditLine read_audit_record(std::string_view line, AuditFields fields) {
  if (fields == AuditFields::figures)
    if (auto quick = quick::figures(line)) return std::move(*quick);
  AuditLine out;
  // For the figures, the parser leaves out the fields they do not read (nor does the type check).
  static const nlohmann::json::parser_callback_t figures_only = [](int depth, nlohmann::json::parse_event_t event,
                                                                      nlohmann::json& parsed) {
    if (event != nlohmann::json::parse_event_t::key) return true;
    if (depth == 1) return !(parsed == "rules" || parsed == "passed");
    if (depth == 3) return parsed != "evidence";
    return true;
  };
  auto j = nlohmann::json::parse(line, fields == AuditFields::figures ? figures_only : nullptr, false);
  if (!j.is_discarded()) out.chain = chain_line(j);
  if (j.is_discarded() || !j.is_object() || !j.contains("event")) {
    out.unreadable = true;
    out.problem = "not an audit record";
    return out;
  }
  if (auto problem = audit_record_type_problem(j); !problem.empty()) {
    out.problem = problem;
    return out;
  }
  out.event = json_string(j, "event");
  out.time = json_string(j, "time");
  out.instance = json_string(j, "instance");
  if (auto it = j.find("seq"); it != j.end() && it->is_number_unsigned()) out.seq = it->get<std::uint64_t>();
  if (out.event == MessageRecord::kEvent) out.record = read_message(j);
  else if (out.event == "release" || out.event == "discard") out.record = read_settle(j, out.event == "discard");
  else if (out.event == "sla_warning" || out.event == "sla_breach" || out.event == "promise_missed" ||
           out.event == "contact_gap")
    out.record = read_sla_event(j, out.event);
  return out;
}

}  // namespace sm
