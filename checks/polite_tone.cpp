// polite-tone: no rude words or profanity in what we write.
#include "checks/list_rule.h"
#include "checks/rules.h"

namespace sm {

std::unique_ptr<Rule> make_polite_tone() {
  return std::make_unique<ListRule>(
      RuleInfo{
          "polite-tone", "3", "no rude words or profanity",
          "An outbound or internal message's new text must not be rude: insults, profanity (also masked, "
          "\"f*ck\", or with letters repeated) and contempt from the language's rude list, matched in every "
          "word form (Snowball stems); phrases rude only in their frame are written as frames (\"< это ваши "
          "проблемы >\" does not match \"мы решим ваши проблемы\")."},
      "rude", "rude words", Action::hold, false);
}

}  // namespace sm
