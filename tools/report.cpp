// Report computation and rendering. Figures come only from the audit records: message records
// (direction, thread, action, findings, sla), release records of held messages (their figures
// count at release; a held, rejected or tempfailed message counts only as such), and the
// sweeper's events (sla_breach, contact_gap, promise_missed).
#include "tools/report.h"

#include <csv.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string_view>

#include "audit/verify.h"
#include "base/strings.h"
#include "base/zone_clock.h"
#include "pipeline/audit_record.h"

namespace sm {

namespace {

struct Group {
  std::set<std::string> threads;
  long customer_messages = 0;
  long replies = 0;
  std::vector<double> first, next;  // seconds
  long within_target = 0, within_limit = 0, answered = 0;
  long breaches = 0, contact_gaps = 0, promises_missed = 0, held = 0, rejected = 0, released = 0;
  std::map<std::string, long> findings;
};

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  // Nearest rank.
  std::size_t rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size())));
  return v[std::max<std::size_t>(rank, 1) - 1];
}

nlohmann::json times(const std::vector<double>& v) {
  if (v.empty()) return {{"count", 0}, {"p50_s", nullptr}, {"p90_s", nullptr}, {"max_s", nullptr}};
  return {{"count", v.size()}, {"p50_s", percentile(v, 50)}, {"p90_s", percentile(v, 90)},
          {"max_s", *std::max_element(v.begin(), v.end())}};
}

// Days and weeks on the clock of sla.time_zone.
std::string date_of_day(std::int64_t day) { return format_rfc3339(day * 86400000).substr(0, 10); }

std::string day_of(const ZoneClock& zone, TimeMs t) { return date_of_day(zone.local_day(t)); }

std::string week_of(const ZoneClock& zone, TimeMs t) {
  // The Monday that starts it.
  std::int64_t day = zone.local_day(t);
  std::int64_t weekday = (day + 3) % 7;  // 1970-01-01 was a Thursday; 0 = Monday
  if (weekday < 0) weekday += 7;
  return "week of " + date_of_day(day - weekday);
}

nlohmann::json render(const Group& g, const ReportOptions&) {
  nlohmann::json f = nlohmann::json::object();
  for (const auto& [rule, n] : g.findings) f[rule] = n;
  auto share = [&](long n) { return g.answered ? nlohmann::json(std::round(1000.0 * n / g.answered) / 1000) : nlohmann::json(nullptr); };
  return {{"threads", g.threads.size()},
          {"customer_messages", g.customer_messages},
          {"replies", g.replies},
          {"first_reply", times(g.first)},
          {"next_reply", times(g.next)},
          {"within_target", share(g.within_target)},
          {"within_limit", share(g.within_limit)},
          {"breaches", g.breaches},
          {"contact_gaps", g.contact_gaps},
          {"promises_missed", g.promises_missed},
          {"findings", f},
          {"held", g.held},
          {"released", g.released},
          {"rejected", g.rejected}};
}

std::string fmt_duration(const nlohmann::json& v) {
  if (v.is_null()) return "-";
  double s = v.get<double>();
  char buf[32];
  if (s < 3600) std::snprintf(buf, sizeof buf, "%.0fm", s / 60);
  else if (s < 86400) std::snprintf(buf, sizeof buf, "%.1fh", s / 3600);
  else std::snprintf(buf, sizeof buf, "%.1fd", s / 86400);
  return buf;
}

std::string fmt_share(const nlohmann::json& v) {
  if (v.is_null()) return "-";
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.1f%%", v.get<double>() * 100);
  return buf;
}

std::string cell(const nlohmann::json& v) {
  if (v.is_null()) return "";
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

// The audit log's state: the chain (one line, or a warning and one line per problem), then per
// instance what could and could not be checked (seals, anchors) and the notes.
std::string chain_summary(const nlohmann::json& c) {
  std::string o;
  const bool several = c["instances"].size() > 1;
  auto name = [&](const nlohmann::json& i) { return several ? "instance " + cell(i["instance"]) + ": " : std::string(); };
  if (c["ok"].get<bool>()) {
    for (const auto& i : c["instances"])
      o += "audit chain intact: " + name(i) + cell(i["records"]) + " records, seq " + cell(i["first_seq"]) + ".." +
           cell(i["last_seq"]) + ", head " + cell(i["head"]) + "\n";
  } else {
    o = "WARNING: AUDIT CHAIN BROKEN: " + std::to_string(c["problems"].size()) + " problem(s) in " + cell(c["records"]) +
        " records; the figures below may not be the whole truth\n";
    for (const auto& p : c["problems"])
      o += "  " + (p["instance"].get<std::string>().empty() ? std::string() : "instance " + cell(p["instance"]) + ": ") + cell(p["file"]) +
           (p["line"].get<std::size_t>() > 0 ? ":" + cell(p["line"]) : std::string()) + ": " + cell(p["what"]) + "\n";
  }
  for (const auto& i : c["instances"]) {
    for (const auto& line : i["summary"]) o += name(i) + cell(line) + "\n";
    for (const auto& note : i["notes"]) o += name(i) + "note: " + cell(note) + "\n";
  }
  return o;
}

// The records left out of the figures because a field had the wrong type, one line each.
std::string skipped_summary(const nlohmann::json& r) {
  const auto skipped = r.value("skipped_records", nlohmann::json::array());
  if (skipped.empty()) return {};
  std::string o = "skipped " + std::to_string(skipped.size()) +
                  " record(s) with a field of the wrong type; the figures leave them out:\n";
  for (const auto& s : skipped)
    o += "  " + cell(s["file"]) + ":" + cell(s["line"]) + ": " + cell(s["what"]) + "\n";
  return o + "\n";
}

// The columns every reply row has: what an auditor needs to find the message in the mail logs.
#define SM_REPLY_COLUMNS "thread_id", "message_id", "queue_id", "customer", "agent", "waiting_since", "answered_at", "latency_s"

}  // namespace

