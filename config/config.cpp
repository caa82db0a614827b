// Config schema and loader (toml++). Every key is declared once in kKeys with its default and
// meaning; the loader rejects keys it does not declare and values out of type or bounds, naming
// file:line. Rule sections ([rules.<id>]) are declared by the rules themselves (checks/registry).
#include "config/config.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <functional>
#include <set>
#include <sstream>
#include <toml++/toml.h>
#include <unicode/timezone.h>
#include <unicode/unistr.h>

#include <filesystem>
#include <memory>

#include "checks/registry.h"
#include "config/file_trust.h"
#include "base/digest.h"
#include "base/catalog.h"
#include "base/lexdata.h"
#include "message/address.h"
#include "message/datetime.h"

namespace sm {

const char* to_string(FailAction a) { return a == FailAction::accept ? "accept" : "tempfail"; }
const char* to_string(Mode m) { return m == Mode::enforce ? "enforce" : "observe"; }

const char* to_string(MtaKind k) {
  return k == MtaKind::postfix ? "postfix" : k == MtaKind::sendmail ? "sendmail" : "auto";
}

MtaKind resolve_mta_kind(MtaKind kind) {
  if (kind != MtaKind::automatic) return kind;
  std::error_code ec;
  if (std::filesystem::exists("/etc/postfix/main.cf", ec)) return MtaKind::postfix;
  if (std::filesystem::exists("/etc/mail/sendmail.cf", ec)) return MtaKind::sendmail;
  return MtaKind::postfix;
}

const RuleSettings& Config::rule(std::string_view id) const {
  auto it = rules.settings.find(id);
  if (it == rules.settings.end()) throw std::logic_error("no settings for rule " + std::string(id));
  return it->second;
}

namespace {

struct Reader {
  std::string file;
  // Key files the config names, read once the whole file is (milter.user may own them).
  struct KeyFile {
    std::string key;
    std::string path;
    std::int64_t line;
    std::string* bytes;
  };
  mutable std::vector<KeyFile> key_files;

  void key_file(const toml::node& n, const std::string& key, const std::string& path,
                std::string* bytes) const {
    key_files.push_back({key, path, n.source().begin.line, bytes});
  }

  [[noreturn]] void fail(const toml::node& n, const std::string& what) const {
    throw ConfigError(file + ":" + std::to_string(n.source().begin.line) + ": " + what);
  }

