// Acknowledgements and the times they promise, in English, Spanish and Russian. A reply that
// only acknowledges ("received, we will answer by ...") counts as contact for the SLA; the time it
// promises is kept, and a promise_missed event fires when no substantive reply followed by then.
// MessageText::acknowledgement() reads a message's (the phrases are the lexicons' "ack" list).
#pragma once
#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "message/datetime.h"
#include "text/lang.h"

namespace sm {

// The languages whose words for times and days the promise reader knows.
inline constexpr std::array<Lang, 3> kTimeLanguages = {Lang::en, Lang::es, Lang::ru};

struct Acknowledgement {
  bool only_acknowledges = false;  // short, with an acknowledgement phrase, nothing more
  std::string phrase;              // the acknowledgement phrase found
  std::optional<TimeMs> promised;  // the time promised, when one is stated
  std::string promise;             // the words that state it ("within 2 hours", "завтра до 18:00")
};

// The time a text promises, for a message sent at `sent`: durations ("within 2 hours"), days and
// clock times ("today", "tomorrow at 10:00", "до 18:00", read in `time_zone`, an ICU/Olson id such
// as "Europe/Madrid"), weekdays and dates. `words`, when given, gets the words that state it.
std::optional<TimeMs> find_promise(std::string_view text, TimeMs sent, const std::string& time_zone, std::string* words);

// Whether a text names a time at all: a promise as above, a clock time ("10:30"), a weekday, a
// month, or a count of minutes, hours or days ("3 to 5 days", "5-7 business days") — what answers
// "when?".
bool names_a_time(std::string_view text, TimeMs sent, const std::string& time_zone);

// The words the promise reader reads in `folded` (the text case-folded, kFoldCaseOnly): runs of
// ASCII letters and digits and of bytes above 0x7F, with ": . / ," between two digits kept inside
// ("18:00", "25.11.2026", "1,5"); at most 5001.
std::vector<std::string> promise_words(std::string_view folded);

class LexData;
// Builds the tables of weekday and month names, number words, grammar words and the phrases that
// name a time (conf/lexicons/all/weekday.txt, month.txt, number.txt, promise.txt,
// promise-idiom.txt) from `data` (once per data set); throws naming a malformed entry.
void check_promise_tables(const LexData& data);

}  // namespace sm
