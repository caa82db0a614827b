// Times: RFC 5322 Date headers in, RFC 3339 out. All times are UTC milliseconds since the epoch.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sm {

using TimeMs = std::int64_t;

// RFC 5322 date-time, with the obsolete forms real mail uses (no weekday, 2-digit years, zone
// names like GMT/EST/UT, missing seconds, comments). nullopt when it cannot be read.
std::optional<TimeMs> parse_mail_date(std::string_view raw);

// RFC 3339 ("2026-11-22T14:00:00Z", "...+01:00", fractional seconds).
std::optional<TimeMs> parse_rfc3339(std::string_view s);

// "2026-11-22T14:00:00.123Z"
std::string format_rfc3339_ms(TimeMs t);
// "2026-11-22T14:00:00Z"
std::string format_rfc3339(TimeMs t);

TimeMs now_ms();

}  // namespace sm
