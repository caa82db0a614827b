// SLA calendars: 24x7 by default; a business calendar skips nights, weekends and holidays and
// measures days with a daylight-saving change as they really are.
#include <gtest/gtest.h>

#include "sla/calendar.h"
#include "sla/clock.h"

namespace sm {
namespace {

TimeMs at(const char* rfc3339) { return *parse_rfc3339(rfc3339); }

BusinessHours madrid() {
  BusinessHours h;
  h.time_zone = "Europe/Madrid";
  h.holidays = {"2026-12-25"};
  return h;
}

struct Case {
  const char* label;
  const char* from;
  const char* to;
  std::int64_t want_s;
};

TEST(Calendar, BusinessElapsed) {
  SlaCalendar cal(madrid());
  const Case cases[] = {
      {"within one day", "2026-11-04T09:00:00+01:00", "2026-11-04T11:30:00+01:00", 9000},
      {"before opening counts from opening", "2026-11-04T07:00:00+01:00", "2026-11-04T10:00:00+01:00", 3600},
      {"overnight", "2026-11-04T17:00:00+01:00", "2026-11-05T10:00:00+01:00", 7200},
      {"friday evening to monday morning", "2026-11-20T17:00:00+01:00", "2026-11-23T10:00:00+01:00", 7200},
      {"whole weekend is zero", "2026-11-21T10:00:00+01:00", "2026-11-22T18:00:00+01:00", 0},
      {"holiday skipped", "2026-12-24T17:00:00+01:00", "2026-12-28T10:00:00+01:00", 7200},
      // DST ends in Madrid on Sunday 2026-10-25: Friday 17:00 CEST (+02) to Monday 10:00 CET (+01).
      {"across the DST change", "2026-10-23T17:00:00+02:00", "2026-10-26T10:00:00+01:00", 7200},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.label);
    EXPECT_EQ(cal.elapsed_s(at(c.from), at(c.to)), c.want_s);
  }
}

TEST(Calendar, AddIsTheInverse) {
  SlaCalendar cal(madrid());
  // Two business hours from Friday 17:00: Monday 10:00.
  EXPECT_EQ(format_rfc3339(cal.add(at("2026-11-20T17:00:00+01:00"), 7200)), "2026-11-23T09:00:00Z");
  // 24x7: plain seconds.
  SlaCalendar plain;
  EXPECT_FALSE(plain.business());
  EXPECT_EQ(plain.elapsed_s(at("2026-11-20T17:00:00Z"), at("2026-11-23T10:00:00Z")), 65 * 3600);
  EXPECT_EQ(plain.add(0, 10), 10000);
}

TEST(Calendar, SlaStatusOnABusinessClock) {
  SlaSettings s;
  s.calendar = SlaCalendar(madrid());
  ThreadSla state;
  sla_on_message(state, Direction::inbound, at("2026-11-20T17:00:00+01:00"), s);
  auto r = sla_on_message(state, Direction::outbound, at("2026-11-23T10:00:00+01:00"), s);
  EXPECT_EQ(r.latency_s, 7200);
  EXPECT_EQ(r.status, SlaStatus::within_target);  // on the 24x7 default this is breached (65 h)
}

}  // namespace
}  // namespace sm
