// answer-every-question: each question of the customer's finds its answer in the reply.
#include <algorithm>
#include <cctype>
#include <optional>
#include <string_view>
#include <unordered_set>

#include "base/lexdata.h"
#include "checks/rule_text.h"
#include "checks/rules.h"
#include "text/lexicon.h"
#include "text/message_text.h"
#include "text/promise.h"
#include "text/segment.h"

namespace sm {

namespace {

using namespace rule_text;

class AnswerEveryQuestion final : public Rule {
 public:
  AnswerEveryQuestion()
      : Rule({"answer-every-question", "3", "each of the customer's questions gets an answer",
                 "An outbound reply to a customer message that asked two or more questions (read in the message "
                 "answered as quoted, greeting and signature aside) must answer each. A question counts as left "
                 "out when it has two or more topic words (every form; the language's stop words aside) and no more "
                 "than min_overlap of them come back in the reply's body, unless it asks a price, a time or a "
                 "cause (the ask-price, ask-time and ask-why lists) and the reply states an amount, a time or a "
                 "cause (answer-why), or it is a yes/no question (no ask-open word) and the reply has a yes or "
                 "no left (answer-yes-no). With fewer_blocks, the reply must also have fewer paragraphs and list "
                 "items than questions. Without a quote, the stored count of questions is compared with the "
                 "reply's paragraphs and list items. A reply written between the quoted lines is not judged."}) {}
  std::vector<ParamSpec> params() const override {
    return {{"min_overlap", 0.0, "share of a question's topic words above which the reply answers it (0 to 1)", 0.0, 1.0},
            {"min_topic_words", std::int64_t{3}, "topic words a question needs before it can count as left out", 1.0, 20.0},
            {"fewer_blocks", false, "also require fewer paragraphs and list items than questions", {}, {}}};
  }
  std::vector<std::string> lists() const override { return {"stop", "ask-open"}; }
  Finding evaluate(const RuleContext& ctx, const RuleSettings& s) const override {
    if (!outbound(ctx) || ctx.thread == nullptr || !ctx.thread->answered || ctx.thread->answered->direction != Direction::inbound)
      return make(Result::skip, "not a reply to a customer");
    if (auto skip = language_skip(ctx)) return *skip;
    const MessageText& answered = ctx.text.answered();
    const std::vector<Sentence>& questions = answered.questions();
    if (questions.empty()) {
      // No quote to read them from: the count stored with the message, against what could answer
      // them: paragraphs and list items, or the sentences that state something (two questions
      // answered in one paragraph are answered).
      int asked = ctx.thread->answered->question_count;
      if (asked < 2) return make(Result::skip, "the customer asked fewer than two questions");
      int statements = 0;
      for (const auto& sentence : ctx.text.sentences()) statements += !sentence.question;
      int answers = std::max(ctx.text.answer_blocks(), statements);
      if (answers >= asked) return make(Result::pass);
      Finding f = make(Result::fail, "the customer asked " + std::to_string(asked) + " questions; the reply has " +
                                         std::to_string(answers) + " answer blocks");
      f.evidence = {{"asked", asked}, {"answers", answers}};
      f.hint = {"hint_answer_every_question", {}};
      return f;
    }
    if (questions.size() < 2) return make(Result::skip, "the customer asked fewer than two questions");
    // Answers written between the quoted questions stand each under its question: not counted here.
    if (ctx.message.quote.inline_answers) return make(Result::skip, "answered between the quoted lines");
    const Lang lang = answered.lang() != Lang::unknown ? answered.lang() : ctx.text.lang();
    const Lexicons* lex = ctx.text.lexicons();
    if (lex == nullptr || !is_known(lang) || !judges(lang, lex))
      return make(Result::skip, "language " + std::string(to_string(lang)) + " of the message answered is not judged by this rule");

    // The reply's topic words, in the customer's language's stems.
    const std::vector<Token>& reply = ctx.text.body().tokens_in(lang);
    std::unordered_set<std::string_view> said;
    said.reserve(reply.size());
    for (const auto& t : reply) said.insert(t.stem.empty() ? t.text : t.stem);
    const std::string body(ctx.text.body_text());
    // Whether the reply states an amount, a time or a cause: read once, and only when a question
    // asks for one.
    std::optional<bool> amount_read, time_read, cause_read;
    auto amount = [&] {
      if (!amount_read) amount_read = states_amount(body, *lex, ctx.text.body(), lang);
      return *amount_read;
    };
    auto time = [&] {
      if (!time_read) time_read = names_a_time(body, ctx.time, ctx.text.time_zone());
      return *time_read;
    };
    auto cause = [&] {
      if (!cause_read) cause_read = !lex->get("answer-why", lang).find(ctx.text.body().tokens_in(lang), 1).empty();
      return *cause_read;
    };

    // Yes/no answers in the reply ("Yes, ...", "Sí, ...", "К сожалению, ..."): each may answer one
    // yes/no question that no word of the reply echoes.
    std::size_t yes_no = lex->get("answer-yes-no", lang).find(ctx.text.body().tokens_in(lang), 50).size();
    // Each question, read: is it answered by its words, or a price, a time or a cause, and is it
    // a yes/no question?
    struct Read {
      const Sentence* q;
      bool answered, yes_no;
    };
    std::vector<Read> read;
    for (const Sentence& q : questions) {
      TextAnalysis qa(q.text, lang);
      const std::vector<Token>& tokens = qa.tokens_in(lang);
      const bool closed = lex->get("ask-open", lang).find(tokens, 1).empty();
      if ((!lex->get("ask-price", lang).find(tokens, 1).empty() && amount()) ||
          (!lex->get("ask-time", lang).find(tokens, 1).empty() && time()) ||
          (!lex->get("ask-why", lang).find(tokens, 1).empty() && cause())) {
        read.push_back({&q, true, closed});
        continue;
      }
      std::vector<bool> stop(tokens.size(), false);
      for (const auto& h : lex->get("stop", lang).find(tokens, tokens.size()))
        for (std::size_t k = h.first; k < h.first + h.count; ++k) stop[k] = true;
      std::size_t topic = 0, found = 0;
      for (std::size_t k = 0; k < tokens.size(); ++k) {
        const std::string& w = tokens[k].stem.empty() ? tokens[k].text : tokens[k].stem;
        if (stop[k] || std::isdigit(static_cast<unsigned char>(w[0])) || w.size() < 3) continue;
        ++topic;
        found += said.count(w);
      }
      const bool echoed = static_cast<std::int64_t>(topic) < s.get_int("min_topic_words") ||
                          static_cast<double>(found) > s.get_double("min_overlap") * static_cast<double>(topic);
      read.push_back({&q, echoed, closed});
    }
    // A yes or a no answers one yes/no question: those whose words came back took theirs first.
    for (const auto& r : read)
      if (r.answered && r.yes_no && yes_no > 0) --yes_no;
    std::vector<std::string> unanswered;
    for (const auto& r : read) {
      if (r.answered) continue;
      if (r.yes_no && yes_no > 0) {
        --yes_no;
        continue;
      }
      unanswered.push_back(r.q->text.substr(0, 200));
    }
    // A reply with as many blocks as there were questions may answer in its own words: only a
    // reply with fewer, and a question none of whose words come back, has left one out.
    if (unanswered.empty() ||
        (s.get_bool("fewer_blocks") && ctx.text.answer_blocks() >= static_cast<int>(questions.size())))
      return make(Result::pass);
    Finding f = make(Result::fail, std::to_string(unanswered.size()) + " of the customer's " +
                                       std::to_string(questions.size()) + " questions without an answer: \"" +
                                       unanswered.front() + "\"");
    f.evidence = {{"asked", questions.size()}, {"unanswered", unanswered}};
    f.hint = {"hint_answer_every_question", {}};
    return f;
  }

 private:
  // An amount: a currency sign or code next to digits, or a word of the amount list ("free").
  static bool states_amount(const std::string& text, const Lexicons& lex, const TextAnalysis& body, Lang lang) {
    // The signs and codes of conf/lexicons/all/currency.txt.
    const auto data = lexdata();
    for (const auto& e : data->entries(kSharedLexFolder, "currency")) {
      const std::string& sign = e.text;
      for (std::size_t at = text.find(sign); at != std::string::npos; at = text.find(sign, at + 1)) {
        std::size_t from = at >= 3 ? at - 3 : 0, to = std::min(text.size(), at + sign.size() + 3);
        for (std::size_t k = from; k < to; ++k)
          if (std::isdigit(static_cast<unsigned char>(text[k]))) return true;
      }
    }
    return !lex.get("amount", lang).find(body.tokens_in(lang), 1).empty();
  }
};

}  // namespace

std::unique_ptr<Rule> make_answer_every_question() { return std::make_unique<AnswerEveryQuestion>(); }

}  // namespace sm
