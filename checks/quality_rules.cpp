// The communication-quality rules of RULES.md. Each judges the author's new text only (the
// customer's words quoted back never count), in the message's language (unknown: every
// language's lists), and returns its evidence: the phrase, the word, the count.
#include <algorithm>
#include <cctype>
#include <optional>

#include "checks/lexicon.h"
#include "checks/promise.h"
#include "checks/rules.h"
#include "checks/subject.h"
#include "checks/text.h"

namespace sm {

namespace {

// The message's text as analysed for every rule: the pipeline's shared one, or one made here.
class TextOf {
 public:
  explicit TextOf(const RuleContext& ctx) {
    if (ctx.text != nullptr) {
      text_ = ctx.text;
    } else {
      local_.emplace(ctx.message.quote.new_text, ctx.message.quote.quoted);
      text_ = &*local_;
    }
  }
  const MessageText& operator*() const { return *text_; }
  const MessageText* operator->() const { return text_; }

 private:
  std::optional<MessageText> local_;
  const MessageText* text_;
};

// Shared by the quality rules: the new text (signature aside where asked), its language and
// tokens, and the lexicon lookups.
struct View {
  TextOf all;
  const TextAnalysis& a;
  const std::string& text;
  Lang lang;
  const std::vector<Token>& tokens;
  const Lexicons* lex;

  View(const RuleContext& ctx, bool drop_signature)
      : all(ctx), a(drop_signature ? all->body() : all->full()), text(a.text), lang(a.lang), tokens(a.tokens),
        lex(ctx.lexicons) {}
  std::vector<PhraseList::Hit> hits(const char* list, std::size_t max = 10) const {
    if (lex == nullptr) return {};
    return lex->get(list, lang).find(tokens, max);
  }
};

nlohmann::json phrases(const std::vector<PhraseList::Hit>& hits) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& h : hits) a.push_back(h.phrase);
  return a;
}

std::string quoted_list(const std::vector<PhraseList::Hit>& hits) {
  std::string s;
  for (const auto& h : hits) s += (s.empty() ? "\"" : ", \"") + h.phrase + "\"";
  return s;
}

bool replying(const RuleContext& ctx) { return ctx.direction == Direction::outbound; }

class QualityRule : public Rule {
 public:
  std::string_view version() const override { return "1"; }
};

// meaningful-subject: a thread we start has a subject someone can find years later.
class MeaningfulSubject final : public QualityRule {
 public:
  std::string_view id() const override { return "meaningful-subject"; }
  std::string_view summary() const override { return "a new thread's subject says what it is about"; }
  std::vector<ParamSpec> params() const override {
    return {{"min_words", std::int64_t{2}, "fewest words a subject has", 1.0, 20.0},
            {"min_letters", std::int64_t{8}, "fewest letters a subject has", 1.0, 200.0}};
  }
  Finding evaluate(const RuleContext& ctx, const RuleSettings& s) const override {
    if (!replying(ctx) || ctx.thread != nullptr || !ctx.message.in_reply_to.empty())
      return make(Result::skip, "not a new outbound thread");
    std::string base = split_subject(ctx.message.subject).base;
    auto tokens = tokenize(fold_for_match(base));
    std::size_t letters = 0;
    for (const auto& t : tokens) letters += t.text.size();
    Finding f = make(Result::pass);
    f.evidence = {{"subject", ctx.message.subject}, {"words", tokens.size()}};
    std::string why;
    if (tokens.empty()) why = "no subject";
    else if (ctx.lexicons != nullptr && !ctx.lexicons->get("generic-subject", Lang::unknown).find(tokens).empty() &&
             ctx.lexicons->get("generic-subject", Lang::unknown).find(tokens)[0].count == tokens.size())
      why = "a generic subject";
    else if (static_cast<std::int64_t>(tokens.size()) < s.get_int("min_words")) why = "too few words";
    else if (static_cast<std::int64_t>(letters) < s.get_int("min_letters")) why = "too short";
    if (why.empty()) return f;
    f.result = Result::fail;
    f.detail = why + ": \"" + ctx.message.subject + "\"";
    f.agent_hint = "meaningful-subject: name the topic in the subject";
    return f;
  }
};

