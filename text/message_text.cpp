// MessageText: the layout of the new text (greeting, body, sign-off and signature block), the
// body's paragraphs, sentences and questions, and the acknowledgement, each on first use.
#include "text/message_text.h"

#include <algorithm>
#include <cctype>

#include "message/quote.h"
#include "text/segment.h"
#include "text/stem.h"

namespace sm {

namespace {

constexpr std::size_t kSignatureLines = 12;  // lines after a sign-off at most
constexpr std::size_t kSignoffSearch = 16;   // non-empty lines from the end searched for one
constexpr std::size_t kLongLine = 120;       // a longer line is prose, not a signature line
constexpr std::size_t kBoilerplateOnly = 12;  // words besides boilerplate that still say nothing

struct Line {
  std::string_view text;  // without the line end
  std::size_t begin;      // offset in the text
};

std::vector<Line> lines_of(std::string_view text) {
  std::vector<Line> out;
  for (std::size_t pos = 0; pos <= text.size();) {
    std::size_t nl = text.find('\n', pos);
    std::size_t end = nl == std::string_view::npos ? text.size() : nl;
    std::string_view line = text.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    out.push_back({line, pos});
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool blank(std::string_view s) { return trim(s).empty(); }

// "P.S.", "PS:", "PD:", "P.D.", "P.P.S." at the start of a line.
bool postscript(std::string_view t) {
  std::string head;
  for (char c : t.substr(0, 10)) {
    if (c == '.') continue;
    if (!std::isalpha(static_cast<unsigned char>(c))) break;
    head += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return head == "ps" || head == "pd" || head == "pps" || head == "ppd";
}

// "1.", "2)", "(3)", "a)", "b." at the start of a line: an item of a numbered list.
bool numbered_item(std::string_view line) {
  std::string_view t = trim(line);
  std::size_t i = 0;
  bool paren = !t.empty() && t[0] == '(';
  if (paren) ++i;
  std::size_t digits = 0;
  while (i < t.size() && std::isdigit(static_cast<unsigned char>(t[i])) && digits < 3) ++i, ++digits;
  if (digits == 0) {
    // One letter: "a)" or "b." (not a word like "I." at a sentence start: a letter item needs a
    // closing parenthesis, or a dot and a space, and must be lower case).
    if (i < t.size() && t[i] >= 'a' && t[i] <= 'z') ++i;
    else return false;
    if (i < t.size() && t[i] == ')') return true;
    return false;
  }
  if (i >= t.size()) return false;
  if (t[i] == ')' || (t[i] == '.' && (i + 1 >= t.size() || t[i + 1] == ' ' || t[i + 1] == '\t'))) return true;
  return false;
}

bool bullet_item(std::string_view line) {
  std::string_view t = trim(line);
  if (t.size() < 2) return false;
  if ((t[0] == '-' || t[0] == '*' || t[0] == '+') && t[1] == ' ') return true;
  return t.rfind("\xe2\x80\xa2", 0) == 0 || t.rfind("\xc2\xb7", 0) == 0;  // • ·
}

// A '?' (or '？') that ends a clause: followed by the end, white space or closing punctuation,
// so "https://x.example/?id=5" asks nothing.
bool asks(std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    std::size_t len = 0;
    if (s[i] == '?') len = 1;
    else if (s[i] == '\xef' && s.compare(i, 3, "\xef\xbc\x9f") == 0) len = 3;
    if (len == 0) continue;
    std::size_t after = i + len;
    if (after >= s.size()) return true;
    unsigned char c = static_cast<unsigned char>(s[after]);
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == ')' || c == '"' || c == '\'' || c == '?' || c == '!' ||
        c == '.' || c >= 0x80)
      return true;
  }
  return false;
}

}  // namespace

bool has_contact(std::string_view s) {
  // An e-mail address: a '@' with a word before it and a dot after it.
  for (std::size_t at = s.find('@'); at != std::string_view::npos; at = s.find('@', at + 1)) {
    std::size_t end = s.find_first_of(" \t\r\n>),;", at);
    std::string_view domain = s.substr(at + 1, end == std::string_view::npos ? std::string_view::npos : end - at - 1);
    if (at > 0 && std::isalnum(static_cast<unsigned char>(s[at - 1])) && domain.find('.') != std::string_view::npos &&
        domain.size() >= 3)
      return true;
  }
  if (s.find("http://") != std::string_view::npos || s.find("https://") != std::string_view::npos ||
      s.find("www.") != std::string_view::npos)
    return true;
  // A phone number: seven digits or more, with spaces, dashes, dots and parentheses between.
  int digits = 0;
  for (char c : s) {
    if (std::isdigit(static_cast<unsigned char>(c))) {
      if (++digits >= 7) return true;
    } else if (c != ' ' && c != '-' && c != '(' && c != ')' && c != '+' && c != '.' && c != '/') {
      digits = 0;
    }
  }
  return false;
}

MessageText::MessageText(std::string_view new_text, std::string_view quoted, const Lexicons* lexicons, TimeMs sent,
                         std::string time_zone)
    : new_text_(new_text), quoted_(quoted), lexicons_(lexicons), sent_(sent), time_zone_(std::move(time_zone)) {}

MessageText::~MessageText() = default;

const TextAnalysis& MessageText::full() const {
  if (!full_) full_.emplace(new_text_);
  return *full_;
}

const MessageText::Layout& MessageText::layout() const {
  if (layout_) return *layout_;
  Layout l;
  const std::vector<Line> lines = lines_of(new_text_);
  const Lang lang = full().lang;

  // The words of one line, stemmed in the message's language, and the hits of a list in them.
  struct LineHit {
    std::size_t words = 0;
    std::optional<PhraseList::Hit> first;  // the hit that starts the line, if any
    bool mark_after = false;               // a clause mark right after that hit
  };
  auto line_hit = [&](const std::string& list, std::string_view line) {
    LineHit r;
    if (lexicons_ == nullptr) return r;
    std::vector<Token> tokens = tokenize(fold_for_match(line));
    r.words = tokens.size();
    if (tokens.empty()) return r;
    for (Lang each : kLanguages) {
      if (lang != Lang::unknown && each != lang) continue;
      // In the message's language the line's own tokens are stemmed; otherwise a copy per language.
      std::vector<Token> copy;
      if (lang == Lang::unknown) copy = tokens;
      std::vector<Token>& stemmed = lang == Lang::unknown ? copy : tokens;
      stem_tokens(stemmed, each);
      auto hits = lexicons_->get(list, each).find(stemmed, 1);
      if (!hits.empty() && hits[0].first == 0) {
        r.first = hits[0];
        r.mark_after = stemmed[hits[0].count - 1].clause_end;
        return r;
      }
    }
    return r;
  };

  std::size_t first = 0;
  while (first < lines.size() && blank(lines[first].text)) ++first;
  std::size_t last = lines.size();
  while (last > first && blank(lines[last - 1].text)) --last;
  std::size_t body_begin = first, body_end = last;  // line indexes

  // Greeting: the first line, when it opens with a greeting and says little more.
  if (first < last) {
    std::string_view t = trim(lines[first].text);
    LineHit h = line_hit("greeting", t);
    bool ends_greeting = !t.empty() && (t.back() == ',' || t.back() == ':' || t.back() == '!');
    if (h.first && !asks(t) && (h.words <= 6 || (ends_greeting && h.words <= 8))) {
      l.greeting = t;
      body_begin = first + 1;
    }
  }

  // The "-- " delimiter: a signature follows it.
  std::optional<std::size_t> dashes;
  for (std::size_t i = body_begin; i < last; ++i) {
    std::string_view t = lines[i].text;
    if (t == "-- " || t == "--" || t == "-- \r") dashes = i;
  }

  // A sign-off: a line near the end that is a sign-off phrase, alone or with a name after a mark
  // ("Kind regards,", "Best, Sam", "С уважением,"), followed by a few short lines at most.
  std::optional<std::size_t> signoff;
  {
    std::size_t seen = 0, after = 0;
    bool long_after = false;
    for (std::size_t i = dashes.value_or(last); i > body_begin && seen < kSignoffSearch; --i) {
      std::string_view t = trim(lines[i - 1].text);
      if (t.empty()) continue;
      ++seen;
      if (!asks(t)) {
        LineHit h = line_hit("signoff", t);
        if (h.first && after <= kSignatureLines && !long_after &&
            (h.first->count == h.words || (h.mark_after && h.words - h.first->count <= 3))) {
          signoff = i - 1;
          break;
        }
      }
      ++after;
      // A postscript may run long ("P.S. ...", "PD: ...").
      long_after = long_after || (t.size() > kLongLine && !postscript(t));
    }
  }

  std::optional<std::size_t> sig_begin;
  if (signoff) sig_begin = signoff;
  if (dashes && (!sig_begin || *dashes < *sig_begin)) sig_begin = dashes;
  if (!sig_begin && last > body_begin) {
    // No sign-off and no delimiter: a last paragraph of a few short lines that gives a way to
    // reach us, or is only a name ("Sam Agent / Example Support"), is the signature.
    std::size_t p = last;
    while (p > body_begin && !blank(lines[p - 1].text)) --p;
    const std::size_t count = last - p;
    bool short_lines = count > 0 && count <= 6, contact = false, name_like = true;
    std::string block;
    for (std::size_t i = p; i < last && short_lines; ++i) {
      std::string_view t = trim(lines[i].text);
      short_lines = t.size() <= kLongLine;
      block.append(t).push_back('\n');
      std::size_t words = word_count(t);
      char end = t.empty() ? ' ' : t.back();
      name_like = name_like && words <= 5 && end != '.' && end != '?' && end != '!' && end != ':';
    }
    contact = short_lines && has_contact(block);
    if (short_lines && p > body_begin && (contact || name_like)) sig_begin = p;
  }
  if (sig_begin) {
    body_end = *sig_begin;
    l.signature = trim(new_text_.substr(lines[*sig_begin].begin));
    if (signoff) l.signoff = trim(lines[*signoff].text);
  }
  if (body_begin < body_end) {
    std::size_t b = lines[body_begin].begin;
    std::size_t e = lines[body_end - 1].begin + lines[body_end - 1].text.size();
    l.body = new_text_.substr(b, e - b);
  }
  layout_ = l;
  return *layout_;
}

std::string_view MessageText::greeting() const { return layout().greeting; }
std::string_view MessageText::signoff() const { return layout().signoff; }
std::string_view MessageText::signature() const { return layout().signature; }
std::string_view MessageText::body_text() const { return layout().body; }

const TextAnalysis& MessageText::body() const {
  if (!body_) {
    const std::string_view b = layout().body;
    if (b.size() == new_text_.size()) return full();
    // The body's words are the whole text's, less those of the greeting before it and of the
    // signature after it (both short): counted, not read again.
    const std::size_t begin = b.empty() ? new_text_.size() : static_cast<std::size_t>(b.data() - new_text_.data());
    const std::size_t before = tokenize(fold_for_match(new_text_.substr(0, begin))).size();
    const std::size_t after = tokenize(fold_for_match(new_text_.substr(std::min(new_text_.size(), begin + b.size())))).size();
    const std::size_t words = full().tokens.size();
    body_.emplace(full(), before, words >= after ? words - after : 0, b);
  }
  return *body_;
}

Lang MessageText::lang() const { return full().lang; }

const std::vector<std::string>& MessageText::paragraphs() const {
  if (!paragraphs_) paragraphs_ = sm::paragraphs(body_text());
  return *paragraphs_;
}

namespace {

// A question mark, ASCII or full width: no sentence of a text without one asks (asks()).
bool has_question_mark(std::string_view s) {
  return s.find('?') != std::string_view::npos || s.find("\xef\xbc\x9f") != std::string_view::npos;
}

// The body's sentences: each paragraph in blocks (the lines before its first list item, then each
// item with the lines that continue it), each block split by ICU. With only_questions, a block
// without a question mark is not split, and only the sentences that ask are kept: the same
// sentences, in the same order, as the questions among all of them.
std::vector<Sentence> split_sentences(const std::vector<std::string>& paras, bool only_questions) {
  std::vector<Sentence> out;
  for (std::size_t p = 0; p < paras.size(); ++p) {
    std::vector<std::pair<std::string, bool>> blocks;  // text, numbered
    for (const Line& line : lines_of(paras[p])) {
      bool numbered = numbered_item(line.text);
      if (blocks.empty() || numbered || bullet_item(line.text)) blocks.emplace_back(std::string(), numbered);
      blocks.back().first.append(line.text).push_back('\n');
    }
    for (auto& [block, numbered] : blocks) {
      if (only_questions && !has_question_mark(block)) continue;
      // Lines wrapped at 72 columns are one text: ICU would end a sentence at each line end.
      std::replace(block.begin(), block.end(), '\n', ' ');
      for (auto& s : sm::sentences(block)) {
        bool q = asks(s);
        if (only_questions && !q) continue;
        out.push_back({std::move(s), p, q, numbered});
      }
    }
  }
  return out;
}

}  // namespace

const std::vector<Sentence>& MessageText::sentences() const {
  if (!sentences_) sentences_ = split_sentences(paragraphs(), false);
  return *sentences_;
}

const std::vector<Sentence>& MessageText::questions() const {
  if (questions_) return *questions_;
  if (sentences_) {
    std::vector<Sentence> out;
    for (const auto& s : *sentences_)
      if (s.question) out.push_back(s);
    questions_ = std::move(out);
  } else {
    questions_ = split_sentences(paragraphs(), true);
  }
  return *questions_;
}

int MessageText::question_count() const { return static_cast<int>(questions().size()); }

int MessageText::answer_blocks() const {
  if (answer_blocks_) return *answer_blocks_;
  int blocks = 0;
  for (const auto& p : paragraphs()) {
    int items = 0;
    for (const Line& line : lines_of(p)) items += numbered_item(line.text) || bullet_item(line.text);
    blocks += std::max(items, 1);
  }
  answer_blocks_ = blocks;
  return blocks;
}

const Acknowledgement& MessageText::acknowledgement() const {
  if (ack_) return *ack_;
  Acknowledgement a;
  const TextAnalysis& b = body();
  // Only an acknowledgement: a short body that defers the answer ("we're looking into it"), or
  // that is a receipt or a ticket number (canned) and asks the customer for nothing (a question
  // or a request puts the next step with the customer: that is an answer of its own).
  if (b.tokens.size() <= 100) {
    auto found = hits("ack", b, 1);
    if (found.empty()) {
      found = hits("canned", b, 1);
      if (!found.empty() && (words_besides({"canned", "ack"}) > kBoilerplateOnly || question_count() > 0 ||
                             !hits("request", b, 1).empty()))
        found.clear();
    }
    if (!found.empty()) {
      a.phrase = found.front().phrase;
      a.only_acknowledges = true;
      a.promised = find_promise(b.text, sent_, time_zone_, &a.promise);
    }
  }
  ack_ = std::move(a);
  return *ack_;
}

const std::vector<std::string>& MessageText::complaint_cues() const {
  if (complaint_) return *complaint_;
  std::vector<std::string> cues;
  for (const auto& h : hits("complaint", full(), 5)) cues.emplace_back(h.phrase);
  if (cues.empty()) {
    std::vector<std::string> weak;
    for (const auto& h : hits("complaint-weak", full(), 10))
      if (std::find(weak.begin(), weak.end(), h.phrase) == weak.end()) weak.emplace_back(h.phrase);
    if (weak.size() >= 2) cues = std::move(weak);
  }
  complaint_ = std::move(cues);
  return *complaint_;
}

std::size_t MessageText::words_besides(std::initializer_list<const char*> lists) const {
  const TextAnalysis& b = body();
  std::vector<bool> covered(b.tokens.size(), false);
  for (const char* list : lists)
    for (const auto& h : hits(list, b, 50))
      for (std::size_t k = h.first; k < h.first + h.count && k < covered.size(); ++k) covered[k] = true;
  std::size_t n = 0;
  for (std::size_t k = 0; k < b.tokens.size(); ++k)
    n += !covered[k] && !std::isdigit(static_cast<unsigned char>(b.tokens[k].text[0]));
  return n;
}

const MessageText& MessageText::answered() const {
  if (!answered_) {
    // The message answered stands first in the quote; older history further down is not read.
    std::string_view q = quoted_.substr(0, std::min<std::size_t>(quoted_.size(), 4000));
    if (q.size() < quoted_.size()) {
      // Cut at a character boundary.
      while (!q.empty() && (static_cast<unsigned char>(q.back()) & 0xc0) == 0x80) q.remove_suffix(1);
      if (!q.empty() && static_cast<unsigned char>(q.back()) >= 0xc0) q.remove_suffix(1);
    }
    // What announced the quote is not the message: an attribution line, an Outlook header block
    // ("From: … Sent: …"), a separator line.
    while (!q.empty()) {
      std::size_t nl = q.find('\n');
      std::string_view t = trim(q.substr(0, nl));
      std::size_t colon = t.find(':');
      bool separator = !t.empty() && t.find_first_not_of("-_= ") == std::string_view::npos;
      std::string_view label = t.substr(0, colon == std::string_view::npos ? 0 : colon);
      bool header = !label.empty() && label.size() <= 24 && std::count(label.begin(), label.end(), ' ') <= 2 &&
                    std::none_of(label.begin(), label.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
      bool attribution = !t.empty() && t.back() == ':';
      if (!(t.empty() || separator || header || attribution)) break;
      if (nl == std::string_view::npos) {
        q = {};
        break;
      }
      q.remove_prefix(nl + 1);
    }
    // Of that message, only what its author wrote: the history it quoted in turn is older.
    QuoteSplit own = split_quotes(q);
    answered_text_ = own.has_quote ? std::move(own.new_text) : std::string(q);
    answered_ = std::make_unique<MessageText>(answered_text_, std::string_view(), lexicons_, sent_, time_zone_);
  }
  return *answered_;
}

std::vector<PhraseList::Hit> MessageText::hits(const std::string& list, const TextAnalysis& in, std::size_t max_hits) const {
  if (lexicons_ == nullptr) return {};
  // The hits in this message's own analyses are found once per list: rules and the analysis ask
  // for the same ones again. Other texts (a paragraph, a question) are read as asked.
  const bool own = (full_ && &in == &*full_) || (body_ && &in == &*body_);
  if (!own) return lexicons_->find(list, in, max_hits);
  auto key = std::make_pair(list, &in);
  auto it = hits_.find(key);
  if (it == hits_.end()) it = hits_.emplace(std::move(key), lexicons_->find(list, in, 1000)).first;
  const auto& all = it->second;
  return {all.begin(), all.begin() + static_cast<std::ptrdiff_t>(std::min(max_hits, all.size()))};
}

}  // namespace sm
