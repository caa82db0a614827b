// Quote splitting, line by line in linear time (no regular expressions). Three kinds of evidence:
//   - lines quoted with ">" (any depth), wherever they stand (top, bottom and inline replies);
//   - a marker after which everything is history: "-----Original Message-----" and its
//     translations, forwarded-message separators, Outlook header blocks (From:/Sent:/To:/Subject:
//     in several languages, with the "____" line before them);
//   - an attribution line ("On ... wrote:", "El ... escribió:", "... пишет:", ...), also wrapped
//     over two lines, which starts the quoted history: the ">" lines after it are history, lines
//     after it without ">" are the author's (bottom posting).
#include "message/quote.h"

#include <unicode/locid.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <array>
#include <optional>
#include <cctype>
#include <vector>

namespace sm {

const char* to_string(QuoteStyle s) {
  switch (s) {
    case QuoteStyle::none: return "none";
    case QuoteStyle::prefix: return "prefix";
    case QuoteStyle::attribution: return "attribution";
    case QuoteStyle::outlook_header: return "outlook_header";
    case QuoteStyle::original_message: return "original_message";
    case QuoteStyle::forward: return "forward";
    case QuoteStyle::attached_message: return "attached_message";
  }
  return "none";
}

namespace {

constexpr std::size_t kMaxLine = 1000;  // longer lines are never markers

// Lower case: ASCII directly, anything else through ICU (the labels and separators come in
// Cyrillic, Polish and other scripts too).
std::string lower_ascii(std::string_view s) {
  s = s.substr(0, std::min(s.size(), kMaxLine));
  bool ascii = true;
  for (char c : s) ascii = ascii && static_cast<unsigned char>(c) < 0x80;
  if (!ascii) {
    icu::UnicodeString u = icu::UnicodeString::fromUTF8(icu::StringPiece(s.data(), static_cast<int32_t>(s.size())));
    u.toLower(icu::Locale::getRoot());
    std::string out;
    u.toUTF8String(out);
    return out;
  }
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  // Non-breaking spaces that HTML leaves at the ends of lines.
  while (s.size() >= 2 && static_cast<unsigned char>(s[0]) == 0xc2 && static_cast<unsigned char>(s[1]) == 0xa0) s.remove_prefix(2);
  while (s.size() >= 2 && static_cast<unsigned char>(s[s.size() - 2]) == 0xc2 &&
         static_cast<unsigned char>(s.back()) == 0xa0)
    s.remove_suffix(2);
  return s;
}

bool contains(std::string_view hay, std::string_view needle) { return hay.find(needle) != std::string_view::npos; }

// Quote depth of a line ("> > x" and ">>x" are 2) and its text without the markers.
int quote_depth(std::string_view line, std::string_view* rest) {
  std::size_t i = 0;
  while (i < line.size() && (line[i] == ' ' || line[i] == '\t') && i < 4) ++i;
  int depth = 0;
  while (i < line.size() && line[i] == '>') {
    ++depth;
    ++i;
    while (i < line.size() && line[i] == ' ') ++i;
  }
  if (rest != nullptr) *rest = depth > 0 ? line.substr(i) : line;
  return depth;
}

bool dashes_around(std::string_view t, std::string_view inner_lower_expected) {
  // "-----Original Message-----", "-------- Forwarded Message --------", "---------- X ---------"
  std::size_t a = 0;
  while (a < t.size() && (t[a] == '-' || t[a] == '_')) ++a;
  std::size_t b = t.size();
  while (b > a && (t[b - 1] == '-' || t[b - 1] == '_')) --b;
  if (a < 2 || t.size() - b < 2) return false;
  std::string inner = lower_ascii(trim(t.substr(a, b - a)));
  return inner == inner_lower_expected;
}

const std::array<const char*, 13> kOriginal = {
    "original message",        "mensaje original",       "исходное сообщение", "ursprüngliche nachricht",
    "message d'origine",       "messaggio originale",    "oorspronkelijk bericht", "wiadomość oryginalna",
    "originalmeddelande",      "opprinnelig melding",    "mensagem original",  "original meddelelse",
    "alkuperäinen viesti"};

const std::array<const char*, 14> kForward = {
    "forwarded message",      "forwarded message follows", "пересылаемое сообщение", "переадресованное сообщение",
    "mensaje reenviado",      "weitergeleitete nachricht", "message transféré",      "mensagem encaminhada",
    "messaggio inoltrato",    "doorgestuurd bericht",      "wiadomość przekazana dalej", "vidarebefordrat meddelande",
    "videresendt melding",    "videresendt meddelelse"};

std::optional<QuoteStyle> separator_style(std::string_view t) {
  if (t.size() > 120 || t.size() < 6) return std::nullopt;
  for (const char* o : kOriginal)
    if (dashes_around(t, o)) return QuoteStyle::original_message;
  for (const char* f : kForward)
    if (dashes_around(t, f)) return QuoteStyle::forward;
  std::string l = lower_ascii(t);
  if (l == "begin forwarded message:" || l == "début du message réexpédié :" || l == "inicio del mensaje reenviado:" ||
      l == "anfang der weitergeleiteten nachricht:" || l == "начало переадресованного сообщения:")
    return QuoteStyle::forward;
  return std::nullopt;
}

// "Label:" or "Label :" at the start of a line, from a list of labels (compared case-insensitively
// for ASCII; others as written, lower-case).
bool starts_with_label(std::string_view t, std::initializer_list<const char*> labels) {
  // Every label is short and ends with a colon near the start of the line.
  std::string_view head = t.substr(0, std::min<std::size_t>(t.size(), 40));
  if (head.find(':') == std::string_view::npos && head.find("\xef\xbc\x9a") == std::string_view::npos) return false;
  std::string l = lower_ascii(head);
  for (const char* lab : labels) {
    std::string_view lv = lab;
    if (l.rfind(lv, 0) != 0) continue;
    std::string_view rest = std::string_view(l).substr(lv.size());
    if (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    if (!rest.empty() && rest.front() == ':') return true;
    // Full-width colon.
    if (rest.rfind("\xef\xbc\x9a", 0) == 0) return true;
  }
  return false;
}

bool from_label(std::string_view t) {
  return starts_with_label(t, {"from", "de", "от", "von", "da", "van", "od", "från", "fra", "lähettäjä", "*from", "**from"});
}
bool sent_label(std::string_view t) {
  return starts_with_label(t, {"sent", "date", "enviado el", "enviado", "fecha", "отправлено", "дата", "gesendet",
                               "datum", "envoyé", "date", "inviato", "data", "verzonden", "wysłano", "wysłane",
                               "skickat", "sendt", "lähetetty", "*sent", "**sent"});
}
bool to_or_subject_label(std::string_view t) {
  return starts_with_label(t, {"to", "para", "кому", "an", "à", "a", "aan", "do", "till", "til", "cc", "subject",
                               "asunto", "тема", "betreff", "objet", "oggetto", "onderwerp", "temat", "ämne", "emne",
                               "assunto", "aihe", "*to", "*subject", "**to", "**subject"});
}

// An Outlook header block starts at line i: a From line, then a Sent/Date line and a To/Subject
// line within the next lines.
bool outlook_block_at(const std::vector<std::string_view>& lines, std::size_t i) {
  if (!from_label(trim(lines[i]))) return false;
  bool sent = false;
  bool to = false;
  for (std::size_t k = i + 1; k < lines.size() && k <= i + 8; ++k) {
    std::string_view t = trim(lines[k]);
    if (t.empty()) continue;
    if (sent_label(t)) sent = true;
    else if (to_or_subject_label(t)) to = true;
    if (sent && to) return true;
  }
  return false;
}

bool underscores(std::string_view t) {
  return t.size() >= 10 && std::all_of(t.begin(), t.end(), [](char c) { return c == '_'; });
}

// Words that make a line ending in ':' an attribution line.
const std::array<const char*, 22> kWrote = {
    "wrote",     "escribió",  "escribio", "escreveu",  "a écrit",   "schrieb",     "ha scritto", "schreef",
    "pisze",     "napisał",   "skrev",    "написал",   "пишет",     "написала",    "kirjoitti",  "écrit",
    "escrigué",  "yazdı",     "napsal",   "írta",      "sent from", "wrote on"};

bool ends_with_colon(std::string_view t) {
  return !t.empty() && (t.back() == ':' || (t.size() >= 3 && t.substr(t.size() - 3) == "\xef\xbc\x9a"));
}

bool looks_dated(std::string_view t) {
  // A time (10:00, 10.00) or a year.
  auto digit = [&](std::size_t k) { return std::isdigit(static_cast<unsigned char>(t[k])) != 0; };
  for (std::size_t i = 0; i + 4 <= t.size(); ++i) {
    if (digit(i) && digit(i + 1) && t[i + 2] == ':' && digit(i + 3)) return true;
    std::string_view three = t.substr(i, 3);
    if ((three == "201" || three == "202" || three == "203") && digit(i + 3)) return true;
  }
  return false;
}

// Strong: a known "wrote" word (or mail.ru's "... от Name <a@b>:") in a line ending with ':'.
bool strong_attribution(std::string_view t) {
  if (t.size() > 400 || !ends_with_colon(t)) return false;
  std::string l = lower_ascii(t);
  for (const char* w : kWrote)
    if (contains(l, w) && std::string_view(w) != "sent from") return true;
  if (contains(t, " от ") && contains(t, "@") && looks_dated(t)) return true;  // mail.ru
  return false;
}

// Weak: a line ending with ':' with an address or a date in it (Yandex: `03.11.2026, 10:00, "Ана"
// <ana@x>:`); counts only when quoted lines follow.
bool weak_attribution(std::string_view t) {
  if (t.size() > 400 || !ends_with_colon(t)) return false;
  return contains(t, "@") || (looks_dated(t) && contains(t, ","));
}

std::size_t next_nonempty(const std::vector<std::string_view>& lines, std::size_t i) {
  while (i < lines.size() && trim(lines[i]).empty()) ++i;
  return i;
}

struct Marker {
  std::size_t line;       // first line of history
  std::size_t lines = 1;  // lines the marker itself takes (2 for a wrapped attribution)
  QuoteStyle style;
};

std::optional<Marker> find_marker(const std::vector<std::string_view>& lines) {
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::string_view raw = lines[i];
    if (quote_depth(raw, nullptr) > 0) continue;
    std::string_view t = trim(raw);
    if (t.empty() || t.size() > kMaxLine) continue;
    if (auto s = separator_style(t)) return Marker{i, 1, *s};
    if (underscores(t)) {
      std::size_t k = next_nonempty(lines, i + 1);
      if (k < lines.size() && k <= i + 2 && outlook_block_at(lines, k)) return Marker{i, 1, QuoteStyle::outlook_header};
      continue;
    }
    if (outlook_block_at(lines, i)) return Marker{i, 1, QuoteStyle::outlook_header};
    std::size_t after = next_nonempty(lines, i + 1);
    bool quoted_after = after < lines.size() && quote_depth(lines[after], nullptr) > 0;
    if (strong_attribution(t) || (quoted_after && weak_attribution(t))) return Marker{i, 1, QuoteStyle::attribution};
    // Wrapped over two lines: this line and the next together.
    if (i + 1 < lines.size() && !ends_with_colon(t) && t.size() < 300) {
      std::string_view t2 = trim(lines[i + 1]);
      if (!t2.empty() && quote_depth(lines[i + 1], nullptr) == 0 && t2.size() < 300) {
        std::string joined = std::string(t) + " " + std::string(t2);
        std::size_t after2 = next_nonempty(lines, i + 2);
        bool quoted_after2 = after2 < lines.size() && quote_depth(lines[after2], nullptr) > 0;
        std::string l = lower_ascii(t);
        bool opener = l.rfind("on ", 0) == 0 || l.rfind("el ", 0) == 0 || l.rfind("em ", 0) == 0 ||
                      l.rfind("le ", 0) == 0 || l.rfind("am ", 0) == 0 || l.rfind("il ", 0) == 0 ||
                      l.rfind("op ", 0) == 0 || l.rfind("w dniu", 0) == 0 || l.rfind("den ", 0) == 0;
        if ((strong_attribution(joined) && (opener || quoted_after2)) || (quoted_after2 && weak_attribution(joined) && opener))
          return Marker{i, 2, QuoteStyle::attribution};
      }
    }
  }
  return std::nullopt;
}

void append_line(std::string& out, std::string_view line) {
  out.append(line);
  out += '\n';
}

std::string tidy(std::string s) {
  // Trim leading and trailing blank lines, and trailing white space on the whole.
  std::size_t start = 0;
  while (start < s.size()) {
    std::size_t nl = s.find('\n', start);
    std::string_view line = std::string_view(s).substr(start, (nl == std::string::npos ? s.size() : nl) - start);
    if (!trim(line).empty()) break;
    if (nl == std::string::npos) {
      start = s.size();
      break;
    }
    start = nl + 1;
  }
  s.erase(0, start);
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.pop_back();
  return s;
}

}  // namespace

QuoteSplit split_quotes(std::string_view text) {
  QuoteSplit r;
  std::vector<std::string_view> lines;
  for (std::size_t pos = 0; pos <= text.size();) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) {
      lines.push_back(text.substr(pos));
      break;
    }
    lines.push_back(text.substr(pos, nl - pos));
    pos = nl + 1;
  }

  std::string new_text;
  std::string quoted;
  auto marker = find_marker(lines);
  std::size_t end_of_new = marker ? marker->line : lines.size();
  bool any_prefix = false;
  for (std::size_t i = 0; i < end_of_new; ++i) {
    std::string_view rest;
    if (quote_depth(lines[i], &rest) > 0) {
      any_prefix = true;
      append_line(quoted, rest);
    } else {
      append_line(new_text, lines[i]);
    }
  }
  if (marker) {
    r.style = marker->style;
    r.marker = std::string(trim(lines[marker->line]));
    if (marker->lines == 2) r.marker += " " + std::string(trim(lines[marker->line + 1]));
    for (std::size_t i = marker->line; i < marker->line + marker->lines && i < lines.size(); ++i)
      append_line(quoted, trim(lines[i]));
    std::size_t i = marker->line + marker->lines;
    if (marker->style == QuoteStyle::attribution) {
      // ">" lines are history; the author's lines may follow (bottom posting, inline replies).
      for (; i < lines.size(); ++i) {
        std::string_view rest;
        if (quote_depth(lines[i], &rest) > 0) append_line(quoted, rest);
        else append_line(new_text, lines[i]);
      }
    } else {
      for (; i < lines.size(); ++i) {
        std::string_view rest;
        quote_depth(lines[i], &rest);
        append_line(quoted, rest);
      }
    }
  } else if (any_prefix) {
    r.style = QuoteStyle::prefix;
  }
  r.new_text = tidy(std::move(new_text));
  r.quoted = tidy(std::move(quoted));
  r.has_quote = r.style != QuoteStyle::none && !r.quoted.empty();
  if (!r.has_quote) r.style = QuoteStyle::none;
  return r;
}

}  // namespace sm
