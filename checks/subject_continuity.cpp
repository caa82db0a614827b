// subject-continuity (RULES.md, thread rules): an outbound or internal message in a known thread
// keeps the thread's subject, reply/forward prefixes aside, compared after NFKC, case folding and
// white-space collapsing. Fix: the thread subject behind the prefix the agent used (or "Re: ").
#include "checks/rules.h"
#include "message/subject.h"

namespace sm {

namespace {

class SubjectContinuity final : public Rule {
 public:
  SubjectContinuity()
      : Rule({"subject-continuity", "1", "replies keep the thread's subject",
                 "An outbound or internal message in a known thread must keep the thread's subject: clients "
                 "filter mail by subject, and one changed character loses the message. Reply and forward "
                 "prefixes in many languages (Re, RE, Fwd, AW, WG, SV, RV, Rif, Odp, TR, Отв, Re[2], ...) are set "
                 "aside and both subjects compared after Unicode normalization, case folding and white space "
                 "collapsing. Fix: restores \"Re: <thread subject>\"."}) {}
  Action default_action() const override { return Action::fix; }
  bool can_fix() const override { return true; }

  Finding evaluate(const RuleContext& ctx, const RuleSettings&) const override {
    if (ctx.thread == nullptr || (ctx.direction != Direction::outbound && ctx.direction != Direction::internal))
      return make(Result::skip, "not a reply in a known thread");
    const std::string& thread_subject = ctx.thread->thread.subject;
    SubjectParts parts = split_subject(ctx.message.subject);
    if (subject_key(parts.base) == subject_key(split_subject(thread_subject).base))
      return make(Result::pass);

    Finding f = make(Result::fail, "subject changed: thread \"" + thread_subject + "\", reply \"" + ctx.message.subject + "\"");
    f.evidence = {{"thread_subject", thread_subject}, {"subject", ctx.message.subject}};
    std::string prefix = parts.prefix.empty() ? std::string("Re: ") : parts.prefix;
    if (!prefix.empty() && prefix.back() != ' ') prefix += ' ';
    std::string fixed = prefix + thread_subject;
    f.hint = {"hint_subject_continuity", {{"subject", fixed}}};
    if (ctx.message.subject.empty() && ctx.message.headers.empty())
      f.fixes.push_back({Modification::Kind::add_header, "Subject", fixed, 1});
    else if (first(ctx.message.headers, "Subject") == nullptr)
      f.fixes.push_back({Modification::Kind::add_header, "Subject", fixed, 1});
    else
      f.fixes.push_back({Modification::Kind::change_header, "Subject", fixed, 1});
    return f;
  }
};

}  // namespace

std::unique_ptr<Rule> make_subject_continuity() { return std::make_unique<SubjectContinuity>(); }

}  // namespace sm
