// The audit record's JSON form, written and read.
#include "pipeline/audit_record.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include <simdjson.h>

#include "audit/record_types.h"
#include "base/json_fields.h"
#include "sla/result_json.h"

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

// The text fields of the records, each with its key: written, read back and (in a message record)
// hidden from these lists.
template <class R>
struct TextField {
  std::string R::*member;
  const char* key;
  bool customer_text;  // may name the customer: hidden
};
template <class R>
struct OptionalTextField {
  std::optional<std::string> R::*member;
  const char* key;
};
constexpr TextField<MessageRecord> kMessageTexts[] = {
    {&MessageRecord::queue_id, "queue_id", true},
    {&MessageRecord::message_id, "message_id", true},
    {&MessageRecord::thread_id, "thread_id", true},
    {&MessageRecord::direction, "direction", true},
    {&MessageRecord::direction_reason, "direction_reason", true},
    {&MessageRecord::author, "author", true},
    {&MessageRecord::customer, "customer", true},
    {&MessageRecord::message_time, "message_time", true},
    {&MessageRecord::action, "action", true},
    {&MessageRecord::mode, "mode", true},
    {&MessageRecord::config, "config", false},
    {&MessageRecord::lexicons, "lexicons", false},
};
// Written only when present; each may name the customer.
constexpr OptionalTextField<MessageRecord> kMessageOptionalTexts[] = {
    {&MessageRecord::would, "would"},
    {&MessageRecord::error, "error"},
    {&MessageRecord::hold_reason, "hold_reason"},
    {&MessageRecord::reply, "reply"},
    {&MessageRecord::thread_found_by, "thread_found_by"},
    {&MessageRecord::language, "language"},
    {&MessageRecord::auth, "auth"},
    {&MessageRecord::source, "source"},
};
// A release or discard: always written, and written only for a message the log has a record of
// (audited).
constexpr TextField<SettleRecord> kSettleTexts[] = {
    {&SettleRecord::instance, "instance", false}, {&SettleRecord::queue_id, "queue_id", false},
    {&SettleRecord::by, "by", false},             {&SettleRecord::reason, "reason", false},
    {&SettleRecord::user, "user", false},         {&SettleRecord::sender, "sender", false},
};
constexpr TextField<SettleRecord> kSettleAuditedTexts[] = {
    {&SettleRecord::message_id, "message_id", false},
    {&SettleRecord::thread_id, "thread_id", false},
    {&SettleRecord::direction, "direction", false},
    {&SettleRecord::author, "author", false},
};

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

// A field read into a record of an earlier line: its string's (or vector's) storage is used
// again; absent or of another type, it is left empty, as json_string and the others give it.
template <JsonObject O>
void read_string(std::string& out, const O& o, std::string_view key) {
  auto m = o.find(key);
  if (m && m->is_string()) out.assign(m->string());
  else out.clear();
}
template <JsonObject O>
void read_opt_string(std::optional<std::string>& out, const O& o, std::string_view key) {
  auto m = o.find(key);
  if (!m || !m->is_string()) out.reset();
  else if (out) out->assign(m->string());
  else out.emplace(m->string());
}
template <JsonObject O>
void read_strings(std::vector<std::string>& out, const O& o, std::string_view key) {
  std::size_t n = 0;
  if (auto m = o.find(key); m && m->is_array())
    m->elements([&](const auto& e) {
      if (!e.is_string()) return;
      if (n < out.size()) out[n].assign(e.string());
      else out.emplace_back(e.string());
      ++n;
    });
  out.resize(n);
}

// The readers of a record whose field types the type check has passed (a field is absent or of its
// type), each written once over both trees: nlohmann's (read_audit_record) and simdjson's (the
// quick reading of the figures below). AuditFields::figures leaves out the rules' versions, the
// passes' names and the findings' evidence. Each sets every member of the record it is given.

