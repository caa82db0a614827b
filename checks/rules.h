// Factories of the rule classes, for the registry table.
#pragma once
#include <memory>

#include "checks/rule.h"

namespace sm {

std::unique_ptr<Rule> make_subject_continuity();
std::unique_ptr<Rule> make_reply_all();
std::unique_ptr<Rule> make_quoted_history();
std::unique_ptr<Rule> make_meaningful_subject();
std::unique_ptr<Rule> make_polite_tone();
std::unique_ptr<Rule> make_blame_shifting();
std::unique_ptr<Rule> make_canned_non_answer();
std::unique_ptr<Rule> make_acknowledge_with_eta();
std::unique_ptr<Rule> make_numbered_questions();
std::unique_ptr<Rule> make_answer_every_question();
std::unique_ptr<Rule> make_signature_contact();
std::unique_ptr<Rule> make_internal_details();
std::unique_ptr<Rule> make_call_to_action();
std::unique_ptr<Rule> make_plain_language();
std::unique_ptr<Rule> make_apology_on_complaint();

}  // namespace sm