// A rule that fails when a list matches the new text.
class ListRule : public QualityRule {
 public:
  ListRule(const char* id, const char* list, const char* summary, const char* what, Action def, bool outbound_only)
      : id_(id), list_(list), summary_(summary), what_(what), default_(def), outbound_only_(outbound_only) {}
  std::string_view id() const override { return id_; }
  std::string_view summary() const override { return summary_; }
  Action default_action() const override { return default_; }
  Finding evaluate(const RuleContext& ctx, const RuleSettings&) const override {
    if (outbound_only_ ? !replying(ctx) : (ctx.direction != Direction::outbound && ctx.direction != Direction::internal))
      return make(Result::skip, "not an outbound message");
    View v(ctx, false);
    auto hits = v.hits(list_);
    if (hits.empty()) return make(Result::pass);
    Finding f = make(Result::fail, std::string(what_) + ": " + quoted_list(hits));
    f.evidence = {{"phrases", phrases(hits)}, {"language", to_string(v.lang)}};
    f.agent_hint = std::string(id_) + ": remove " + quoted_list(hits);
    return f;
  }

 private:
  const char* id_;
  const char* list_;
  const char* summary_;
  const char* what_;
  Action default_;
  bool outbound_only_;
};

// canned-non-answer: greeting and signature aside, the reply is only boilerplate.
class CannedNonAnswer final : public QualityRule {
 public:
  std::string_view id() const override { return "canned-non-answer"; }
  std::string_view summary() const override { return "a reply says more than \"ticket created\""; }
  std::vector<ParamSpec> params() const override {
    return {{"max_other_words", std::int64_t{12}, "words besides boilerplate that still make a non-answer", 0.0, 200.0}};
  }
  Finding evaluate(const RuleContext& ctx, const RuleSettings& s) const override {
    if (!replying(ctx) || ctx.thread == nullptr) return make(Result::skip, "not a reply");
    View v(ctx, true);
    auto hits = v.hits("canned");
    if (hits.empty()) return make(Result::pass);
    std::size_t covered = 0;
    for (const auto& h : hits) covered += h.count;
    std::size_t other = v.tokens.size() > covered ? v.tokens.size() - covered : 0;
    // Numbers (ticket ids) and a greeting line do not make substance.
    for (const auto& t : v.tokens)
      if (!t.text.empty() && std::isdigit(static_cast<unsigned char>(t.text[0])) && other > 0) --other;
    if (static_cast<std::int64_t>(other) > s.get_int("max_other_words")) return make(Result::pass);
    Finding f = make(Result::fail, "only boilerplate: " + quoted_list(hits));
    f.evidence = {{"phrases", phrases(hits)}, {"other_words", other}};
    f.agent_hint = "canned-non-answer: answer the customer's question";
    return f;
  }
};

// acknowledge-with-eta: a reply that only acknowledges says when the answer will come.
class AcknowledgeWithEta final : public QualityRule {
 public:
  std::string_view id() const override { return "acknowledge-with-eta"; }
  std::string_view summary() const override { return "an acknowledgement says when the answer comes"; }
  Finding evaluate(const RuleContext& ctx, const RuleSettings&) const override {
    if (!replying(ctx)) return make(Result::skip, "not an outbound message");
    const Acknowledgement a =
        ctx.ack != nullptr ? *ctx.ack : read_acknowledgement(ctx.message.quote.new_text, ctx.time, ctx.time_zone);
    if (!a.only_acknowledges) return make(Result::skip, "not an acknowledgement");
    Finding f = make(a.promised ? Result::pass : Result::fail);
    f.evidence = {{"acknowledgement", a.phrase}};
    if (a.promised) {
      f.evidence["promise"] = a.promise;
      f.evidence["promised_by"] = format_rfc3339(*a.promised);
      return f;
    }
    f.detail = "an acknowledgement (\"" + a.phrase + "\") without a time for the answer";
    f.agent_hint = "acknowledge-with-eta: say when the answer will come";
    return f;
  }
};

// numbered-questions: two or more questions we ask are a numbered list.
class NumberedQuestions final : public QualityRule {
 public:
  std::string_view id() const override { return "numbered-questions"; }
  std::string_view summary() const override { return "several questions to the customer are numbered"; }
  Finding evaluate(const RuleContext& ctx, const RuleSettings&) const override {
    if (!replying(ctx)) return make(Result::skip, "not an outbound message");
    std::string text(without_signature(ctx.message.quote.new_text));
    int loose = 0;
    std::vector<std::string> examples;
    for (std::size_t pos = 0; pos < text.size();) {
      std::size_t nl = text.find('\n', pos);
      std::string line = text.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
      pos = nl == std::string::npos ? text.size() : nl + 1;
      std::size_t i = line.find_first_not_of(" \t");
      if (i == std::string::npos) continue;
      bool numbered = std::isdigit(static_cast<unsigned char>(line[i])) &&
                      line.find_first_of(".)", i) != std::string::npos && line.find_first_of(".)", i) <= i + 3;
      if (numbered) continue;
      for (const auto& s : sentences(line)) {
        bool question = (!s.empty() && s.back() == '?') || s.find("\xef\xbc\x9f") != std::string::npos;
        if (question) {
          ++loose;
          if (examples.size() < 3) examples.push_back(s);
        }
      }
    }
    if (loose < 2) return make(Result::pass);
    Finding f = make(Result::fail, std::to_string(loose) + " questions not in a numbered list");
    f.evidence = {{"questions", loose}, {"examples", examples}};
    f.agent_hint = "numbered-questions: number your questions 1., 2., ...";
    return f;
  }
};

