// Sendmail's quarantine, read from its queue directory: a quarantined message is a control file
// hf<id> (its qf file, renamed when it was quarantined; the `q` line holds the reason) and a
// data file df<id>. The queue directory is the QueueDirectory option of sendmail.cf.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "mta/held.h"

namespace sm {

// One control file's text (qf or hf) as a queue entry of `queue_id`: its T (creation time), S
// (sender), R (undelivered recipients) and q (quarantine reason) lines. A quarantined entry has
// queue_name "hold", any other "queued". Nothing (and `error` says why) when the text is not a
// complete control file.
std::optional<QueueEntry> parse_sendmail_control_file(const std::string& text, const std::string& queue_id,
                                                      std::string* error);

// The QueueDirectory option of a sendmail.cf's text ("O QueueDirectory=/var/spool/mqueue");
// empty when the file sets none.
std::string sendmail_queue_directory(const std::string& cf_text);

// Where a queue directory keeps control and data files: its qf/ and df/ subdirectories when it
// has them, else the directory itself.
struct SendmailQueuePaths {
  std::string control_dir;
  std::string data_dir;
};
SendmailQueuePaths sendmail_queue_paths(const std::string& queue_dir);

// The quarantined messages of a queue directory (every hf file), their sizes from the df files.
// A file that cannot be read or parsed is still a quarantined message: it is listed with its id
// only and named in `problems` ("FILE: why; listed by its id only"). False when the directory
// itself cannot be read.
bool read_sendmail_quarantine(const std::string& queue_dir, std::vector<QueueEntry>* entries,
                              std::vector<std::string>* problems);

}  // namespace sm
