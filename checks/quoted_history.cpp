// quoted-history (RULES.md, thread rules): outbound and internal messages in a known thread carry
// quoted history (history no marker announces is found by the answered message's words, in the
// pipeline), and the quote holds the message actually answered: at least min_overlap of the
// answered message's stored shingle sketch is found in the shingles of the quoted text (a third of
// it when the answers stand between the quoted parts, each under the point it answers).
#include <cmath>

#include "checks/rules.h"
#include "store/fingerprint.h"

namespace sm {

namespace {

class QuotedHistory final : public Rule {
 public:
  QuotedHistory()
      : Rule({"quoted-history", "3", "replies and hand-overs carry the quoted history",
                 "Outbound and internal messages in a known thread must carry quoted history: \">\" quoting, an "
                 "attribution line, an Outlook header block or \"Original Message\" separator, an HTML quote, "
                 "an attached message, or the answered message's own text below the reply without any marker (a "
                 "help desk's own heading); and the quote must contain the message actually answered: at least "
                 "min_overlap of the shingle fingerprints stored when that message passed (a third of it for "
                 "answers written between the quoted parts, which quote the points they answer)."}) {}
  Action default_action() const override { return Action::annotate; }
  std::vector<ParamSpec> params() const override {
    return {{"min_overlap", 0.6, "share of the answered message's text that the quote must contain (0 to 1)", 0.0, 1.0}};
  }

  Finding evaluate(const RuleContext& ctx, const RuleSettings& settings) const override {
    if (ctx.thread == nullptr || (ctx.direction != Direction::outbound && ctx.direction != Direction::internal))
      return make(Result::skip, "not a reply in a known thread");
    const QuoteSplit& q = ctx.message.quote;
    if (!q.has_quote) {
      Finding f = make(Result::fail, "no quoted history");
      f.evidence = {{"has_quote", false}};
      f.hint = {"hint_quoted_history_conversation", {}};
      return f;
    }
    const auto& answered = ctx.thread->answered;
    if (!answered || answered->fingerprints.empty()) {
      Finding f = make(Result::pass, std::string("quoted history present (") + to_string(q.style) + ")");
      f.evidence = {{"has_quote", true}, {"style", to_string(q.style)}};
      return f;
    }
    double overlap = containment_in(answered->fingerprints, q.quoted);
    double min = settings.get_double("min_overlap");
    if (q.interleaved) min /= 3;
    nlohmann::json ev = {{"has_quote", true},
                         {"style", to_string(q.style)},
                         {"overlap", std::round(overlap * 100) / 100},
                         {"answered", answered->message_id}};
    if (overlap + 1e-9 >= min) {
      Finding f = make(Result::pass);
      f.evidence = ev;
      return f;
    }
    Finding f = make(Result::fail, "the quote does not contain the message answered (" + answered->message_id +
                                       "): " + std::to_string(static_cast<int>(std::lround(overlap * 100))) +
                                       "% of its text");
    f.evidence = ev;
    f.hint = {"hint_quoted_history_answered", {}};
    return f;
  }
};

}  // namespace

std::unique_ptr<Rule> make_quoted_history() { return std::make_unique<QuotedHistory>(); }

}  // namespace sm