template <JsonObject O>
void read_message(const O& j, AuditFields fields, MessageRecord& r) {
  const bool all = fields == AuditFields::all;
  for (const auto& f : kMessageTexts) read_string(r.*f.member, j, f.key);
  for (const auto& f : kMessageOptionalTexts) read_opt_string(r.*f.member, j, f.key);
  if (all) read_strings(r.passed, j, "passed");
  else r.passed.clear();
  // The findings, each in the place of one of the record before, when it had as many.
  std::size_t n = 0;
  auto next_finding = [&]() -> FindingRecord& {
    if (n == r.findings.size()) r.findings.emplace_back();
    FindingRecord& f = r.findings[n++];
    f.evidence = nullptr;
    return f;
  };
  if (auto findings = j.find("findings"); findings && findings->is_array())
    findings->elements([&](const auto& f) {
      FindingRecord& fr = next_finding();
      read_string(fr.rule, f, "rule");
      read_string(fr.result, f, "result");
      read_string(fr.action, f, "action");
      read_string(fr.detail, f, "detail");
      if (all)
        if (auto e = f.find("evidence")) fr.evidence = e->json();
    });
  // Format 2: the skips without evidence, reason -> rules (reasons in key order). Read back as the
  // findings they were.
  if (auto skipped = json_opt_object(j, "skipped"))
    skipped->members([&](std::string_view reason, const auto& rules) {
      if (rules.is_array())
        rules.elements([&](const auto& rule) {
          if (!rule.is_string()) return;
          FindingRecord& fr = next_finding();
          fr.rule.assign(rule.string());
          fr.result.assign("skip");
          fr.action.assign("off");
          fr.detail.assign(reason);
        });
    });
  r.findings.resize(n);
  r.rules.clear();
  if (all)
    if (auto rules = json_opt_object(j, "rules"))
      rules->members([&](std::string_view id, const auto& version) {
        if (version.is_string()) r.rules[std::string(id)] = std::string(version.string());
      });
  r.deadline_passed = json_flag(j, "deadline_passed");
  read_strings(r.notes, j, "notes");
  if (auto sla = json_opt_object(j, "sla")) r.sla = read_sla_result(*sla);
  else r.sla.reset();
  r.replay = json_flag(j, "replay");
}

template <JsonObject O>
void read_settle(const O& j, bool discard, AuditFields fields, SettleRecord& r) {
  r.discard = discard;
  for (const auto& f : kSettleTexts) read_string(r.*f.member, j, f.key);
  read_string(r.evidence, j, "evidence");
  read_strings(r.recipients, j, "recipients");
  r.audited = j.find("message_id").has_value();
  for (const auto& f : kSettleAuditedTexts) read_string(r.*f.member, j, f.key);
  if (fields == AuditFields::all) read_strings(r.rules, j, "rules");
  else r.rules.clear();
  r.sla.reset();
  r.released = false;
  if (auto sla = json_opt_object(j, "sla")) {
    r.sla = read_sla_result(*sla);
    r.released = json_flag(*sla, "released");
  }
}

template <JsonObject O>
void read_sla_event(const O& j, const std::string& event, SlaEventRecord& r) {
  r.sla.event.assign(event);
  read_string(r.thread_id, j, "thread_id");
  read_string(r.subject, j, "subject");
  // When the event happened; a record without it happened when it was written.
  r.at = json_time(j, "at").value_or(json_time(j, "time").value_or(0));
  r.sla.waiting_since = json_time(j, "waiting_since");
  r.sla.waited_s = json_opt_integer(j, "waited_s");
  r.sla.target_s = json_opt_integer(j, "target_s");
  r.sla.limit_s = json_opt_integer(j, "limit_s");
  r.sla.promised_by = json_time(j, "promised_by");
  read_opt_string(r.sla.promise, j, "promise");
  r.sla.last_outbound = json_time(j, "last_outbound");
  r.sla.silent_s = json_opt_integer(j, "silent_s");
}

