// The MTA that holds mail: Postfix's hold queue or Sendmail's quarantine behind one interface,
// each in its own file (postfix_mta.cpp, sendmail_mta.cpp). The admin commands (held, release,
// discard) and the daemon's sweep (hold_sweep.h) both work through it; what goes wrong is said
// through the Complain sink its user gives (stderr for a command, the log for the daemon).
#pragma once
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "mta/held.h"

namespace sm {

struct Config;

// The MTA to work on and how to reach it: the config's [mta] section.
struct MtaSettings {
  std::vector<std::string> sendmail_command;
  std::string sendmail_cf;  // as given with -C; empty: Sendmail's own
  std::string postfix_dir;  // Postfix's configuration directory; empty: Postfix's default
  std::string mail_log;     // the MTA's mail log; empty: Postfix's maillog_file, else /var/log/mail.log
};

// Told of each problem, one line without the program's name.
using Complain = std::function<void(const std::string& problem)>;

// How a message that was held left the hold queue (release or deletion by the MTA's own commands,
// or by hand), and what showed it.
struct HoldExit {
  enum class Way { released, deleted, unknown };
  Way way = Way::unknown;
  std::string evidence;  // "queue" (seen in another queue), "log" (the mail log), "none"
  std::string detail;    // one line for people: where it was seen
};

class Mta {
 public:
  virtual ~Mta() = default;
  // The messages the MTA keeps (Postfix: its whole queue; Sendmail: its quarantine), the held
  // ones with queue_name "hold". False, complained, when they cannot be read.
  virtual bool read_queue(std::vector<QueueEntry>* entries) = 0;
  // Why `queue_id` cannot be released or discarded, written after the id: `found` is its entry
  // of read_queue (not held), or null when it has none.
  virtual std::string not_held(const std::string& queue_id, const QueueEntry* found) = 0;
  // The held message `queue_id` of `queue` (read_queue) delivered now, or deleted: 0, or the exit
  // code (base/exit_codes.h) with what went wrong complained.
  virtual int release(const std::string& queue_id, const std::vector<QueueEntry>& queue) = 0;
  virtual int discard(const std::string& queue_id) = 0;
  // The held message `queue_id` as it would leave: its header and body (a queue run of read_queue
  // comes first). False, complained, when it cannot be read.
  virtual bool read_message(const std::string& queue_id, std::string* bytes) = 0;
  // What became of each of `queue_ids`, held once and not in the hold queue of `queue` (a
  // read_queue listing) any more: Postfix and Sendmail each say in their file how they tell.
  virtual std::map<std::string, HoldExit> left_hold(const std::vector<std::string>& queue_ids,
                                                    const std::vector<QueueEntry>& queue) = 0;
};

std::unique_ptr<Mta> postfix_mta(const MtaSettings& settings, Complain complain);
std::unique_ptr<Mta> sendmail_mta(const MtaSettings& settings, Complain complain);
// The MTA of the config's mta.kind, with its [mta] settings; `postfix_dir`, when given, instead of
// mta.postfix_config.
std::unique_ptr<Mta> mta_of(const Config& cfg, Complain complain, const std::string& postfix_dir = "");

// The mail log read from its end: at most `max_bytes` (the newest lines; a cut first line is
// dropped). False when the file cannot be read.
bool read_mail_log_tail(const std::string& path, std::size_t max_bytes, std::string* text);

// Postfix's mail log lines in `log` (oldest first) read for each id of `exits`, from the last line
// that says it was held (cleanup's "milter-hold:" or "hold:", postsuper's "placed on hold": a
// short queue id is used again in time): postsuper's "released from hold" (-H) or "requeued" (-r,
// which takes a message out of hold too) says released, its
// "removed" deleted; a "removed" line of another program (qmgr, once it was delivered or returned;
// a held message never reaches qmgr before its release) says released, unless postsuper spoke.
void read_postfix_log(std::string_view log, const std::string& log_name,
                      std::map<std::string, HoldExit>* exits);
// Sendmail's mail log lines in `log` read for each id of `exits`: a delivery line ("to=...,
// stat=") or an "unquarantine" line says it was released; nothing tells a deletion (a removed
// qf/hf file leaves no line), so what the log does not name stays unknown.
void read_sendmail_log(std::string_view log, const std::string& log_name,
                       std::map<std::string, HoldExit>* exits);

}  // namespace sm