const std::vector<ReportList>& report_lists() {
  static const std::vector<ReportList> lists = {
      {"replies", "Replies that answered a wait", {SM_REPLY_COLUMNS, "first_reply", "within_target"}},
      {"over_target", "Replies over the target", {SM_REPLY_COLUMNS, "first_reply"}},
      {"breaches", "Breaches (the limit passed with the customer waiting)", {"thread_id", "customer", "subject", "waiting_since", "at", "waited_s"}},
      {"promises_missed", "Promises missed", {"thread_id", "customer", "subject", "promise", "promised_by", "at"}},
      {"contact_gaps", "Contact gaps", {"thread_id", "customer", "subject", "last_outbound", "silent_s", "at"}},
      {"customer_last_word", "Threads where the customer had the last word", {"thread_id", "message_id", "queue_id", "customer", "at"}},
      {"held", "Held", {"thread_id", "message_id", "queue_id", "customer", "agent", "at", "rules"}},
      {"released", "Released from hold", {"thread_id", "message_id", "queue_id", "customer", "agent", "at", "by", "latency_s"}},
      {"discarded", "Discarded from hold", {"thread_id", "message_id", "queue_id", "customer", "agent", "at", "by"}},
      {"rejected", "Rejected", {"thread_id", "message_id", "queue_id", "customer", "agent", "at", "rules"}},
      {"findings", "Findings", {"rule", "action", "thread_id", "message_id", "queue_id", "customer", "agent", "at", "detail"}},
      // What the head of every format says, row by row (for CSV, which has no head).
      {"integrity", "Integrity of the audit log", {"instance", "check", "status", "detail"}},
  };
  return lists;
}

std::string csv_text_cell(std::string text) {
  if (!text.empty() && std::string_view("=+-@\t\r").find(text.front()) != std::string_view::npos)
    text.insert(0, 1, '\'');
  return text;
}

std::string report_csv(const nlohmann::json& r, const std::string& list) {
  const ReportList* spec = nullptr;
  for (const auto& l : report_lists())
    if (list == l.name) spec = &l;
  if (spec == nullptr) return {};
  std::string out;
  auto field = [&](const std::string& v, bool first) {
    std::string buf(v.size() * 2 + 2, '\0');
    buf.resize(csv_write(buf.data(), buf.size(), v.data(), v.size()));
    if (!first) out += ',';
    out += buf;
  };
  for (std::size_t i = 0; i < spec->columns.size(); ++i) field(spec->columns[i], i == 0);
  out += "\r\n";
  for (const auto& row : r["lists"][list]) {
    for (std::size_t i = 0; i < spec->columns.size(); ++i) {
      // Text from mail (a subject, an address, a finding's detail) may look like a formula to a
      // spreadsheet; a number written by the report is a number.
      const nlohmann::json v = row.value(spec->columns[i], nlohmann::json());
      field(v.is_string() ? csv_text_cell(v.get<std::string>()) : cell(v), i == 0);
    }
    out += "\r\n";
  }
  return out;
}

