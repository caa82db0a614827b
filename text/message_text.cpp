// MessageText: the layout of the new text (greeting, body, sign-off and signature block), the
// body's paragraphs, sentences and questions, and the acknowledgement, each on first use.
#include "text/message_text.h"

#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <functional>

#include "message/quote.h"
#include "text/segment.h"
#include "text/stem.h"

namespace sm {

namespace {

constexpr std::size_t kSignatureLines = 12;  // lines after a sign-off at most
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
    return i + 1 < t.size() && t[i] == '.' && (t[i + 1] == ' ' || t[i + 1] == '\t');
  }
  if (i >= t.size()) return false;
  if (t[i] == ')' || (t[i] == '.' && (i + 1 >= t.size() || t[i + 1] == ' ' || t[i + 1] == '\t'))) return true;
  return false;
}

bool bullet_item(std::string_view line) {
  std::string_view t = trim(line);
  if (t.size() < 2) return false;
  if ((t[0] == '-' || t[0] == '*' || t[0] == '+') && t[1] == ' ') return true;
  // • · – —, and the dashes some clients and writers put before items.
  return t.rfind("\xe2\x80\xa2", 0) == 0 || t.rfind("\xc2\xb7", 0) == 0 || t.rfind("\xe2\x80\x93 ", 0) == 0 ||
         t.rfind("\xe2\x80\x94 ", 0) == 0;
}

// A '?' (or '？') that ends a clause: followed by the end, white space or closing punctuation,
// so "https://x.example/?id=5" asks nothing.
// A quotation mark of a kind without_quotations() reads: a text without one has nothing cited.
bool quotes(std::string_view s) {
  return s.find('"') != std::string_view::npos || s.find("\xe2\x80\x9c") != std::string_view::npos ||
         s.find("\xc2\xab") != std::string_view::npos || s.find("\xe2\x80\x9e") != std::string_view::npos;
}

// The '?' at `i` stands in a web address ("https://x.example/track?order=5"): the word it ends
// began with a scheme or "www.".
bool in_address(std::string_view s, std::size_t i) {
  std::size_t b = i;
  while (b > 0 && s[b - 1] != ' ' && s[b - 1] != '\n' && s[b - 1] != '\t' && s[b - 1] != '(' && s[b - 1] != '<') --b;
  const std::string_view word = s.substr(b, i - b);
  return word.find("://") != std::string_view::npos || word.rfind("www.", 0) == 0;
}

