// reply-all (RULES.md, thread rules): an outbound reply addresses everyone of the message it
// answers — its From (or Reply-To, which stands for From when present), To and Cc — support
// addresses and the reply's author aside. Addresses compare by Address::key() (case-insensitive
// domain, IDN normalized). Fix: the dropped addresses added to Cc and to the envelope.
#include <set>

#include "checks/rules.h"

namespace sm {

namespace {

class ReplyAll final : public Rule {
 public:
  ReplyAll()
      : Rule({"reply-all", "1", "replies go to everyone in the conversation",
                 "An outbound reply must address everybody of the message it answers: its From (or Reply-To), "
                 "To and Cc, support addresses aside. The finding names each address dropped. Fix: adds the "
                 "dropped addresses to Cc and to the envelope."}) {}
  Action default_action() const override { return Action::annotate; }
  bool can_fix() const override { return true; }

  Finding evaluate(const RuleContext& ctx, const RuleSettings&) const override {
    if (ctx.direction != Direction::outbound || ctx.thread == nullptr || !ctx.thread->answered)
      return make(Result::skip, "not a reply to a stored message");
    const StoredMessage& answered = *ctx.thread->answered;

    std::set<std::string> present;
    for (const auto* list : {&ctx.message.to, &ctx.message.cc})
      for (const auto& a : *list) present.insert(a.key());
    std::string author = ctx.message.from.empty() ? std::string() : ctx.message.from.front().key();

    bool has_reply_to = false;
    for (const auto& p : answered.participants) has_reply_to = has_reply_to || p.role == Role::reply_to;

    std::vector<std::string> dropped;  // display forms
    std::vector<std::string> dropped_keys;
    std::set<std::string> seen;
    for (const auto& p : answered.participants) {
      // With Reply-To, the sender asked for answers there: From is covered by it.
      if (p.role == Role::from && has_reply_to) continue;
      if (p.address.empty() || ctx.support.is_support_key(p.address) || p.address == author) continue;
      if (!seen.insert(p.address).second) continue;
      if (present.count(p.address) == 0) {
        dropped.push_back(p.display.empty() ? p.address : p.display);
        dropped_keys.push_back(p.address);
      }
    }
    if (dropped.empty()) return make(Result::pass);

    std::string list;
    for (const auto& d : dropped) list += (list.empty() ? "" : ", ") + d;
    Finding f = make(Result::fail, "dropped from the conversation: " + list);
    f.evidence = {{"dropped", dropped}, {"answered", answered.message_id}};
    f.hint = {"hint_reply_all", {{"addresses", list}}};
    const HeaderField* cc = first(ctx.message.headers, "Cc");
    if (cc != nullptr) {
      std::string value = unfold(cc->value);
      while (!value.empty() && (value.back() == ' ' || value.back() == ',')) value.pop_back();
      f.fixes.push_back({Modification::Kind::change_header, "Cc", value.empty() ? list : value + ", " + list, 1});
    } else {
      f.fixes.push_back({Modification::Kind::add_header, "Cc", list, 1});
    }
    for (const auto& d : dropped) f.fixes.push_back({Modification::Kind::add_recipient, "", d, 1});
    return f;
  }
};

}  // namespace

std::unique_ptr<Rule> make_reply_all() { return std::make_unique<ReplyAll>(); }

}  // namespace sm