// The record of type R in `out`, for a reader to fill: the one already there, or one kept from an
// earlier line (the record there is kept in its place), its storage used again.
template <class R>
R& record_in(AuditLine& out) {
  if (auto* r = std::get_if<R>(&out.record)) return *r;
  thread_local std::tuple<AuditLine::Other, MessageRecord, SettleRecord, SlaEventRecord> kept;
  std::visit([](auto& held) { std::get<std::decay_t<decltype(held)>>(kept) = std::move(held); }, out.record);
  return out.record.template emplace<R>(std::move(std::get<R>(kept)));
}

// The record of the events report reads, by out.event.
template <JsonObject O>
void read_record(AuditLine& out, const O& j, AuditFields fields) {
  if (out.event == MessageRecord::kEvent) read_message(j, fields, record_in<MessageRecord>(out));
  else if (out.event == "release" || out.event == "discard")
    read_settle(j, out.event == "discard", fields, record_in<SettleRecord>(out));
  else if (out.event == "sla_warning" || out.event == "sla_breach" || out.event == "promise_missed" ||
           out.event == "contact_gap")
    read_sla_event(j, out.event, record_in<SlaEventRecord>(out));
  else record_in<AuditLine::Other>(out);
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
  // One pass over the bytes, sixteen at a time, that says whether any of the three may be there:
  // a byte below 0x20, a backslash, a "-0" after one of ":,[ \t". Only then the exact look.
  using Bytes = unsigned char __attribute__((vector_size(16)));
  using Lanes = signed char __attribute__((vector_size(16)));
  const auto* p = reinterpret_cast<const unsigned char*>(line.data());
  const std::size_t n = line.size();
  Lanes control_lanes{}, slash_lanes{}, minus_zero_lanes{};
  std::size_t i = 1;
  for (; i + 17 <= n; i += 16) {  // the bytes i-1 .. i+16
    Bytes before, at, after;
    std::memcpy(&before, p + i - 1, 16);
    std::memcpy(&at, p + i, 16);
    std::memcpy(&after, p + i + 1, 16);
    control_lanes |= at < 0x20;
    slash_lanes |= at == '\\';
    minus_zero_lanes |= (at == '-') & (after == '0') &
                        ((before == ':') | (before == ',') | (before == '[') | (before == ' ') | (before == '\t'));
  }
  auto any = [](Lanes l) {
    std::uint64_t half[2];
    std::memcpy(half, &l, 16);
    return (half[0] | half[1]) != 0;
  };
  bool control = any(control_lanes), slash = any(slash_lanes), minus_zero = any(minus_zero_lanes);
  // The first byte and the last ones, one at a time.
  auto one = [&](std::size_t k) {
    control |= p[k] < 0x20;
    slash |= p[k] == '\\';
    if (k >= 1 && k + 1 < n && p[k] == '-' && p[k + 1] == '0') {
      const unsigned char c = p[k - 1];
      minus_zero |= c == ':' || c == ',' || c == '[' || c == ' ' || c == '\t';
    }
  };
  if (n > 0) one(0);
  for (; i < n; ++i) one(i);
  if (control) return false;
  for (std::size_t pos = 0; slash && (pos = line.find("\\u", pos)) != std::string_view::npos; pos += 2) {
    // An even run of backslashes before it is an escaped backslash followed by "u".
    std::size_t slashes = 0;
    while (pos >= slashes + 1 && line[pos - slashes - 1] == '\\') ++slashes;
    if (slashes % 2 == 1) continue;
    if (pos + 3 < line.size() && (line[pos + 2] == 'd' || line[pos + 2] == 'D') &&
        std::strchr("89abcdefABCDEF", line[pos + 3]) != nullptr && line[pos + 3] != '\0')
      return false;
  }
  for (std::size_t pos = 0; minus_zero && (pos = line.find("-0", pos)) != std::string_view::npos; ++pos) {
    std::size_t b = pos;
    while (b > 0 && (line[b - 1] == ' ' || line[b - 1] == '\t')) --b;
    if (b > 0 && (line[b - 1] == ':' || line[b - 1] == ',' || line[b - 1] == '[')) return false;
  }
  return true;
}

