// The rules that fail when a language's list matches the new text (polite-tone, blame-shifting):
// one class, each rule its own id, list, texts and default action.
#pragma once
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "checks/rule.h"
#include "checks/rule_text.h"
#include "text/lexicon.h"
#include "text/message_text.h"
#include "text/segment.h"

namespace sm {

// A rule that fails when a list matches the new text.
class ListRule : public Rule {
 public:
  ListRule(const RuleInfo& info, const char* list, const char* what, Action def, bool outbound_only)
      : Rule(info), list_(list), what_(what), default_(def), outbound_only_(outbound_only) {}
  Action default_action() const override { return default_; }
  std::vector<std::string> lists() const override { return {list_}; }
  Finding evaluate(const RuleContext& ctx, const RuleSettings&) const override {
    if (outbound_only_ ? !rule_text::outbound(ctx)
                       : (ctx.direction != Direction::outbound && ctx.direction != Direction::internal))
      return make(Result::skip, "not an outbound message");
    if (auto skip = language_skip(ctx)) return *skip;
    auto hits = ctx.text.hits(list_, ctx.text.full(), 10);
    if (!hits.empty()) hits = not_cited(ctx, std::move(hits));
    if (hits.empty()) return make(Result::pass);
    Finding f = make(Result::fail, std::string(what_) + ": " + rule_text::quoted_list(hits));
    f.evidence = {{"phrases", rule_text::phrases(hits)}, {"language", to_string(ctx.text.full().lang)}};
    f.hint = {"hint_remove", {{"phrases", rule_text::quoted_list(hits)}}};
    return f;
  }

 private:
  // The hits that are not the customer's own words cited back in quotation marks ("you called it
  // 'useless', and you were right to be annoyed"): a phrase that the quoted history has too and
  // that is gone once what stands in quotation marks is set aside.
  std::vector<PhraseList::Hit> not_cited(const RuleContext& ctx, std::vector<PhraseList::Hit> hits) const {
    const std::string_view quoted = ctx.message.quote.quoted;
    if (quoted.empty() || ctx.text.lexicons() == nullptr) return hits;
    const Lang lang = ctx.text.full().lang;
    const TextAnalysis theirs(quoted, lang);
    const TextAnalysis said(without_quotations(ctx.text.full().text), lang);
    std::unordered_set<std::string_view> in_theirs, in_said;
    for (const auto& h : ctx.text.hits(list_, theirs, 50)) in_theirs.insert(h.phrase);
    for (const auto& h : ctx.text.hits(list_, said, 50)) in_said.insert(h.phrase);
    std::erase_if(hits, [&](const PhraseList::Hit& h) {
      return in_theirs.count(h.phrase) && !in_said.count(h.phrase);
    });
    return hits;
  }

  const char* list_;
  const char* what_;
  Action default_;
  bool outbound_only_;
};

}  // namespace sm
