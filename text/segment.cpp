// Sentences, word counts and paragraphs through ICU's break iterators.
#include "text/segment.h"

#include <unicode/brkiter.h>
#include <unicode/locid.h>
#include <unicode/unistr.h>

#include <memory>
#include <mutex>

#include "base/unicode.h"
#include "base/words.h"

namespace sm {

namespace {

// One iterator of each kind per thread, cloned once from a prototype: creating one from the
// locale data, or even cloning it, costs more than breaking a paragraph.
icu::BreakIterator* iterator(bool words) {
  static std::once_flag once;
  static std::unique_ptr<icu::BreakIterator> word_proto, sentence_proto;
  std::call_once(once, [] {
    UErrorCode e = U_ZERO_ERROR;
    word_proto.reset(icu::BreakIterator::createWordInstance(icu::Locale::getRoot(), e));
    e = U_ZERO_ERROR;
    sentence_proto.reset(icu::BreakIterator::createSentenceInstance(icu::Locale::getRoot(), e));
  });
  thread_local std::unique_ptr<icu::BreakIterator> word_it(word_proto ? word_proto->clone() : nullptr);
  thread_local std::unique_ptr<icu::BreakIterator> sentence_it(sentence_proto ? sentence_proto->clone() : nullptr);
  return words ? word_it.get() : sentence_it.get();
}

}  // namespace

std::vector<std::string> sentences(std::string_view text) {
  std::vector<std::string> out;
  icu::UnicodeString u = to_icu(text);
  icu::BreakIterator* it = iterator(false);
  if (it == nullptr) return out;
  it->setText(u);
  int32_t start = it->first();
  for (int32_t end = it->next(); end != icu::BreakIterator::DONE; start = end, end = it->next()) {
    icu::UnicodeString s = u.tempSubStringBetween(start, end);
    s.trim();
    if (!s.isEmpty()) out.push_back(to_utf8(s));
  }
  return out;
}

std::size_t word_count(std::string_view text) {
  if (text.size() <= kMaxTextBytes && is_ascii(text)) {
    std::size_t n = 0;
    for_each_ascii_word(text, [&](std::string_view, WordKind) { ++n; });
    return n;
  }
  icu::UnicodeString u = to_icu(text);
  icu::BreakIterator* it = iterator(true);
  if (it == nullptr) return 0;
  it->setText(u);
  std::size_t n = 0;
  it->first();
  for (int32_t end = it->next(); end != icu::BreakIterator::DONE; end = it->next())
    if (it->getRuleStatus() >= UBRK_WORD_NUMBER) ++n;
  return n;
}

std::vector<std::string> paragraphs(std::string_view text) {
  std::vector<std::string> out;
  std::string cur;
  auto flush = [&] {
    while (!cur.empty() && (cur.back() == '\n' || cur.back() == ' ')) cur.pop_back();
    if (!cur.empty()) out.push_back(cur);
    cur.clear();
  };
  for (std::size_t pos = 0; pos <= text.size();) {
    std::size_t nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    bool blank = line.find_first_not_of(" \t\r") == std::string_view::npos;
    if (blank) flush();
    else cur += std::string(line) + "\n";
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
  flush();
  return out;
}

std::string without_quotations(std::string_view text) {
  struct Pair {
    std::string_view open, close;
  };
  static constexpr Pair kPairs[] = {{"\"", "\""},
                                    {"\xe2\x80\x9c", "\xe2\x80\x9d"},   // “ ”
                                    {"\xc2\xab", "\xc2\xbb"},             // « »
                                    {"\xe2\x80\x9e", "\xe2\x80\x9c"}};  // „ “
  constexpr std::size_t kMaxSpan = 200;
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    bool cut = false;
    for (const auto& p : kPairs) {
      if (text.compare(i, p.open.size(), p.open) != 0) continue;
      const std::size_t from = i + p.open.size();
      const std::size_t close = text.find(p.close, from);
      const std::size_t nl = text.find('\n', from);
      if (close == std::string_view::npos || close - from > kMaxSpan || (nl != std::string_view::npos && nl < close)) continue;
      out += ' ';
      i = close + p.close.size();
      cut = true;
      break;
    }
    if (!cut) out += text[i++];
  }
  return out;
}

}  // namespace sm
