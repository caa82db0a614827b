// Shingles: NFKC case-folded text, the words ICU's word break iterator finds in it, XXH3 of each
// window of kShingleWords words joined by one space.
#include "store/fingerprint.h"

#include "base/fold.h"
#include "base/unicode.h"
#include "base/words.h"

#include <unicode/brkiter.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>
#include <xxhash.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <string>

namespace sm {

namespace {

std::vector<std::string> icu_words_of(std::string_view utf8) {
  std::vector<std::string> words;
  icu::UnicodeString norm = to_icu(utf8, utf8.size());
  if (!fold_icu(norm, kFoldNfkc)) return words;
  // One prototype iterator, cloned per call: creating one from the locale data is the slow part.
  static const std::unique_ptr<icu::BreakIterator> prototype = [] {
    UErrorCode e = U_ZERO_ERROR;
    std::unique_ptr<icu::BreakIterator> it(icu::BreakIterator::createWordInstance(icu::Locale::getRoot(), e));
    return U_FAILURE(e) ? nullptr : std::move(it);
  }();
  if (!prototype) return words;
  std::unique_ptr<icu::BreakIterator> it(prototype->clone());
  it->setText(norm);
  int32_t start = it->first();
  for (int32_t end = it->next(); end != icu::BreakIterator::DONE; start = end, end = it->next()) {
    int32_t status = it->getRuleStatus();
    if (status < UBRK_WORD_NUMBER) continue;  // spaces and punctuation
    std::string w;
    norm.tempSubStringBetween(start, end).toUTF8String(w);
    words.push_back(std::move(w));
  }
  return words;
}

// Text that is not ASCII but whose characters all lie below kTableEnd (Latin, Greek, Cyrillic,
// general punctuation) folds one code point at a time (base/fold.h's code_point_folds):
// NFKC_Casefold of a character that starts a normalization segment does not depend on its
// neighbours. Its words then come from the same
// segmenter as ASCII's, with each character's Word_Break class from ICU. Anything the table cannot
// answer for (combining marks, scripts whose words ICU finds with a dictionary or special rules,
// characters past the table) sends the text to ICU, the reference: tests/unit/test_store_fingerprint.cpp
// compares the two.
constexpr UChar32 kTableEnd = kCodePointFoldsEnd;
// The UAX #29 class of each ASCII character.
constexpr std::array<WordClass, 256> kAsciiClasses = word_classes(kUax29Words);

struct FoldTable {
  const std::vector<std::string>* folded = nullptr;  // NFKC_Casefold of each code point, as UTF-8
  std::vector<unsigned char> alone;      // 1: folds alone and every character it folds to has a class
  std::vector<WordClass> cls;            // the Word_Break class of ICU's root rules
};

WordClass class_of(UChar32 c, bool& known) {
  known = true;
  if (u_getIntPropertyValue(c, UCHAR_LINE_BREAK) == U_LB_COMPLEX_CONTEXT) {
    known = false;  // Thai, Lao, Khmer, Myanmar: words from a dictionary
    return WordClass::other;
  }
  switch (u_getIntPropertyValue(c, UCHAR_WORD_BREAK)) {
    case U_WB_ALETTER: return WordClass::letter;
    case U_WB_NUMERIC: return WordClass::numeric;
    case U_WB_MIDLETTER: return WordClass::mid_letter;
    case U_WB_MIDNUMLET: case U_WB_SINGLE_QUOTE: return WordClass::mid_num_let;
    case U_WB_MIDNUM: return WordClass::mid_num;
    case U_WB_EXTENDNUMLET: return WordClass::extend_num_let;
    case U_WB_OTHER: case U_WB_CR: case U_WB_LF: case U_WB_NEWLINE: case U_WB_WSEGSPACE: return WordClass::other;
    default: known = false; return WordClass::other;  // Extend, Format, ZWJ, Hebrew, Katakana, ...
  }
}

const FoldTable& fold_table() {
  static const FoldTable table = [] {
    FoldTable t;
    const auto n = static_cast<std::size_t>(kTableEnd);
    const CodePointFolds& folds = code_point_folds(kFoldNfkc);
    t.folded = &folds.folded;
    t.alone.assign(n, 0);
    t.cls.assign(n, WordClass::other);
    std::vector<unsigned char> known(n, 0);  // 1: cls is all the segmenter needs to know
    for (UChar32 c = 0x80; c < kTableEnd; ++c) {
      bool k = false;
      t.cls[static_cast<std::size_t>(c)] = class_of(c, k);
      known[static_cast<std::size_t>(c)] = k ? 1 : 0;
    }
    for (UChar32 c = 0x80; c < kTableEnd; ++c) {
      if (U_IS_SURROGATE(c) || !folds.segment[static_cast<std::size_t>(c)]) continue;
      const std::string& f = folds.folded[static_cast<std::size_t>(c)];
      const auto* q = reinterpret_cast<const uint8_t*>(f.data());
      const auto fn = static_cast<int32_t>(f.size());
      bool ok = true;
      for (int32_t i = 0; i < fn && ok;) {
        UChar32 d;
        U8_NEXT(q, i, fn, d);
        ok = d >= 0 && (d < 0x80 || (d < kTableEnd && known[static_cast<std::size_t>(d)] && folds.segment[static_cast<std::size_t>(d)]));
      }
      t.alone[static_cast<std::size_t>(c)] = ok ? 1 : 0;
    }
    return t;
  }();
  return table;
}

// Calls word(std::string_view) for each word of `utf8`, until it returns false; a word's view is
// valid during the call only. `ascii` is set when the whole text is ASCII: its words are then
// views of the text itself, not lower-cased yet. Other text is taken line by line (words never
// span a line end: UAX #29 breaks before and after one, and NFKC leaves it alone), each line
// through the table when its characters allow, else through ICU.
template <class W>
void for_each_word(std::string_view utf8, bool& ascii, W&& word) {
  ascii = is_ascii(utf8);
  if (ascii) {
    for_each_ascii_word(utf8, [&](std::string_view w, WordKind) { return word(w); });
    return;
  }
  const FoldTable& t = fold_table();
  std::string folded;
  std::vector<std::pair<uint32_t, WordClass>> points;  // code points of `folded`: offset, class
  bool go = true;
  for (std::size_t line = 0; line < utf8.size() && go;) {
    std::size_t nl = utf8.find('\n', line);
    std::size_t end = nl == std::string_view::npos ? utf8.size() : nl + 1;
    std::string_view text = utf8.substr(line, end - line);
    line = end;
    const auto* p = reinterpret_cast<const uint8_t*>(text.data());
    const auto n = static_cast<int32_t>(text.size());
    folded.clear();
    points.clear();
    bool table = !t.alone.empty();
    for (int32_t i = 0; i < n && table;) {
      if (p[i] < 0x80) {
        auto c = static_cast<char>(p[i++]);
        points.emplace_back(static_cast<uint32_t>(folded.size()), kAsciiClasses[static_cast<unsigned char>(c)]);
        folded += fold_ascii(c);
        continue;
      }
      UChar32 c;
      U8_NEXT(p, i, n, c);
      table = c >= 0 && c < kTableEnd && t.alone[static_cast<std::size_t>(c)];
      if (!table) break;
      // The characters it folds to (one, mostly), each with its class.
      const std::string& f = (*t.folded)[static_cast<std::size_t>(c)];
      const auto* q = reinterpret_cast<const uint8_t*>(f.data());
      const auto fn = static_cast<int32_t>(f.size());
      for (int32_t k = 0; k < fn;) {
        auto at = static_cast<uint32_t>(folded.size() + static_cast<std::size_t>(k));
        UChar32 d;
        U8_NEXT(q, k, fn, d);
        points.emplace_back(at, d < 0x80 ? kAsciiClasses[static_cast<std::size_t>(d)] : t.cls[static_cast<std::size_t>(d)]);
      }
      folded += f;
    }
    if (!table) {
      for (const auto& w : icu_words_of(text))
        if (!(go = word(std::string_view(w)))) break;
      continue;
    }
    std::string_view view(folded);
    for_each_word_of_units<false>(
        points.size(), [&](std::size_t i) { return WordUnit{points[i].second, i + 1}; },
        [&](std::size_t b, std::size_t e, WordKind) {
          std::size_t from = points[b].first, to = e < points.size() ? points[e].first : folded.size();
          return go = word(view.substr(from, to - from));
        });
  }
}

}  // namespace

std::vector<std::string> shingle_words(std::string_view utf8) {
  std::vector<std::string> out;
  bool ascii = false;
  for_each_word(utf8.substr(0, std::min(utf8.size(), kMaxTextBytes)), ascii, [&](std::string_view w) {
    out.emplace_back(w);
    return true;
  });
  if (ascii)
    for (auto& w : out)
      for (char& c : w) c = fold_ascii(c);
  return out;
}

std::vector<std::string> shingle_words_icu(std::string_view utf8) {
  return icu_words_of(utf8.substr(0, std::min(utf8.size(), kMaxTextBytes)));
}

namespace {

// Calls f(hash) for every shingle of `utf8`, in text order, duplicates included, until f returns
// false.
template <class F>
void for_each_shingle(std::string_view utf8, F&& f) {
  if (utf8.size() > kMaxTextBytes) utf8 = utf8.substr(0, kMaxTextBytes);
  // The last kShingleWords words, folded (their buffers are reused: no allocation per word), and
  // one buffer the window is joined in.
  std::array<std::string, kShingleWords> ring;
  std::size_t count = 0;
  bool ascii = false;
  std::string window;
  window.reserve(256);
  auto join = [&](std::size_t words) {
    window.clear();
    for (std::size_t j = count - words; j < count; ++j) {
      if (j > count - words) window += ' ';
      window += ring[j % kShingleWords];
    }
    return f(XXH3_64bits(window.data(), window.size()));
  };
  for_each_word(utf8, ascii, [&](std::string_view w) {
    std::string& slot = ring[count % kShingleWords];
    slot.assign(w);
    if (ascii)
      for (char& c : slot) c = fold_ascii(c);
    ++count;
    return count < kShingleWords || join(kShingleWords);
  });
  // Text shorter than one shingle: one hash of all its words.
  if (count > 0 && count < kShingleWords) join(count);
}

}  // namespace

std::vector<std::uint64_t> shingles(std::string_view utf8) {
  std::vector<std::uint64_t> out;
  for_each_shingle(utf8, [&](std::uint64_t h) {
    out.push_back(h);
    return true;
  });
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<std::uint64_t> sketch(std::string_view utf8) {
  std::vector<std::uint64_t> all = shingles(utf8);
  if (all.size() > kSketchSize) all.resize(kSketchSize);
  return all;
}

double containment_in(const std::vector<std::uint64_t>& stored_sketch, std::string_view quote) {
  if (stored_sketch.empty()) return 0.0;
  std::vector<bool> found(stored_sketch.size(), false);
  std::size_t count = 0;
  // Once every stored hash is found the share is 1 whatever follows: the rest of a long quote
  // (older history below the message answered) is not read.
  for_each_shingle(quote, [&](std::uint64_t h) {
    auto it = std::lower_bound(stored_sketch.begin(), stored_sketch.end(), h);
    if (it == stored_sketch.end() || *it != h) return true;
    auto i = static_cast<std::size_t>(it - stored_sketch.begin());
    if (!found[i]) found[i] = true, ++count;
    return count < stored_sketch.size();
  });
  return static_cast<double>(count) / static_cast<double>(stored_sketch.size());
}

std::vector<std::size_t> found_from_each_line(std::string_view text, const std::vector<std::uint64_t>& stored_sketch) {
  std::size_t lines = 1;
  for (char c : text) lines += c == '\n';
  std::vector<std::size_t> out(lines, 0);
  if (stored_sketch.empty()) return out;
  if (text.size() > kMaxTextBytes) text = text.substr(0, kMaxTextBytes);
  // The sketch's hashes each shingle that starts on a line finds, line by line; words never span
  // a line end, so the lines are read one at a time with the last words carried over.
  std::vector<std::pair<std::size_t, std::size_t>> hits;  // (line, index in the sketch)
  std::array<std::string, kShingleWords> ring;
  std::array<std::size_t, kShingleWords> ring_line{};
  std::size_t count = 0;
  std::string window;
  std::size_t line = 0;
  for (std::size_t pos = 0; pos <= text.size(); ++line) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    bool ascii = false;
    for_each_word(text.substr(pos, nl - pos), ascii, [&](std::string_view w) {
      std::string& slot = ring[count % kShingleWords];
      slot.assign(w);
      if (ascii)
        for (char& c : slot) c = fold_ascii(c);
      ring_line[count % kShingleWords] = line;
      ++count;
      if (count < kShingleWords) return true;
      window.clear();
      for (std::size_t j = count - kShingleWords; j < count; ++j) {
        if (j > count - kShingleWords) window += ' ';
        window += ring[j % kShingleWords];
      }
      const std::uint64_t h = XXH3_64bits(window.data(), window.size());
      auto it = std::lower_bound(stored_sketch.begin(), stored_sketch.end(), h);
      if (it != stored_sketch.end() && *it == h)
        hits.emplace_back(ring_line[(count - kShingleWords) % kShingleWords],
                          static_cast<std::size_t>(it - stored_sketch.begin()));
      return true;
    });
    pos = nl + 1;
  }
  // From the last line up, the distinct hashes found so far.
  std::vector<bool> found(stored_sketch.size(), false);
  std::size_t distinct = 0;
  std::size_t h = hits.size();
  for (std::size_t l = lines; l-- > 0;) {
    while (h > 0 && hits[h - 1].first >= l) {
      --h;
      if (!found[hits[h].second]) found[hits[h].second] = true, ++distinct;
    }
    out[l] = distinct;
  }
  return out;
}

std::string pack_sketch(const std::vector<std::uint64_t>& sketch) {
  std::string out;
  out.reserve(sketch.size() * 8);
  for (std::uint64_t x : sketch)
    for (int i = 0; i < 8; ++i) out += static_cast<char>((x >> (8 * i)) & 0xff);
  return out;
}

std::vector<std::uint64_t> unpack_sketch(const void* data, std::size_t bytes) {
  std::vector<std::uint64_t> v;
  const auto* p = static_cast<const unsigned char*>(data);
  for (std::size_t off = 0; off + 8 <= bytes; off += 8) {
    std::uint64_t x = 0;
    for (int i = 0; i < 8; ++i) x |= static_cast<std::uint64_t>(p[off + i]) << (8 * i);
    v.push_back(x);
  }
  return v;
}

}  // namespace sm
