// Local time in a time zone through ICU, daylight-saving changes included: the UTC offset at an
// instant or at a local wall time, local days and dates. Times are milliseconds since the epoch.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <unicode/uversion.h>

U_NAMESPACE_BEGIN
class TimeZone;
U_NAMESPACE_END

namespace sm {

class ZoneClock {
 public:
  // An IANA zone name ("Europe/Madrid"); ICU reads a name it does not know as UTC.
  explicit ZoneClock(const std::string& time_zone);
  ~ZoneClock();
  ZoneClock(const ZoneClock& other);
  ZoneClock& operator=(const ZoneClock& other);

  // The offset from UTC, in ms, at the instant `utc`, and in force at the local wall time `local`.
  std::int64_t offset(std::int64_t utc) const;
  std::int64_t offset_at_local(std::int64_t local) const;
  // The local day of an instant, counted from 1970-01-01 (local).
  std::int64_t local_day(std::int64_t utc) const;
  // Local midnight, as an instant, of the day `days` after the local day of `utc`.
  std::int64_t day_start(std::int64_t utc, int days) const;
  // The local weekday (0 = Sunday), month (1-12) and year of an instant.
  int weekday(std::int64_t utc) const;
  int month(std::int64_t utc) const;
  int year(std::int64_t utc) const;
  // Local midnight of a date, as an instant; none for a date that does not exist.
  std::optional<std::int64_t> date(int year, int month, int day) const;

 private:
  std::unique_ptr<icu::TimeZone> zone_;
};

}  // namespace sm