// answer-every-question: as many answer blocks as the customer asked questions.
class AnswerEveryQuestion final : public QualityRule {
 public:
  std::string_view id() const override { return "answer-every-question"; }
  std::string_view summary() const override { return "each of the customer's questions gets an answer"; }
  Finding evaluate(const RuleContext& ctx, const RuleSettings&) const override {
    if (!replying(ctx) || ctx.thread == nullptr || !ctx.thread->answered || ctx.thread->answered->direction != Direction::inbound)
      return make(Result::skip, "not a reply to a customer");
    int asked = ctx.thread->answered->question_count;
    if (asked < 2) return make(Result::skip, "the customer asked fewer than two questions");
    TextOf text(ctx);
    const auto& blocks = text->body_paragraphs();
    // A greeting line is not an answer.
    int answers = 0;
    for (const auto& b : blocks) answers += word_count(b) > 3;
    // Numbered items count one each.
    for (const auto& b : blocks) {
      int items = 0;
      for (std::size_t pos = 0; pos < b.size();) {
        std::size_t nl = b.find('\n', pos);
        std::size_t i = b.find_first_not_of(" \t", pos);
        if (i != std::string::npos && i < (nl == std::string::npos ? b.size() : nl) && (std::isdigit(static_cast<unsigned char>(b[i])) || b[i] == '-'))
          ++items;
        pos = nl == std::string::npos ? b.size() : nl + 1;
      }
      if (items > 1) answers += items - 1;
    }
    if (answers >= asked) return make(Result::pass);
    Finding f = make(Result::fail, "the customer asked " + std::to_string(asked) + " questions; the reply has " +
                                       std::to_string(answers) + " answer blocks");
    f.evidence = {{"asked", asked}, {"answers", answers}};
    f.agent_hint = "answer-every-question: answer each question, in order";
    return f;
  }
};

bool has_contact(std::string_view s) {
  // An e-mail address, a URL, or a phone number (7+ digits with separators).
  if (s.find('@') != std::string_view::npos) {
    auto at = s.find('@');
    if (at > 0 && at + 1 < s.size() && s.find('.', at) != std::string_view::npos) return true;
  }
  if (s.find("http://") != std::string_view::npos || s.find("https://") != std::string_view::npos ||
      s.find("www.") != std::string_view::npos)
    return true;
  int digits = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (std::isdigit(static_cast<unsigned char>(c))) {
      if (++digits >= 7) return true;
    } else if (c != ' ' && c != '-' && c != '(' && c != ')' && c != '+' && c != '.') {
      digits = 0;
    }
  }
  return false;
}

// signature-contact: the signature tells the customer how to reach us.
class SignatureContact final : public QualityRule {
 public:
  std::string_view id() const override { return "signature-contact"; }
  std::string_view summary() const override { return "the signature has a phone, an address or a URL"; }
  std::vector<ParamSpec> params() const override {
    return {{"last_lines", std::int64_t{6}, "lines at the end read as the signature when there is no \"-- \" line", 1.0, 50.0}};
  }
  Finding evaluate(const RuleContext& ctx, const RuleSettings& s) const override {
    if (!replying(ctx)) return make(Result::skip, "not an outbound message");
    std::string_view text = ctx.message.quote.new_text;
    std::string_view body = without_signature(text);
    std::string_view sig = text.substr(body.size());
    if (sig.empty()) {
      // The last lines.
      std::size_t pos = text.size();
      for (std::int64_t n = 0; n < s.get_int("last_lines") && pos > 0; ++n) {
        pos = text.rfind('\n', pos - 1);
        if (pos == std::string_view::npos) {
          pos = 0;
          break;
        }
      }
      sig = text.substr(pos);
    }
    if (has_contact(sig)) return make(Result::pass);
    Finding f = make(Result::fail, "the signature has no phone, e-mail address or URL");
    f.agent_hint = "signature-contact: sign with a phone, an e-mail address or a URL";
    return f;
  }
};

