// The audit record: one type per event, its JSON form, and the one way to write it and read it
// back. The milter (message, error), the daemon (start, stop, config), the sweeper's events
// (sla_warning, sla_breach, promise_missed, contact_gap), the admin tools (release, discard) write
// through write_audit_record / append_audit_record; report and held read through
// read_audit_record. The log itself (chain, seals, rotation) is audit/audit_log.h; it adds "time",
// "event", "seq", "prev" and "instance" around a record's own fields. README.md ("Audit log")
// describes the fields.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "audit/audit_log.h"
#include "audit/verify.h"
#include "sla/clock.h"

namespace sm {

// The form of the message record, in its "format" field. 1 (no field): every rule that did not
// pass is a finding. 2: a skip without evidence is named under its reason in "skipped"
// ({"not an outbound message": ["polite-tone", ...]}); read_audit_record reads both forms into the
// same MessageRecord.
inline constexpr int kMessageRecordFormat = 2;

// One finding of a message record: a rule that did not pass (a pass is named in "passed").
struct FindingRecord {
  std::string rule;
  std::string result;  // fail | skip | error
  std::string action;  // what config made of it
  std::string detail;  // one line for people
  nlohmann::json evidence;  // machine-readable; null when the rule gave none
};

// "message": what was decided for one message.
struct MessageRecord {
  static constexpr const char* kEvent = "message";
  std::string queue_id;
  std::string message_id;
  std::string thread_id;
  std::string direction;  // inbound | outbound | internal | other
  std::string direction_reason;
  std::string author;
  std::string customer;      // the customer of the conversation (or its token); empty for internal mail
  std::string message_time;  // RFC 3339, milliseconds
  std::string action;        // what the MTA was told
  std::string mode;          // enforce | observe
  std::vector<std::string> passed;
  std::vector<FindingRecord> findings;
  std::string config;    // digest of the config in force
  std::string lexicons;  // digest of the language data in force
  std::map<std::string, std::string> rules;  // every rule's version
  std::optional<std::string> would;          // observe mode: what enforce mode would do
  std::optional<std::string> error;
  bool deadline_passed = false;
  std::optional<std::string> hold_reason;
  std::optional<std::string> reply;  // the SMTP reply of a reject
  std::vector<std::string> notes;
  std::optional<SlaResult> sla;  // a reply's figures, or what became of a message that did not leave
  std::optional<std::string> thread_found_by;
  std::optional<std::string> language;
  std::optional<std::string> auth;  // the SMTP AUTH user
  std::optional<std::string> source;  // replay: the mailbox and message the record came from
  bool replay = false;

  // Replaces each address form by its token in every text of the record (longest forms first).
  void hide(const std::vector<std::pair<std::string, std::string>>& forms);
  // The failing rules, space-separated, in the order of the findings.
  std::string failing_rules() const;
};

// "release" and "discard": a held message that left the hold queue, and who decided.
struct SettleRecord {
  bool discard = false;  // the event: discard, else release
  std::string instance;  // the server whose MTA held it
  std::string queue_id;
  std::string by;      // who decided ("mta" when it left by other means)
  std::string reason;  // why
  std::string user;    // the login that ran the command (by "mta": the daemon's user)
  // By "mta" only: what showed how it left: "queue" (in another queue of the MTA), "log" (the
  // MTA's mail log), "none" (neither: a discard record, counted as not sent).
  std::string evidence;
  std::string sender;
  std::vector<std::string> recipients;
  // From the message's own record, when the log has it.
  bool audited = false;
  std::string message_id;
  std::string thread_id;
  std::string direction;
  std::string author;
  std::vector<std::string> rules;  // the rules that held it
  std::optional<SlaResult> sla;    // what the release did to the clock
  bool released = false;           // sla: the figures were computed at release
};

// The sweeper's events: sla_warning, sla_breach, promise_missed, contact_gap.
struct SlaEventRecord {
  SlaEvent sla;  // the event's name and figures
  std::string thread_id;
  std::string subject;
  TimeMs at = 0;
};

// "start", "stop", "config" (a reload, or a reload refused) and "error" (inside a callback).
struct StartRecord {
  static constexpr const char* kEvent = "start";
  std::string config;  // digest
  std::string path;
  std::string socket;
  long pid = 0;
};
struct StopRecord {
  static constexpr const char* kEvent = "stop";
  int in_flight = 0;
  long pid = 0;
};
struct ConfigRecord {
  static constexpr const char* kEvent = "config";
  std::string path;
  bool reload = false;           // true: the new config is in force
  std::string config;            // its digest, when in force
  std::optional<std::string> error;  // why it was refused
};
struct ErrorRecord {
  static constexpr const char* kEvent = "error";
  std::string queue_id;
  std::string where;
  std::string error;
  std::string action;  // accept | tempfail
};

nlohmann::json to_json(const MessageRecord& r);
nlohmann::json to_json(const SettleRecord& r);
nlohmann::json to_json(const SlaEventRecord& r);
nlohmann::json to_json(const StartRecord& r);
nlohmann::json to_json(const StopRecord& r);
nlohmann::json to_json(const ConfigRecord& r);
nlohmann::json to_json(const ErrorRecord& r);

const char* event_of(const MessageRecord&);
const char* event_of(const SettleRecord& r);
const char* event_of(const SlaEventRecord& r);
const char* event_of(const StartRecord&);
const char* event_of(const StopRecord&);
const char* event_of(const ConfigRecord&);
const char* event_of(const ErrorRecord&);

// Writes a record to the daemon's log (false: not written, logged why).
template <class R>
bool write_audit_record(AuditLog& log, const R& r) {
  return log.write(event_of(r), to_json(r));
}
// Appends a record from another process (the admin tools), under the log's lock.
template <class R>
bool append_audit_record(const std::string& path, const R& r, std::string* error) {
  return append_audit_record(path, event_of(r), to_json(r), error);
}

// One line of an audit log, read: the fields every record has, and the record of the events
// report reads (others are Other). A line that is no JSON object, or whose fields have the wrong
// type (audit/record_types.h), is not a record: `problem` says why.
struct AuditLine {
  struct Other {};
  std::string event;
  std::string time;
  std::string instance;
  std::optional<std::uint64_t> seq;
  std::variant<Other, MessageRecord, SettleRecord, SlaEventRecord> record;
  std::string problem;   // empty when read
  bool unreadable = false;  // not JSON, or no "event"
  ChainLine chain;  // what the chain check reads (audit/verify.h), from the same parse
};
// What of a record to read: all of it, or what the figures of `report` need (a message record
// without its rules' versions, its passes' names and its findings' evidence: read_message leaves
// them empty).
enum class AuditFields { all, figures };
AuditLine read_audit_record(std::string_view line, AuditFields fields = AuditFields::all);
// The same into `out`, the line before's: a reader of many lines keeps one AuditLine, and the
// strings and lists of its records are filled again rather than made anew.
void read_audit_record(std::string_view line, AuditFields fields, AuditLine& out);

}  // namespace sm
