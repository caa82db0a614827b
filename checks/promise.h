// Acknowledgements and the times they promise, in English, Spanish and Russian. A reply that
// only acknowledges ("received, we will answer by ...") counts as contact for the SLA; the time it
// promises is kept, and a promise_missed event fires when no substantive reply followed by then.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "message/datetime.h"

namespace sm {

struct Acknowledgement {
  bool only_acknowledges = false;  // short, with an acknowledgement phrase, nothing more
  std::string phrase;              // the acknowledgement phrase found
  std::optional<TimeMs> promised;  // the time promised, when one is stated
  std::string promise;             // the words that state it ("within 2 hours", "завтра до 18:00")
};

// Reads the new text of an outbound message sent at `sent`. Local days and clock times ("today",
// "tomorrow at 10:00", "до 18:00") are read in `time_zone` (an ICU/Olson id, e.g. "Europe/Madrid").
Acknowledgement read_acknowledgement(std::string_view new_text, TimeMs sent, const std::string& time_zone = "UTC");

// The promised time alone (for any text).
std::optional<TimeMs> find_promise(std::string_view text, TimeMs sent, const std::string& time_zone, std::string* words);

}  // namespace sm
