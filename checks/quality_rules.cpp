// The communication-quality rules of RULES.md. Each judges the author's new text only (the
// customer's words quoted back never count), reads it from the message's one text analysis
// (MessageText: greeting, body, signature, sentences, questions, acknowledgement, the message
// answered) in the message's language, and returns its evidence: the phrase, the word, the count.
#include <algorithm>
#include <cctype>
#include <optional>
#include <string_view>
#include <unordered_set>

#include "checks/rules.h"
#include "message/subject.h"
#include "text/lexicon.h"
#include "text/message_text.h"
#include "text/promise.h"
#include "text/segment.h"

namespace sm {

namespace {

nlohmann::json phrases(const std::vector<PhraseList::Hit>& hits) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& h : hits) a.push_back(h.phrase);
  return a;
}

std::string quoted_list(const std::vector<PhraseList::Hit>& hits) {
  std::string s;
  for (const auto& h : hits) s.append(s.empty() ? "\"" : ", \"").append(h.phrase).append("\"");
  return s;
}

bool outbound(const RuleContext& ctx) { return ctx.direction == Direction::outbound; }

// A question mark that ends a clause somewhere in the text.
bool asks_anything(std::string_view s) {
  for (std::size_t at = s.find('?'); at != std::string_view::npos; at = s.find('?', at + 1))
    if (at + 1 >= s.size() || std::isspace(static_cast<unsigned char>(s[at + 1])) || s[at + 1] == ')' || s[at + 1] == '"')
      return true;
  return false;
}

class QualityRule : public Rule {
 public:
  std::string_view version() const override { return "3"; }
};

