// The one folding path: ICU's normalizers, and tables of code points folded by them.
#include "base/fold.h"

#include "base/unicode.h"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/utf16.h>

#include <array>
#include <mutex>

namespace sm {

namespace {

// Fetched once, in a static's initialization: the first use of ICU's instance is then ordered
// before every other, whatever thread comes first.
const icu::Normalizer2* nfkc_casefold() {
  static const icu::Normalizer2* const n = [] {
    UErrorCode e = U_ZERO_ERROR;
    const icu::Normalizer2* p = icu::Normalizer2::getNFKCCasefoldInstance(e);
    return U_SUCCESS(e) ? p : nullptr;
  }();
  return n;
}

// Removes combining marks after NFD, for accent-insensitive matching (á -> a, ñ -> n), but keeps
// Cyrillic й (и + breve) intact: it is a letter of its own.
icu::UnicodeString strip_marks(const icu::UnicodeString& in) {
  UErrorCode err = U_ZERO_ERROR;
  const icu::Normalizer2* nfd = icu::Normalizer2::getNFDInstance(err);
  const icu::Normalizer2* nfc = icu::Normalizer2::getNFCInstance(err);
  if (U_FAILURE(err)) return in;
  icu::UnicodeString d = nfd->normalize(in, err);
  icu::UnicodeString out;
  for (int32_t i = 0; i < d.length();) {
    UChar32 c = d.char32At(i);
    int32_t n = U16_LENGTH(c);
    bool mark = u_getCombiningClass(c) > 0 || u_charType(c) == U_NON_SPACING_MARK;
    UChar32 prev = out.isEmpty() ? 0 : out.char32At(out.length() - 1);
    bool keep_breve = c == 0x0306 && (prev == 0x0438 || prev == 0x0418);  // й
    if (!mark || keep_breve) out.append(c);
    i += n;
  }
  icu::UnicodeString composed = nfc->normalize(out, err);
  return U_FAILURE(err) ? out : composed;
}

}  // namespace

bool fold_icu(icu::UnicodeString& u, FoldOptions options) {
  if (options.compatibility) {
    const icu::Normalizer2* n = nfkc_casefold();
    UErrorCode err = U_ZERO_ERROR;
    if (n == nullptr) return false;
    icu::UnicodeString f = n->normalize(u, err);
    if (U_FAILURE(err)) return false;
    u = std::move(f);
  } else {
    u.foldCase();
  }
  if (options.yo_as_ye)
    u.findAndReplace(icu::UnicodeString(static_cast<UChar32>(0x0451)), icu::UnicodeString(static_cast<UChar32>(0x0435)));
  if (options.strip_accents) u = strip_marks(u);
  return true;
}

std::string fold_utf8_icu(std::string_view utf8, FoldOptions options, std::size_t max_bytes) {
  icu::UnicodeString u = to_icu(utf8, max_bytes);
  fold_icu(u, options);
  return to_utf8(u);
}

const CodePointFolds& code_point_folds(FoldOptions options) {
  // One table per combination of the options.
  static std::array<std::once_flag, 8> once;
  static std::array<CodePointFolds, 8> tables;
  const std::size_t k = (options.compatibility ? 4u : 0u) | (options.strip_accents ? 2u : 0u) | (options.yo_as_ye ? 1u : 0u);
  std::call_once(once[k], [&] {
    CodePointFolds& t = tables[k];
    const auto n = static_cast<std::size_t>(kCodePointFoldsEnd);
    t.folded.resize(n);
    t.segment.assign(n, 0);
    const icu::Normalizer2* nfkc_cf = nfkc_casefold();
    for (UChar32 c = 0x80; c < kCodePointFoldsEnd; ++c) {
      if (U_IS_SURROGATE(c)) continue;
      icu::UnicodeString u(c);
      fold_icu(u, options);
      u.toUTF8String(t.folded[static_cast<std::size_t>(c)]);
      t.segment[static_cast<std::size_t>(c)] = nfkc_cf != nullptr && nfkc_cf->hasBoundaryBefore(c) ? 1 : 0;
    }
  });
  return tables[k];
}

}  // namespace sm
