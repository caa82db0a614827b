// Factories of the rule classes, for the registry table.
#pragma once
#include <memory>

#include "checks/rule.h"

namespace sm {

std::unique_ptr<Rule> make_subject_continuity();
std::unique_ptr<Rule> make_reply_all();
std::unique_ptr<Rule> make_quoted_history();

}  // namespace sm
