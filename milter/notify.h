// Notices to a rule's `notify` address when a message is held or rejected. Submitted through the
// local MTA's sendmail command with a null envelope sender and an X-Support-Milter-Notice header,
// which the pipeline recognises so a notice never goes through the rules itself.
#pragma once
#include <string>
#include <vector>

#include "core/pipeline.h"  // kNoticeHeader

namespace sm {

struct Notice {
  std::string to;       // one address
  std::string subject;  // UTF-8
  std::string body;     // UTF-8 plain text
};

// Submits in the background (the milter callback does not wait); failures are logged.
void send_notice(const std::vector<std::string>& command, const std::string& from, const Notice& n);


}  // namespace sm
