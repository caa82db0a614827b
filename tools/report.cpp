// Report computation and rendering. Figures come only from the audit records: message records
// (direction, thread, action, findings, sla), release records of held messages (their figures
// count at release; a held, rejected or tempfailed message counts only as such), and the
// sweeper's events (sla_breach, contact_gap, promise_missed).
#include "tools/report.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

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

std::string day_of(TimeMs t) { return format_rfc3339(t).substr(0, 10); }

std::string week_of(TimeMs t) {
  // ISO-like week label: the Monday that starts it.
  TimeMs day = (t >= 0 ? t : t - 86399999) / 86400000;
  long weekday = static_cast<long>((day + 3) % 7);  // 1970-01-01 was a Thursday; 0 = Monday
  if (weekday < 0) weekday += 7;
  return "week of " + day_of((day - weekday) * 86400000);
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

std::string html_escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    switch (c) {
      case '&': o += "&amp;"; break;
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '"': o += "&quot;"; break;
      default: o += c;
    }
  }
  return o;
}

}  // namespace

nlohmann::json build_report(const std::vector<std::string>& files, const ReportOptions& opts) {
  Group total;
  std::map<std::string, Group> groups;
  std::map<std::string, std::pair<TimeMs, std::string>> last_word;  // thread -> (time, direction)
  std::vector<double> all_latencies;
  std::map<std::string, std::pair<long, long>> daily;  // day -> (answered, within target)
  long unreadable = 0;
  std::optional<TimeMs> first_seen, last_seen;

  auto in_period = [&](TimeMs t) { return (!opts.from || t >= *opts.from) && (!opts.to || t < *opts.to); };

  for (const auto& file : files) {
    std::ifstream in(file);
    for (std::string line; std::getline(in, line);) {
      auto j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_discarded() || !j.is_object() || !j.contains("event")) {
        ++unreadable;
        continue;
      }
      const std::string event = j.value("event", "");
      const std::string thread = j.value("thread_id", "");
      std::optional<TimeMs> t;
      if (event == "message" && j.contains("message_time")) t = parse_rfc3339(j.value("message_time", ""));
      else if (j.contains("at")) t = parse_rfc3339(j.value("at", ""));
      if (!t) t = parse_rfc3339(j.value("time", ""));
      if (!t || !in_period(*t)) continue;
      first_seen = first_seen ? std::min(*first_seen, *t) : *t;
      last_seen = last_seen ? std::max(*last_seen, *t) : *t;

      std::string key;
      if (opts.by == "day") key = day_of(*t);
      else if (opts.by == "week") key = week_of(*t);

      // A reply's figures, on the day they count: at delivery, or at release for a held one.
      auto count_latency = [&](const std::vector<Group*>& gs, const nlohmann::json& sla, TimeMs when) {
        if (!sla.contains("latency_s") || !sla["latency_s"].is_number()) return;
        const double lat = sla["latency_s"].get<double>();
        for (Group* g : gs) {
          (sla.value("first_reply", false) ? g->first : g->next).push_back(lat);
          ++g->answered;
          if (lat <= static_cast<double>(opts.target_s)) ++g->within_target;
          if (lat <= static_cast<double>(opts.limit_s)) ++g->within_limit;
        }
        all_latencies.push_back(lat);
        auto& d = daily[day_of(when)];
        ++d.first;
        if (lat <= static_cast<double>(opts.target_s)) ++d.second;
      };

      if (event == "message") {
        const std::string dir = j.value("direction", "");
        if (dir != "inbound" && dir != "outbound" && dir != "internal") continue;
        if (opts.by == "agent") key = dir == "inbound" ? "" : j.value("author", "");
        std::vector<Group*> gs{&total};
        if (!key.empty()) gs.push_back(&groups[key]);
        const std::string action = j.value("action", "");
        // Mail that did not leave counts nothing but itself: a rejected or tempfailed message
        // (its resend or retry is the one that counts), a held one (it counts when released).
        const bool left = action != "reject" && action != "tempfail" && action != "hold";
        if (dir != "internal" && left) {
          auto& lw = last_word[thread];
          if (*t >= lw.first) lw = {*t, dir};
        }
        const nlohmann::json sla = j.value("sla", nlohmann::json::object());
        for (Group* g : gs) {
          g->threads.insert(thread);
          if (dir == "inbound" && left) ++g->customer_messages;
          if (dir == "outbound" && left) ++g->replies;
          if (action == "hold") ++g->held;
          if (action == "reject") ++g->rejected;
          for (const auto& f : j.value("findings", nlohmann::json::array()))
            if (f.value("result", "") == "fail") ++g->findings[f.value("rule", "")];
        }
        if (left) count_latency(gs, sla, *t);
      } else if (event == "release") {
        // A held message released: it left now, and its figures (computed at release) count now.
        const std::string dir = j.value("direction", "");
        if (dir != "inbound" && dir != "outbound") continue;
        if (opts.by == "agent") key = dir == "inbound" ? "" : j.value("author", "");
        std::vector<Group*> gs{&total};
        if (!key.empty()) gs.push_back(&groups[key]);
        if (!thread.empty()) {
          auto& lw = last_word[thread];
          if (*t >= lw.first) lw = {*t, dir};
        }
        for (Group* g : gs) {
          if (!thread.empty()) g->threads.insert(thread);
          if (dir == "inbound") ++g->customer_messages;
          if (dir == "outbound") ++g->replies;
          ++g->released;
        }
        count_latency(gs, j.value("sla", nlohmann::json::object()), *t);
      } else if (event == "sla_breach" || event == "contact_gap" || event == "promise_missed") {
        std::vector<Group*> gs{&total};
        if (!key.empty() && opts.by != "agent") gs.push_back(&groups[key]);
        for (Group* g : gs) {
          if (event == "sla_breach") ++g->breaches;
          if (event == "contact_gap") ++g->contact_gaps;
          if (event == "promise_missed") ++g->promises_missed;
        }
      }
    }
  }

  nlohmann::json r;
  r["period"] = {{"from", opts.from ? nlohmann::json(format_rfc3339(*opts.from)) : nlohmann::json(nullptr)},
                 {"to", opts.to ? nlohmann::json(format_rfc3339(*opts.to)) : nlohmann::json(nullptr)},
                 {"first_record", first_seen ? nlohmann::json(format_rfc3339(*first_seen)) : nlohmann::json(nullptr)},
                 {"last_record", last_seen ? nlohmann::json(format_rfc3339(*last_seen)) : nlohmann::json(nullptr)}};
  r["target_s"] = opts.target_s;
  r["limit_s"] = opts.limit_s;
  r["total"] = render(total, opts);
  long customer_last = 0;
  for (const auto& [thread, lw] : last_word) customer_last += lw.second == "inbound";
  r["total"]["customer_last_word"] = customer_last;
  if (!opts.by.empty()) {
    r["by"] = opts.by;
    r["groups"] = nlohmann::json::object();
    for (const auto& [k, g] : groups) r["groups"][k] = render(g, opts);
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
  o << "support-milter report, " << r["period"]["first_record"].dump() << " to " << r["period"]["last_record"].dump()
    << " (target " << fmt_duration(r["target_s"]) << ", limit " << fmt_duration(r["limit_s"]) << ")\n\n";
  block("all", r["total"]);
  if (r.contains("groups"))
    for (const auto& [k, g] : r["groups"].items()) block("\n" + r["by"].get<std::string>() + " " + k, g);
  return o.str();
}