// Two keys alike: most differ in length or first byte, and are told apart without a call.
inline bool same(std::string_view x, std::string_view y) {
  return x.size() == y.size() && (x.empty() || (x[0] == y[0] && std::memcmp(x.data(), y.data(), x.size()) == 0));
}

// The member `key` of an object (the first, when a key repeats, as simdjson's at_key gives it).
bool member(object o, std::string_view key, element& found) {
  for (auto field : o)
    if (same(field.key, key)) {
      found = field.value;
      return true;
    }
  return false;
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
        if (same(small[i], small[k])) return false;
    return true;
  }
  many.insert(many.end(), small, small + n);
  std::sort(many.begin(), many.end());
  return std::adjacent_find(many.begin(), many.end()) == many.end();
}

std::int64_t as_int(element v);

// simdjson's element as a JsonValue (base/json_fields.h): the readers above read through it.
class View {
 public:
  using Value = View;
  explicit View(element e) : e_(e) {}
  std::optional<View> find(std::string_view key) const {
    element m;
    if (e_.type() != element_type::OBJECT || !member(as_object(e_), key, m)) return std::nullopt;
    return View(m);
  }
  bool is_string() const { return e_.type() == element_type::STRING; }
  bool is_number() const {
    const auto t = e_.type();
    return t == element_type::INT64 || t == element_type::UINT64 || t == element_type::DOUBLE;
  }
  bool is_float() const { return e_.type() == element_type::DOUBLE; }
  bool is_bool() const { return e_.type() == element_type::BOOL; }
  bool is_array() const { return e_.type() == element_type::ARRAY; }
  bool is_object() const { return e_.type() == element_type::OBJECT; }
  std::string_view string() const { return as_string(e_); }
  std::int64_t integer() const { return as_int(e_); }
  double real() const { return e_.get_double().value_unsafe(); }
  bool boolean() const { return e_.get_bool().value_unsafe(); }
  nlohmann::json json() const { return nlohmann::json::parse(simdjson::to_string(e_)); }
  element e() const { return e_; }
  template <class F>
  void elements(F&& f) const {
    for (element x : as_array(e_)) f(View(x));
  }
  // In key order, as nlohmann's object holds them.
  template <class F>
  void members(F&& f) const {
    std::vector<std::pair<std::string_view, element>> sorted;
    for (auto field : as_object(e_)) sorted.emplace_back(field.key, field.value);
    std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& [key, value] : sorted) f(key, View(value));
  }

 private:
  element e_;
};

// The record's own fields in a table hashed by key: each looked up without a walk over all of
// them, and a key that repeats seen as it goes in.
struct Fields {
  using Value = View;
  static constexpr std::size_t kSlots = 128;  // a power of two, at least twice the fields held
  struct Slot {
    std::string_view key;
    element value;
    std::uint32_t round = 0;  // the record it holds a field of; another: empty
  };
  Slot slots[kSlots];
  std::uint32_t round = 0;

  static std::size_t hash(std::string_view key) {
    std::uint32_t h = 2166136261u;
    for (const char c : key) h = (h ^ static_cast<unsigned char>(c)) * 16777619u;
    return h;
  }
  // False when a key repeats, or the record has more fields than the table is made for.
  bool read(object o) {
    if (++round == 0) {
      for (auto& slot : slots) slot.round = 0;
      round = 1;
    }
    std::size_t count = 0;
    for (auto field : o) {
      if (++count > kSlots / 2) return false;
      for (std::size_t i = hash(field.key) & (kSlots - 1);; i = (i + 1) & (kSlots - 1)) {
        Slot& slot = slots[i];
        if (slot.round != round) {
          slot = {field.key, field.value, round};
          break;
        }
        if (same(slot.key, field.key)) return false;
      }
    }
    return true;
  }
  std::optional<View> find(std::string_view key) const {
    for (std::size_t i = hash(key) & (kSlots - 1);; i = (i + 1) & (kSlots - 1)) {
      const Slot& slot = slots[i];
      if (slot.round != round) return std::nullopt;
      if (same(slot.key, key)) return View(slot.value);
    }
  }
};

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
  if (!member(o, key, m)) return true;
  return fine_member(m, rest, kinds);
}


