// Folding text for comparison: the one path. NFKC with case folding (or case folding alone), and
// as options accents removed and Russian ё read as е. ICU's normalizers are the reference
// (fold_icu); the callers' fast paths fold character by character from code_point_folds(), made
// by the reference, and send what a table cannot answer for to it.
// The text analysis (text/fold.h), the fingerprints (store/fingerprint.h), the promise reader and
// the subject key (message/subject.h) all fold here, each with its options.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <unicode/unistr.h>

namespace sm {

// The text cap: of a longer text, the word rules, the sentence breaker, the folding and the
// fingerprints read the first 256 KiB.
inline constexpr std::size_t kMaxTextBytes = 256 * 1024;

struct FoldOptions {
  // NFKC_Casefold (compatibility forms as their plain kin, "ﬁ" as "fi", full-width as ASCII,
  // default ignorables removed); false: ICU's full case folding alone.
  bool compatibility = true;
  bool strip_accents = false;  // combining marks removed after NFD (á -> a), Cyrillic й kept
  bool yo_as_ye = false;       // ё -> е (after case folding)
};

// The subject key's and the fingerprints' folding: NFKC_Casefold.
inline constexpr FoldOptions kFoldNfkc{};
// The lexicons' (text/fold.h): NFKC_Casefold, accents removed, ё as е.
inline constexpr FoldOptions kFoldForMatch{true, true, true};
// The promise reader's: case folding alone, so "１８:００" stays as written.
inline constexpr FoldOptions kFoldCaseOnly{false, false, false};

// Folds `u` in place; false when ICU failed (`u` is then left as it was, or as far as it got).
bool fold_icu(icu::UnicodeString& u, FoldOptions options);
// The same on UTF-8, of the first `max_bytes` (bytes that are not UTF-8 become U+FFFD); the text
// as far as it got when ICU failed.
std::string fold_utf8_icu(std::string_view utf8, FoldOptions options, std::size_t max_bytes = kMaxTextBytes);

// ASCII lower case of one byte; the rest unchanged. What folding does to ASCII text, whatever the
// options.
constexpr char fold_ascii(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

// The fold of each code point below kCodePointFoldsEnd taken alone, by fold_icu, and whether the
// code point starts a normalization segment of NFKC_Casefold (then its fold does not depend on
// what stands before it). Built once per options, on first use; thread-safe.
inline constexpr int kCodePointFoldsEnd = 0x2070;
struct CodePointFolds {
  std::vector<std::string> folded;     // indexed by code point; ASCII's left empty
  std::vector<unsigned char> segment;  // 1: starts a normalization segment
};
const CodePointFolds& code_point_folds(FoldOptions options);

}  // namespace sm