bool asks(std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    std::size_t len = 0;
    if (s[i] == '?') len = 1;
    else if (s[i] == '\xef' && s.compare(i, 3, "\xef\xbc\x9f") == 0) len = 3;
    if (len == 0 || in_address(s, i)) continue;
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
  // A web address written bare ("muebleslopez.es", "help.brightdesk.example"): labels of two
  // letters or more joined by dots, the last one letters only, not a file's extension. (A text
  // without a dot has none, nor a phone number without seven digits.)
  // Only a dot between a letter or digit and a letter can join a host's labels: a sentence's
  // full stop stands before a space or the line's end.
  bool any_dot = false;
  for (std::size_t d = s.find('.'); d != std::string_view::npos && !any_dot; d = s.find('.', d + 1))
    any_dot = d > 0 && d + 1 < s.size() && std::isalnum(static_cast<unsigned char>(s[d - 1])) &&
              std::isalpha(static_cast<unsigned char>(s[d + 1]));
  const auto digit_count = std::count_if(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  static constexpr std::string_view kFiles[] = {"pdf", "doc", "docx", "xls", "xlsx", "csv", "txt", "jpg", "jpeg",
                                                "png", "gif", "zip", "rar", "exe", "msi", "ppt", "pptx", "odt",
                                                "ods", "html", "htm", "xml", "json", "mp3", "mp4", "mov", "heic"};
  for (std::size_t i = 0; any_dot && i < s.size();) {
    auto hostchar = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.'; };
    if (!hostchar(s[i]) || (i > 0 && (hostchar(s[i - 1]) || s[i - 1] == '@'))) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < s.size() && hostchar(s[j])) ++j;
    std::string_view w = s.substr(i, j - i);
    i = j;
    while (!w.empty() && (w.back() == '.' || w.back() == '-')) w.remove_suffix(1);
    const std::size_t dot = w.rfind('.');
    if (dot == std::string_view::npos || dot == 0) continue;
    const std::string_view tld = w.substr(dot + 1), first = w.substr(0, w.find('.'));
    if (tld.size() < 2 || tld.size() > 13 || first.size() < 2) continue;
    if (!std::all_of(tld.begin(), tld.end(), [](char c) { return std::isalpha(static_cast<unsigned char>(c)); })) continue;
    std::string lower(tld);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (std::find(std::begin(kFiles), std::end(kFiles), lower) != std::end(kFiles)) continue;
    if (!std::any_of(first.begin(), first.end(), [](char c) { return std::isalpha(static_cast<unsigned char>(c)); })) continue;
    return true;
  }
  // A phone number: seven to fifteen digits, with spaces, dashes, dots and parentheses between,
  // national forms included ("8 (495) 123-45-67", "0800 123 4567"); not a date ("26.11.2026",
  // "2026-11-26"), whose digits run as long.
  auto phone = [](std::string_view run) {
    int digits = 0, groups = 0, big = 0;
    char seps = 0;
    bool mixed = false;
    for (std::size_t i = 0; i < run.size();) {
      if (!std::isdigit(static_cast<unsigned char>(run[i]))) {
        if (run[i] != ' ' && run[i] != '(' && run[i] != ')' && run[i] != '+') {
          mixed = mixed || (seps != 0 && seps != run[i]);
          seps = run[i];
        } else if (run[i] != '+') {
          mixed = true;
        }
        ++i;
        continue;
      }
      std::size_t j = i;
      while (j < run.size() && std::isdigit(static_cast<unsigned char>(run[j]))) ++j;
      digits += static_cast<int>(j - i);
      ++groups;
      big += j - i == 4;
      i = j;
    }
    const bool date = groups == 3 && !mixed && big == 1 && (seps == '.' || seps == '/' || seps == '-') && digits <= 8;
    return digits >= 7 && digits <= 15 && !date;
  };
  for (std::size_t i = 0; digit_count >= 7 && i < s.size();) {
    auto in_run = [](char c) {
      return std::isdigit(static_cast<unsigned char>(c)) || c == ' ' || c == '-' || c == '(' || c == ')' || c == '+' ||
             c == '.' || c == '/';
    };
    if (!std::isdigit(static_cast<unsigned char>(s[i])) && s[i] != '+' && s[i] != '(') {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < s.size() && in_run(s[j])) ++j;
    std::string_view run = s.substr(i, j - i);
    while (!run.empty() && !std::isdigit(static_cast<unsigned char>(run.back())) && run.back() != ')') run.remove_suffix(1);
    if (phone(run)) return true;
    i = j == i ? i + 1 : j;
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

namespace {

// What a line of the new text is, for the layout. Read by shape, in any language: how long it
// is, how it ends, whether it gives a way to reach someone.
enum class Kind : std::uint8_t {
  blank,
  delimiter,   // "-- ": a signature follows
  rule,        // "_____", "=====": a line drawn across
  postscript,  // "P.S. ...", "PD: ...", "П.С. ..."
  contact,     // a short line with a phone number, an e-mail address or a URL
  short_line,  // a few words that end no sentence: a name, a role, a company, a sign-off
  prose,       // anything else: the body's sentences, a disclaimer
};

constexpr std::size_t kShortWords = 8;      // words of a short line at most
constexpr std::size_t kShortChars = 64;     // characters of a short line at most
constexpr std::size_t kAddressWords = 14;   // words of a one-line postal address at most
constexpr std::size_t kAddressPartWords = 4;  // words between its commas at most
constexpr std::size_t kContactWords = 6;    // words besides addresses on a contact line
constexpr std::size_t kContactChars = 110;  // characters of a contact line at most

// Words of a line as the layout counts them: runs between spaces that hold a letter or a digit
// (no break iterator: a line's shape needs no more).
std::size_t words_of(std::string_view t) {
  std::size_t n = 0;
  bool in = false, alnum = false;
  const auto* p = reinterpret_cast<const std::uint8_t*>(t.data());
  const auto len = static_cast<std::int32_t>(t.size());
  for (std::int32_t i = 0; i <= len;) {
    const bool space = i == len || p[i] == ' ' || p[i] == '\t';
    if (space) {
      n += in && alnum;
      in = alnum = false;
      ++i;
      continue;
    }
    in = true;
    if (p[i] < 0x80) {
      alnum = alnum || (p[i] >= '0' && p[i] <= '9') || ((p[i] | 0x20) >= 'a' && (p[i] | 0x20) <= 'z');
      ++i;
    } else {
      UChar32 c = 0;
      U8_NEXT(p, i, len, c);
      alnum = alnum || (c >= 0 && u_isalnum(c));  // "·", "–", "«" are no words
    }
  }
  return n;
}

// Characters (code points) of UTF-8 text: a line's length whatever its script.
std::size_t chars(std::string_view t) {
  std::size_t n = 0;
  for (char c : t) n += (static_cast<unsigned char>(c) & 0xc0) != 0x80;
  return n;
}
constexpr std::size_t kTailLines = 30;      // non-blank lines from the end where a signature is looked for
constexpr std::size_t kCloserWords = 20;    // words of a closing line of courtesy at most
constexpr std::size_t kClosers = 2;         // closing paragraphs above the sign-off at most
constexpr std::size_t kClosingLines = 12;   // non-blank lines above the tail read for their kind

// The last word of `t` is an abbreviation ("Ltd.", "S.L.", "Inc.", "Jr."): a company or a name
// line may end with one, a sentence seldom does.
bool ends_with_abbreviation(std::string_view t) {
  std::size_t sp = t.find_last_of(" \t");
  std::string_view last = t.substr(sp == std::string_view::npos ? 0 : sp + 1);
  if (last.size() < 2 || last.size() > 6) return false;
  if (last.substr(0, last.size() - 1).find('.') != std::string_view::npos) return true;  // "S.L."
  return last.size() <= 4 && std::isupper(static_cast<unsigned char>(last[0]));          // "Ltd."
}

// `t` ends a sentence: a full stop (not of an abbreviation), a question mark or an ellipsis.
bool ends_sentence(std::string_view t) {
  if (t.empty()) return false;
  if (t.back() == '?' || t.ends_with("\xe2\x80\xa6") || t.ends_with("\xef\xbc\x9f")) return true;
  return t.back() == '.' && !ends_with_abbreviation(t);
}

// Words of a line that say something besides an address: those with a letter and no '@', no
// "://", no "www." and no dot between letters ("help.example.com").
std::size_t words_besides_addresses(std::string_view t) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < t.size();) {
    while (i < t.size() && (t[i] == ' ' || t[i] == '\t' || t[i] == '|' || t[i] == ',')) ++i;
    std::size_t j = i;
    while (j < t.size() && t[j] != ' ' && t[j] != '\t' && t[j] != '|') ++j;
    std::string_view w = t.substr(i, j - i);
    i = j;
    if (w.empty()) continue;
    bool letter = std::any_of(w.begin(), w.end(), [](char c) {
      return std::isalpha(static_cast<unsigned char>(c)) || static_cast<unsigned char>(c) >= 0x80;
    });
    if (!letter || w.find('@') != std::string_view::npos || w.find("://") != std::string_view::npos ||
        w.rfind("www.", 0) == 0)
      continue;
    std::string_view inner = w;
    while (!inner.empty() && (inner.back() == '.' || inner.back() == ':' || inner.back() == ')')) inner.remove_suffix(1);
    if (inner.find('.') != std::string_view::npos && inner.find('.') + 1 < inner.size() &&
        std::isalpha(static_cast<unsigned char>(inner[inner.find('.') + 1])))
      continue;  // a host name
    ++n;
  }
  return n;
}

// A postal address on one line: parts of a few words each, split by commas, one with a number
// ("Av. Insurgentes Sur 1605, Col. San José Insurgentes, CDMX"), which may run past a short line's
// words. A hard-wrapped line of prose has longer stretches between its commas.
bool address_line(std::string_view t) {
  if (t.find(',') == std::string_view::npos || words_of(t) > kAddressWords) return false;
  if (std::none_of(t.begin(), t.end(), [](char c) { return c >= '0' && c <= '9'; })) return false;
  for (std::size_t from = 0; from <= t.size();) {
    std::size_t comma = t.find(',', from);
    if (comma == std::string_view::npos) comma = t.size();
    if (words_of(t.substr(from, comma - from)) > kAddressPartWords) return false;
    from = comma + 1;
  }
  return true;
}

Kind kind_of(std::string_view raw) {
  std::string_view t = trim(raw);
  if (t.empty()) return Kind::blank;
  if (raw == "-- " || raw == "--" || t == "--") return Kind::delimiter;
  if (t.size() >= 3 && t.find_first_not_of("-_=*~") == std::string_view::npos) return Kind::rule;
  if (postscript(t)) return Kind::postscript;
  const std::size_t length = t.size() <= kShortChars ? t.size() : chars(t);  // bytes bound the characters
  if (length > kContactChars) return Kind::prose;
  // A contact line may ask in a word or two ("Questions? Call 0800 123 4567").
  if (has_contact(t)) {
    const std::size_t words = words_besides_addresses(t);
    if (words <= (asks(t) ? 3 : kContactWords)) return Kind::contact;
  }
  if (length <= kShortChars && !asks(t) && t.back() != ':' && !ends_sentence(t) &&
      (words_of(t) <= kShortWords || address_line(t)))
    return Kind::short_line;
  return Kind::prose;
}

bool signature_line(Kind k) { return k == Kind::contact || k == Kind::short_line; }

}  // namespace

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
      if (is_known(lang) && each != lang) continue;
      if (lexicons_->get(list, each).size() == 0) continue;
      // In the message's language the line's own tokens are stemmed; otherwise a copy per language.
      std::vector<Token> copy;
      if (!is_known(lang)) copy = tokens;
      std::vector<Token>& stemmed = is_known(lang) ? tokens : copy;
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
  // A sign-off: a short line that closes ("Kind regards,", "¡Saludos!", "Mit freundlichen
  // Grüßen" above a name), or one from the sign-off list with at most a name after it. Read once
  // per line: the layout asks of the same lines again.
  std::vector<std::int8_t> signoff_memo(lines.size(), -1);
  auto signoff_like_text = [&](std::string_view t) {
    if (t.empty() || asks(t) || words_of(t) > 6 || chars(t) > kShortChars) return false;
    if (t.back() == ',' || t.back() == '!') return true;
    LineHit h = line_hit("signoff", t);
    return h.first && (h.first->count == h.words || (h.mark_after && h.words - h.first->count <= 3));
  };
  auto signoff_like_at = [&](std::size_t i) {
    if (signoff_memo[i] < 0) signoff_memo[i] = signoff_like_text(trim(lines[i].text)) ? 1 : 0;
    return signoff_memo[i] == 1;
  };

  std::size_t first = 0;
  while (first < lines.size() && blank(lines[first].text)) ++first;
  std::size_t last = lines.size();
  while (last > first && blank(lines[last - 1].text)) --last;
  std::size_t body_begin = first;  // line indexes

  // Greeting: the first line, when it opens with a greeting and says little more, or is a few
  // words that end with a comma or a colon ("Hallo Herr Weber,", "Bonjour Madame Martin,").
  if (first < last) {
    std::string_view t = trim(lines[first].text);
    LineHit h = line_hit("greeting", t);
    bool ends_greeting = !t.empty() && (t.back() == ',' || t.back() == ':' || t.back() == '!');
    // "Hallo Herr Weber,", "Дмитрий Олегович, добрый вечер!": a few words on a line of their own.
    bool shaped = !t.empty() && first + 1 < last && blank(lines[first + 1].text) &&
                  (((t.back() == ',' || t.back() == ':') && words_of(t) <= 4) || (t.back() == '!' && words_of(t) <= 5));
    if (!asks(t) && ((h.first && (h.words <= 6 || (ends_greeting && h.words <= 8))) || shaped)) {
      l.greeting = t;
      body_begin = first + 1;
    }
  }

  // Where the signature may stand: the last kTailLines non-blank lines. Lines are read for their
  // kind from a few more above it (closing lines stand above a signature); the body's lines further
  // up are prose to the layout, and are not read.
  std::size_t floor = last;
  for (std::size_t seen = 0; floor > body_begin && seen < kTailLines; --floor) seen += !blank(lines[floor - 1].text);
  std::size_t read_from = floor;
  for (std::size_t seen = 0; read_from > body_begin && seen < kClosingLines; --read_from)
    seen += !blank(lines[read_from - 1].text);
  std::vector<Kind> kind(lines.size(), Kind::blank);
  for (std::size_t i = body_begin; i < last; ++i) {
    if (i < read_from) {
      kind[i] = blank(lines[i].text) ? Kind::blank : Kind::prose;
      continue;
    }
    kind[i] = kind_of(lines[i].text);
    // A sign-off of the list written as a sentence ("Un saludo.", "Regards.") is a short line.
    if (kind[i] == Kind::prose && words_of(lines[i].text) <= 4 && signoff_like_at(i))
      kind[i] = Kind::short_line;
  }
  // The lines of the paragraph that ends at line e (exclusive), from its first line.
  auto paragraph_start = [&](std::size_t e) {
    while (e > body_begin && kind[e - 1] != Kind::blank) --e;
    return e;
  };

  // The signature block: [sig_begin, sig_end). What follows it is a footer (a postscript, a
  // mobile client's line, a disclaimer).
  std::optional<std::size_t> sig_begin, sig_end;

  // A contact block around the contact line c: the short lines about it (a sign-off, a name, a
  // role, a company, an address), one blank line allowed between a sign-off or a name and the
  // lines below it; [top, end). A lone contact line with prose after it is the body's ("Call the
  // courier:\n+34 600 000 111\n\nThey come at nine."): only a block of two lines or more has a
  // footer of prose. nullopt when c makes no block.
  auto contact_block = [&](std::size_t c, std::size_t stop) -> std::optional<std::pair<std::size_t, std::size_t>> {
    std::size_t top = c;
    bool blank_crossed = false;
    while (top > body_begin && c - top < kSignatureLines) {
      const Kind above = kind[top - 1];
      if (signature_line(above) || above == Kind::rule) {
        --top;
        continue;
      }
      if (above != Kind::blank || blank_crossed || top - 1 <= body_begin) break;
      // Across a blank line only to a paragraph of short lines: a sign-off and a name.
      std::size_t p = paragraph_start(top - 1);
      bool all_short = top - 1 - p <= 3;
      for (std::size_t k = p; k < top - 1 && all_short; ++k) all_short = signature_line(kind[k]);
      if (!all_short) break;
      blank_crossed = true;
      top = p;
    }
    while (top < c && kind[top] == Kind::rule) ++top;
    std::size_t end = c + 1;
    while (end < stop && (signature_line(kind[end]) || kind[end] == Kind::rule)) ++end;
    std::size_t lines_in_block = 0;
    for (std::size_t k = top; k < end; ++k) lines_in_block += kind[k] != Kind::blank;
    bool prose_after = false;
    for (std::size_t k = end; k < last; ++k) prose_after = prose_after || kind[k] == Kind::prose;
    if (lines_in_block >= 2 || !prose_after) return std::make_pair(top, end);
    return std::nullopt;
  };
  // The last contact block above line `stop`: contact lines tried from the end, one that makes no
  // block passed over (a ticket number, a lone line of the body). A lone contact line at the end
  // below a fuller block ("Обращение №12044 · zapis-pro.example/support" under the signature) is
  // a footer: the fuller block is the signature.
  auto lines_of_block = [&](std::pair<std::size_t, std::size_t> b) {
    std::size_t n = 0;
    for (std::size_t k = b.first; k < b.second; ++k) n += kind[k] != Kind::blank;
    return n;
  };
  auto last_contact_block = [&](std::size_t stop) -> std::optional<std::pair<std::size_t, std::size_t>> {
    std::optional<std::pair<std::size_t, std::size_t>> found;
    for (std::size_t i = stop; i > floor; --i) {
      if (kind[i - 1] != Kind::contact) continue;
      auto b = contact_block(i - 1, stop);
      if (!b) continue;
      if (!found) {
        found = b;
        if (lines_of_block(*b) >= 2) return found;
        i = b->first + 1;
        continue;
      }
      if (lines_of_block(*b) >= 2) return b;
      i = b->first + 1;
    }
    return found;
  };

  // 1. The "-- " delimiter: a signature follows it (its last one; a sign-off right above it
  //    belongs to it). A delimiter that only brings a company's notice, with no way to reach us
  //    below it and a contact block above it, opens the footer instead.
  std::optional<std::size_t> dashes;
  for (std::size_t i = last; i > floor; --i)
    if (kind[i - 1] == Kind::delimiter) {
      dashes = i - 1;
      break;
    }
  if (dashes) {
    bool contact_below = false;
    for (std::size_t k = *dashes + 1; k < last; ++k) contact_below = contact_below || kind[k] == Kind::contact;
    auto above = contact_below ? std::nullopt : last_contact_block(*dashes);
    if (above) {
      sig_begin = above->first;
      sig_end = above->second;
    } else {
      sig_begin = *dashes;
      sig_end = last;
    }
  }

  // 2. A contact block, the last one.
  if (!sig_begin) {
    if (auto b = last_contact_block(last)) {
      sig_begin = b->first;
      sig_end = b->second;
    }
  }

  // 3. A sign-off followed by one to four short lines (a name, a role), perhaps after a blank line.
  if (!sig_begin) {
    for (std::size_t i = last; i > floor && !sig_begin; --i) {
      const std::size_t s = i - 1;
      if (kind[s] != Kind::short_line || !signoff_like_at(s)) continue;
      std::size_t k = s + 1;
      if (k < last && kind[k] == Kind::blank) ++k;
      std::size_t names = 0;
      while (k < last && kind[k] == Kind::short_line && names < 4) ++k, ++names;
      if (names == 0 && s + 1 < last) continue;
      sig_begin = s;
      sig_end = k;
    }
  }

  // 4. Last paragraphs of short lines only: a name with a role and a company ("Laura Gómez /
  //    Atención al cliente / Muebles Nórdicos / Calle Mayor 12 / Madrid"), a mobile client's line
  //    below it; eight lines at most, below the body's prose.
  if (!sig_begin && last > body_begin) {
    std::size_t e = last, lines_seen = 0;
    std::optional<std::size_t> top;
    while (e > body_begin) {
      const std::size_t p = paragraph_start(e);
      if (p <= body_begin) break;
      bool short_lines = true;
      for (std::size_t k = p; k < e && short_lines; ++k) short_lines = signature_line(kind[k]);
      lines_seen += e - p;
      if (!short_lines || lines_seen > 8) break;
      top = p;
      e = p;
      while (e > body_begin && kind[e - 1] == Kind::blank) --e;
    }
    if (top) {
      sig_begin = *top;
      sig_end = last;
    }
  }

  // A sign-off and a name right above the block open it ("Thanks,\nSelma\n-- \n..."): short
  // lines, one blank line at most between them.
  if (sig_begin) {
    std::size_t k = *sig_begin, blanks = 0;
    std::optional<std::size_t> top;
    while (k > body_begin && *sig_begin - k < 5) {
      const Kind above = kind[k - 1];
      if (above == Kind::blank) {
        if (++blanks > 1) break;
        --k;
        continue;
      }
      if (above != Kind::short_line) break;
      --k;
      if (signoff_like_at(k)) top = k;
    }
    if (top) sig_begin = top;
  }

  // The body ends at the signature; postscripts and short courtesy closers above it ("Thanks
  // again for your patience!") are set aside with the sign-off.
  std::size_t body_end = sig_begin.value_or(last);
  std::size_t closing_begin = body_end;
  {
    std::size_t e = body_end;
    std::size_t closers = 0;
    while (e > body_begin) {
      while (e > body_begin && kind[e - 1] == Kind::blank) --e;
      if (e <= body_begin) break;
      const std::size_t p = paragraph_start(e);
      if (kind[p] == Kind::postscript) {
        closing_begin = e = p;
        continue;
      }
      // A closer: one or two lines at most kCloserWords words long, that ask nothing and are a
      // courtesy (the closing or apology list: thanks, wishes, regrets).
      std::string para;
      for (std::size_t k = p; k < e; ++k) para.append(trim(lines[k].text)).push_back(' ');
      if (closers >= kClosers || e - p > 2 || asks(para) || words_of(para) > kCloserWords || p <= body_begin ||
          lexicons_ == nullptr)
        break;
      TextAnalysis a(para, lang);
      if (lexicons_->find("closing", a, 1).empty() && lexicons_->find("apology", a, 1).empty()) break;
      // One sentence, or a wish and a short word after it that names nothing ("Good luck with the
      // opening! It will look lovely.", "¡Mucho éxito con el proyecto! Va a quedar precioso."), not
      // a ticket or an order ("Thanks! We've created ticket #3390.").
      if (const auto ss = sm::sentences(para);
          ss.size() > 2 || (ss.size() == 2 && (trim(ss[0]).back() != '!' || words_of(ss[1]) > 14 ||
                                               std::any_of(ss[1].begin(), ss[1].end(), [](char c) { return c >= '0' && c <= '9'; }))))
        break;
      closing_begin = e = p;
      ++closers;
    }
    body_end = e;
    while (body_end > body_begin && kind[body_end - 1] == Kind::blank) --body_end;
  }
  if (sig_begin) {
    const std::size_t end = sig_end.value_or(last);
    std::size_t b = lines[*sig_begin].begin;
    std::size_t e = end > 0 ? lines[end - 1].begin + lines[end - 1].text.size() : b;
    l.signature = trim(new_text_.substr(b, e >= b ? e - b : 0));
    // The sign-off: the signature's first line when it closes ("Kind regards,").
    if (kind[*sig_begin] == Kind::short_line && signoff_like_at(*sig_begin))
      l.signoff = trim(lines[*sig_begin].text);
    // The closers and postscripts between the body and the signature.
    if (closing_begin < *sig_begin) {
      std::size_t cb = lines[closing_begin].begin;
      std::size_t ce = lines[*sig_begin - 1].begin + lines[*sig_begin - 1].text.size();
      l.closing = trim(new_text_.substr(cb, ce - cb));
    }
    std::size_t f = end;
    while (f < last && kind[f] == Kind::blank) ++f;
    if (f < last) {
      const std::size_t fb = lines[f].begin;
      const std::size_t fe = lines[last - 1].begin + lines[last - 1].text.size();
      l.footer = trim(new_text_.substr(fb, fe - fb));
    }
  } else if (closing_begin < last) {
    l.closing = trim(new_text_.substr(lines[closing_begin].begin));
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
std::string_view MessageText::footer() const { return layout().footer; }
std::string_view MessageText::closing() const { return layout().closing; }
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
std::vector<Sentence> split_sentences(const std::vector<std::string>& paras, bool only_questions,
                                      const std::function<bool(const std::string&)>& answers) {
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
      std::vector<std::string> ss = sm::sentences(block);
      for (std::size_t k = 0; k < ss.size(); ++k) {
        // A question cited in quotation marks ('You asked "Which level is mine?"') is not asked,
        // nor one the next sentence answers at once ("Can you move it? Yes, done.", "Why does it
        // spin? Because ..."): the writer restates it to answer it.
        bool q = asks(ss[k]) && (!quotes(ss[k]) || asks(without_quotations(ss[k]))) &&
                 !(k + 1 < ss.size() && answers(ss[k + 1]));
        if (only_questions && !q) continue;
        out.push_back({std::move(ss[k]), p, q, numbered});
      }
    }
  }
  return out;
}

}  // namespace

