// SLA calendars. A business calendar walks local days (at most ten years) and adds the overlap
// of each working day's hours with the interval; local times become UTC through ICU's zone
// offsets, so a day with a daylight-saving change is as long as it really is.
#include "sla/calendar.h"

#include <algorithm>
#include <optional>

#include "base/zone_clock.h"

namespace sm {

struct SlaCalendar::Impl {
  bool business = false;
  BusinessHours hours;
  std::optional<ZoneClock> zone;

  bool working(std::int64_t day) const {
    int weekday = static_cast<int>(((day % 7) + 7 + 4) % 7);  // 1970-01-01 was a Thursday (4)
    if (std::find(hours.weekdays.begin(), hours.weekdays.end(), weekday) == hours.weekdays.end()) return false;
    std::string date = format_rfc3339(day * 86400000).substr(0, 10);
    return std::find(hours.holidays.begin(), hours.holidays.end(), date) == hours.holidays.end();
  }
  // Working window of a local day, as UTC times.
  std::pair<TimeMs, TimeMs> window(std::int64_t day) const {
    TimeMs open_local = day * 86400000 + hours.open_minute * 60000LL;
    TimeMs close_local = day * 86400000 + hours.close_minute * 60000LL;
    return {open_local - zone->offset_at_local(open_local), close_local - zone->offset_at_local(close_local)};
  }
};

SlaCalendar::SlaCalendar() : impl_(std::make_unique<Impl>()) {}

SlaCalendar::SlaCalendar(BusinessHours hours) : impl_(std::make_unique<Impl>()) {
  impl_->business = true;
  impl_->zone.emplace(hours.time_zone);
  impl_->hours = std::move(hours);
}

SlaCalendar::~SlaCalendar() = default;

SlaCalendar::SlaCalendar(const SlaCalendar& o) : impl_(std::make_unique<Impl>(*o.impl_)) {}

SlaCalendar& SlaCalendar::operator=(const SlaCalendar& o) {
  if (this != &o) *impl_ = *o.impl_;
  return *this;
}

bool SlaCalendar::business() const { return impl_->business; }

std::int64_t SlaCalendar::elapsed_s(TimeMs from, TimeMs to) const {
  if (to <= from) return 0;
  if (!impl_->business) return (to - from) / 1000;
  TimeMs total = 0;
  std::int64_t first = impl_->zone->local_day(from);
  std::int64_t last = std::min(impl_->zone->local_day(to), first + 3660);
  for (std::int64_t day = first; day <= last; ++day) {
    if (!impl_->working(day)) continue;
    auto [open, close] = impl_->window(day);
    TimeMs a = std::max(open, from);
    TimeMs b = std::min(close, to);
    if (b > a) total += b - a;
  }
  return total / 1000;
}

TimeMs SlaCalendar::add(TimeMs from, std::int64_t seconds) const {
  if (!impl_->business) return from + seconds * 1000;
  TimeMs left = seconds * 1000;
  std::int64_t first = impl_->zone->local_day(from);
  for (std::int64_t day = first; day <= first + 3660; ++day) {
    if (!impl_->working(day)) continue;
    auto [open, close] = impl_->window(day);
    TimeMs a = std::max(open, from);
    if (close <= a) continue;
    if (close - a >= left) return a + left;
    left -= close - a;
  }
  return from + seconds * 1000;  // no working time within ten years: fall back to the plain clock
}

}  // namespace sm