// The table's rows by the record's field they start at, their paths cut once. A row "a[].k" (a
// field of every object of array a) is checked in one walk over a's objects with the others of a.
struct RowGroup {
  struct Row {
    std::string_view rest;  // what follows the key: "", "[]…", ".…"
    unsigned kinds;
  };
  std::string_view key;
  std::vector<Row> rows;
  std::vector<std::pair<std::string_view, unsigned>> element_fields;  // "[].k": k and its kinds
};
// The table's rows, but those of "passed": the figures leave it out (and so its check).
const std::vector<RowGroup>& figure_rows() {
  static const std::vector<RowGroup> groups = [] {
    std::vector<RowGroup> out;
    for (const auto& f : audit_field_types()) {
      const std::string_view path(f.path);
      if (path.substr(0, 6) == "passed") continue;
      const auto dot = path.find('.');
      const auto brackets = path.find("[]");
      const auto end = brackets != std::string_view::npos && (dot == std::string_view::npos || brackets < dot) ? brackets : dot;
      const std::string_view key = path.substr(0, end);
      const std::string_view rest = end == std::string_view::npos ? std::string_view() : path.substr(end);
      auto g = std::find_if(out.begin(), out.end(), [&](const RowGroup& x) { return x.key == key; });
      if (g == out.end()) g = out.insert(out.end(), RowGroup{key, {}, {}});
      const std::string_view field = rest.substr(std::min<std::size_t>(rest.size(), 3));
      if (rest.substr(0, 3) == "[]." && field.find_first_of(".[*") == std::string_view::npos)
        g->element_fields.emplace_back(field, f.kinds);
      else
        g->rows.push_back({rest, f.kinds});
    }
    return out;
  }();
  return groups;
}

// fine() from the record itself, its fields in their table: a group of rows.
bool fine_rows(const Fields& record, const RowGroup& g) {
  auto m = record.find(g.key);
  if (!m) return true;
  for (const auto& row : g.rows)
    if (!fine_member(m->e(), row.rest, row.kinds)) return false;
  if (g.element_fields.empty() || m->e().type() != element_type::ARRAY) return true;
  // The keys of an object are one each (unique_keys): each field against the rows that name it.
  for (element e : as_array(m->e())) {
    if (e.type() != element_type::OBJECT) continue;
    for (auto field : as_object(e))
      for (const auto& [key, kinds] : g.element_fields)
        if (same(field.key, key) && !fits(field.value, kinds)) return false;
  }
  return true;
}

// As json::get<std::int64_t>() gives a number (a float cut towards zero).
std::int64_t as_int(element v) {
  switch (v.type()) {
    case element_type::INT64: return v.get_int64().value_unsafe();
    case element_type::UINT64: return static_cast<std::int64_t>(v.get_uint64().value_unsafe());
    default: return static_cast<std::int64_t>(v.get_double().value_unsafe());
  }
}

