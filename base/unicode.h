// UTF-8 text through ICU: into and out of ICU's strings (bounded), lower case and case folding.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

#include <unicode/unistr.h>

#include "base/fold.h"

namespace sm {

// The first `max_bytes` of `utf8` as an ICU string (bytes that are not UTF-8 become U+FFFD).
icu::UnicodeString to_icu(std::string_view utf8, std::size_t max_bytes = kMaxTextBytes);
std::string to_utf8(const icu::UnicodeString& u);

// Lower case in the root locale, and full case folding (for comparing without case: base/fold.h's
// kFoldCaseOnly).
// `utf8` in US-ASCII, for a place that carries nothing else (an SMTP reply): other scripts
// transliterated to Latin, accents and marks dropped ("añada" -> "anada", "копию" -> "kopiu"),
// whatever is left '?'.
std::string ascii_transliteration(std::string_view utf8);

std::string lower_utf8(std::string_view utf8);
std::string fold_case_utf8(std::string_view utf8);

}  // namespace sm
