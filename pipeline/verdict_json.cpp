// JSON forms of a verdict: the audit record and the `check` output. Every string in them comes
// from nlohmann::json, which escapes control characters; invalid UTF-8 is repaired first.
#include <algorithm>

#include <nlohmann/json.hpp>

#include "base/digest.h"
#include "checks/registry.h"
#include "pipeline/verdict.h"
#include "message/charset.h"

namespace sm {

namespace {
std::string clean(std::string_view s) { return sanitize_utf8(s); }

nlohmann::json addresses(const std::vector<Address>& list) {
  auto a = nlohmann::json::array();
  for (const auto& x : list) a.push_back(clean(x.address()));
  return a;
}
}  // namespace

nlohmann::json finding_json(const Finding& f) {
  nlohmann::json j = {{"rule", f.rule},
                      {"result", to_string(f.result)},
                      {"action", to_string(f.action)},
                      {"detail", clean(f.detail)}};
  if (!f.evidence.empty()) j["evidence"] = f.evidence;
  return j;
}

namespace {

// Keyed, irreversible stand-in for a customer address.
std::string hmac_token(const std::string& key, const std::string& address) {
  return "hmac:" + hmac_sha256_hex(key, address, 12);
}

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  if (from.empty()) return;
  for (std::size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size()) s.replace(pos, from.size(), to);
}

// Replaces every customer address in every string of `j` (keys included) with its token.
void scrub(nlohmann::json& j, const std::vector<std::pair<std::string, std::string>>& subs) {
  if (j.is_string()) {
    std::string s = j.get<std::string>();
    for (const auto& [from, to] : subs) replace_all(s, from, to);
    j = s;
  } else if (j.is_array()) {
    for (auto& e : j) scrub(e, subs);
  } else if (j.is_object()) {
    nlohmann::json out = nlohmann::json::object();
    for (auto& [k, val] : j.items()) {
      std::string key = k;
      for (const auto& [from, to] : subs) replace_all(key, from, to);
      scrub(val, subs);
      out[key] = val;
    }
    j = std::move(out);
  }
}

void hash_customers(nlohmann::json& rec, const Message& msg, const Envelope& env, const Config& cfg) {
  std::vector<std::pair<std::string, std::string>> subs;
  auto add = [&](const Address& a) {
    if (a.local_part.empty() || cfg.support.is_support(a)) return;
    std::string token = hmac_token(cfg.audit.hmac_key, a.key());
    for (const std::string& form : {a.address(), a.key(), a.local_part + "@" + a.ascii_domain})
      subs.emplace_back(form, token);
  };
  for (const auto* list : {&msg.from, &msg.reply_to, &msg.to, &msg.cc, &msg.sender})
    for (const auto& a : *list) add(a);
  add(parse_address(env.mail_from));
  for (const auto& r : env.rcpt_to) add(parse_address(r));
  // Longest first, so a form never replaces part of a longer one.
  std::sort(subs.begin(), subs.end(), [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
  scrub(rec, subs);
}

// The customer of the conversation, as an auditor looks it up: the sender of an inbound message, the
// first addressee who is not support of a reply; empty for internal mail. With
// audit.customer_addresses = "hmac" the record carries its token instead (hash_customers).
std::string customer_of(const Message& msg, const Verdict& v, const Config& cfg) {
  auto first_customer = [&](std::initializer_list<const std::vector<Address>*> lists) -> std::string {
    for (const auto* list : lists)
      for (const auto& a : *list)
        if (!a.local_part.empty() && !cfg.support.is_support(a)) return clean(a.address());
    return {};
  };
  if (v.direction.direction == Direction::inbound) return first_customer({&msg.from, &msg.sender});
  if (v.direction.direction == Direction::outbound) return first_customer({&msg.to, &msg.cc});
  return {};
}

}  // namespace

nlohmann::json audit_record(const Message& msg, const Envelope& env, const Verdict& v,
                            const Config& cfg) {
  nlohmann::json findings = nlohmann::json::array();
  for (const auto& f : v.findings)
    if (f.result != Result::pass) findings.push_back(finding_json(f));
  // Every rule's version: the same for every record of the process, so made once.
  static const nlohmann::json rules = [] {
    nlohmann::json all = nlohmann::json::object();
    for (const auto& r : rule_registry()) all[std::string(r->id())] = std::string(r->version());
    return all;
  }();

  nlohmann::json j = {
      {"queue_id", clean(env.queue_id)},
      {"message_id", clean(msg.message_id)},
      {"thread_id", v.thread_id},
      {"direction", to_string(v.direction.direction)},
      {"direction_reason", clean(v.direction.reason)},
      {"author", clean(v.direction.author)},
      {"customer", customer_of(msg, v, cfg)},
      {"message_time", format_rfc3339_ms(v.time)},
      {"action", to_string(v.action)},
      {"mode", to_string(cfg.rules.mode)},
      {"passed", nlohmann::json::array()},
      {"config", cfg.digest},
      {"lexicons", cfg.lexicons.digest},
      {"rules", rules},
  };
  j["findings"] = std::move(findings);
  auto& passed = j["passed"];
  for (const auto& f : v.findings)
    if (f.result == Result::pass) passed.push_back(f.rule);
  if (v.observe) j["would"] = to_string(v.would);
  if (!v.error.empty()) j["error"] = clean(v.error);
  if (v.deadline_passed) j["deadline_passed"] = true;
  if (!v.quarantine_reason.empty()) j["hold_reason"] = v.quarantine_reason;
  if (!v.reply_text.empty()) j["reply"] = v.reply_code + " " + v.reply_xcode + " " + v.reply_text;
  if (!msg.notes.empty()) {
    j["notes"] = nlohmann::json::array();
    for (const auto& n : msg.notes) j["notes"].push_back(clean(n));
  }
  // The SLA figures of a reply that answered a wait, and what became of a message that did not
  // reach the customer (not_sent, held): an auditor reads why a wait was not closed.
  if ((v.sla.contains("latency_s") && !v.sla["latency_s"].is_null()) || v.sla.value("status", "none") != "none")
    j["sla"] = v.sla;
  if (!v.thread_found_by.empty()) j["thread_found_by"] = v.thread_found_by;
  if (!v.language.empty()) j["language"] = v.language;
  if (!env.auth_user.empty()) j["auth"] = clean(env.auth_user);
  if (cfg.audit.hash_customers) hash_customers(j, msg, env, cfg);
  return j;
}

nlohmann::json check_record(const std::string& file, const Message& msg, const Verdict& v) {
  const QuoteSplit& quote = v.quote ? *v.quote : msg.quote;
  nlohmann::json findings = nlohmann::json::array();
  for (const auto& f : v.findings) findings.push_back(finding_json(f));
  nlohmann::json j = {
      {"file", clean(file)},
      {"message_id", clean(msg.message_id)},
      {"direction", to_string(v.direction.direction)},
      {"thread_id", v.thread_id},
      {"thread_found_by", v.thread_found_by},
      {"subject", clean(msg.subject)},
      {"from", addresses(msg.from)},
      {"to", addresses(msg.to)},
      {"cc", addresses(msg.cc)},
      {"date", msg.date ? nlohmann::json(format_rfc3339(*msg.date)) : nlohmann::json(nullptr)},
      {"time", format_rfc3339(v.time)},
      {"new_text", clean(quote.new_text)},
      {"quoted", quote.has_quote},
      {"quote_style", to_string(quote.style)},
      {"language", v.language.empty() ? nlohmann::json(nullptr) : nlohmann::json(v.language)},
      {"findings", findings},
      {"action", to_string(v.action)},
      {"sla", v.sla},
  };
  if (v.observe) j["would"] = to_string(v.would);
  if (!v.quarantine_reason.empty()) j["hold_reason"] = v.quarantine_reason;
  if (!v.reply_text.empty()) j["reply"] = v.reply_code + " " + v.reply_xcode + " " + v.reply_text;
  if (!v.error.empty()) j["error"] = clean(v.error);
  if (v.deadline_passed) j["deadline_passed"] = true;
  if (!msg.notes.empty()) {
    j["notes"] = nlohmann::json::array();
    for (const auto& n : msg.notes) j["notes"].push_back(clean(n));
  }
  return j;
}

}  // namespace sm
