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
