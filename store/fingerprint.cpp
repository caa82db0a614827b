// Shingles: NFKC case-folded text, words from ICU's word break iterator, XXH3 of each window of
// kShingleWords words.
#include "store/fingerprint.h"

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

// Word tokens of normalized text, as UTF-8.
std::vector<std::string> words_of(std::string_view utf8) {
  std::vector<std::string> words;
  if (utf8.size() > kMaxText) utf8 = utf8.substr(0, kMaxText);
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

std::vector<std::uint64_t> shingles(std::string_view utf8) {
  std::vector<std::string> words = words_of(utf8);
  std::vector<std::uint64_t> out;
  if (words.empty()) return out;
  std::size_t k = std::min(kShingleWords, words.size());
  out.reserve(words.size() - k + 1);
  std::string window;
  for (std::size_t i = 0; i + k <= words.size(); ++i) {
    window.clear();
    for (std::size_t j = i; j < i + k; ++j) {
      if (j > i) window += ' ';
      window += words[j];
    }
    out.push_back(XXH3_64bits(window.data(), window.size()));
  }
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

}  // namespace sm
