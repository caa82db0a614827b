// The configuration: a declared schema (each key's type, default, bounds and one-line meaning),
// read from TOML. Unknown keys and bad values are errors that name file:line. A loaded Config is
// immutable; a reload builds a new one and swaps the pointer.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "checks/rule.h"
#include "text/lexicon.h"
#include "sla/calendar.h"
#include "sla/clock.h"
#include "message/thread_keys.h"
#include "message/limits.h"

namespace sm {

enum class FailAction { accept, tempfail };
const char* to_string(FailAction a);

enum class Mode { enforce, observe };
const char* to_string(Mode m);

// The MTA whose queue the admin tools work on and whose release command a hold notice names.
enum class MtaKind { automatic, postfix, sendmail };
const char* to_string(MtaKind k);

struct Config {
  std::string path;    // the file it was read from; empty for built-in defaults
  std::string digest;  // SHA-256 (hex) of the file's bytes; "" for defaults

  struct Milter {
    std::string socket = "unix:/run/support-milter/support-milter.sock";
    unsigned socket_mode = 0660;
    std::string socket_group;
    std::string user;
    FailAction on_internal_error = FailAction::tempfail;
    unsigned drain_seconds = 30;
  } milter;

  SupportIdentity support;
  Limits limits;

  struct Store {
    std::string url = "sqlite:/var/lib/support-milter/state.db";
    unsigned retention_days = 400;
    FailAction on_error = FailAction::tempfail;
    unsigned pool_size = 4;      // PostgreSQL: connections at most
    unsigned timeout_ms = 5000;  // SQLite: lock wait; PostgreSQL: statement, connect and pool wait limit
  } store;

  // How a message finds its thread when its References do not: Outlook's Thread-Index root, a
  // ticket token of the subject, then the same subject from the same customer within a window.
  struct Thread {
    bool outlook_thread_index = true;
    std::shared_ptr<const TicketPattern> ticket;  // null: no ticket tokens
    unsigned subject_window_days = 14;            // 0: never by subject
  } thread;

  struct Sla {
    std::int64_t target_s = 2 * 3600;  // first/next reply target
    std::int64_t limit_s = 24 * 3600;  // breach limit
    std::int64_t contact_gap_s = 3 * 86400;
    std::string time_zone = "UTC";      // for promised days, clock times and the business calendar
    unsigned sweep_seconds = 60;
    std::string notify;                 // address told of each SLA event; empty = nobody
    bool business_calendar = false;     // default: the customer's clock, 24x7
    BusinessHours business;             // time_zone is copied in after loading
  } sla;

  struct Audit {
    std::string path = "/var/log/support-milter/audit.jsonl";
    std::uint64_t rotate_bytes = 0;   // rotate when the file passes this size; 0 = never
    bool rotate_daily = false;        // rotate at midnight UTC
    bool hash_customers = false;      // customer addresses as keyed HMAC instead of in clear
    std::string hmac_key;             // the key's bytes (from hmac_key_file)
    std::string hmac_key_file;
    // A message whose audit record cannot be written (a full disk): tempfail keeps it with the
    // sender (451, retried later), accept lets it through and only logs and counts the failure.
    FailAction on_error = FailAction::tempfail;
    std::string instance;  // this server's name in every record; empty: the host name (audit_instance)
    // Sealing and anchors (audit/audit_log.h): keys written by `support-milter audit keygen`.
    std::string seal_key_file;             // empty: hash-chained, not sealed
    unsigned seal_epoch_seconds = 900;     // a seal at the end of each epoch; the key evolves
    std::string anchor_key_file;           // the anchors' signing key; empty: no anchors
    std::vector<std::string> anchor_to;    // addresses sent each anchor through notify.command
  } audit;

  struct Log {
    std::string target = "syslog";  // syslog | stderr
    std::string level = "info";     // debug | info | warning | error
    std::string facility = "mail";
  } log;

  struct Notify {
    std::vector<std::string> command = {"/usr/sbin/sendmail", "-oi", "-f", "<>"};
    std::string from = "support-milter <postmaster>";
    bool agents = true;              // tell the agent whose reply is held or rejected
    std::vector<std::string> leads;  // told of every held or rejected reply
  } notify;

