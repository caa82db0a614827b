// Shingles: NFKC case-folded text, words from ICU's word break iterator, XXH3 of each window of
// kShingleWords words.
#include "store/fingerprint.h"

#include "message/words.h"

#include <unicode/brkiter.h>
#include <unicode/normalizer2.h>
#include <unicode/unistr.h>
#include <xxhash.h>

#include <algorithm>
#include <memory>
#include <string>

namespace sm {

namespace {

constexpr std::size_t kMaxText = 256 * 1024;

// Word tokens of normalized text, as UTF-8. ASCII text needs no ICU: NFKC case folding is
// lower-casing there, and message/words.h finds the words ICU's iterator would.
std::vector<std::string> icu_words_of(std::string_view utf8);

struct Words {
  std::string lowered;              // ASCII text, lower-cased: the words point into it
  std::vector<std::string> owned;   // words from ICU
  std::vector<std::string_view> list;
};

Words words_of(std::string_view utf8) {
  Words out;
  if (utf8.size() > kMaxText) utf8 = utf8.substr(0, kMaxText);
  if (is_ascii(utf8)) {
    out.lowered.assign(utf8);
    for (char& c : out.lowered)
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    for_each_ascii_word(out.lowered, [&](std::string_view w, WordKind) { out.list.push_back(w); });
    return out;
  }
  out.owned = icu_words_of(utf8);
  for (const auto& w : out.owned) out.list.push_back(w);
  return out;
}

std::vector<std::string> icu_words_of(std::string_view utf8) {
  std::vector<std::string> words;
  UErrorCode err = U_ZERO_ERROR;
  const icu::Normalizer2* nfkc_cf = icu::Normalizer2::getNFKCCasefoldInstance(err);
  if (U_FAILURE(err)) return words;
  icu::UnicodeString src = icu::UnicodeString::fromUTF8(icu::StringPiece(utf8.data(), static_cast<int32_t>(utf8.size())));
  icu::UnicodeString norm = nfkc_cf->normalize(src, err);
  if (U_FAILURE(err)) return words;
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

}  // namespace

namespace {

// Calls f(hash) for every shingle of `utf8`, in text order, duplicates included.
template <class F>
void for_each_shingle(std::string_view utf8, F&& f) {
  Words w = words_of(utf8);
  const std::vector<std::string_view>& words = w.list;
  if (words.empty()) return;
  std::size_t k = std::min(kShingleWords, words.size());
  std::string window;
  window.reserve(256);
  for (std::size_t i = 0; i + k <= words.size(); ++i) {
    window.clear();
    for (std::size_t j = i; j < i + k; ++j) {
      if (j > i) window += ' ';
      window += words[j];
    }
    f(XXH3_64bits(window.data(), window.size()));
  }
}

}  // namespace

std::vector<std::uint64_t> shingles(std::string_view utf8) {
  std::vector<std::uint64_t> out;
  for_each_shingle(utf8, [&](std::uint64_t h) { out.push_back(h); });
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<std::uint64_t> sketch(std::string_view utf8) {
  std::vector<std::uint64_t> all = shingles(utf8);
  if (all.size() > kSketchSize) all.resize(kSketchSize);
  return all;
}

double containment(const std::vector<std::uint64_t>& stored_sketch, const std::vector<std::uint64_t>& quote_shingles) {
  if (stored_sketch.empty()) return 0.0;
  std::size_t found = 0;
  for (std::uint64_t h : stored_sketch)
    if (std::binary_search(quote_shingles.begin(), quote_shingles.end(), h)) ++found;
  return static_cast<double>(found) / static_cast<double>(stored_sketch.size());
}

double containment_in(const std::vector<std::uint64_t>& stored_sketch, std::string_view quote) {
  if (stored_sketch.empty()) return 0.0;
  std::vector<bool> found(stored_sketch.size(), false);
  std::size_t count = 0;
  for_each_shingle(quote, [&](std::uint64_t h) {
    auto it = std::lower_bound(stored_sketch.begin(), stored_sketch.end(), h);
    if (it == stored_sketch.end() || *it != h) return;
    auto i = static_cast<std::size_t>(it - stored_sketch.begin());
    if (!found[i]) found[i] = true, ++count;
  });
  return static_cast<double>(count) / static_cast<double>(stored_sketch.size());
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
