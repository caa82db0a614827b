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

// Every address of a customer in the message, in the forms a record may spell it, each with its
// token (audit.customer_addresses = "hmac"); longest first, so a form never replaces part of a
// longer one.
std::vector<std::pair<std::string, std::string>> customer_forms(const Message& msg, const Envelope& env,
                                                                 const Config& cfg) {
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
  std::sort(subs.begin(), subs.end(), [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
  return subs;
}

// The customer of the conversation, as an auditor looks it up: the sender of an inbound message, the
// first addressee who is not support of a reply; empty for internal mail. With
// audit.customer_addresses = "hmac" the record carries its token instead (customer_forms).
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

MessageRecord message_record(const Message& msg, const Envelope& env, const Verdict& v, const Config& cfg) {
  // Every rule's version: the same for every record of the process, so made once.
  static const std::map<std::string, std::string> rules = [] {
    std::map<std::string, std::string> all;
    for (const auto& r : rule_registry()) all[std::string(r->id())] = std::string(r->version());
    return all;
  }();
  MessageRecord r;
  r.queue_id = clean(env.queue_id);
  r.message_id = clean(msg.message_id);
  r.thread_id = v.thread_id;
  r.direction = to_string(v.direction.direction);
  r.direction_reason = clean(v.direction.reason);
  r.author = clean(v.direction.author);
  r.customer = customer_of(msg, v, cfg);
  r.message_time = format_rfc3339_ms(v.time);
  r.action = to_string(v.action);
  r.mode = to_string(cfg.rules.mode);
  for (const auto& f : v.findings) {
    if (f.result == Result::pass) {
      r.passed.push_back(f.rule);
      continue;
    }
    FindingRecord fr{f.rule, to_string(f.result), to_string(f.action), clean(f.detail), nullptr};
    if (!f.evidence.empty()) fr.evidence = f.evidence;
    r.findings.push_back(std::move(fr));
  }
  r.config = cfg.digest;
  r.lexicons = cfg.lexicons.digest;
  r.rules = rules;
  if (v.observe) r.would = to_string(v.would);
  if (!v.error.empty()) r.error = clean(v.error);
  r.deadline_passed = v.deadline_passed;
  if (!v.quarantine_reason.empty()) r.hold_reason = v.quarantine_reason;
  if (!v.reply_text.empty()) r.reply = v.reply_code + " " + v.reply_xcode + " " + v.reply_text;
  for (const auto& n : msg.notes) r.notes.push_back(clean(n));
  // The SLA figures of a reply that answered a wait, and what became of a message that did not
  // reach the customer (not_sent, held): an auditor reads why a wait was not closed.
  if (v.sla.latency_s || v.sla.status != SlaStatus::none) r.sla = v.sla;
  if (!v.thread_found_by.empty()) r.thread_found_by = v.thread_found_by;
  if (!v.language.empty()) r.language = v.language;
  if (!env.auth_user.empty()) r.auth = clean(env.auth_user);
  if (cfg.audit.hash_customers) r.hide(customer_forms(msg, env, cfg));
  return r;
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
      {"sla", v.sla.to_json()},
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
