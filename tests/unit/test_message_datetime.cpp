// Dates in, RFC 3339 out.
#include <gtest/gtest.h>

#include "message/datetime.h"

namespace sm {
namespace {

struct Case {
  const char* label;
  const char* raw;
  const char* want;  // RFC 3339, or nullptr for unreadable
};

TEST(Datetime, MailDates) {
  const Case cases[] = {
      {"rfc 5322", "Mon, 02 Nov 2026 09:00:00 +0000", "2026-11-02T09:00:00Z"},
      {"offset", "Tue, 03 Nov 2026 08:00:00 +0100", "2026-11-03T07:00:00Z"},
      {"negative offset", "Tue, 03 Nov 2026 08:00:00 -0530", "2026-11-03T13:30:00Z"},
      {"no weekday", "3 Nov 2026 08:00:00 +0000", "2026-11-03T08:00:00Z"},
      {"no seconds", "3 Nov 2026 08:00 +0000", "2026-11-03T08:00:00Z"},
      {"zone name", "3 Nov 2026 08:00:00 EST", "2026-11-03T13:00:00Z"},
      {"gmt", "3 Nov 2026 08:00:00 GMT", "2026-11-03T08:00:00Z"},
      {"comment", "Mon, 2 Nov 2026 09:00:00 +0100 (CET)", "2026-11-02T08:00:00Z"},
      {"two-digit year", "2 Nov 26 09:00:00 +0000", "2026-11-02T09:00:00Z"},
      {"old two-digit year", "2 Nov 99 09:00:00 +0000", "1999-11-02T09:00:00Z"},
      {"1970", "Thu, 01 Jan 1970 00:00:00 +0000", "1970-01-01T00:00:00Z"},
      {"2100", "Fri, 01 Jan 2100 00:00:00 +0000", "2100-01-01T00:00:00Z"},
      {"lower-case month", "2 nov 2026 09:00:00 +0000", "2026-11-02T09:00:00Z"},
      {"military zone", "2 Nov 2026 09:00:00 Z", "2026-11-02T09:00:00Z"},
      {"impossible day", "31 Feb 2026 09:00:00 +0000", nullptr},
      {"garbage", "yesterday", nullptr},
      {"empty", "", nullptr},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.label);
    auto t = parse_mail_date(c.raw);
    if (c.want == nullptr) {
      EXPECT_FALSE(t.has_value());
    } else {
      ASSERT_TRUE(t.has_value());
      EXPECT_EQ(format_rfc3339(*t), c.want);
    }
  }
}

TEST(Datetime, Rfc3339) {
  EXPECT_EQ(parse_rfc3339("2026-11-22T14:00:00Z"), parse_mail_date("22 Nov 2026 14:00:00 +0000"));
  EXPECT_EQ(format_rfc3339_ms(*parse_rfc3339("2026-11-22T14:00:00.5+01:00")), "2026-11-22T13:00:00.500Z");
  EXPECT_FALSE(parse_rfc3339("2026-11-22").has_value());
  EXPECT_FALSE(parse_rfc3339("2026-11-22T14:00:00").has_value());
}

}  // namespace
}  // namespace sm
