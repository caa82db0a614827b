// The audit record's JSON form, written and read.
#include "pipeline/audit_record.h"

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