// meaningful-subject: a thread we start has a subject someone can find years later.
class MeaningfulSubject final : public QualityRule {
 public:
  std::string_view id() const override { return "meaningful-subject"; }
  std::string_view summary() const override { return "a new thread's subject says what it is about"; }
  std::string_view description() const override {
    return "An outbound message that starts a thread (no In-Reply-To, no known thread) must have a subject "
           "that lets anyone find the thread years later: not empty, not prefixes only, at least min_words "
           "words and min_letters letters, and not only a generic subject from the language's "
           "generic-subject list (\"Hello\", \"Question\", \"Consulta\", \"Вопрос\").";
  }
  std::vector<std::string> lists() const override { return {"generic-subject"}; }
  std::vector<ParamSpec> params() const override {
    return {{"min_words", std::int64_t{2}, "fewest words a subject has", 1.0, 20.0},
            {"min_letters", std::int64_t{8}, "fewest letters a subject has", 1.0, 200.0}};
  }
  Finding evaluate(const RuleContext& ctx, const RuleSettings& s) const override {
    if (!outbound(ctx) || ctx.thread != nullptr || !ctx.message.in_reply_to.empty())
      return make(Result::skip, "not a new outbound thread");
    if (auto skip = language_skip(ctx)) return *skip;
    TextAnalysis subject(split_subject(ctx.message.subject).base, ctx.text.lang());
    std::size_t letters = 0;
    for (const auto& t : subject.tokens) letters += t.text.size();
    Finding f = make(Result::pass);
    f.evidence = {{"subject", ctx.message.subject}, {"words", subject.tokens.size()}};
    std::string why;
    auto generic = ctx.text.hits("generic-subject", subject, 1);
    if (subject.tokens.empty()) why = "no subject";
    else if (!generic.empty() && generic[0].first == 0 && generic[0].count == subject.tokens.size()) why = "a generic subject";
    else if (static_cast<std::int64_t>(subject.tokens.size()) < s.get_int("min_words")) why = "too few words";
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
  ListRule(const char* id, const char* list, const char* summary, const char* description, const char* what, Action def,
           bool outbound_only)
      : id_(id), list_(list), summary_(summary), description_(description), what_(what), default_(def),
        outbound_only_(outbound_only) {}
  std::string_view id() const override { return id_; }
  std::string_view summary() const override { return summary_; }
  std::string_view description() const override { return description_; }
  Action default_action() const override { return default_; }
  std::vector<std::string> lists() const override { return {list_}; }
  Finding evaluate(const RuleContext& ctx, const RuleSettings&) const override {
    if (outbound_only_ ? !outbound(ctx) : (ctx.direction != Direction::outbound && ctx.direction != Direction::internal))
      return make(Result::skip, "not an outbound message");
    if (auto skip = language_skip(ctx)) return *skip;
    auto hits = ctx.text.hits(list_, ctx.text.full(), 10);
    if (!hits.empty()) hits = not_cited(ctx, std::move(hits));
    if (hits.empty()) return make(Result::pass);
    Finding f = make(Result::fail, std::string(what_) + ": " + quoted_list(hits));
    f.evidence = {{"phrases", phrases(hits)}, {"language", to_string(ctx.text.full().lang)}};
    f.agent_hint = std::string(id_) + ": remove " + quoted_list(hits);
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
    std::erase_if(hits, [&](const PhraseList::Hit& h) { return in_theirs.count(h.phrase) && !in_said.count(h.phrase); });
    return hits;
  }

  const char* id_;
  const char* list_;
  const char* summary_;
  const char* description_;
  const char* what_;
  Action default_;
  bool outbound_only_;
};

// canned-non-answer: greeting and signature aside, the reply is only boilerplate.
class CannedNonAnswer final : public QualityRule {
 public:
  std::string_view id() const override { return "canned-non-answer"; }
  std::string_view summary() const override { return "a reply says more than \"ticket created\""; }
  std::string_view description() const override {
    return "An outbound reply in a known thread whose body (greeting and signature aside) is only "
           "boilerplate from the language's canned list (\"your ticket has been created\", \"su solicitud ha "
           "sido registrada\", \"ваша заявка передана в отдел\") with at most max_other_words other words "
           "(numbers such as ticket ids do not count).";
  }
  std::vector<std::string> lists() const override { return {"canned"}; }
  std::vector<ParamSpec> params() const override {
    return {{"max_other_words", std::int64_t{12}, "words besides boilerplate that still make a non-answer", 0.0, 200.0}};
  }
  Finding evaluate(const RuleContext& ctx, const RuleSettings& s) const override {
    if (!outbound(ctx) || ctx.thread == nullptr) return make(Result::skip, "not a reply");
    if (auto skip = language_skip(ctx)) return *skip;
    auto hits = ctx.text.hits("canned", ctx.text.body());
    if (hits.empty()) return make(Result::pass);
    const std::size_t other = ctx.text.words_besides({"canned"});
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
  std::string_view description() const override {
    return "An outbound message that only acknowledges (a phrase from the language's ack list, and a short "
           "body) must say when the answer will come: a duration (\"within 2 hours\"), a day or clock time "
           "(\"tomorrow before 10:00\", \"durante el día\", \"завтра до 18:00\"), a weekday or a date. The "
           "promised time feeds the SLA clock (promise_missed).";
  }
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
    f.agent_hint = "acknowledge-with-eta: say when the answer will come";
    return f;
  }
};

// numbered-questions: two or more questions we ask are a numbered list.
class NumberedQuestions final : public QualityRule {
 public:
  std::string_view id() const override { return "numbered-questions"; }
  std::string_view summary() const override { return "several questions to the customer are numbered"; }
  std::string_view description() const override {
    return "An outbound message whose body (greeting and signature aside) asks two or more questions "
           "(sentences with a question mark that ends a clause) that are not items of a numbered list "
           "(\"1.\", \"2)\", \"a)\").";
  }
  Finding evaluate(const RuleContext& ctx, const RuleSettings&) const override {
    if (!outbound(ctx)) return make(Result::skip, "not an outbound message");
    int loose = 0;
    std::vector<std::string> examples;
    for (const auto& s : ctx.text.sentences()) {
      if (!s.question || s.numbered) continue;
      ++loose;
      if (examples.size() < 3) examples.push_back(s.text.substr(0, 200));
    }
    if (loose < 2) return make(Result::pass);
    Finding f = make(Result::fail, std::to_string(loose) + " questions not in a numbered list");
    f.evidence = {{"questions", loose}, {"examples", examples}};
    f.agent_hint = "numbered-questions: number your questions 1., 2., ...";
    return f;
  }
};

// answer-every-question: each question of the customer's finds its answer in the reply.
class AnswerEveryQuestion final : public QualityRule {
 public:
  std::string_view id() const override { return "answer-every-question"; }
  std::string_view summary() const override { return "each of the customer's questions gets an answer"; }
  std::string_view description() const override {
    return "An outbound reply to a customer message that asked two or more questions (read in the message "
           "answered as quoted, greeting and signature aside) must answer each. A question counts as left "
           "out when it has two or more topic words (every form; the language's stop words aside) and no more "
           "than min_overlap of them come back in the reply's body, unless it asks a price, a time or a "
           "cause (the ask-price, ask-time and ask-why lists) and the reply states an amount, a time or a "
           "cause (answer-why), or it is a yes/no question (no ask-open word) and the reply has a yes or "
           "no left (answer-yes-no). With fewer_blocks, the reply must also have fewer paragraphs and list "
           "items than questions. Without a quote, the stored count of questions is compared with the "
           "reply's paragraphs and list items. A reply written between the quoted lines is not judged.";
  }
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
      f.agent_hint = "answer-every-question: answer each question, in order";
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
    f.agent_hint = "answer-every-question: answer each question, in order";
    return f;
  }

