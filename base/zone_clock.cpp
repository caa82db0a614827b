// Local time through ICU's zone offsets; local dates through <chrono>'s civil calendar.
#include "base/zone_clock.h"

#include <unicode/timezone.h>
#include <unicode/unistr.h>

#include <chrono>

namespace sm {

namespace {

using std::chrono::days;
using std::chrono::milliseconds;
using std::chrono::sys_days;
using std::chrono::sys_time;

sys_days local_date(std::int64_t local) { return std::chrono::floor<days>(sys_time<milliseconds>(milliseconds(local))); }

std::int64_t zone_offset(const icu::TimeZone& zone, std::int64_t t, bool local) {
  int32_t raw = 0, dst = 0;
  UErrorCode err = U_ZERO_ERROR;
  zone.getOffset(static_cast<UDate>(t), local, raw, dst, err);
  return U_FAILURE(err) ? 0 : static_cast<std::int64_t>(raw) + dst;
}

}  // namespace

ZoneClock::ZoneClock(const std::string& time_zone)
    : zone_(icu::TimeZone::createTimeZone(icu::UnicodeString::fromUTF8(time_zone))) {}
ZoneClock::~ZoneClock() = default;
ZoneClock::ZoneClock(const ZoneClock& other) : zone_(other.zone_->clone()) {}
ZoneClock& ZoneClock::operator=(const ZoneClock& other) {
  if (this != &other) zone_.reset(other.zone_->clone());
  return *this;
}

std::int64_t ZoneClock::offset(std::int64_t utc) const { return zone_offset(*zone_, utc, false); }

std::int64_t ZoneClock::offset_at_local(std::int64_t local) const { return zone_offset(*zone_, local, true); }

std::int64_t ZoneClock::local_day(std::int64_t utc) const {
  return local_date(utc + offset(utc)).time_since_epoch().count();
}

std::int64_t ZoneClock::day_start(std::int64_t utc, int n) const {
  const std::int64_t midnight =
      std::chrono::duration_cast<milliseconds>((local_date(utc + offset(utc)) + days(n)).time_since_epoch()).count();
  return midnight - offset(midnight);
}

int ZoneClock::weekday(std::int64_t utc) const {
  return static_cast<int>(std::chrono::weekday(local_date(utc + offset(utc))).c_encoding());
}

int ZoneClock::month(std::int64_t utc) const {
  return static_cast<int>(static_cast<unsigned>(std::chrono::year_month_day(local_date(utc + offset(utc))).month()));
}

int ZoneClock::year(std::int64_t utc) const {
  return static_cast<int>(std::chrono::year_month_day(local_date(utc + offset(utc))).year());
}

std::optional<std::int64_t> ZoneClock::date(int y, int m, int d) const {
  const std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{static_cast<unsigned>(m)},
                                        std::chrono::day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  const std::int64_t local = std::chrono::duration_cast<milliseconds>(sys_days(ymd).time_since_epoch()).count();
  return local - offset(local);
}

}  // namespace sm