  std::string str(const toml::node& n, const std::string& key) const {
    if (auto v = n.value<std::string>(); v && n.is_string()) return *v;
    fail(n, key + ": expected a string");
  }
  // A file or directory setting: an absolute path, or empty.
  std::string path(const toml::node& n, const std::string& key) const {
    std::string v = str(n, key);
    if (!v.empty() && v.front() != '/') fail(n, key + ": \"" + v + "\" is not an absolute path");
    return v;
  }
  std::int64_t integer(const toml::node& n, const std::string& key, std::int64_t lo,
                       std::int64_t hi) const {
    if (!n.is_integer()) fail(n, key + ": expected an integer");
    auto v = *n.value<std::int64_t>();
    if (v < lo || v > hi)
      fail(n, key + ": " + std::to_string(v) + " is out of range " + std::to_string(lo) + ".." +
                  std::to_string(hi));
    return v;
  }
  double number(const toml::node& n, const std::string& key, std::optional<double> lo,
                std::optional<double> hi) const {
    if (!n.is_number()) fail(n, key + ": expected a number");
    double v = *n.value<double>();
    if ((lo && v < *lo) || (hi && v > *hi)) {
      std::ostringstream o;
      o << key << ": " << v << " is out of range " << (lo ? *lo : -1e300) << ".." << (hi ? *hi : 1e300);
      fail(n, o.str());
    }
    return v;
  }
  bool boolean(const toml::node& n, const std::string& key) const {
    if (!n.is_boolean()) fail(n, key + ": expected true or false");
    return *n.value<bool>();
  }
  std::vector<std::string> strings(const toml::node& n, const std::string& key) const {
    const auto* arr = n.as_array();
    if (arr == nullptr) fail(n, key + ": expected an array of strings");
    std::vector<std::string> out;
    for (const auto& e : *arr) out.push_back(str(e, key));
    return out;
  }
  std::string choice(const toml::node& n, const std::string& key,
                     std::initializer_list<const char*> choices) const {
    std::string v = str(n, key);
    std::string list;
    for (const char* c : choices) {
      if (v == c) return v;
      list += (list.empty() ? "" : " | ") + std::string(c);
    }
    fail(n, key + ": \"" + v + "\" is not one of " + list);
  }
  // A language the message catalogs have (base/catalog.h).
  void catalog_language(const toml::node& n, const std::string& key, const std::string& lang) const {
    std::shared_ptr<const Catalog> cat;
    try {
      cat = catalog();
    } catch (const std::exception& e) {
      fail(n, key + ": " + e.what());
    }
    if (cat->has(lang)) return;
    std::string list;
    for (const auto& l : cat->languages()) list += (list.empty() ? "" : " | ") + l;
    fail(n, key + ": \"" + lang + "\" has no message catalog (there are " + list + ")");
  }
  FailAction fail_action(const toml::node& n, const std::string& key) const {
    return choice(n, key, {"accept", "tempfail"}) == "accept" ? FailAction::accept
                                                              : FailAction::tempfail;
  }
};

using Setter = std::function<void(Config&, const toml::node&, const Reader&)>;

struct KeyDef {
  const char* section;
  const char* key;
  const char* default_text;
  const char* doc;
  Setter set;
};

bool valid_time_zone(const std::string& id) {
  std::unique_ptr<icu::TimeZone> tz(icu::TimeZone::createTimeZone(icu::UnicodeString::fromUTF8(id)));
  icu::UnicodeString got;
  tz->getID(got);
  return got != icu::UnicodeString("Etc/Unknown");
}

std::size_t size_limit(const toml::node& n, const Reader& r, const char* key) {
  return static_cast<std::size_t>(r.integer(n, key, 1, std::int64_t{1} << 40));
}

const std::vector<KeyDef>& keys() {
  static const std::vector<KeyDef> k = {
      {"milter", "socket", "\"unix:/run/support-milter/support-milter.sock\"",
       "where Postfix connects: unix:/path or inet:PORT@127.0.0.1",
       [](Config& c, const toml::node& n, const Reader& r) {
         auto v = r.str(n, "milter.socket");
         if (!(v.starts_with("unix:") || v.starts_with("local:") || v.starts_with("inet:") ||
               v.starts_with("inet6:")))
           r.fail(n, "milter.socket: \"" + v + "\" is not unix:/path or inet:PORT@HOST");
         c.milter.socket = v;
       }},
      {"milter", "socket_mode", "\"0660\"", "octal permissions of a unix socket",
       [](Config& c, const toml::node& n, const Reader& r) {
         auto v = r.str(n, "milter.socket_mode");
         std::size_t used = 0;
         unsigned long mode = 0;
         try {
           mode = std::stoul(v, &used, 8);
         } catch (const std::exception&) {
           used = 0;
         }
         if (used != v.size() || v.empty() || mode > 0777)
           r.fail(n, "milter.socket_mode: \"" + v + "\" is not an octal mode like \"0660\"");
         if ((mode & 0002) != 0) r.fail(n, "milter.socket_mode: a world-writable socket is refused");
         c.milter.socket_mode = static_cast<unsigned>(mode);
       }},
      {"milter", "socket_group", "\"\"", "group that owns a unix socket (empty: the user's group, or the directory's when it is set-group-ID)",
       [](Config& c, const toml::node& n, const Reader& r) {
         c.milter.socket_group = r.str(n, "milter.socket_group");
       }},
      {"milter", "user", "\"\"", "user to switch to when started as root (required then)",
       [](Config& c, const toml::node& n, const Reader& r) { c.milter.user = r.str(n, "milter.user"); }},
      {"milter", "on_internal_error", "\"tempfail\"",
       "what the MTA is told when the milter itself fails: accept | tempfail",
       [](Config& c, const toml::node& n, const Reader& r) {
         c.milter.on_internal_error = r.fail_action(n, "milter.on_internal_error");
       }},
      {"milter", "drain_seconds", "30", "on stop, how long messages in flight may take to finish",
       [](Config& c, const toml::node& n, const Reader& r) {
         c.milter.drain_seconds =
             static_cast<unsigned>(r.integer(n, "milter.drain_seconds", 0, 3600));
       }},
      {"support", "domains", "[]", "domains whose addresses are support (subdomains included)",
       [](Config& c, const toml::node& n, const Reader& r) {
         c.support.domains.clear();
         for (const auto& d : r.strings(n, "support.domains")) {
           auto ascii = normalize_domain(d).second;
           if (ascii.empty() || ascii.find('@') != std::string::npos)
             r.fail(n, "support.domains: \"" + d + "\" is not a domain");
           c.support.domains.push_back(ascii);
         }
       }},
      {"support", "addresses", "[]", "single support addresses outside those domains",
       [](Config& c, const toml::node& n, const Reader& r) {
         c.support.addresses.clear();
         for (const auto& a : r.strings(n, "support.addresses")) {
           Address parsed = parse_address(a);
           if (parsed.local_part.empty() || parsed.ascii_domain.empty())
             r.fail(n, "support.addresses: \"" + a + "\" is not an address");
           c.support.addresses.push_back(parsed.key());
         }
       }},
      {"limits", "scan_bytes", "10485760", "bytes of a message that are parsed; the rest passes unread",
       [](Config& c, const toml::node& n, const Reader& r) {
         c.limits.max_scan_bytes = size_limit(n, r, "limits.scan_bytes");
       }},
      {"limits", "header_bytes", "102400", "size of the header block that is parsed",
       [](Config& c, const toml::node& n, const Reader& r) {
         c.limits.max_header_bytes = size_limit(n, r, "limits.header_bytes");
       }},
      {"limits", "headers", "1000", "header fields that are parsed",
       [](Config& c, const toml::node& n, const Reader& r) {
         c.limits.max_headers = size_limit(n, r, "limits.headers");
       }},
      {"limits", "line_bytes", "2048", "longer lines are cut for parsing",
       [](Config& c, const toml::node& n, const Reader& r) {
         c.limits.max_line = size_limit(n, r, "limits.line_bytes");
       }},
      {"limits", "mime_depth", "64", "MIME nesting that is followed",
       [](Config& c, const toml::node& n, const Reader& r) {
         c.limits.max_mime_depth = static_cast<unsigned>(r.integer(n, "limits.mime_depth", 1, 10000));
       }},
      {"limits", "mime_parts", "1000", "MIME parts that are read",
       [](Config& c, const toml::node& n, const Reader& r) {
         c.limits.max_parts = static_cast<unsigned>(r.integer(n, "limits.mime_parts", 1, 1000000));
       }},
      {"limits", "text_bytes", "1048576", "decoded body text handed to the rules",
       [](Config& c, const toml::node& n, const Reader& r) {
         c.limits.max_text_bytes = size_limit(n, r, "limits.text_bytes");
       }},
      {"limits", "message_ms", "10000",
       "milliseconds one message may take from end of data through its rules; rules not reached by then are "
       "skipped (and audited as such), the rest of the verdict stands",
       [](Config& c, const toml::node& n, const Reader& r) {
         c.limits.message_ms = static_cast<unsigned>(r.integer(n, "limits.message_ms", 1, 3600000));
       }},
      {"store", "url", "\"sqlite:/var/lib/support-milter/state.db\"",
       "thread store: sqlite:/path | postgresql://user@host:port/dbname (shared by several milters)",
       [](Config& c, const toml::node& n, const Reader& r) {
         auto v = r.str(n, "store.url");
         if (v.empty()) r.fail(n, "store.url: empty");
         c.store.url = v;
       }},
      {"store", "retention_days", "400", "messages older than this are pruned from the store",
       [](Config& c, const toml::node& n, const Reader& r) {
         c.store.retention_days = static_cast<unsigned>(r.integer(n, "store.retention_days", 1, 36500));
       }},
      {"store", "on_error", "\"tempfail\"",
       "when the store fails (locked, unreadable, disk full): accept | tempfail",
       [](Config& c, const toml::node& n, const Reader& r) {
         c.store.on_error = r.fail_action(n, "store.on_error");
       }},
      {"store", "pool_size", "4", "PostgreSQL: connections open at most, shared by the milter's worker threads",
       [](Config& c, const toml::node& n, const Reader& r) {
         c.store.pool_size = static_cast<unsigned>(r.integer(n, "store.pool_size", 1, 64));
       }},
      {"store", "timeout_ms", "5000",
       "longest wait in milliseconds for a lock (SQLite), a statement, a connection or a free pool slot (PostgreSQL)",
       [](Config& c, const toml::node& n, const Reader& r) {
         c.store.timeout_ms = static_cast<unsigned>(r.integer(n, "store.timeout_ms", 100, 600000));
       }},
      {"thread", "outlook_thread_index", "true",
       "find a thread by the root of Outlook's Thread-Index header when References are missing",
       [](Config& c, const toml::node& n, const Reader& r) { c.thread.outlook_thread_index = r.boolean(n, "thread.outlook_thread_index"); }},
      {"thread", "ticket_pattern", "\"\\\\[#([0-9]+)\\\\]\"",
       "ticket token in subjects, an ICU regular expression whose first group is the token (empty: none)",
       [](Config& c, const toml::node& n, const Reader& r) {
         auto v = r.str(n, "thread.ticket_pattern");
         if (v.empty()) {
           c.thread.ticket.reset();
           return;
         }
         try {
           c.thread.ticket = std::make_shared<const TicketPattern>(v);
         } catch (const std::invalid_argument& e) {
           r.fail(n, "thread.ticket_pattern: \"" + v + "\" is not a regular expression (" + e.what() + ")");
         }
       }},
      {"thread", "subject_window_days", "14",
       "find a thread by its subject and the same customer within this many days (0: never)",
       [](Config& c, const toml::node& n, const Reader& r) {
         c.thread.subject_window_days = static_cast<unsigned>(r.integer(n, "thread.subject_window_days", 0, 3650));
       }},
      {"sla", "target_seconds", "7200", "reply target: a customer waiting longer is over target",
       [](Config& c, const toml::node& n, const Reader& r) {
         c.sla.target_s = r.integer(n, "sla.target_seconds", 1, 365LL * 86400);
       }},
      {"sla", "limit_seconds", "86400", "reply limit, weekends and holidays included: longer is a breach",
       [](Config& c, const toml::node& n, const Reader& r) {
         c.sla.limit_s = r.integer(n, "sla.limit_seconds", 1, 365LL * 86400);
       }},
      {"sla", "contact_gap_seconds", "259200",
       "while work is in progress (last reply only acknowledged), the longest silence before contact_gap",
       [](Config& c, const toml::node& n, const Reader& r) {
         c.sla.contact_gap_s = r.integer(n, "sla.contact_gap_seconds", 1, 365LL * 86400);
       }},
      {"sla", "time_zone", "\"UTC\"", "time zone of promised days and clock times (\"today\", \"до 18:00\")",
       [](Config& c, const toml::node& n, const Reader& r) {
         auto v = r.str(n, "sla.time_zone");
         if (!valid_time_zone(v)) r.fail(n, "sla.time_zone: \"" + v + "\" is not a time zone ICU knows");
         c.sla.time_zone = v;
       }},
      {"sla", "sweep_seconds", "60", "how often waiting threads are checked for warnings, breaches, gaps",
       [](Config& c, const toml::node& n, const Reader& r) {
         c.sla.sweep_seconds = static_cast<unsigned>(r.integer(n, "sla.sweep_seconds", 1, 3600));
       }},
      {"sla", "notify", "\"\"", "address told of each sla_warning, sla_breach, promise_missed and contact_gap",
       [](Config& c, const toml::node& n, const Reader& r) {
         auto v = r.str(n, "sla.notify");
         if (!v.empty() && parse_address(v).ascii_domain.empty()) r.fail(n, "sla.notify: \"" + v + "\" is not an address");
         c.sla.notify = v;
       }},
      {"sla", "calendar", "\"24x7\"", "the clock SLA times run on: 24x7 (the customer's) | business",
       [](Config& c, const toml::node& n, const Reader& r) {
         c.sla.business_calendar = r.choice(n, "sla.calendar", {"24x7", "business"}) == "business";
       }},
      {"sla", "business_hours", "\"09:00-18:00\"", "with calendar = \"business\": working hours, local time",
       [](Config& c, const toml::node& n, const Reader& r) {
         auto v = r.str(n, "sla.business_hours");
         int h1 = 0, m1 = 0, h2 = 0, m2 = 0;
         char tail = 0;
         if (std::sscanf(v.c_str(), "%d:%d-%d:%d%c", &h1, &m1, &h2, &m2, &tail) != 4 || h1 < 0 || h1 > 24 || h2 < 0 ||
             h2 > 24 || m1 < 0 || m1 > 59 || m2 < 0 || m2 > 59 || h1 * 60 + m1 >= h2 * 60 + m2)
           r.fail(n, "sla.business_hours: \"" + v + "\" is not HH:MM-HH:MM");
         c.sla.business.open_minute = h1 * 60 + m1;
         c.sla.business.close_minute = h2 * 60 + m2;
       }},
      {"sla", "business_days", "[\"mon\", \"tue\", \"wed\", \"thu\", \"fri\"]", "with calendar = \"business\": working days",
       [](Config& c, const toml::node& n, const Reader& r) {
         static const char* names[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
         c.sla.business.weekdays.clear();
         for (const auto& d : r.strings(n, "sla.business_days")) {
           auto it = std::find_if(std::begin(names), std::end(names), [&](const char* x) { return d == x; });
           if (it == std::end(names)) r.fail(n, "sla.business_days: \"" + d + "\" is not one of sun mon tue wed thu fri sat");
           c.sla.business.weekdays.push_back(static_cast<int>(it - std::begin(names)));
         }
       }},
      {"sla", "holidays", "[]", "with calendar = \"business\": days off, \"YYYY-MM-DD\"",
       [](Config& c, const toml::node& n, const Reader& r) {
         c.sla.business.holidays = r.strings(n, "sla.holidays");
         for (const auto& d : c.sla.business.holidays)
           if (d.size() != 10 || !parse_rfc3339(d + "T00:00:00Z")) r.fail(n, "sla.holidays: \"" + d + "\" is not YYYY-MM-DD");
       }},
      {"audit", "path", "\"/var/log/support-milter/audit.jsonl\"",
       "audit log: one JSON line per event, flushed per record",
       [](Config& c, const toml::node& n, const Reader& r) {
         auto v = r.str(n, "audit.path");
         if (v.empty()) r.fail(n, "audit.path: empty");
         c.audit.path = v;
       }},
      {"audit", "on_error", "\"tempfail\"",
       "when a message's audit record cannot be written (disk full): tempfail (451, the sender retries) | accept",
       [](Config& c, const toml::node& n, const Reader& r) { c.audit.on_error = r.fail_action(n, "audit.on_error"); }},
      {"audit", "instance", "\"\"",
       "this server's name in every audit record (empty: the host name); distinct per server when several share a store",
       [](Config& c, const toml::node& n, const Reader& r) {
         auto v = r.str(n, "audit.instance");
         if (v.size() > 255 || v.find_first_of(" \t\r\n\"\\") != std::string::npos)
           r.fail(n, "audit.instance: \"" + v + "\" is not a name (no spaces or quotes, at most 255 bytes)");
         c.audit.instance = v;
       }},
      {"audit", "rotate_bytes", "0", "rotate the audit log when it passes this size (0: never); the chain goes on",
       [](Config& c, const toml::node& n, const Reader& r) {
         c.audit.rotate_bytes = static_cast<std::uint64_t>(r.integer(n, "audit.rotate_bytes", 0, std::int64_t{1} << 40));
       }},
      {"audit", "rotate_daily", "false", "rotate the audit log at midnight UTC; the chain goes on",
       [](Config& c, const toml::node& n, const Reader& r) { c.audit.rotate_daily = r.boolean(n, "audit.rotate_daily"); }},
      {"audit", "customer_addresses", "\"clear\"", "customer addresses in the audit log: clear | hmac (keyed, never reversible)",
       [](Config& c, const toml::node& n, const Reader& r) {
         c.audit.hash_customers = r.choice(n, "audit.customer_addresses", {"clear", "hmac"}) == "hmac";
       }},
      {"audit", "hmac_key_file", "\"\"", "file holding the HMAC key (required with customer_addresses = \"hmac\")",
       [](Config& c, const toml::node& n, const Reader& r) {
         c.audit.hmac_key_file = r.str(n, "audit.hmac_key_file");
         if (!c.audit.hmac_key_file.empty())
           r.key_file(n, "audit.hmac_key_file", c.audit.hmac_key_file, &c.audit.hmac_key);
       }},
      {"audit", "seal_key_file", "\"\"",
       "forward-secure sealing key, written by `support-milter audit keygen` (mode 0600, the milter user's; its "
       "directory writable by that user); empty: the log is hash-chained but not sealed",
       [](Config& c, const toml::node& n, const Reader& r) {
         c.audit.seal_key_file = r.path(n, "audit.seal_key_file");
       }},
      {"audit", "seal_epoch_seconds", "900",
       "length of a sealing epoch (epochs end at its multiples since 1970 UTC, at midnight UTC, at rotation and "
       "at stop): each ends with a seal record, and the sealing key evolves",
       [](Config& c, const toml::node& n, const Reader& r) {
         c.audit.seal_epoch_seconds = static_cast<unsigned>(r.integer(n, "audit.seal_epoch_seconds", 1, 86400));
       }},
      {"audit", "anchor_key_file", "\"\"",
       "Ed25519 key that signs the anchors (the chain's head, daily, at rotation and at stop), written by "
       "`support-milter audit keygen`; empty: no anchors",
       [](Config& c, const toml::node& n, const Reader& r) {
         c.audit.anchor_key_file = r.path(n, "audit.anchor_key_file");
       }},
      {"audit", "anchor_to", "[]",
       "addresses each anchor is mailed to (through notify.command), for the auditor to keep; anchors also go "
       "to the operational log",
       [](Config& c, const toml::node& n, const Reader& r) {
         c.audit.anchor_to = r.strings(n, "audit.anchor_to");
         for (const auto& a : c.audit.anchor_to)
           if (parse_address(a).ascii_domain.empty()) r.fail(n, "audit.anchor_to: \"" + a + "\" is not an address");
       }},
      {"lexicons", "dir", "\"\"",
       "phrase lists of the quality rules (<dir>/<lang>/<name>.txt); empty: the installed ones",
       [](Config& c, const toml::node& n, const Reader& r) {
         c.lexicons.dir = r.str(n, "lexicons.dir");
         std::error_code ec;
         if (!c.lexicons.dir.empty() && !std::filesystem::is_directory(c.lexicons.dir, ec))
           r.fail(n, "lexicons.dir: \"" + c.lexicons.dir + "\" is not a directory");
       }},
      {"metrics", "listen", "\"\"",
       "Prometheus endpoint, loopback only: \"127.0.0.1:9759\" or \"[::1]:9759\" (empty: off)",
       [](Config& c, const toml::node& n, const Reader& r) {
         auto v = r.str(n, "metrics.listen");
         std::string host, error;
         unsigned port = 0;
         if (!v.empty() && !parse_loopback_listen(v, &host, &port, &error)) r.fail(n, "metrics.listen: " + error);
         c.metrics.listen = v;
       }},
      {"review", "listen", "\"127.0.0.1:9760\"",
       "where support-milter review serves HTTP, loopback only: \"127.0.0.1:9760\" or \"[::1]:9760\" (TLS: a proxy in front)",
       [](Config& c, const toml::node& n, const Reader& r) {
         auto v = r.str(n, "review.listen");
         std::string host, error;
         unsigned port = 0;
         if (!parse_loopback_listen(v, &host, &port, &error)) r.fail(n, "review.listen: " + error);
         c.review.listen = v;
       }},
      {"review", "users_file", "\"/etc/support-milter/review-users\"",
       "the review page's accounts (name:role:argon2id hash), trusted like the config; written by review-user",
       [](Config& c, const toml::node& n, const Reader& r) {
         c.review.users_file = r.path(n, "review.users_file");
         if (c.review.users_file.empty()) r.fail(n, "review.users_file: \"\" is not an absolute path");
       }},
      {"review", "proxy_user_header", "\"\"",
       "header naming the user a proxy in front has logged in (e.g. \"X-Remote-User\"), believed only from a loopback peer (empty: off)",
       [](Config& c, const toml::node& n, const Reader& r) {
         auto v = r.str(n, "review.proxy_user_header");
         bool ok = v.size() < 80;
         for (char ch : v) ok = ok && (std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_');
         if (!ok) r.fail(n, "review.proxy_user_header: \"" + v + "\" is not a header field name");
         c.review.proxy_user_header = v;
       }},
      {"review", "session_minutes", "480", "how long a login to the review page lasts",
       [](Config& c, const toml::node& n, const Reader& r) {
         c.review.session_minutes = static_cast<unsigned>(r.integer(n, "review.session_minutes", 1, 7 * 24 * 60));
       }},
      {"review", "secure_cookie", "true",
       "mark the session cookie Secure (sent only over HTTPS, and to loopback addresses)",
       [](Config& c, const toml::node& n, const Reader& r) {
         c.review.secure_cookie = r.boolean(n, "review.secure_cookie");
       }},
      {"metrics", "textfile", "\"\"", "file for node_exporter's textfile collector, rewritten atomically (empty: off)",
       [](Config& c, const toml::node& n, const Reader& r) {
         auto v = r.str(n, "metrics.textfile");
         if (!v.empty() && (v.front() != '/' || !v.ends_with(".prom")))
           r.fail(n, "metrics.textfile: \"" + v + "\" is not an absolute path ending in .prom");
         c.metrics.textfile = v;
       }},
      {"metrics", "textfile_seconds", "15", "how often the metrics textfile is rewritten",
       [](Config& c, const toml::node& n, const Reader& r) {
         c.metrics.textfile_seconds = static_cast<unsigned>(r.integer(n, "metrics.textfile_seconds", 1, 3600));
       }},
      {"log", "target", "\"syslog\"", "operational log: syslog | stderr",
       [](Config& c, const toml::node& n, const Reader& r) {
         c.log.target = r.choice(n, "log.target", {"syslog", "stderr"});
       }},
      {"log", "level", "\"info\"", "least severity logged: debug | info | warning | error",
       [](Config& c, const toml::node& n, const Reader& r) {
         c.log.level = r.choice(n, "log.level", {"debug", "info", "warning", "error"});
       }},
      {"log", "facility", "\"mail\"", "syslog facility: mail | daemon | local0 .. local7",
       [](Config& c, const toml::node& n, const Reader& r) {
         c.log.facility = r.choice(n, "log.facility", {"mail", "daemon", "local0", "local1", "local2",
                                                       "local3", "local4", "local5", "local6", "local7"});
       }},
      {"notify", "command", "[\"/usr/sbin/sendmail\", \"-oi\", \"-f\", \"<>\"]",
       "how notices are submitted; the recipient is appended after \"--\". One runs at a time, 30 s at most, "
       "from a queue of 256 (when full, a new notice is dropped and logged)",
       [](Config& c, const toml::node& n, const Reader& r) {
         auto v = r.strings(n, "notify.command");
         if (v.empty() || v.front().empty() || v.front().front() != '/')
           r.fail(n, "notify.command: the first element must be an absolute path");
         c.notify.command = v;
       }},
      {"notify", "from", "\"support-milter <postmaster>\"", "From header of notices",
       [](Config& c, const toml::node& n, const Reader& r) { c.notify.from = r.str(n, "notify.from"); }},
      {"notify", "agents", "true",
       "tell the agent whose reply is held or rejected (its From, else the SMTP AUTH user; only a support "
       "address), in the agent's language: which rules, what they found, what to change, what happens next; "
       "false: only the leads and the rules' notify addresses are told",
       [](Config& c, const toml::node& n, const Reader& r) { c.notify.agents = r.boolean(n, "notify.agents"); }},
      {"notify", "leads", "[]",
       "support leads told of every held or rejected reply, in their language (agents.languages), with the "
       "commands that release or discard it",
       [](Config& c, const toml::node& n, const Reader& r) {
         c.notify.leads = r.strings(n, "notify.leads");
         for (const auto& a : c.notify.leads)
           if (parse_address(a).ascii_domain.empty()) r.fail(n, "notify.leads: \"" + a + "\" is not an address");
       }},
      {"agents", "language", "\"\"",
       "language of what agents read (reject text, annotation detail, notices): en | es | ru; empty: the "
       "language of the reply when there is a catalog for it, else English",
       [](Config& c, const toml::node& n, const Reader& r) {
         c.agents.language = r.str(n, "agents.language");
         if (!c.agents.language.empty()) r.catalog_language(n, "agents.language", c.agents.language);
       }},
      {"agents", "languages", "{}",
       "language by support address or domain, before agents.language: { \"example.es\" = \"es\", "
       "\"ventas@example.com\" = \"es\" }",
       [](Config& c, const toml::node& n, const Reader& r) {
         const auto* t = n.as_table();
         if (t == nullptr) r.fail(n, "agents.languages: expected a table of address or domain = language");
         for (const auto& [key, v] : *t) {
           std::string who(key.str());
           std::string lang = r.str(v, "agents.languages." + who);
           r.catalog_language(v, "agents.languages." + who, lang);
           // An address by its comparison key, a domain by its ASCII form.
           const Address a = parse_address(who);
           if (!a.local_part.empty() && !a.ascii_domain.empty())
             c.agents.languages[a.key()] = lang;
           else if (who.find('@') == std::string::npos && !who.empty())
             c.agents.languages[normalize_domain(who).second] = lang;
           else
             r.fail(v, "agents.languages: \"" + who + "\" is neither an address nor a domain");
         }
       }},
      {"mta", "kind", "\"auto\"",
       "the MTA of held, release, discard and hold notices: postfix | sendmail | auto (Postfix when "
       "/etc/postfix/main.cf exists, else Sendmail when /etc/mail/sendmail.cf exists, else Postfix)",
       [](Config& c, const toml::node& n, const Reader& r) {
         auto v = r.choice(n, "mta.kind", {"auto", "postfix", "sendmail"});
         c.mta.kind = v == "postfix" ? MtaKind::postfix : v == "sendmail" ? MtaKind::sendmail : MtaKind::automatic;
       }},
      {"mta", "sendmail_command", "[\"/usr/sbin/sendmail\"]",
       "how the admin tools run Sendmail (release); its options are appended",
       [](Config& c, const toml::node& n, const Reader& r) {
         auto v = r.strings(n, "mta.sendmail_command");
         if (v.empty() || v.front().empty() || v.front().front() != '/')
           r.fail(n, "mta.sendmail_command: the first element must be an absolute path");
         c.mta.sendmail_command = v;
       }},
      {"mta", "sendmail_config", "\"\"",
       "Sendmail's sendmail.cf (given with -C; its QueueDirectory is the queue); empty: /etc/mail/sendmail.cf",
       [](Config& c, const toml::node& n, const Reader& r) {
         c.mta.sendmail_config = r.path(n, "mta.sendmail_config");
       }},
      {"mta", "postfix_config", "\"\"",
       "Postfix's configuration directory (given with -c) whose queue the daemon's sweep and the admin tools "
       "read; empty: Postfix's default",
       [](Config& c, const toml::node& n, const Reader& r) {
         c.mta.postfix_config = r.path(n, "mta.postfix_config");
       }},
      {"mta", "mail_log", "\"\"",
       "the MTA's mail log, read to tell a held message released by the MTA's own commands from one deleted; "
       "empty: Postfix's maillog_file when set, else /var/log/mail.log",
       [](Config& c, const toml::node& n, const Reader& r) {
         c.mta.mail_log = r.path(n, "mta.mail_log");
       }},
      {"rules", "mode", "\"enforce\"",
       "enforce: act on findings; observe: change nothing, log what would have been done",
       [](Config& c, const toml::node& n, const Reader& r) {
         c.rules.mode = r.choice(n, "rules.mode", {"enforce", "observe"}) == "enforce" ? Mode::enforce
                                                                                       : Mode::observe;
       }},
      {"rules", "header", "\"X-Support-Policy\"", "name of the header that annotate adds",
       [](Config& c, const toml::node& n, const Reader& r) {
         auto v = r.str(n, "rules.header");
         bool ok = !v.empty() && v.size() < 80;
         for (char ch : v) ok = ok && ch > 32 && ch < 127 && ch != ':';
         if (!ok) r.fail(n, "rules.header: \"" + v + "\" is not a header field name");
         c.rules.header = v;
       }},
      {"rules", "header_detail", "false", "annotate with what each failing rule asks the agent to change (in the agent's language), not only rule ids",
       [](Config& c, const toml::node& n, const Reader& r) {
         c.rules.header_detail = r.boolean(n, "rules.header_detail");
       }},
  };
  return k;
}

std::string param_default_text(const ParamValue& v) {
  struct V {
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(std::int64_t i) const { return std::to_string(i); }
    std::string operator()(double d) const {
      std::ostringstream o;
      o << d;
      return o.str();
    }
    std::string operator()(const std::string& s) const { return "\"" + s + "\""; }
    std::string operator()(const std::vector<std::string>& l) const {
      std::string s = "[";
      for (std::size_t i = 0; i < l.size(); ++i) s += (i ? ", \"" : "\"") + l[i] + "\"";
      return s + "]";
    }
  };
  return std::visit(V{}, v);
}

RuleSettings rule_defaults(const Rule& rule) {
  RuleSettings s;
  s.action = rule.default_action();
  for (const auto& p : rule.params()) s.params[p.name] = p.default_value;
  return s;
}

void read_rule(Config& c, const Rule& rule, const toml::table& t, const Reader& r) {
  RuleSettings& s = c.rules.settings[std::string(rule.id())];
  const std::string prefix = "rules." + std::string(rule.id()) + ".";
  auto specs = rule.params();
  for (const auto& [k, node] : t) {
    const std::string key(k.str());
    const std::string full = prefix + key;
    if (key == "action") {
      auto a = action_from_string(r.str(node, full));
      if (!a) r.fail(node, full + ": \"" + r.str(node, full) + "\" is not off | log | annotate | fix | hold | reject");
      if (*a == Action::fix && !rule.can_fix()) r.fail(node, full + ": " + std::string(rule.id()) + " cannot fix");
      s.action = *a;
      continue;
    }
    if (key == "notify") {
      auto v = r.str(node, full);
      if (!v.empty() && parse_address(v).ascii_domain.empty())
        r.fail(node, full + ": \"" + v + "\" is not an address");
      s.notify = v;
      continue;
    }
    auto spec = std::find_if(specs.begin(), specs.end(), [&](const ParamSpec& p) { return p.name == key; });
    if (spec == specs.end()) r.fail(node, "unknown key " + full);
    ParamValue v;
    if (std::holds_alternative<bool>(spec->default_value)) {
      v = r.boolean(node, full);
    } else if (std::holds_alternative<std::int64_t>(spec->default_value)) {
      auto lo = spec->min ? static_cast<std::int64_t>(*spec->min) : INT64_MIN;
      auto hi = spec->max ? static_cast<std::int64_t>(*spec->max) : INT64_MAX;
      v = r.integer(node, full, lo, hi);
    } else if (std::holds_alternative<double>(spec->default_value)) {
      v = r.number(node, full, spec->min, spec->max);
    } else if (std::holds_alternative<std::string>(spec->default_value)) {
      v = r.str(node, full);
    } else {
      v = r.strings(node, full);
    }
    s.params[key] = std::move(v);
  }
}

// The lexicons when the config names none (base/lexdata.h: installed, else beside the binary).
std::shared_ptr<const Lexicons> default_lexicons() { return Lexicons::load(default_lexicon_dir()); }

// The configured directory is the only one read when set.
std::shared_ptr<const Lexicons> load_lexicons(const std::string& dir) {
  return dir.empty() ? default_lexicons() : Lexicons::load(dir);
}

// Every setting at its default, the lexicons not yet loaded.
std::shared_ptr<Config> defaults() {
  auto c = std::make_shared<Config>();
  static const auto ticket = std::make_shared<const TicketPattern>("\\[#([0-9]+)\\]");
  c->thread.ticket = ticket;
  for (const auto& rule : rule_registry()) c->rules.settings[std::string(rule->id())] = rule_defaults(*rule);
  return c;
}

}  // namespace

std::shared_ptr<const Config> default_config() {
  static const std::shared_ptr<const Config> c = [] {
    auto d = defaults();
    d->lexicons.loaded = default_lexicons();
    d->lexicons.digest = sha256_hex(d->lexicons.loaded->content());
    return d;
  }();
  return c;
}

std::shared_ptr<const Config> parse_config(std::string_view text, const std::string& name) {
  Reader r{name, {}};
  toml::table doc;
  try {
    doc = toml::parse(text, name);
  } catch (const toml::parse_error& e) {
    throw ConfigError(name + ":" + std::to_string(e.source().begin.line) + ": " +
                      std::string(e.description()));
  }
  auto c = defaults();
  c->path = name;
  c->digest = sha256_hex(text);

  std::set<std::string> sections;
  for (const auto& k : keys()) sections.insert(k.section);

  for (const auto& [sec_key, sec_node] : doc) {
    const std::string sec(sec_key.str());
    if (!sections.count(sec)) r.fail(sec_node, "unknown section [" + sec + "]");
    const auto* table = sec_node.as_table();
    if (table == nullptr) r.fail(sec_node, sec + ": expected a section");
    for (const auto& [k, node] : *table) {
      const std::string key(k.str());
      if (sec == "rules" && node.is_table()) {
        const Rule* rule = find_rule(key);
        if (rule == nullptr) r.fail(node, "unknown rule [rules." + key + "]");
        read_rule(*c, *rule, *node.as_table(), r);
        continue;
      }
      auto def = std::find_if(keys().begin(), keys().end(), [&](const KeyDef& d) {
        return sec == d.section && key == d.key;
      });
      if (def == keys().end()) r.fail(node, "unknown key " + sec + "." + key);
      def->set(*c, node, r);
    }
  }
  c->sla.business.time_zone = c->sla.time_zone;
  for (const auto& k : r.key_files) {
    std::string error;
    const auto fail = [&](const std::string& what) {
      throw ConfigError(name + ":" + std::to_string(k.line) + ": " + k.key + ": \"" + k.path + "\" " + what);
    };
    if (!read_trusted_file(k.path, TrustedFile::key, c->milter.user, k.bytes, &error)) fail(error);
    if (k.bytes->size() < 16) fail("holds a key shorter than 16 bytes");
  }
  try {
    c->lexicons.loaded = load_lexicons(c->lexicons.dir);
    c->lexicons.digest = sha256_hex(c->lexicons.loaded->content());
    catalog();  // what agents read: a missing catalog stops the start, not a verdict
  } catch (const std::exception& e) {
    throw ConfigError(name + ":0: " + e.what());
  }
  if (c->audit.hash_customers && c->audit.hmac_key.empty())
    throw ConfigError(name + ":0: audit.customer_addresses = \"hmac\" needs audit.hmac_key_file");
  if (!c->audit.anchor_key_file.empty() && c->audit.seal_key_file.empty())
    throw ConfigError(name + ":0: audit.anchor_key_file needs audit.seal_key_file (an anchor names a seal)");
  if (!c->audit.anchor_to.empty() && c->audit.anchor_key_file.empty())
    throw ConfigError(name + ":0: audit.anchor_to needs audit.anchor_key_file (the key that signs the anchors)");
  return c;
}

std::shared_ptr<const Config> load_config(const std::string& path) {
  // Whoever can write the config decides what runs and what mail is held: root or the user
  // running support-milter, nobody else (config/file_trust.h).
  std::string text, error;
  if (!read_trusted_file(path, TrustedFile::config, {}, &text, &error))
    throw ConfigError(path + ":0: " + error);
  return parse_config(text, path);
}

bool parse_loopback_listen(const std::string& spec, std::string* host, unsigned* port, std::string* error) {
  std::string h, p;
  if (spec.starts_with("[")) {
    auto close = spec.find("]:");
    if (close == std::string::npos) {
      *error = "\"" + spec + "\" is not [ADDRESS]:PORT";
      return false;
    }
    h = spec.substr(1, close - 1);
    p = spec.substr(close + 2);
  } else {
    auto colon = spec.rfind(':');
    if (colon == std::string::npos || spec.find(':') != colon) {
      *error = "\"" + spec + "\" is not ADDRESS:PORT (IPv6 as [::1]:PORT)";
      return false;
    }
    h = spec.substr(0, colon);
    p = spec.substr(colon + 1);
  }
  bool digits = !p.empty() && p.size() <= 5 && std::all_of(p.begin(), p.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
  unsigned long port_number = digits ? std::stoul(p) : 0;
  if (!digits || port_number == 0 || port_number > 65535) {
    *error = "\"" + p + "\" is not a port (1..65535)";
    return false;
  }
  bool loopback = false;
  if (h == "::1") {
    loopback = true;
  } else {
    unsigned a = 0, b = 0, c = 0, d = 0;
    char tail = 0;
    loopback = std::sscanf(h.c_str(), "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) == 4 && a == 127 && b < 256 &&
               c < 256 && d < 256;
  }
  if (!loopback) {
    *error = "\"" + h + "\" is not a loopback address (127.0.0.0/8 or ::1): metrics stay on this host";
    return false;
  }
  *host = h;
  *port = static_cast<unsigned>(port_number);
  return true;
}

namespace {

// The system directory `path` lies in ("/etc", ...), or "".
std::string system_directory_of(const std::string& path, bool written) {
  static const char* const written_into[] = {"/etc",   "/usr",    "/bin",  "/sbin", "/lib",  "/lib32",
                                             "/lib64", "/libx32", "/boot", "/dev",  "/proc", "/sys"};
  static const char* const read_from[] = {"/dev", "/proc", "/sys"};
  const std::string p = std::filesystem::path(path).lexically_normal().string();
  auto in = [&](const char* dir) { return p == dir || p.starts_with(std::string(dir) + "/"); };
  if (written) {
    for (const char* d : written_into)
      if (in(d)) return d;
  } else {
    for (const char* d : read_from)
      if (in(d)) return d;
  }
  return {};
}

// The host of an inet: or inet6: milter socket ("" when it names none: every address).
bool inet_socket_host(const std::string& spec, std::string* host) {
  if (!spec.starts_with("inet:") && !spec.starts_with("inet6:")) return false;
  const auto at = spec.find('@');
  *host = at == std::string::npos ? std::string() : spec.substr(at + 1);
  if (host->size() >= 2 && host->front() == '[' && host->back() == ']')
    *host = host->substr(1, host->size() - 2);
  return true;
}

bool loopback_host(const std::string& host) {
  if (host == "localhost" || host == "::1" || host == "ip6-localhost") return true;
  unsigned a = 0, b = 0, c = 0, d = 0;
  char tail = 0;
  return std::sscanf(host.c_str(), "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) == 4 && a == 127 && b < 256 &&
         c < 256 && d < 256;
}

}  // namespace

std::vector<std::string> config_warnings(const Config& cfg) {
  std::vector<std::string> out;
  struct PathKey {
    const char* key;
    std::string path;
    bool written;
  };
  std::vector<PathKey> paths = {{"audit.path", cfg.audit.path, true},
                                {"metrics.textfile", cfg.metrics.textfile, true},
                                {"audit.hmac_key_file", cfg.audit.hmac_key_file, false},
                                {"lexicons.dir", cfg.lexicons.dir, false},
                                {"mta.sendmail_config", cfg.mta.sendmail_config, false},
                                {"mta.mail_log", cfg.mta.mail_log, false}};
  if (cfg.store.url.starts_with("sqlite:")) paths.push_back({"store.url", cfg.store.url.substr(7), true});
  for (const char* prefix : {"unix:", "local:"})
    if (cfg.milter.socket.starts_with(prefix))
      paths.push_back({"milter.socket", cfg.milter.socket.substr(std::strlen(prefix)), true});
  for (const auto& p : paths) {
    if (p.path.empty() || p.path.front() != '/') continue;
    const std::string dir = system_directory_of(p.path, p.written);
    if (dir.empty()) continue;
    out.push_back(std::string(p.key) + " = \"" + p.path + "\" lies in the system directory " + dir + ": " +
                  (p.written
                       ? "the daemon writes there; use /var/lib/support-milter, /var/log/support-milter or "
                         "/run/support-milter"
                       : "not a file for a setting"));
  }
  std::string host;
  if (inet_socket_host(cfg.milter.socket, &host) && !loopback_host(host))
    out.push_back("milter.socket = \"" + cfg.milter.socket + "\" listens on " +
                  (host.empty() ? std::string("every address") : "\"" + host + "\", not loopback") +
                  ": any host that reaches it can send mail to be judged and read the verdicts; use " +
                  "inet:PORT@127.0.0.1 or a unix: socket, or limit who connects with a firewall");
  return out;
}

std::vector<std::string> describe_config_keys() {
  std::vector<std::string> out;
  for (const auto& k : keys())
    out.push_back(std::string(k.section) + "." + k.key + " = " + k.default_text + "  # " + k.doc);
  for (const auto& rule : rule_registry()) {
    const std::string prefix = "rules." + std::string(rule->id()) + ".";
    out.push_back(prefix + "action = \"" + to_string(rule->default_action()) + "\"  # " +
                  std::string(rule->summary()) + (rule->can_fix() ? " (can fix)" : ""));
    out.push_back(prefix + "notify = \"\"  # address told of each message held or rejected");
    for (const auto& p : rule->params())
      out.push_back(prefix + p.name + " = " + param_default_text(p.default_value) + "  # " + p.doc);
  }
  return out;
}

std::string audit_instance(const Config& cfg) {
  if (!cfg.audit.instance.empty()) return cfg.audit.instance;
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) return {};
  return host;
}

SlaSettings sla_settings(const Config& cfg) {
  SlaSettings s{cfg.sla.target_s, cfg.sla.limit_s, cfg.sla.contact_gap_s, SlaCalendar()};
  if (cfg.sla.business_calendar) s.calendar = SlaCalendar(cfg.sla.business);
  return s;
}

void install_lexicons(const Config& cfg) {
  if (cfg.lexicons.loaded) install_lexdata(cfg.lexicons.loaded->data());
}

std::shared_ptr<const Config> load_config_in_force(const std::string& path) {
  auto cfg = load_config(path);
  install_lexicons(*cfg);
  return cfg;
}

}  // namespace sm