const std::vector<Sentence>& MessageText::sentences() const {
  if (!sentences_) {
    sentences_ = split_sentences(paragraphs(), false, [&](const std::string& next) { return answers(next); });
    for (auto& s : *sentences_) {
      if (s.question && (courtesy(s.text) || not_asked(s))) s.question = false;
      // "First, ...? Second, ...?": an item of a list written out (read for the questions only:
      // numbering matters to nothing else).
      if (s.question && !s.numbered && ordinal(s.text)) s.numbered = true;
    }
  }
  return *sentences_;
}

bool MessageText::not_asked(const Sentence& s) const {
  // Neither kind speaks to the customer: a second person word ("you", "usted", "вы") makes it a
  // question to them after all ("Quick one: could you send the photo?").
  auto to_the_customer = [&](std::string_view text) {
    if (lexicons_ == nullptr) return true;
    TextAnalysis a(text, lang());
    return !lexicons_->find("yours", a, 1).empty();
  };
  // A heading over its answer: a line of its own that opens its paragraph, with more below it:
  // "What happened?", "Where is my order?", "Как оформить возврат?".
  const auto& paras = paragraphs();
  if (s.paragraph < paras.size() && words_of(s.text) <= 6) {
    const std::string& para = paras[s.paragraph];
    const std::size_t nl = para.find('\n');
    const std::string_view first_line = trim(std::string_view(para).substr(0, nl));
    const bool more_below = nl != std::string::npos || s.paragraph + 1 < paras.size();
    if (first_line == s.text && more_below && !to_the_customer(s.text)) return true;
  }
  // A question asked to be answered at once, in the same paragraph, with no word to the customer:
  // "Why is it so high? We haven't had a reading since July", "How was Cornwall? I hope...".
  if (s.paragraph < paras.size() && words_of(s.text) <= 10) {
    const std::string& para = paras[s.paragraph];
    std::string flat = para;
    std::replace(flat.begin(), flat.end(), '\n', ' ');
    const std::size_t at = flat.find(s.text);
    if (at != std::string::npos) {
      std::string_view rest = trim(std::string_view(flat).substr(at + s.text.size()));
      const std::size_t end = rest.find_first_of(".!?");
      const bool statement_follows = !rest.empty() && (end == std::string_view::npos || rest[end] != '?');
      if (statement_follows && !to_the_customer(s.text)) return true;
    }
  }
  // A title cited after a colon: "this article has every step: How do I turn on two-step login?".
  for (std::size_t at = s.text.find(": "); at != std::string::npos; at = s.text.find(": ", at + 1)) {
    const auto* p = reinterpret_cast<const std::uint8_t*>(s.text.data()) + at + 2;
    const auto rest = static_cast<std::int32_t>(s.text.size() - at - 2);
    std::int32_t i = 0;
    UChar32 c = 0;
    if (rest <= 0) break;
    U8_NEXT(p, i, rest, c);
    if (c >= 0 && u_isupper(c) && !to_the_customer(std::string_view(s.text).substr(at + 2))) return true;
  }
  return false;
}

