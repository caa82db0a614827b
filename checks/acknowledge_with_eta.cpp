// acknowledge-with-eta: a reply that only acknowledges says when the answer will come.
#include <algorithm>
#include <cctype>
#include <optional>
#include <string_view>
#include <unordered_set>

#include "checks/rule_text.h"
#include "checks/rules.h"
#include "text/lexicon.h"
#include "text/message_text.h"
#include "text/promise.h"
#include "text/segment.h"

namespace sm {

namespace {

using namespace rule_text;

class AcknowledgeWithEta final : public Rule {
 public:
  AcknowledgeWithEta()
      : Rule({"acknowledge-with-eta", "3", "an acknowledgement says when the answer comes",
                 "An outbound message that only acknowledges (a phrase from the language's ack list, and a short "
                 "body) must say when the answer will come: a duration (\"within 2 hours\"), a day or clock time "
                 "(\"tomorrow before 10:00\", \"durante el día\", \"завтра до 18:00\"), a weekday or a date. The "
                 "promised time feeds the SLA clock (promise_missed)."}) {}
  std::vector<std::string> lists() const override { return {"ack"}; }
  bool reads_times() const override { return true; }
  Finding evaluate(const RuleContext& ctx, const RuleSettings&) const override {
    if (!outbound(ctx)) return make(Result::skip, "not an outbound message");
    if (auto skip = language_skip(ctx)) return *skip;
    const Acknowledgement& a = ctx.text.acknowledgement();
    if (!a.only_acknowledges) return make(Result::skip, "not an acknowledgement");
    Finding f = make(a.promised ? Result::pass : Result::fail);
    f.evidence = {{"acknowledgement", a.phrase}};
    if (a.promised) {
      f.evidence["promise"] = a.promise;
      f.evidence["promised_by"] = format_rfc3339(*a.promised);
      return f;
    }
    f.detail = "an acknowledgement (\"" + a.phrase + "\") without a time for the answer";
    f.hint = {"hint_acknowledge_with_eta", {}};
    return f;
  }
};

}  // namespace

std::unique_ptr<Rule> make_acknowledge_with_eta() { return std::make_unique<AcknowledgeWithEta>(); }

}  // namespace sm
