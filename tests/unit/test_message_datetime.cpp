// Dates in (RFC 5322 with its obsolete forms, RFC 3339), RFC 3339 out. Each table row names its
// case; a failure names the row.
#include <gtest/gtest.h>

#include <string>

#include "message/datetime.h"

namespace sm {
namespace {

struct Case {
  const char* label;
  std::string raw;
  const char* want;  // RFC 3339, or nullptr for unreadable
};

void check(const Case& c, std::optional<TimeMs> t, std::string (*format)(TimeMs)) {
  if (c.want == nullptr) {
    EXPECT_FALSE(t.has_value()) << c.label << ": read as " << (t ? format(*t) : "");
  } else {
    ASSERT_TRUE(t.has_value()) << c.label;
    EXPECT_EQ(format(*t), c.want) << c.label;
  }
}

TEST(Datetime, MailDates) {
  const Case cases[] = {
      {"rfc 5322", "Mon, 02 Nov 2026 09:00:00 +0000", "2026-11-02T09:00:00Z"},
      {"offset", "Tue, 03 Nov 2026 08:00:00 +0100", "2026-11-03T07:00:00Z"},
      {"negative offset", "Tue, 03 Nov 2026 08:00:00 -0530", "2026-11-03T13:30:00Z"},
      {"offset crosses the day", "Sun, 01 Nov 2026 00:30:00 +0300", "2026-10-31T21:30:00Z"},
      {"offset crosses the year", "Thu, 31 Dec 2026 23:00:00 -0200", "2027-01-01T01:00:00Z"},
      {"minus zero zone", "2 Nov 2026 09:00:00 -0000", "2026-11-02T09:00:00Z"},
      {"no weekday", "3 Nov 2026 08:00:00 +0000", "2026-11-03T08:00:00Z"},
      {"one-digit day", "Tue, 3 Nov 2026 08:00:00 +0000", "2026-11-03T08:00:00Z"},
      {"no seconds", "3 Nov 2026 08:00 +0000", "2026-11-03T08:00:00Z"},
      {"one-digit hour", "3 Nov 2026 8:05:09 +0000", "2026-11-03T08:05:09Z"},
      {"leap second", "31 Dec 2016 23:59:60 +0000", "2017-01-01T00:00:00Z"},
      {"ut", "3 Nov 2026 08:00:00 UT", "2026-11-03T08:00:00Z"},
      {"gmt", "3 Nov 2026 08:00:00 GMT", "2026-11-03T08:00:00Z"},
      {"est", "3 Nov 2026 08:00:00 EST", "2026-11-03T13:00:00Z"},
      {"edt", "3 Jul 2026 08:00:00 EDT", "2026-07-03T12:00:00Z"},
      {"cst", "3 Nov 2026 08:00:00 CST", "2026-11-03T14:00:00Z"},
      {"cdt", "3 Jul 2026 08:00:00 CDT", "2026-07-03T13:00:00Z"},
      {"mst", "3 Nov 2026 08:00:00 MST", "2026-11-03T15:00:00Z"},
      {"mdt", "3 Jul 2026 08:00:00 MDT", "2026-07-03T14:00:00Z"},
      {"pst", "3 Nov 2026 08:00:00 PST", "2026-11-03T16:00:00Z"},
      {"pdt", "3 Jul 2026 08:00:00 PDT", "2026-07-03T15:00:00Z"},
      {"lower-case zone", "3 Nov 2026 08:00:00 pst", "2026-11-03T16:00:00Z"},
      {"military z", "2 Nov 2026 09:00:00 Z", "2026-11-02T09:00:00Z"},
      {"military letter read as +0000", "2 Nov 2026 09:00:00 A", "2026-11-02T09:00:00Z"},
      {"unknown zone name read as +0000", "2 Nov 2026 09:00:00 XYZ", "2026-11-02T09:00:00Z"},
      {"no zone", "2 Nov 2026 09:00:00", "2026-11-02T09:00:00Z"},
      {"comment", "Mon, 2 Nov 2026 09:00:00 +0100 (CET)", "2026-11-02T08:00:00Z"},
      {"comments everywhere", "(x) Mon, (y) 2 Nov (z (nested)) 2026 09:00:00 +0100", "2026-11-02T08:00:00Z"},
      {"extra spaces and folding", "  Mon,   2  Nov\r\n 2026   09:00:00   +0100  ", "2026-11-02T08:00:00Z"},
      {"no space after comma", "Mon,2 Nov 2026 09:00:00 +0000", "2026-11-02T09:00:00Z"},
      {"full weekday and month", "Monday, 2 November 2026 09:00:00 +0000", "2026-11-02T09:00:00Z"},
      {"two-digit year 2000s", "2 Nov 26 09:00:00 +0000", "2026-11-02T09:00:00Z"},
      {"two-digit year 49", "2 Nov 49 09:00:00 +0000", "2049-11-02T09:00:00Z"},
      {"two-digit year 50", "2 Nov 50 09:00:00 +0000", "1950-11-02T09:00:00Z"},
      {"two-digit year 99", "2 Nov 99 09:00:00 +0000", "1999-11-02T09:00:00Z"},
      {"three-digit year", "2 Nov 126 09:00:00 +0000", "2026-11-02T09:00:00Z"},
      {"1970", "Thu, 01 Jan 1970 00:00:00 +0000", "1970-01-01T00:00:00Z"},
      {"before the epoch", "Wed, 31 Dec 1969 23:59:59 +0000", "1969-12-31T23:59:59Z"},
      {"2100", "Fri, 01 Jan 2100 00:00:00 +0000", "2100-01-01T00:00:00Z"},
      {"2100 is not a leap year", "29 Feb 2100 00:00:00 +0000", nullptr},
      {"2024 is a leap year", "29 Feb 2024 12:00:00 +0000", "2024-02-29T12:00:00Z"},
      {"lower-case month", "2 nov 2026 09:00:00 +0000", "2026-11-02T09:00:00Z"},
      {"upper-case month", "2 NOV 2026 09:00:00 +0000", "2026-11-02T09:00:00Z"},
      {"rfc 850", "Monday, 02-Nov-26 09:00:00 GMT", "2026-11-02T09:00:00Z"},
      {"asctime", "Mon Nov  2 09:00:00 2026", "2026-11-02T09:00:00Z"},
      {"date(1)", "Mon Nov  2 09:00:00 CET 2026", "2026-11-02T09:00:00Z"},
      {"zone glued to the time", "2 Nov 2026 09:00:00+0100", "2026-11-02T08:00:00Z"},
      {"iso 8601 stand-in", "2026-11-02T09:00:00+01:00", "2026-11-02T08:00:00Z"},
      {"impossible day", "31 Feb 2026 09:00:00 +0000", nullptr},
      {"day zero", "0 Nov 2026 09:00:00 +0000", nullptr},
      {"hour 24", "2 Nov 2026 24:00:00 +0000", nullptr},
      {"minute 60", "2 Nov 2026 09:60:00 +0000", nullptr},
      {"second 61", "2 Nov 2026 09:00:61 +0000", nullptr},
      {"zone out of range", "2 Nov 2026 09:00:00 +2500", nullptr},
      {"unknown month", "2 Foo 2026 09:00:00 +0000", nullptr},
      {"year before 1900", "2 Nov 1899 09:00:00 +0000", nullptr},
      {"five-digit year", "2 Nov 20260 09:00:00 +0000", nullptr},
      {"no time", "2 Nov 2026", nullptr},
      {"huge numbers", "99999999999999999999 Nov 2026 99999999999999:00:00 +0000", nullptr},
      {"garbage", "yesterday", nullptr},
      {"empty", "", nullptr},
      {"only a comment", "(Mon, 2 Nov 2026 09:00:00 +0000)", nullptr},
      {"long garbage", std::string(1 << 20, '('), nullptr},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.label);
    check(c, parse_mail_date(c.raw), format_rfc3339);
  }
}

TEST(Datetime, Rfc3339) {
  const Case cases[] = {
      {"utc", "2026-11-22T14:00:00Z", "2026-11-22T14:00:00.000Z"},
      {"lower-case t and z", "2026-11-22t14:00:00z", "2026-11-22T14:00:00.000Z"},
      {"space separator", "2026-11-22 14:00:00Z", "2026-11-22T14:00:00.000Z"},
      {"offset", "2026-11-22T14:00:00+01:00", "2026-11-22T13:00:00.000Z"},
      {"negative offset", "2026-11-22T14:00:00-05:30", "2026-11-22T19:30:00.000Z"},
      {"fraction", "2026-11-22T14:00:00.5+01:00", "2026-11-22T13:00:00.500Z"},
      {"milliseconds", "2026-11-22T14:00:00.123Z", "2026-11-22T14:00:00.123Z"},
      {"microseconds truncated", "2026-11-22T14:00:00.123456Z", "2026-11-22T14:00:00.123Z"},
      {"1970", "1970-01-01T00:00:00Z", "1970-01-01T00:00:00.000Z"},
      {"before the epoch with fraction", "1969-12-31T23:59:59.250Z", "1969-12-31T23:59:59.250Z"},
      {"2100", "2100-12-31T23:59:59Z", "2100-12-31T23:59:59.000Z"},
      {"date only", "2026-11-22", nullptr},
      {"no zone", "2026-11-22T14:00:00", nullptr},
      {"empty fraction", "2026-11-22T14:00:00.Z", nullptr},
      {"bad separator", "2026-11-22X14:00:00Z", nullptr},
      {"signs in fields", "2026-+1-22T14:00:00Z", nullptr},
      {"impossible date", "2026-02-30T14:00:00Z", nullptr},
      {"hour 24", "2026-11-22T24:00:00Z", nullptr},
      {"bad offset", "2026-11-22T14:00:00+25:00", nullptr},
      {"trailing garbage", "2026-11-22T14:00:00Zjunk", nullptr},
      {"empty", "", nullptr},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.label);
    check(c, parse_rfc3339(c.raw), format_rfc3339_ms);
  }
}