bool MessageText::body_has(const char* list) const {
  if (lexicons_ == nullptr) return false;
  // Found once in the body's words: a list the body has no phrase of has none in any of its
  // sentences either, and no sentence needs reading for it. The first phrase found answers.
  for (const auto& [name, has] : body_has_)
    if (name == list) return has;
  const bool has = !lexicons_->find(list, body(), 1).empty();
  body_has_.emplace_back(list, has);
  return has;
}

bool MessageText::starts_with(std::initializer_list<const char*> lists, std::string_view sentence) const {
  if (lexicons_ == nullptr) return false;
  if (std::none_of(lists.begin(), lists.end(), [&](const char* l) { return body_has(l); })) return false;
  // Its first words are enough: a few dozen bytes, cut at a character's start.
  std::size_t cut = std::min<std::size_t>(sentence.size(), 48);
  while (cut < sentence.size() && (static_cast<unsigned char>(sentence[cut]) & 0xc0) == 0x80) ++cut;
  TextAnalysis a(sentence.substr(0, cut), lang());
  for (const char* list : lists) {
    auto hits = lexicons_->find(list, a, 1);
    if (!hits.empty() && hits.front().first == 0) return true;
  }
  return false;
}

bool MessageText::answers(std::string_view sentence) const { return starts_with({"answer-yes-no", "answer-why"}, sentence); }