 private:
  // An amount: a currency sign or code next to digits, or a word of the amount list ("free").
  static bool states_amount(const std::string& text, const Lexicons& lex, const TextAnalysis& body, Lang lang) {
    static constexpr std::string_view kSigns[] = {"$", "\xe2\x82\xac", "\xc2\xa3", "\xe2\x82\xbd", "\xc2\xa5", "USD", "EUR", "GBP", "RUB", "MXN"};
    for (auto sign : kSigns)
      for (std::size_t at = text.find(sign); at != std::string::npos; at = text.find(sign, at + 1)) {
        std::size_t from = at >= 3 ? at - 3 : 0, to = std::min(text.size(), at + sign.size() + 3);
        for (std::size_t k = from; k < to; ++k)
          if (std::isdigit(static_cast<unsigned char>(text[k]))) return true;
      }
    return !lex.get("amount", lang).find(body.tokens_in(lang), 1).empty();
  }
};

// signature-contact: the signature tells the customer how to reach us.
class SignatureContact final : public QualityRule {
 public:
  std::string_view id() const override { return "signature-contact"; }
  std::string_view summary() const override { return "the signature has a phone, an address or a URL"; }
  std::string_view description() const override {
    return "An outbound message must end with a signature that gives a way to reach us: a phone number "
           "(international or national: \"+44 20 7946 0123\", \"8 (495) 123-45-67\", \"0800 123 4567\"), "
           "an e-mail address or a URL, in the signature block or the lines after it. The signature block "
           "is read by its shape in any language: the sign-off line or the \"-- \" line, the name, role, "
           "company and contact lines; without one, the last last_lines lines.";
  }
  std::vector<ParamSpec> params() const override {
    return {{"last_lines", std::int64_t{6}, "lines at the end read as the signature when none is found", 1.0, 50.0}};
  }
  Finding evaluate(const RuleContext& ctx, const RuleSettings& s) const override {
    if (!outbound(ctx)) return make(Result::skip, "not an outbound message");
    std::string_view sig = ctx.text.signature();
    if (sig.empty()) {
      std::string_view text = ctx.message.quote.new_text;
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
    // What follows the signature counts too: a contact line in a footer ("Call us: ...") or in a
    // company's notice below it still tells the customer how to reach us.
    if (has_contact(sig) || has_contact(ctx.text.footer())) return make(Result::pass);
    Finding f = make(Result::fail, "the signature has no phone, e-mail address or URL");
    f.agent_hint = "signature-contact: sign with a phone, an e-mail address or a URL";
    return f;
  }
};

// IPv4 addresses in a text, as written.
std::vector<std::string> ipv4_addresses(std::string_view s) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) continue;
    if (i > 0 && (std::isalnum(static_cast<unsigned char>(s[i - 1])) || s[i - 1] == '.')) continue;
    std::size_t j = i;
    int parts = 0;
    bool ok = true;
    while (parts < 4 && ok) {
      std::size_t k = j;
      unsigned v = 0;
      while (k < s.size() && k < j + 3 && std::isdigit(static_cast<unsigned char>(s[k]))) v = v * 10 + static_cast<unsigned>(s[k++] - '0');
      ok = k > j && v <= 255;
      j = k;
      ++parts;
      if (parts < 4) ok = ok && j < s.size() && s[j] == '.' && (j++, true);
    }
    if (!ok || parts != 4) continue;
    if (j < s.size() && (std::isalnum(static_cast<unsigned char>(s[j])) || (s[j] == '.' && j + 1 < s.size() && std::isdigit(static_cast<unsigned char>(s[j + 1])))))
      continue;
    out.emplace_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

