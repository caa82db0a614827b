// The registry table. A new rule is one line here and one class in its own file.
#include "checks/registry.h"

#include "checks/rules.h"

namespace sm {

const std::vector<std::unique_ptr<Rule>>& rule_registry() {
  static const std::vector<std::unique_ptr<Rule>> rules = [] {
    std::vector<std::unique_ptr<Rule>> r;
    r.push_back(make_subject_continuity());
    r.push_back(make_reply_all());
    r.push_back(make_quoted_history());
    r.push_back(make_meaningful_subject());
    r.push_back(make_polite_tone());
    r.push_back(make_blame_shifting());
    r.push_back(make_canned_non_answer());
    r.push_back(make_acknowledge_with_eta());
    r.push_back(make_numbered_questions());
    r.push_back(make_answer_every_question());
    r.push_back(make_signature_contact());
    r.push_back(make_internal_details());
    r.push_back(make_call_to_action());
    r.push_back(make_plain_language());
    r.push_back(make_apology_on_complaint());
    return r;
  }();
  return rules;
}

const Rule* find_rule(std::string_view id) {
  for (const auto& r : rule_registry())
    if (r->id() == id) return r.get();
  return nullptr;
}

}  // namespace sm