bool MessageText::ordinal(std::string_view sentence) const { return starts_with({"ordinal"}, sentence); }

bool MessageText::courtesy(std::string_view sentence) const {
  // "How are you?", "¿Y usted, cómo está?", "А как Ваши дела?", "vielen Dank – wie geht es
  // Ihnen?": the courtesy list's phrase ends the sentence, three words after it at most, and opens
  // its clause or has two words before it at most (a real question may share the sentence: "How
  // are you paying, by card or in cash?", "Did the parcel arrive, and how are you?").
  if (lexicons_ == nullptr || words_of(sentence) > 24 || !body_has("courtesy")) return false;
  TextAnalysis a(sentence, lang());
  if (a.tokens.empty() || a.tokens.size() > 24) return false;
  auto hits = lexicons_->find("courtesy", a, 1);
  if (hits.empty()) return false;
  const auto& h = hits.front();
  const std::size_t after = a.tokens.size() - (h.first + h.count);
  // Or it opens the sentence as a clause of its own ("Как вы там, не завалили заказами?").
  if (h.first == 0 && a.tokens[h.count - 1].clause_end) return true;
  return after <= 3 && (h.first <= 2 || a.tokens[h.first].clause_start);
}

const std::vector<Sentence>& MessageText::questions() const {
  if (questions_) return *questions_;
  if (sentences_) {
    std::vector<Sentence> out;
    for (const auto& s : *sentences_)
      if (s.question) out.push_back(s);
    questions_ = std::move(out);
  } else {
    questions_ = split_sentences(paragraphs(), true, [&](const std::string& next) { return answers(next); });
    std::erase_if(*questions_, [&](const Sentence& s) { return courtesy(s.text) || not_asked(s); });
    for (auto& s : *questions_)
      if (!s.numbered && ordinal(s.text)) s.numbered = true;
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
    // Two weak cues (a failure of ours, one repeated), or one beside the words of a plain
    // problem report: those words alone ("it does not load, an error") make no complaint.
    std::vector<std::string> weak;
    for (const auto& h : hits("complaint-weak", full(), 10))
      if (std::find(weak.begin(), weak.end(), h.phrase) == weak.end()) weak.emplace_back(h.phrase);
    if (weak.size() == 1)
      if (auto problem = hits("problem", full(), 1); !problem.empty()) weak.emplace_back(problem.front().phrase);
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
      // A line drawn across, or framed by one ("-----Original Message-----", "-------- Исходное
      // сообщение --------").
      bool separator = !t.empty() && (t.find_first_not_of("-_= ") == std::string_view::npos ||
                                      (t.size() > 4 && t.starts_with("--") && t.ends_with("--")));
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
