// blame-shifting: no blaming the customer.
#include "checks/list_rule.h"
#include "checks/rules.h"

namespace sm {

std::unique_ptr<Rule> make_blame_shifting() {
  return std::make_unique<ListRule>(
      RuleInfo{
          "blame-shifting", "3", "no blaming the customer",
          "An outbound message's new text must not defend us by blaming the customer: phrases from the "
          "language's blame list (\"you should have\", \"as we already told you\", \"como ya le dijimos\", "
          "\"вы сами виноваты\"), in every word form."},
      "blame", "blames the customer", Action::log, true);
}

}  // namespace sm