nlohmann::json build_report(const std::vector<std::string>& files, const ReportOptions& opts) {
  Group total;
  // The views: by agent (replies only), by day and by week (local days of opts.time_zone).
  std::map<std::string, std::map<std::string, Group>> views{{"agent", {}}, {"day", {}}, {"week", {}}};
  const ZoneClock zone(opts.time_zone);
  std::map<std::string, std::pair<TimeMs, std::string>> last_word;  // thread -> (time, direction)
  std::vector<double> all_latencies;
  std::map<std::string, std::pair<long, long>> daily;  // day -> (answered, within target)
  long unreadable = 0;
  nlohmann::json skipped = nlohmann::json::array();  // records of the wrong form: file, line, what
  std::optional<TimeMs> first_seen, last_seen;
  nlohmann::json lists = nlohmann::json::object();
  for (const auto& l : report_lists()) lists[l.name] = nlohmann::json::array();
  std::map<std::string, nlohmann::json> last_inbound;  // thread -> its last customer message's row
  std::map<std::string, std::string> thread_customer;  // thread -> its customer, from its messages
  // The row of a message or release record: where to find the message, who sent it, its times.
  auto message_row = [](const std::string& thread_id, const std::string& message_id, const std::string& queue_id,
                        const std::string& customer, const std::string& agent, const std::optional<SlaResult>& sla,
                        TimeMs t) {
    const bool figures = sla.has_value();
    return nlohmann::json{
        {"thread_id", thread_id},
        {"message_id", message_id},
        {"queue_id", queue_id},
        {"customer", customer},
        {"agent", agent},
        {"at", format_rfc3339(t)},
        {"waiting_since", figures && sla->waiting_since ? nlohmann::json(format_rfc3339(*sla->waiting_since)) : nlohmann::json()},
        {"answered_at", format_rfc3339(t)},
        {"latency_s", figures && sla->latency_s ? nlohmann::json(*sla->latency_s) : nlohmann::json()},
        {"first_reply", figures && sla->first_reply}};
  };
  auto row_of = [&](const MessageRecord& m, TimeMs t) {
    return message_row(m.thread_id, m.message_id, m.queue_id, m.customer, m.author, m.sla, t);
  };
  auto settled_row = [&](const SettleRecord& m, TimeMs t) {
    return message_row(m.thread_id, m.message_id, m.queue_id, "", m.author, m.sla, t);
  };

  auto in_period = [&](TimeMs t) { return (!opts.from || t >= *opts.from) && (!opts.to || t < *opts.to); };

  // Several servers (instances) sharing one store each write their own log. A message that passed
  // two of them (a reply relayed from the submission server through the MX) counts once: in the
  // instance whose record carries its SLA figures, else the first that recorded it.
  std::map<std::string, std::string> counted_in;  // Message-ID seen in several instances -> instance
  {
    std::map<std::string, std::vector<std::pair<std::string, bool>>> seen;  // id -> (instance, has figures)
    for (const auto& file : files) {
      std::ifstream in(file);
      for (std::string line; std::getline(in, line);) {
        // Records of the wrong form are named by the pass below.
        const AuditLine rec = read_audit_record(line);
        const auto* m = std::get_if<MessageRecord>(&rec.record);
        if (m == nullptr || m->message_id.empty()) continue;
        seen[m->message_id].emplace_back(rec.instance, m->sla && m->sla->latency_s);
      }
    }
    for (const auto& [id, where] : seen) {
      std::set<std::string> instances;
      for (const auto& w : where) instances.insert(w.first);
      if (instances.size() < 2) continue;
      counted_in[id] = where.front().first;
      for (const auto& w : where)
        if (w.second) {
          counted_in[id] = w.first;
          break;
        }
    }
  }

  for (const auto& file : files) {
    std::ifstream in(file);
    std::size_t lineno = 0;
    for (std::string line; std::getline(in, line);) {
      ++lineno;
      const AuditLine rec = read_audit_record(line);
      if (rec.unreadable) {
        ++unreadable;
        continue;
      }
      // A record with a field of the wrong type (a valid chain may hold one) is skipped and named;
      // the rest of the log is still counted.
      if (!rec.problem.empty()) {
        skipped.push_back({{"file", file}, {"line", lineno}, {"what", rec.problem}});
        continue;
      }
      const auto* message = std::get_if<MessageRecord>(&rec.record);
      const auto* settled = std::get_if<SettleRecord>(&rec.record);
      const auto* sla_event = std::get_if<SlaEventRecord>(&rec.record);
      if (message != nullptr) {
        auto c = counted_in.find(message->message_id);
        if (c != counted_in.end() && c->second != rec.instance) continue;  // counted in the other instance
      }
      // When it happened: a message at its time, an SLA event when due, others when written.
      std::optional<TimeMs> t;
      if (message != nullptr) t = parse_rfc3339(message->message_time);
      else if (sla_event != nullptr) t = sla_event->at;
      if (!t) t = parse_rfc3339(rec.time);
      if (!t || !in_period(*t)) continue;
      first_seen = first_seen ? std::min(*first_seen, *t) : *t;
      last_seen = last_seen ? std::max(*last_seen, *t) : *t;

      // The groups a record counts in: the total, its day and week, and its agent (when it has one).
      auto groups_of = [&](const std::string& agent) {
        std::vector<Group*> gs{&total, &views["day"][day_of(zone, *t)], &views["week"][week_of(zone, *t)]};
        if (!agent.empty()) gs.push_back(&views["agent"][agent]);
        return gs;
      };

      // A reply's figures, on the day they count: at delivery, or at release for a held one.
      auto count_latency = [&](const std::vector<Group*>& gs, const std::optional<SlaResult>& sla, nlohmann::json row,
                               TimeMs when) {
        if (!sla || !sla->latency_s) return;
        const double lat = static_cast<double>(*sla->latency_s);
        row["within_target"] = lat <= static_cast<double>(opts.target_s);
        lists["replies"].push_back(row);
        if (lat > static_cast<double>(opts.target_s)) lists["over_target"].push_back(row);
        for (Group* g : gs) {
          (sla->first_reply ? g->first : g->next).push_back(lat);
          ++g->answered;
          if (lat <= static_cast<double>(opts.target_s)) ++g->within_target;
          if (lat <= static_cast<double>(opts.limit_s)) ++g->within_limit;
        }
        all_latencies.push_back(lat);
        auto& d = daily[day_of(zone, when)];
        ++d.first;
        if (lat <= static_cast<double>(opts.target_s)) ++d.second;
      };

      if (message != nullptr) {
        const MessageRecord& m = *message;
        const std::string& thread = m.thread_id;
        const std::string& dir = m.direction;
        if (!m.customer.empty() && !thread.empty()) thread_customer.emplace(thread, m.customer);
        if (dir != "inbound" && dir != "outbound" && dir != "internal") continue;
        auto gs = groups_of(dir == "inbound" ? "" : m.author);
        const std::string& action = m.action;
        // Mail that did not leave counts nothing but itself: a rejected or tempfailed message
        // (its resend or retry is the one that counts), a held one (it counts when released).
        const bool left = action != "reject" && action != "tempfail" && action != "hold";
        if (dir != "internal" && left) {
          auto& lw = last_word[thread];
          if (*t >= lw.first) {
            lw = {*t, dir};
            if (dir == "inbound") last_inbound[thread] = row_of(m, *t);
          }
        }
        if (action == "hold" || action == "reject") {
          auto row = row_of(m, *t);
          row["rules"] = m.failing_rules();
          lists[action == "hold" ? "held" : "rejected"].push_back(row);
        }
        for (const auto& f : m.findings)
          if (f.result == "fail") {
            auto row = row_of(m, *t);
            row["rule"] = f.rule;
            row["action"] = f.action;
            row["detail"] = f.detail;
            lists["findings"].push_back(row);
          }
        for (Group* g : gs) {
          g->threads.insert(thread);
          if (dir == "inbound" && left) ++g->customer_messages;
          if (dir == "outbound" && left) ++g->replies;
          if (action == "hold") ++g->held;
          if (action == "reject") ++g->rejected;
          for (const auto& f : m.findings)
            if (f.result == "fail") ++g->findings[f.rule];
        }
        if (left) count_latency(gs, m.sla, row_of(m, *t), *t);
      } else if (settled != nullptr && !settled->discard) {
        // A held message released: it left now, and its figures (computed at release) count now.
        const SettleRecord& m = *settled;
        const std::string& thread = m.thread_id;
        const std::string& dir = m.direction;
        if (dir != "inbound" && dir != "outbound") continue;
        auto gs = groups_of(dir == "inbound" ? "" : m.author);
        if (!thread.empty()) {
          auto& lw = last_word[thread];
          if (*t >= lw.first) {
            lw = {*t, dir};
            if (dir == "inbound") last_inbound[thread] = settled_row(m, *t);
          }
        }
        auto row = settled_row(m, *t);
        row["by"] = m.by;
        lists["released"].push_back(row);
        for (Group* g : gs) {
          if (!thread.empty()) g->threads.insert(thread);
          if (dir == "inbound") ++g->customer_messages;
          if (dir == "outbound") ++g->replies;
          ++g->released;
        }
        count_latency(gs, m.sla, settled_row(m, *t), *t);
      } else if (settled != nullptr) {
        auto row = settled_row(*settled, *t);
        row["by"] = settled->by;
        lists["discarded"].push_back(row);
      } else if (sla_event != nullptr && sla_event->sla.event != "sla_warning") {
        const SlaEventRecord& e = *sla_event;
        const std::string& event = e.sla.event;
        auto time_or_null = [](const std::optional<TimeMs>& v) {
          return v ? nlohmann::json(format_rfc3339(*v)) : nlohmann::json();
        };
        auto number_or_null = [](const std::optional<std::int64_t>& v) { return v ? nlohmann::json(*v) : nlohmann::json(); };
        nlohmann::json row = {{"thread_id", e.thread_id}, {"subject", e.subject}, {"at", format_rfc3339(*t)}};
        if (event == "sla_breach") {
          row["waiting_since"] = time_or_null(e.sla.waiting_since);
          row["waited_s"] = number_or_null(e.sla.waited_s);
          lists["breaches"].push_back(row);
        } else if (event == "promise_missed") {
          row["promised_by"] = time_or_null(e.sla.promised_by);
          row["promise"] = e.sla.promise ? nlohmann::json(*e.sla.promise) : nlohmann::json();
          lists["promises_missed"].push_back(row);
        } else {
          row["last_outbound"] = time_or_null(e.sla.last_outbound);
          row["silent_s"] = number_or_null(e.sla.silent_s);
          lists["contact_gaps"].push_back(row);
        }
        auto gs = groups_of("");
        for (Group* g : gs) {
          if (event == "sla_breach") ++g->breaches;
          if (event == "contact_gap") ++g->contact_gaps;
          if (event == "promise_missed") ++g->promises_missed;
        }
      }
    }
  }

  nlohmann::json r;
  // Each instance's chain on its own: its files in the order given (oldest first).
  std::vector<std::pair<std::string, std::vector<std::string>>> by_instance;
  for (const auto& file : files) {
    std::string instance;
    std::ifstream in(file);
    for (std::string line; std::getline(in, line);) {
      const AuditLine rec = read_audit_record(line);
      if (rec.problem.empty() && rec.seq) {
        instance = rec.instance;
        break;
      }
    }
    auto it = std::find_if(by_instance.begin(), by_instance.end(), [&](const auto& e) { return e.first == instance; });
    if (it == by_instance.end()) by_instance.push_back({instance, {file}});
    else it->second.push_back(file);
  }
  r["chain"] = {{"ok", true}, {"records", 0}, {"problems", nlohmann::json::array()}, {"instances", nlohmann::json::array()}};
  for (const auto& [instance, its_files] : by_instance) {
    const auto chain = verify_audit_chain(its_files, opts.verify);
    const auto summary = summary_lines(chain);
    nlohmann::json c = {{"instance", instance}, {"ok", chain.ok()}, {"records", chain.records}, {"first_seq", chain.first_seq},
                        {"last_seq", chain.last_seq}, {"head", chain.head}, {"files", its_files},
                        {"seals", {{"checked", chain.keys_given}, {"count", chain.seals}, {"sealed", chain.sealed},
                                   {"sealed_epoch", chain.sealed_epoch}, {"sealed_seq", chain.sealed_seq},
                                   {"sealed_time", chain.sealed_time}, {"unsealed_tail", chain.unsealed_tail}}},
                        {"anchors", {{"checked", chain.anchors_given}, {"count", chain.anchors},
                                     {"matched", chain.anchors_matched}, {"anchored_seq", chain.anchored_seq},
                                     {"anchored_time", chain.anchored_time}}},
                        {"summary", summary}, {"notes", chain.notes}};
    r["chain"]["instances"].push_back(c);
    if (!chain.ok()) r["chain"]["ok"] = false;
    r["chain"]["records"] = r["chain"]["records"].get<std::uint64_t>() + chain.records;
    for (const auto& p : chain.problems)
      r["chain"]["problems"].push_back({{"instance", instance}, {"file", p.file}, {"line", p.line}, {"what", p.what}});
    // Row by row: the chain, the seals, the anchors, each problem.
    auto row = [&](const char* check, const std::string& status, const std::string& detail) {
      lists["integrity"].push_back({{"instance", instance}, {"check", check}, {"status", status}, {"detail", detail}});
    };
    row("chain", chain.ok() ? "intact" : "broken",
        std::to_string(chain.records) + " records, seq " + std::to_string(chain.first_seq) + ".." +
            std::to_string(chain.last_seq) + ", head " + chain.head);
    row("seals", chain.seals == 0 ? "unsealed" : !chain.keys_given ? "not checked" : chain.sealed ? "sealed" : "not sealed",
        summary[0]);
    row("anchors", !chain.anchors_given ? "not checked" : chain.anchors_matched > 0 ? "matched" : "none matched", summary[1]);
    for (const auto& p : chain.problems)
      row("problem", "broken", p.file + (p.line > 0 ? ":" + std::to_string(p.line) : std::string()) + ": " + p.what);
  }
  if (by_instance.size() == 1)
    for (const char* k : {"first_seq", "last_seq", "head"}) r["chain"][k] = r["chain"]["instances"][0][k];
  r["period"] = {{"from", opts.from ? nlohmann::json(format_rfc3339(*opts.from)) : nlohmann::json(nullptr)},
                 {"to", opts.to ? nlohmann::json(format_rfc3339(*opts.to)) : nlohmann::json(nullptr)},
                 {"first_record", first_seen ? nlohmann::json(format_rfc3339(*first_seen)) : nlohmann::json(nullptr)},
                 {"last_record", last_seen ? nlohmann::json(format_rfc3339(*last_seen)) : nlohmann::json(nullptr)}};
  r["target_s"] = opts.target_s;
  r["limit_s"] = opts.limit_s;
  r["total"] = render(total, opts);
  long customer_last = 0;
  for (const auto& [thread, lw] : last_word)
    if (lw.second == "inbound") {
      ++customer_last;
      if (auto it = last_inbound.find(thread); it != last_inbound.end()) lists["customer_last_word"].push_back(it->second);
    }
  r["total"]["customer_last_word"] = customer_last;
  // Rows of records that do not name the customer (SLA events, releases) take the thread's.
  for (auto& [name, rows] : lists.items())
    for (auto& row : rows)
      if (row.value("customer", "").empty())
        if (auto it = thread_customer.find(row.value("thread_id", "")); it != thread_customer.end()) row["customer"] = it->second;
  r["lists"] = std::move(lists);
  r["time_zone"] = opts.time_zone;
  r["calendar"] = opts.business_calendar ? "business" : "24x7";
  for (const char* v : {"agent", "day"}) {
    r["views"][v] = nlohmann::json::object();
    for (const auto& [k, g] : views[v]) r["views"][v][k] = render(g, opts);
  }
  if (!opts.by.empty()) {
    r["by"] = opts.by;
    r["groups"] = nlohmann::json::object();
    for (const auto& [k, g] : views[opts.by]) r["groups"][k] = render(g, opts);
  }
  // Chart data: response-time histogram and the daily share within target.
  const std::vector<std::pair<std::string, double>> buckets = {
      {"< 15m", 900}, {"15m-1h", 3600}, {"1-2h", 7200}, {"2-4h", 14400}, {"4-8h", 28800}, {"8-24h", 86400}, {"> 24h", 1e300}};
  nlohmann::json hist = nlohmann::json::array();
  double lower = -1;
  for (const auto& [label, upper_bound] : buckets) {
    const double upper = upper_bound;  // a plain local: lambdas of C++20 before clang 16 cannot capture a binding
    long n = std::count_if(all_latencies.begin(), all_latencies.end(), [&](double x) { return x > lower && x <= upper; });
    hist.push_back({{"bucket", label}, {"replies", n}});
    lower = upper;
  }
  r["histogram"] = hist;
  nlohmann::json days = nlohmann::json::array();
  for (const auto& [d, v] : daily) days.push_back({{"day", d}, {"answered", v.first}, {"within_target", static_cast<double>(v.second) / v.first}});
  r["daily"] = days;
  r["unreadable_lines"] = unreadable;
  r["skipped_records"] = skipped;
  return r;
}