bool private_ipv4(const std::string& a) {
  unsigned b1 = 0, b2 = 0;
  std::sscanf(a.c_str(), "%u.%u", &b1, &b2);
  return b1 == 10 || (b1 == 192 && b2 == 168) || (b1 == 172 && b2 >= 16 && b2 <= 31);
}

// A number shaped like an address that the words before it call a version ("version 10.2.3.4").
bool called_a_version(std::string_view text, std::size_t at) {
  std::string before = fold_for_match(text.substr(at >= 40 ? at - 40 : 0, at >= 40 ? 40 : at));
  auto tokens = tokenize(before);
  for (std::size_t k = tokens.size(), seen = 0; k > 0 && seen < 3; --k, ++seen) {
    if (version_word(tokens[k - 1].text)) return true;
  }
  return false;
}

// Host names of the kitchen: a name under an internal-only suffix, or an internal tool's.
bool internal_host(std::string_view host) {
  static constexpr std::string_view kSuffixes[] = {".local", ".internal", ".intranet", ".corp", ".lan", ".localdomain", ".intra"};
  static constexpr std::string_view kFirst[] = {"jira.", "confluence.", "intranet.", "gitlab.", "jenkins.", "grafana.", "kibana.", "staging.", "staging-", "wiki.internal"};
  for (auto s : kSuffixes)
    if (host.size() > s.size() && host.compare(host.size() - s.size(), s.size(), s) == 0) return true;
  for (auto f : kFirst)
    if (host.rfind(f, 0) == 0) return true;
  return host.find(".internal.") != std::string_view::npos || host.find(".corp.") != std::string_view::npos ||
         host.find(".intranet.") != std::string_view::npos;
}

// Host names written in a text (words with a dot and letters: "jira.corp.example", URLs' hosts).
std::vector<std::string> host_names(std::string_view folded) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < folded.size()) {
    auto hostchar = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_'; };
    if (!hostchar(folded[i])) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < folded.size() && hostchar(folded[j])) ++j;
    std::string_view w = folded.substr(i, j - i);
    while (!w.empty() && (w.back() == '.' || w.back() == '-')) w.remove_suffix(1);
    if (w.find('.') != std::string_view::npos && std::any_of(w.begin(), w.end(), [](char c) { return std::isalpha(static_cast<unsigned char>(c)); }))
      out.emplace_back(w);
    i = j;
  }
  return out;
}