bool private_ip(std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) continue;
    if (i > 0 && (std::isdigit(static_cast<unsigned char>(s[i - 1])) || s[i - 1] == '.')) continue;
    unsigned a, b, c, d;
    char tail[2] = {0, 0};
    std::string chunk(s.substr(i, 16));
    if (std::sscanf(chunk.c_str(), "%u.%u.%u.%u%1c", &a, &b, &c, &d, tail) < 4) continue;
    if (a > 255 || b > 255 || c > 255 || d > 255) continue;
    if (a == 10 || (a == 192 && b == 168) || (a == 172 && b >= 16 && b <= 31)) return true;
  }
  return false;
}

// internal-details: internal systems, staff trouble, outages and notes stay inside.
class InternalDetails final : public QualityRule {
 public:
  std::string_view id() const override { return "internal-details"; }
  std::string_view summary() const override { return "no internal systems, notes or staff matters in customer mail"; }
  Action default_action() const override { return Action::hold; }
  std::vector<ParamSpec> params() const override {
    return {{"hosts", std::vector<std::string>{}, "internal host names and domains (suffix match)", {}, {}},
            {"phrases", std::vector<std::string>{}, "more phrases that must not reach a customer", {}, {}}};
  }
  Finding evaluate(const RuleContext& ctx, const RuleSettings& s) const override {
    if (!replying(ctx)) return make(Result::skip, "not an outbound message");
    View v(ctx, false);
    std::vector<std::string> found;
    for (const auto& h : v.hits("internal")) found.push_back(h.phrase);
    PhraseList extra;
    for (const auto& p : s.get_list("phrases")) extra.add(p);
    for (const auto& h : extra.find(v.tokens)) found.push_back(h.phrase);
    std::string haystack = fold_for_match(ctx.message.subject) + "\n" + v.a.folded;
    for (const auto& host : s.get_list("hosts")) {
      std::string h = fold_for_match(host);
      if (!h.empty() && haystack.find(h) != std::string::npos) found.push_back(host);
      for (const auto* list : {&ctx.message.to, &ctx.message.cc})
        for (const auto& a : *list)
          if (!h.empty() && a.ascii_domain.size() >= h.size() && a.ascii_domain.compare(a.ascii_domain.size() - h.size(), h.size(), h) == 0)
            found.push_back(a.address());
    }
    if (private_ip(v.text)) found.push_back("a private IP address");
    if (found.empty()) return make(Result::pass);
    std::string list;
    for (const auto& x : found) list += (list.empty() ? "\"" : ", \"") + x + "\"";
    Finding f = make(Result::fail, "internal details: " + list);
    f.evidence = {{"found", found}};
    f.agent_hint = "internal-details: remove " + list;
    return f;
  }
};

// call-to-action: the last paragraph before the signature asks, requests, or names a date.
class CallToAction final : public QualityRule {
 public:
  std::string_view id() const override { return "call-to-action"; }
  std::string_view summary() const override { return "the reply ends with the next step"; }
  Finding evaluate(const RuleContext& ctx, const RuleSettings&) const override {
    if (!replying(ctx) || ctx.thread == nullptr) return make(Result::skip, "not a reply");
    TextOf text(ctx);
    const auto& paras = text->body_paragraphs();
    if (paras.empty()) return make(Result::skip, "no text");
    Lang lang = text->full().lang;
    auto asks = [&](const std::string& p) {
      return p.find('?') != std::string::npos ||
             (ctx.lexicons != nullptr && ctx.lexicons->get("request", lang).any(tokenize(fold_for_match(p)))) ||
             find_promise(p, ctx.time, ctx.time_zone, nullptr).has_value();
    };
    // From the end: short closing lines ("Best regards, Sam") are passed over until a paragraph
    // of substance; that one must ask, request or name a date.
    std::string last;
    for (auto it = paras.rbegin(); it != paras.rend(); ++it) {
      if (asks(*it)) return make(Result::pass);
      last = *it;
      if (word_count(*it) > 4) break;
    }
    Finding f = make(Result::fail, "the last paragraph has no request, question or date");
    f.evidence = {{"last_paragraph", last.substr(0, 200)}};
    f.agent_hint = "call-to-action: end with the next step you expect";
    return f;
  }
};

