// The MTA that holds mail, as `held`, `release` and `discard` see it: Postfix's hold queue or
// Sendmail's quarantine behind one interface, each in its own file (postfix_mta.cpp,
// sendmail_mta.cpp) over the programs mta_process.h runs.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "tools/held.h"

namespace sm {

// The MTA to work on and how to reach it: the config's [mta] section.
struct MtaSettings {
  std::vector<std::string> sendmail_command;
  std::string sendmail_cf;  // as given with -C; empty: Sendmail's own
  std::string postfix_dir;  // Postfix's configuration directory; empty: Postfix's default
};

class Mta {
 public:
  virtual ~Mta() = default;
  // The messages the MTA keeps (Postfix: its whole queue; Sendmail: its quarantine), the held
  // ones with queue_name "hold". False, said on stderr, when they cannot be read.
  virtual bool read_queue(std::vector<QueueEntry>* entries) = 0;
  // Why `queue_id` cannot be released or discarded, written after the id: `found` is its entry
  // of read_queue (not held), or null when it has none.
  virtual std::string not_held(const std::string& queue_id, const QueueEntry* found) = 0;
  // The held message `queue_id` of `queue` (read_queue) delivered now, or deleted: 0, or the exit
  // code with what went wrong said on stderr.
  virtual int release(const std::string& queue_id, const std::vector<QueueEntry>& queue) = 0;
  virtual int discard(const std::string& queue_id) = 0;
  // The held message `queue_id` as it would leave: its header and body (a queue run of read_queue
  // comes first). False, said on stderr, when it cannot be read.
  virtual bool read_message(const std::string& queue_id, std::string* bytes) = 0;
};

// `command` names the command in the messages on stderr.
std::unique_ptr<Mta> postfix_mta(const MtaSettings& settings, const char* command);
std::unique_ptr<Mta> sendmail_mta(const MtaSettings& settings, const char* command);

}  // namespace sm
