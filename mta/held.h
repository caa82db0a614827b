// Held mail: Postfix's hold queue (postqueue -j) or Sendmail's quarantine joined with the audit log's message records by
// queue id, so each held message shows the rules and the reason that held it; the `held` command's
// table and JSON.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pipeline/audit_record.h"

namespace sm {

struct QueueEntry {
  std::string queue_name;  // hold, incoming, active, deferred, ...
  std::string queue_id;
  std::int64_t arrival_time = 0;  // seconds since the epoch
  std::int64_t message_size = 0;
  std::string sender;
  std::vector<std::string> recipients;
  std::string hold_reason;  // Sendmail's quarantine reason; Postfix keeps none
};

struct HeldMessage {
  QueueEntry queue;
  bool audited = false;       // a message record with this queue id was found
  std::string time;           // of the audit record
  std::string message_id;
  std::string thread_id;
  std::string direction;
  std::string author;
  std::string action;         // hold, or what enforce mode decided
  std::string reason;         // hold_reason of the record
  std::vector<FindingRecord> findings;  // failing findings with the hold action
  std::string settled;  // "release" or "discard": such a record (of this instance) follows the message record
};

// Held entries of `queue` (queue_name "hold") joined with the audit records in `audit_texts`
// (contents of audit files, oldest first). `instance`, when given, counts only the release and
// discard records of that instance for `settled`. A record of a held message with a field of the wrong
// type is left out and named in `problems` ("PLACE:LINE: what; record skipped").
std::vector<HeldMessage> join_held(const std::vector<QueueEntry>& queue,
                                   const std::vector<std::string>& audit_texts,
                                   std::vector<std::string>* problems = nullptr, const std::string& instance = "");
// The same, reading audit files line by line (they can be large); `unreadable` gets the files that
// could not be opened, `problems` the records left out (FILE:LINE).
std::vector<HeldMessage> join_held_files(const std::vector<QueueEntry>& queue,
                                         const std::vector<std::string>& files,
                                         std::vector<std::string>* unreadable,
                                         std::vector<std::string>* problems = nullptr,
                                         const std::string& instance = "");

// The audit files to search: `path` and its rotated siblings (<stem>-YYYYmmdd-...<ext>), oldest first.
std::vector<std::string> audit_files_oldest_first(const std::string& path);

// A queue id: 5 to 32 characters of [0-9A-Za-z] (Postfix's short and long forms, Sendmail's).
bool valid_queue_id(const std::string& id);

// A table for people; JSON for programs.
std::string format_held_text(const std::vector<HeldMessage>& held);
nlohmann::json held_json(const std::vector<HeldMessage>& held);

}  // namespace sm