  // The language of what agents read (the reject text, the annotation detail, the notices).
  struct Agents {
    std::string language;  // empty: the reply's own language when a catalog has it, else English
    // Support address or domain -> language, before `language` ("soporte@example.es" or "example.es").
    std::map<std::string, std::string, std::less<>> languages;
  } agents;

  struct Mta {
    MtaKind kind = MtaKind::automatic;
    std::vector<std::string> sendmail_command = {"/usr/sbin/sendmail"};  // argv prefix
    std::string sendmail_config;  // the sendmail.cf given with -C; empty: Sendmail's own
    std::string postfix_config;   // Postfix's configuration directory (-c); empty: Postfix's default
    std::string mail_log;         // empty: Postfix's maillog_file when set, else /var/log/mail.log
  } mta;

  struct MetricsSettings {
    std::string listen;             // "127.0.0.1:9759" or "[::1]:9759"; empty: no endpoint
    std::string textfile;           // node_exporter textfile path; empty: none
    unsigned textfile_seconds = 15;  // how often the textfile is rewritten
  } metrics;

  // `support-milter review`: the web page where support leads release, discard or send back held
  // replies (review/server.h).
  struct Review {
    std::string listen = "127.0.0.1:9760";  // loopback only; TLS comes from a proxy in front
    std::string users_file = "/etc/support-milter/review-users";  // name:role:argon2id hash lines
    std::string proxy_user_header;  // e.g. "X-Remote-User", believed only from a loopback peer; empty: off
    unsigned session_minutes = 480;  // a login lasts this long
    bool secure_cookie = true;       // the session cookie is sent only over HTTPS (and to loopback)
  } review;

  struct LexiconSettings {
    std::string dir;  // empty: the installed lexicons, else <exe>/../share/support-milter/lexicons
    std::shared_ptr<const Lexicons> loaded;
    std::string digest;  // SHA-256 of the lists loaded (Lexicons::content()), in every audit record
  } lexicons;

  struct Rules {
    Mode mode = Mode::enforce;
    std::string header = "X-Support-Policy";
    bool header_detail = false;
    std::map<std::string, RuleSettings, std::less<>> settings;  // by rule id, every rule present
  } rules;

  const RuleSettings& rule(std::string_view id) const;
};

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Reads and validates a config file; throws ConfigError("FILE:LINE: what") on any problem.
std::shared_ptr<const Config> load_config(const std::string& path);
// Same, from text (for tests); `name` stands in for the file name in errors.
std::shared_ptr<const Config> parse_config(std::string_view text, const std::string& name);
// The built-in defaults (every rule at its default action).
std::shared_ptr<const Config> default_config();
// Puts the config's lexicon data in force for the whole process (base/lexdata.h): the message
// parser's tables (header labels, reply prefixes, ...) then come from the same files as its phrase
// lists. Called where a config takes effect: at start, at reload, in the offline tools.
void install_lexicons(const Config& cfg);
// load_config, then install_lexicons: the config a command starts with (the daemon, the review
// server, an admin command that opens the store).
std::shared_ptr<const Config> load_config_in_force(const std::string& path);

// kind, or for `automatic`: Postfix when /etc/postfix/main.cf exists, else Sendmail when
// /etc/mail/sendmail.cf exists, else Postfix.
MtaKind resolve_mta_kind(MtaKind kind);

// The SLA settings of a config (its calendar included), for the clock and the sweeper.
SlaSettings sla_settings(const Config& cfg);

// The name every audit record of this server carries: audit.instance, or the host name.
std::string audit_instance(const Config& cfg);

// Splits a loopback listen address "127.0.0.1:9759" or "[::1]:9759" into host and port; false
// (with `error`) for anything else, including addresses that are not loopback.
bool parse_loopback_listen(const std::string& spec, std::string* host, unsigned* port, std::string* error);

// What `configtest` warns of, one line each (the config is still valid): a path key that the
// daemon writes to (audit.path, a sqlite: store, metrics.textfile, a unix socket) inside a system
// directory (/etc, /usr, /bin, /sbin, /lib, /boot, /dev, /proc, /sys), a path key it reads from
// /dev, /proc or /sys, and milter.socket listening on an address other than loopback.
std::vector<std::string> config_warnings(const Config& cfg);

// One line per key: "section.key = default  # meaning", for docs and `configtest --keys`.
std::vector<std::string> describe_config_keys();

}  // namespace sm