bool figures(std::string_view line, AuditLine& out) {
  if (!plain(line)) return false;
  thread_local simdjson::dom::parser parser;
  thread_local std::vector<char> padded;
  padded.resize(line.size() + simdjson::SIMDJSON_PADDING);
  std::memcpy(padded.data(), line.data(), line.size());
  element doc;
  if (parser.parse(padded.data(), line.size(), false).get(doc) != simdjson::SUCCESS) return false;
  if (doc.type() != element_type::OBJECT) return false;
  thread_local Fields j;
  if (!j.read(as_object(doc))) return false;
  // The rules' versions and the passes are left out of the figures (the nlohmann path drops them
  // as it parses): a key repeated in them changes nothing read.
  for (auto field : as_object(doc))
    if (field.key != "rules" && field.key != "passed" && !unique_keys(field.value)) return false;
  // A line without "event" is not a record; a seal's fields are the chain check's own.
  auto event = j.find("event");
  if (!event) return false;
  // The table's rows, but those of "passed": the figures leave it out (and so its check).
  for (const auto& group : figure_rows())
    if (!fine_rows(j, group)) return false;
  if (event->string() == "seal") return false;
  // Every member of `out` set, over what an earlier line left there.
  out.event.assign(event->string());
  read_string(out.time, j, "time");
  read_string(out.instance, j, "instance");
  out.problem.clear();
  out.unreadable = false;
  auto seq = j.find("seq");
  auto prev = j.find("prev");
  out.seq.reset();
  if (seq && fits(seq->e(), kUnsigned)) out.seq = static_cast<std::uint64_t>(seq->integer());
  ChainLine& chain = out.chain;
  chain.formed = out.seq && prev && prev->is_string();
  chain.seq = chain.formed ? *out.seq : 0;
  if (chain.formed) {
    chain.prev.assign(prev->string());
    chain.event.assign(out.event);
    chain.time.assign(out.time);
    chain.instance.assign(out.instance);
  } else {
    chain.prev.clear();
    chain.event.clear();
    chain.time.clear();
    chain.instance.clear();
  }
  chain.seal_formed = false;
  chain.epoch = 0;
  chain.epoch_value.reset();
  chain.mac.clear();
  chain.reason.clear();
  read_record(out, j, AuditFields::figures);
  return true;
}


}  // namespace quick

}  // namespace

void MessageRecord::hide(const Forms& forms) {
  for (const auto& f : kMessageTexts)
    if (f.customer_text) hide_in(this->*f.member, forms);
  for (auto& f : findings) {
    hide_in(f.detail, forms);
    hide_in(f.evidence, forms);
  }
  for (auto& n : notes) hide_in(n, forms);
  for (const auto& f : kMessageOptionalTexts) hide_in(this->*f.member, forms);
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
  // An object's keys are held sorted: the order they are set in does not show.
  nlohmann::json j = {
      {"format", kMessageRecordFormat},
      {"passed", r.passed},
      {"rules", r.rules},
      {"findings", std::move(findings)},
  };
  for (const auto& f : kMessageTexts) j[f.key] = r.*f.member;
  for (const auto& f : kMessageOptionalTexts)
    if (r.*f.member) j[f.key] = *(r.*f.member);
  if (!skipped.empty()) j["skipped"] = std::move(skipped);
  if (r.deadline_passed) j["deadline_passed"] = true;
  if (!r.notes.empty()) j["notes"] = r.notes;
  if (r.sla) j["sla"] = r.sla->to_json();
  if (r.replay) j["replay"] = true;
  return j;
}

nlohmann::json to_json(const SettleRecord& r) {
  nlohmann::json j = {{"recipients", r.recipients}};
  for (const auto& f : kSettleTexts) j[f.key] = r.*f.member;
  if (!r.evidence.empty()) j["evidence"] = r.evidence;
  if (r.audited) {
    for (const auto& f : kSettleAuditedTexts) j[f.key] = r.*f.member;
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

namespace {

// nlohmann's reading of a line: every line the quick reading leaves, and every line of AuditFields::all.
AuditLine read_audit_record_slowly(std::string_view line, AuditFields fields) {
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
  read_record(out, NlohmannView(j), fields);
  return out;
}

}  // namespace

void read_audit_record(std::string_view line, AuditFields fields, AuditLine& out) {
  if (fields == AuditFields::figures && quick::figures(line, out)) return;
  out = read_audit_record_slowly(line, fields);
}

AuditLine read_audit_record(std::string_view line, AuditFields fields) {
  AuditLine out;
  read_audit_record(line, fields, out);
  return out;
}

}  // namespace sm