std::string report_text(const nlohmann::json& r) {
  std::ostringstream o;
  auto block = [&](const std::string& title, const nlohmann::json& g) {
    o << title << "\n";
    o << "  threads " << g["threads"] << ", customer messages " << g["customer_messages"] << ", replies " << g["replies"] << "\n";
    o << "  first reply: " << g["first_reply"]["count"] << " replies, p50 " << fmt_duration(g["first_reply"]["p50_s"]) << ", p90 "
      << fmt_duration(g["first_reply"]["p90_s"]) << ", max " << fmt_duration(g["first_reply"]["max_s"]) << "\n";
    o << "  next reply:  " << g["next_reply"]["count"] << " replies, p50 " << fmt_duration(g["next_reply"]["p50_s"]) << ", p90 "
      << fmt_duration(g["next_reply"]["p90_s"]) << ", max " << fmt_duration(g["next_reply"]["max_s"]) << "\n";
    o << "  within target " << fmt_share(g["within_target"]) << ", within limit " << fmt_share(g["within_limit"]) << "\n";
    o << "  breaches " << g["breaches"] << ", contact gaps " << g["contact_gaps"] << ", promises missed " << g["promises_missed"];
    if (g.contains("customer_last_word")) o << ", customer had the last word in " << g["customer_last_word"] << " threads";
    o << "\n  held " << g["held"] << " (released " << g["released"] << "), rejected " << g["rejected"] << "\n";
    if (!g["findings"].empty()) {
      o << "  findings:";
      for (const auto& [rule, n] : g["findings"].items()) o << " " << rule << " " << n;
      o << "\n";
    }
  };
  o << chain_summary(r["chain"]) << "\n";
  o << "support-milter report, " << (r["period"]["first_record"].is_null() ? std::string("no records") : cell(r["period"]["first_record"]))
    << (r["period"]["last_record"].is_null() ? std::string() : " to " + cell(r["period"]["last_record"])) << " (target "
    << fmt_duration(r["target_s"]) << ", limit " << fmt_duration(r["limit_s"]) << "; days in " << cell(r["time_zone"]) << "; times on the " << cell(r["calendar"]) << " calendar)\n\n";
  o << skipped_summary(r);
  block("all", r["total"]);
  if (r.contains("groups"))
    for (const auto& [k, g] : r["groups"].items()) block("\n" + r["by"].get<std::string>() + " " + k, g);
  for (const auto& l : report_lists()) {
    if (l.name == std::string("replies")) continue;  // every reply: --format csv or json
    if (l.name == std::string("integrity")) continue;  // the head says it
    const auto& rows = r["lists"][l.name];
    if (rows.empty()) continue;
    o << "\n" << l.title << " (" << rows.size() << ")\n";
    for (const auto& row : rows) {
      o << " ";
      for (const char* c : l.columns) o << " " << c << "=" << (cell(row.value(c, nlohmann::json())).empty() ? "-" : cell(row.value(c, nlohmann::json())));
      o << "\n";
    }
  }
  return o.str();
}