// internal-details: internal systems, staff trouble, outages and notes stay inside.
class InternalDetails final : public QualityRule {
 public:
  std::string_view id() const override { return "internal-details"; }
  std::string_view version() const override { return "4"; }
  std::string_view summary() const override { return "no internal systems, notes or staff matters in customer mail"; }
  std::string_view description() const override {
    return "An outbound message must not show the customer the kitchen: internal host names and URLs (the "
           "hosts setting, names under .local, .internal, .corp, .lan and internal tools' names such as "
           "jira. or staging.; not a name under an internal zone the quoted message names itself, the "
           "customer's own network), private IPv4 addresses that the customer did not give us (not in the "
           "quoted message, and only when there is a quote to tell; a number the text calls a version is "
           "not an address), internal-note markers "
           "and excuses about our own staff, holidays, sickness or outages from the language's internal "
           "list, and the phrases setting. Saying that our team fixed something is not a finding.";
  }
  Action default_action() const override { return Action::hold; }
  std::vector<ParamSpec> params() const override {
    return {{"hosts", std::vector<std::string>{}, "internal host names and domains (suffix match)", {}, {}},
            {"phrases", std::vector<std::string>{}, "more phrases that must not reach a customer", {}, {}}};
  }
  std::vector<std::string> lists() const override { return {"internal"}; }
  std::string_view other_languages() const override { return " (host names and addresses: any)"; }
  Finding evaluate(const RuleContext& ctx, const RuleSettings& s) const override {
    if (!outbound(ctx)) return make(Result::skip, "not an outbound message");
    const TextAnalysis& text = ctx.text.full();
    // The customer's own matters told back to them are theirs, not our kitchen: what the message
    // answered (as quoted) says itself, and what the reply calls the customer's ("your server
    // crashed", "su servidor", "ваш сервер").
    const std::string_view quoted = ctx.message.quote.quoted;
    const bool judged = judges(text.lang, ctx.text.lexicons());
    std::vector<std::string> found;
    if (judged) {
      std::vector<PhraseList::Hit> hits = ctx.text.hits("internal", text);
      if (!hits.empty()) {
        std::unordered_set<std::string_view> theirs;
        if (!quoted.empty()) {
          TextAnalysis q(quoted, text.lang);
          for (const auto& h : ctx.text.hits("internal", q, 50)) theirs.insert(h.phrase);
        }
        for (const auto& h : hits)
          if (!theirs.count(h.phrase) && !said_of_yours(ctx, text, h)) found.emplace_back(h.phrase);
      }
    }
    // The admin's own phrases, in whatever language they are written.
    if (const auto& extra = s.get_list("phrases"); !extra.empty()) {
      PhraseList list(is_known(text.lang) ? text.lang : Lang::unknown);
      for (const auto& p : extra) list.add(p);
      for (const auto& h : list.find(text.tokens)) found.emplace_back(h.phrase);
    }
    const std::string folded_subject = fold_for_match(ctx.message.subject);
    std::optional<std::string> folded_quote;  // folded only when a host needs it
    // The internal zones the customer named (".lan" of "nas-oficina.lan", "home.arpa" of
    // "router.home.arpa"): a name under one of them is their own network's ("the NAS adds your home
    // network's .lan to the name"), not our kitchen.
    std::vector<std::string> their_zones;
    for (const std::string* hay : {&text.folded, &folded_subject})
      for (const auto& host : host_names(*hay)) {
        if (!internal_host(host)) continue;
        if (!folded_quote) {
          folded_quote = fold_for_match(quoted);
          for (const auto& q : host_names(*folded_quote))
            if (internal_host(q) && q.find('.') != std::string::npos) their_zones.push_back(q.substr(q.find('.')));
        }
        if (folded_quote->find(host) != std::string::npos) continue;
        if (std::any_of(their_zones.begin(), their_zones.end(), [&](const std::string& z) { return host.ends_with(z); }))
          continue;
        found.push_back(host);
      }
    for (const auto& host : s.get_list("hosts")) {
      std::string h = fold_for_match(host);
      if (h.empty()) continue;
      if (text.folded.find(h) != std::string::npos || folded_subject.find(h) != std::string::npos) found.push_back(host);
      for (const auto* list : {&ctx.message.to, &ctx.message.cc})
        for (const auto& a : *list)
          if (a.ascii_domain.size() >= h.size() && a.ascii_domain.compare(a.ascii_domain.size() - h.size(), h.size(), h) == 0)
            found.push_back(a.address());
    }
    // Private addresses, unless the customer gave them (they stand in the quote) or the text
    // calls them a version. Without a quote there is no telling whose an address is: a false hold
    // costs more than a miss, so none is held against the reply.
    // A number the text calls a version makes its siblings versions too ("la versión 10.2.3.4 ...
    // lo corregimos en la 10.2.3.5"); one in a web address's path is part of the address.
    const auto ips = ipv4_addresses(text.text);
    std::vector<std::string> versions;
    for (const auto& ip : ips)
      if (called_a_version(text.text, text.text.find(ip))) versions.push_back(ip.substr(0, ip.rfind('.')));
    for (const auto& ip : ips) {
      if (!ctx.message.quote.has_quote || !private_ipv4(ip) || quoted.find(ip) != std::string_view::npos) continue;
      const std::size_t at = text.text.find(ip);
      const bool in_path = at > 1 && text.text[at - 1] == '/' && text.text[at - 2] != '/';  // not "//host"
      if (called_a_version(text.text, at) || in_path) continue;
      if (std::find(versions.begin(), versions.end(), ip.substr(0, ip.rfind('.'))) != versions.end()) continue;
      found.push_back(ip);
    }
    std::sort(found.begin(), found.end());
    found.erase(std::unique(found.begin(), found.end()), found.end());
    if (found.empty()) {
      if (judged) return make(Result::pass);
      Finding f = *language_skip(ctx);
      f.detail += " (no internal host name or address found)";
      return f;
    }
    std::string list;
    for (const auto& x : found) list += (list.empty() ? "\"" : ", \"") + x + "\"";
    Finding f = make(Result::fail, "internal details: " + list);
    f.evidence = {{"found", found}};
    f.agent_hint = "internal-details: remove " + list;
    return f;
  }