struct FormatCase {
  const char* label;
  TimeMs t;
  const char* ms;
  const char* plain;
};

TEST(Datetime, Format) {
  const FormatCase cases[] = {
      {"epoch", 0, "1970-01-01T00:00:00.000Z", "1970-01-01T00:00:00Z"},
      {"with milliseconds", 1795356000123, "2026-11-22T14:00:00.123Z", "2026-11-22T14:00:00Z"},
      {"one millisecond before the epoch", -1, "1969-12-31T23:59:59.999Z", "1969-12-31T23:59:59Z"},
      {"2100", 4102444800000, "2100-01-01T00:00:00.000Z", "2100-01-01T00:00:00Z"},
      {"far future clamped", INT64_MAX, "9999-12-31T23:59:59.999Z", "9999-12-31T23:59:59Z"},
      {"far past clamped", INT64_MIN, "0001-01-01T00:00:00.000Z", "0001-01-01T00:00:00Z"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(format_rfc3339_ms(c.t), c.ms) << c.label;
    EXPECT_EQ(format_rfc3339(c.t), c.plain) << c.label;
  }
}

TEST(Datetime, RoundTripAndNow) {
  const TimeMs t = now_ms();
  EXPECT_GT(t, 1700000000000);  // after November 2023
  EXPECT_EQ(parse_rfc3339(format_rfc3339_ms(t)), t);
  EXPECT_EQ(parse_rfc3339("2026-11-22T14:00:00Z"), parse_mail_date("Sun, 22 Nov 2026 14:00:00 +0000"));
}

}  // namespace
}  // namespace sm
