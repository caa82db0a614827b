// Operational log (not the audit log): syslog or stderr through Boost.Log, with the queue id and
// rule id as attributes. Messages are lower-case, specific, and quote the bad value.
#pragma once
#include <string>
#include <string_view>

namespace sm {

enum class Severity { debug, info, warning, error };

// Sets the target ("syslog" or "stderr"), least severity and syslog facility. May be called again
// (on reload) while other threads log: the same target keeps its sink and only the severity
// changes; a new target or facility gets a new sink, and the old one is kept, never destroyed
// under a thread still writing through it. Before the first call, warnings and errors go to stderr.
void init_oplog(const std::string& target, const std::string& level, const std::string& facility);

void oplog(Severity s, std::string_view message, std::string_view queue_id = {},
           std::string_view rule = {});

}  // namespace sm