 private:
  // A hit that the reply says of the customer's own thing: a word of the language's "yours" list
  // right before it ("your server ... crashed", "your own server ..."); not one further back,
  // which belongs to another word ("el técnico de su zona está de baja" is our technician).
  static bool said_of_yours(const RuleContext& ctx, const TextAnalysis& text, const PhraseList::Hit& h) {
    const Lexicons* lex = ctx.text.lexicons();
    if (lex == nullptr || h.first == 0 || h.first >= text.tokens.size()) return false;
    const std::size_t from = h.first >= 2 ? h.first - 2 : 0;
    std::vector<Token> before(text.tokens.begin() + static_cast<std::ptrdiff_t>(from),
                              text.tokens.begin() + static_cast<std::ptrdiff_t>(h.first));
    for (const auto& y : lex->get("yours", text.lang).find(before, 4))
      if (y.first + y.count == before.size()) return true;
    return false;
  }
};

// call-to-action: the last paragraph before the signature asks, requests, or names a date.
constexpr std::size_t kConditionAndStep = 5;  // words after "if" of a condition with its step unmarked
class CallToAction final : public QualityRule {
 public:
  std::string_view id() const override { return "call-to-action"; }
  std::string_view version() const override { return "5"; }
  std::string_view summary() const override { return "the reply ends with the next step"; }
  std::string_view description() const override {
    return "An outbound reply in a known thread must end with the next step: its last body paragraph "
           "(the closing lines of courtesy, postscripts, the sign-off, the signature, a mobile footer and "
           "a disclaimer set aside, whatever their wording) asks a question, makes a request (the "
           "language's request list: imperatives in every person and number, \"please\", \"let us "
           "know\"), says when something happens (a time, a day, a date, a month or a number of hours or days: \"in 5-7 business days\") "
           "or has a condition followed by what happens then (the condition list: \"If it fails again, we "
           "replace the unit.\", \"We sent it again and, if it does not arrive, we call you.\"; not the "
           "outcome of our own checks: \"if it is confirmed\").";
  }
  std::vector<std::string> lists() const override { return {"request", "condition"}; }
  bool reads_times() const override { return true; }
  Finding evaluate(const RuleContext& ctx, const RuleSettings&) const override {
    if (!outbound(ctx) || ctx.thread == nullptr) return make(Result::skip, "not a reply");
    if (auto skip = language_skip(ctx)) return *skip;
    // Answers written between the quoted parts each stand under their question: the last of them
    // answers the last point, and is no closing.
    if (ctx.message.quote.interleaved) return make(Result::skip, "answered between the quoted lines");
    const auto& paras = ctx.text.paragraphs();
    if (paras.empty()) return make(Result::skip, "no text");
    const Lang lang = ctx.text.lang();
    auto next_step = [&](std::string_view para, const TextAnalysis& a) {
      if (asks_anything(para) || !ctx.text.hits("request", a, 1).empty() ||
          names_a_time(para, ctx.time, ctx.text.time_zone()))
        return true;
      // A condition whose clause goes on ("Sí, ..." is a yes, not "si") says what follows: when it
      // opens the paragraph ("Si vuelve a fallar, le cambiamos el aparato"), or opens a clause of it
      // followed in its sentence by what happens then ("Ya le reenviamos el código y, si no le llega,
      // nos avisa. El nuevo sustituye al anterior."); "We checked it twice, if that matters." ends
      // on the condition. The outcome of our own checks ("Si se confirma que...") is no condition
      // of the list: the customer is left with nothing to do.
      for (const auto& c : ctx.text.hits("condition", a)) {
        if (a.tokens[c.first + c.count - 1].clause_end) continue;
        if (c.first == 0) return true;
        std::size_t t = c.first + c.count;
        while (t < a.tokens.size() && !a.tokens[t].clause_end && !a.tokens[t].sentence_end) ++t;
        if (t + 1 < a.tokens.size() && !a.tokens[t].sentence_end) return true;
        // Written without the comma ("pero si no es así nos lo hace saber"): a clause long enough
        // to hold both the condition and what follows it, where "if that matters" holds one.
        if (t < a.tokens.size() && t + 1 - (c.first + c.count) >= kConditionAndStep) return true;
      }
      return false;
    };
    // The closing lines may carry the next step themselves ("Thanks, and let me know if it works!").
    if (std::string_view closing = ctx.text.closing(); !closing.empty()) {
      TextAnalysis a(closing, lang);
      if (next_step(closing, a)) return make(Result::pass);
    }
    std::vector<bool> asked(paras.size(), false);
    for (const auto& s : ctx.text.sentences())
      if (s.question) asked[s.paragraph] = true;
    // From the end: a short courtesy closer ("Hope this helps!", "¡Que lo disfrute!") is passed
    // over; the last paragraph of substance must ask, request or name a time.
    std::string last;
    for (std::size_t i = paras.size(); i > 0; --i) {
      TextAnalysis a(paras[i - 1], lang);
      if (asked[i - 1] || next_step(paras[i - 1], a)) return make(Result::pass);
      last = paras[i - 1];
      if (a.tokens.size() > 8 || ctx.text.hits("closing", a, 1).empty()) break;
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
  std::string_view version() const override { return "4"; }
  std::string_view summary() const override { return "short sentences and no jargon"; }
  std::string_view description() const override {
    return "An outbound message's body must read easily: no sentence (or part of one between semicolons or after "
           "a colon) longer "
           "than max_sentence_words words, "
           "an average under max_average_words, and no term from the language's jargon list, unless the "
           "message answered (as quoted) speaks such terms itself.";
  }
  std::vector<ParamSpec> params() const override {
    return {{"max_sentence_words", std::int64_t{35}, "longest sentence, in words", 5.0, 500.0},
            {"max_average_words", std::int64_t{30}, "longest average sentence, in words", 5.0, 500.0}};
  }
  std::vector<std::string> lists() const override { return {"jargon"}; }
  Finding evaluate(const RuleContext& ctx, const RuleSettings& s) const override {
    if (!outbound(ctx)) return make(Result::skip, "not an outbound message");
    if (auto skip = language_skip(ctx)) return *skip;
    // A semicolon, or a colon before a space, joins two sentences a reader takes one at a time
    // ("Queda una cosa: si ..."): each part is counted alone. A colon in a time ("9:30") joins nothing.
    std::size_t longest = 0, total = 0, count = 0;
    for (const auto& sent : ctx.text.sentences()) {
      std::string_view rest = sent.text;
      while (!rest.empty()) {
        std::size_t semi = rest.find(';');
        for (std::size_t c = rest.find(':'); c != std::string_view::npos && c < semi; c = rest.find(':', c + 1))
          if (c + 1 < rest.size() && (rest[c + 1] == ' ' || rest[c + 1] == '\n')) {
            semi = c;
            break;
          }
        const std::size_t w = word_count(rest.substr(0, semi));
        rest = semi == std::string_view::npos ? std::string_view{} : rest.substr(semi + 1);
        if (w == 0) continue;
        longest = std::max(longest, w);
        total += w;
        ++count;
      }
    }
    // Jargon, unless the customer speaks it: a message answered that uses such terms itself
    // (a developer writing about TTLs) is answered in its own words.
    std::vector<PhraseList::Hit> jargon;
    if (ctx.text.hits("jargon", ctx.text.answered().full(), 1).empty()) jargon = ctx.text.hits("jargon", ctx.text.body());
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
  std::string_view description() const override {
    return "An outbound reply in a known thread to a message that reads as a complaint must apologise (the "
           "apology list: \"sorry\", \"we apologise\", \"lo sentimos\", \"disculpe\", \"приносим "
           "извинения\"). A complaint is dissatisfaction with us: anger, \"unacceptable\", a demand for a "
           "refund or compensation, a failure of ours or one repeated (one cue from the language's "
           "complaint list, or two from complaint-weak, in the message answered as quoted, or read when "
           "that message passed); a plain report of a problem (\"the page does not load\") is not one.";
  }
  std::vector<std::string> lists() const override { return {"complaint", "apology"}; }
  Finding evaluate(const RuleContext& ctx, const RuleSettings&) const override {
    if (!outbound(ctx) || ctx.thread == nullptr || ctx.text.lexicons() == nullptr) return make(Result::skip, "not a reply");
    if (auto skip = language_skip(ctx)) return *skip;
    if (const Lang theirs = ctx.text.answered().lang(); theirs != Lang::unknown && !judges(theirs, ctx.text.lexicons()))
      return make(Result::skip, "language " + std::string(to_string(theirs)) + " of the message answered is not judged by this rule");
    // The complaint is read in the customer's words as quoted, or was read when their message
    // passed (stored with it: a reply that quotes nothing still answers a complaint).
    std::vector<std::string> cues = ctx.text.answered().complaint_cues();
    if (cues.empty() && ctx.thread->answered && ctx.thread->answered->direction == Direction::inbound &&
        ctx.thread->answered->complaint)
      cues.push_back("the customer's message, when it arrived");
    if (cues.empty()) return make(Result::skip, "the message answered is not a complaint");
    if (!ctx.text.hits("apology", ctx.text.full(), 1).empty()) return make(Result::pass);
    std::string listed;
    for (const auto& c : cues) listed += (listed.empty() ? "\"" : ", \"") + c + "\"";
    Finding f = make(Result::fail, "a complaint (" + listed + ") answered without an apology");
    f.evidence = {{"complaint", cues}};
    f.agent_hint = "apology-on-complaint: admit the fault, apologise, offer a remedy";
    return f;
  }
};

}  // namespace


std::unique_ptr<Rule> make_meaningful_subject() { return std::make_unique<MeaningfulSubject>(); }
std::unique_ptr<Rule> make_polite_tone() {
  return std::make_unique<ListRule>(
      "polite-tone", "rude", "no rude words or profanity",
      "An outbound or internal message's new text must not be rude: insults, profanity (also masked, "
      "\"f*ck\", or with letters repeated) and contempt from the language's rude list, matched in every "
      "word form (Snowball stems); phrases rude only in their frame are written as frames (\"< это ваши "
      "проблемы >\" does not match \"мы решим ваши проблемы\").",
      "rude words", Action::hold, false);
}
std::unique_ptr<Rule> make_blame_shifting() {
  return std::make_unique<ListRule>(
      "blame-shifting", "blame", "no blaming the customer",
      "An outbound message's new text must not defend us by blaming the customer: phrases from the "
      "language's blame list (\"you should have\", \"as we already told you\", \"como ya le dijimos\", "
      "\"вы сами виноваты\"), in every word form.",
      "blames the customer", Action::log, true);
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
