// The clock SLA times are measured on. The default is the customer's clock, 24x7: weekends and
// holidays count. An organisation may choose a business calendar instead (working hours on
// working days, minus holidays, in a time zone through ICU, daylight-saving changes included).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "message/datetime.h"

namespace sm {

struct BusinessHours {
  std::string time_zone = "UTC";
  int open_minute = 9 * 60;    // local minutes after midnight
  int close_minute = 18 * 60;
  std::vector<int> weekdays = {1, 2, 3, 4, 5};  // 0 = Sunday
  std::vector<std::string> holidays;            // "YYYY-MM-DD", local dates
};

class SlaCalendar {
 public:
  // 24x7.
  SlaCalendar();
  explicit SlaCalendar(BusinessHours hours);
  ~SlaCalendar();
  SlaCalendar(const SlaCalendar&);
  SlaCalendar& operator=(const SlaCalendar&);

  bool business() const;
  // Seconds of the clock between two times (0 when to <= from).
  std::int64_t elapsed_s(TimeMs from, TimeMs to) const;
  // The time at which `seconds` of the clock have passed since `from`.
  TimeMs add(TimeMs from, std::int64_t seconds) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sm