std::string report_html(const nlohmann::json& r) {
  std::ostringstream o;
  const auto& t = r["total"];
  o << "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>support-milter report</title><style>"
       "body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse}td,th{border:1px solid #ccc;"
       "padding:3px 6px;text-align:right;font-size:13px}th{background:#f4f4f4}h1{font-size:1.4em}svg text{font-size:11px}</style></head><body>";
  o << "<h1>support-milter report</h1><p id=\"period\">" << html_escape(r["period"]["first_record"].is_null() ? "no records" : r["period"]["first_record"].get<std::string>())
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
  o << "<h2>Share within target, by day</h2><svg id=\"sla-share\" width=\"560\" height=\"200\" role=\"img\" aria-label=\"SLA share over time\">";
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
  }
  if (n > 1) o << "<polyline points=\"" << points << "\" fill=\"none\" stroke=\"#2a9d5a\"/>";
  o << "<line x1=\"20\" y1=\"170\" x2=\"540\" y2=\"170\" stroke=\"#999\"/><line x1=\"20\" y1=\"20\" x2=\"540\" y2=\"20\" "
       "stroke=\"#ddd\"/><text x=\"545\" y=\"174\">0%</text><text x=\"545\" y=\"24\">100%</text></svg>";
  if (r.contains("groups")) {
    o << "<h2>By " << html_escape(r["by"].get<std::string>()) << "</h2><table id=\"groups\"><tr><th>" << html_escape(r["by"].get<std::string>())
      << "</th><th>replies</th><th>first reply p50</th><th>within target</th><th>breaches</th><th>held</th><th>rejected</th></tr>";
    for (const auto& [k, g] : r["groups"].items())
      o << "<tr><td>" << html_escape(k) << "</td><td>" << g["replies"] << "</td><td>" << fmt_duration(g["first_reply"]["p50_s"])
        << "</td><td>" << fmt_share(g["within_target"]) << "</td><td>" << g["breaches"] << "</td><td>" << g["held"] << "</td><td>"
        << g["rejected"] << "</td></tr>";
    o << "</table>";
  }
  o << "</body></html>\n";
  return o.str();
}

}  // namespace sm