// plain-language: short sentences, no jargon.
class PlainLanguage final : public QualityRule {
 public:
  std::string_view id() const override { return "plain-language"; }
  std::string_view summary() const override { return "short sentences and no jargon"; }
  std::vector<ParamSpec> params() const override {
    return {{"max_sentence_words", std::int64_t{35}, "longest sentence, in words", 5.0, 500.0},
            {"max_average_words", std::int64_t{22}, "longest average sentence, in words", 5.0, 500.0}};
  }
  Finding evaluate(const RuleContext& ctx, const RuleSettings& s) const override {
    if (!replying(ctx)) return make(Result::skip, "not an outbound message");
    View v(ctx, true);
    std::size_t longest = 0, total = 0, count = 0;
    for (const auto& sent : sentences(v.text)) {
      std::size_t w = word_count(sent);
      if (w == 0) continue;
      longest = std::max(longest, w);
      total += w;
      ++count;
    }
    auto jargon = v.hits("jargon");
    std::vector<std::string> why;
    if (static_cast<std::int64_t>(longest) > s.get_int("max_sentence_words")) why.push_back("a sentence of " + std::to_string(longest) + " words");
    if (count > 0 && static_cast<std::int64_t>(total / count) > s.get_int("max_average_words"))
      why.push_back("sentences of " + std::to_string(total / count) + " words on average");
    if (!jargon.empty()) why.push_back("jargon " + quoted_list(jargon));
    if (why.empty()) return make(Result::pass);
    std::string d;
    for (const auto& w : why) d += (d.empty() ? "" : "; ") + w;
    Finding f = make(Result::fail, d);
    f.evidence = {{"longest_sentence", longest}, {"sentences", count}, {"jargon", phrases(jargon)}};
    f.agent_hint = "plain-language: shorter sentences, plain words";
    return f;
  }
};

// apology-on-complaint: to a complaint, an apology.
class ApologyOnComplaint final : public QualityRule {
 public:
  std::string_view id() const override { return "apology-on-complaint"; }
  std::string_view summary() const override { return "a complaint gets an apology"; }
  Finding evaluate(const RuleContext& ctx, const RuleSettings&) const override {
    if (!replying(ctx) || ctx.thread == nullptr || ctx.lexicons == nullptr) return make(Result::skip, "not a reply");
    // The customer's words come back in the quote: that is where the complaint is read. The
    // message answered stands first in it; older history further down is not read.
    View v(ctx, true);
    const TextAnalysis& quoted = v.all->quoted_head();
    Lang lang = quoted.lang;
    auto cues = ctx.lexicons->get("complaint", lang).find(quoted.tokens, 5);
    if (cues.empty()) return make(Result::skip, "the message answered is not a complaint");
    if (!v.hits("apology", 1).empty() || !ctx.lexicons->get("apology", lang).find(v.tokens, 1).empty()) return make(Result::pass);
    Finding f = make(Result::fail, "a complaint (" + quoted_list(cues) + ") answered without an apology");
    f.evidence = {{"complaint", phrases(cues)}};
    f.agent_hint = "apology-on-complaint: admit the fault, apologise, offer a remedy";
    return f;
  }
};

}  // namespace


std::unique_ptr<Rule> make_meaningful_subject() { return std::make_unique<MeaningfulSubject>(); }
std::unique_ptr<Rule> make_polite_tone() {
  return std::make_unique<ListRule>("polite-tone", "rude", "no rude words or profanity", "rude words", Action::hold, false);
}
std::unique_ptr<Rule> make_blame_shifting() {
  return std::make_unique<ListRule>("blame-shifting", "blame", "no blaming the customer", "blames the customer", Action::log, true);
}
std::unique_ptr<Rule> make_canned_non_answer() { return std::make_unique<CannedNonAnswer>(); }
std::unique_ptr<Rule> make_acknowledge_with_eta() { return std::make_unique<AcknowledgeWithEta>(); }
std::unique_ptr<Rule> make_numbered_questions() { return std::make_unique<NumberedQuestions>(); }
std::unique_ptr<Rule> make_answer_every_question() { return std::make_unique<AnswerEveryQuestion>(); }
std::unique_ptr<Rule> make_signature_contact() { return std::make_unique<SignatureContact>(); }
std::unique_ptr<Rule> make_internal_details() { return std::make_unique<InternalDetails>(); }
std::unique_ptr<Rule> make_call_to_action() { return std::make_unique<CallToAction>(); }
std::unique_ptr<Rule> make_plain_language() { return std::make_unique<PlainLanguage>(); }
std::unique_ptr<Rule> make_apology_on_complaint() { return std::make_unique<ApologyOnComplaint>(); }

}  // namespace sm