std::string report_html(const nlohmann::json& r) {
  std::ostringstream o;
  const auto& t = r["total"];
  o << "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>support-milter report</title><style>"
       "body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse}td,th{border:1px solid #ccc;"
       "padding:3px 6px;text-align:right;font-size:13px}th{background:#f4f4f4;cursor:pointer}h1{font-size:1.4em}svg text{font-size:11px}"
       "#chain.broken{background:#fdd;border:2px solid #c00;padding:0 1em}#chain.ok{color:#264}</style></head><body>";
  o << "<h1>support-milter report</h1>";
  {
    const auto& c = r["chain"];
    o << "<div id=\"chain\" class=\"" << (c["ok"].get<bool>() ? "ok" : "broken") << "\"><pre>" << html_escape(chain_summary(c)) << "</pre></div>";
  }
  if (auto skipped = skipped_summary(r); !skipped.empty())
    o << "<div id=\"skipped\"><pre>" << html_escape(skipped) << "</pre></div>";
  o << "<p id=\"zone\">Days in " << html_escape(cell(r["time_zone"])) << "; response times on the "
    << html_escape(cell(r["calendar"])) << " calendar (business: opening hours only)</p><p id=\"period\">" << html_escape(r["period"]["first_record"].is_null() ? "no records" : r["period"]["first_record"].get<std::string>())
    << " to " << html_escape(r["period"]["last_record"].is_null() ? "" : r["period"]["last_record"].get<std::string>()) << "</p>";
  o << "<table id=\"summary\"><tr><th>threads</th><th>customer messages</th><th>replies</th><th>first reply p50</th><th>p90</th><th>max</th>"
       "<th>next reply p50</th><th>within target</th><th>within limit</th><th>breaches</th><th>contact gaps</th><th>promises missed</th>"
       "<th>customer last word</th><th>held</th><th>rejected</th></tr><tr>";
  o << "<td>" << t["threads"] << "</td><td>" << t["customer_messages"] << "</td><td>" << t["replies"] << "</td><td>"
    << fmt_duration(t["first_reply"]["p50_s"]) << "</td><td>" << fmt_duration(t["first_reply"]["p90_s"]) << "</td><td>"
    << fmt_duration(t["first_reply"]["max_s"]) << "</td><td>" << fmt_duration(t["next_reply"]["p50_s"]) << "</td><td>"
    << fmt_share(t["within_target"]) << "</td><td>" << fmt_share(t["within_limit"]) << "</td><td>" << t["breaches"] << "</td><td>"
    << t["contact_gaps"] << "</td><td>" << t["promises_missed"] << "</td><td>" << t["customer_last_word"] << "</td><td>" << t["held"]
    << "</td><td>" << t["rejected"] << "</td></tr></table>";
  o << "<p id=\"lists-index\">";
  for (const auto& l : report_lists())
    if (l.name != std::string("integrity"))  // the head says it
      o << "<a href=\"#" << l.name << "\">" << html_escape(l.title) << " (" << r["lists"][l.name].size() << ")</a> ";
  o << "</p>";
  // Histogram of response times.
  long max_n = 1;
  for (const auto& b : r["histogram"]) max_n = std::max<long>(max_n, b["replies"].get<long>());
  o << "<h2>Response times</h2><svg id=\"histogram\" width=\"560\" height=\"220\" role=\"img\" aria-label=\"response-time histogram\">";
  int x = 10;
  for (const auto& b : r["histogram"]) {
    long n = b["replies"].get<long>();
    int h = static_cast<int>(160.0 * static_cast<double>(n) / static_cast<double>(max_n));
    o << "<rect class=\"bar\" x=\"" << x << "\" y=\"" << 180 - h << "\" width=\"60\" height=\"" << h << "\" fill=\"#4a7bd0\"><title>"
      << html_escape(b["bucket"].get<std::string>()) << ": " << n << "</title></rect>";
    o << "<text x=\"" << x + 30 << "\" y=\"198\" text-anchor=\"middle\">" << html_escape(b["bucket"].get<std::string>()) << "</text>";
    o << "<text x=\"" << x + 30 << "\" y=\"" << 175 - h << "\" text-anchor=\"middle\">" << n << "</text>";
    x += 78;
  }
  o << "</svg>";
  // SLA share over time.
  o << "<h2>Share within target, by day</h2><svg id=\"sla-share\" width=\"600\" height=\"200\" role=\"img\" aria-label=\"SLA share over time\">";
  const auto& days = r["daily"];
  std::size_t n = days.size();
  std::string points;
  for (std::size_t i = 0; i < n; ++i) {
    double share = days[i]["within_target"].get<double>();
    int px = n > 1 ? 20 + static_cast<int>(520.0 * static_cast<double>(i) / static_cast<double>(n - 1)) : 280;
    int py = 170 - static_cast<int>(150 * share);
    points += std::to_string(px) + "," + std::to_string(py) + " ";
    o << "<circle class=\"point\" cx=\"" << px << "\" cy=\"" << py << "\" r=\"3\" fill=\"#2a9d5a\"><title>"
      << html_escape(days[i]["day"].get<std::string>()) << ": " << fmt_share(days[i]["within_target"]) << "</title></circle>";
    // Dates on the axis: every day when there are few, else the first, the last and every seventh.
    if (n <= 8 || i == 0 || i + 1 == n || i % 7 == 0)
      o << "<text class=\"day\" x=\"" << px << "\" y=\"188\" text-anchor=\"middle\">" << html_escape(days[i]["day"].get<std::string>().substr(5))
        << "</text>";
  }
  if (n > 1) o << "<polyline points=\"" << points << "\" fill=\"none\" stroke=\"#2a9d5a\"/>";
  o << "<line x1=\"20\" y1=\"170\" x2=\"540\" y2=\"170\" stroke=\"#999\"/><line x1=\"20\" y1=\"20\" x2=\"540\" y2=\"20\" "
       "stroke=\"#ddd\"/><text x=\"545\" y=\"174\">0%</text><text x=\"545\" y=\"24\">100%</text></svg>";
  // By agent and by day always (by week too when asked): first and next reply apart.
  auto view_table = [&](const std::string& name, const nlohmann::json& groups) {
    o << "<h2>By " << name << "</h2><table class=\"view\" id=\"by-" << name << "\"><tr><th>" << name
      << "</th><th>replies</th><th>first replies</th><th>first p50</th><th>first p90</th><th>next replies</th><th>next p50</th>"
         "<th>next p90</th><th>within target</th><th>breaches</th><th>held</th><th>rejected</th></tr>";
    for (const auto& [k, g] : groups.items())
      o << "<tr><td>" << html_escape(k) << "</td><td>" << g["replies"] << "</td><td>" << g["first_reply"]["count"] << "</td><td>"
        << fmt_duration(g["first_reply"]["p50_s"]) << "</td><td>" << fmt_duration(g["first_reply"]["p90_s"]) << "</td><td>"
        << g["next_reply"]["count"] << "</td><td>" << fmt_duration(g["next_reply"]["p50_s"]) << "</td><td>"
        << fmt_duration(g["next_reply"]["p90_s"]) << "</td><td>" << fmt_share(g["within_target"]) << "</td><td>" << g["breaches"]
        << "</td><td>" << g["held"] << "</td><td>" << g["rejected"] << "</td></tr>";
    o << "</table>";
  };
  view_table("agent", r["views"]["agent"]);
  view_table("day", r["views"]["day"]);
  if (r.value("by", "") == "week") view_table("week", r["groups"]);
  for (const auto& l : report_lists()) {
    if (l.name == std::string("integrity")) continue;  // the head says it
    const auto& rows = r["lists"][l.name];
    o << "<h2>" << html_escape(l.title) << " (" << rows.size() << ")</h2><table class=\"list\" id=\"" << l.name << "\"><tr>";
    for (const char* c : l.columns) o << "<th>" << c << "</th>";
    o << "</tr>";
    for (const auto& row : rows) {
      o << "<tr>";
      for (const char* c : l.columns) o << "<td>" << html_escape(cell(row.value(c, nlohmann::json()))) << "</td>";
      o << "</tr>";
    }
    o << "</table>";
  }
  // Sorting: a click on a column's header sorts its table by it (numbers as numbers).
  o << "<script>document.querySelectorAll('table.list th').forEach(function(th,i){th.addEventListener('click',function(){"
       "var t=th.closest('table'),rows=Array.from(t.rows).slice(1),up=th.dataset.up!=='1';th.dataset.up=up?'1':'0';"
       "rows.sort(function(a,b){var x=a.cells[i].textContent,y=b.cells[i].textContent,nx=parseFloat(x),ny=parseFloat(y);"
       "var d=(!isNaN(nx)&&!isNaN(ny))?nx-ny:x.localeCompare(y);return up?d:-d;});rows.forEach(function(r){t.appendChild(r);});});});"
       "</script>";
  o << "</body></html>\n";
  return o.str();
}

}  // namespace sm
