// Subject lines: reply/forward prefixes in many languages and comparison keys.
#pragma once
#include <string>
#include <string_view>

namespace sm {

struct SubjectParts {
  std::string prefix;  // the reply/forward prefixes as written, e.g. "Re: AW: "
  std::string base;    // the rest, trimmed
};

// Splits leading reply/forward prefixes (Re, RE, Fwd, FW, Fw, AW, WG, SV, VS, RV, R, Rif, I, Antw,
// Odp, TR, Réf, Отв, Ответ, Re[2], Re(3), nested and repeated, full-width colon, ...) from the
// subject. Tags such as "[Ticket #123]" belong to the base subject.
// The prefixes are the lexicon directory's (conf/lexicons/all/reply-prefix.txt), from the data set
// in force (base/lexdata.h).
SubjectParts split_subject(std::string_view subject);

class LexData;
// Builds the prefix table from `data` (once per data set).
void check_subject_tables(const LexData& data);

// What "the same subject" means: two base subjects are the same when their keys are equal (NFKC,
// case folding, white space collapsed). The one definition, for the thread lookup by subject
// (stored with the thread) and for subject-continuity.
std::string subject_key(std::string_view subject);

}  // namespace sm
