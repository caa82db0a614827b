// The review page's HTML (review/page.h).
#include "review/page.h"

#include <algorithm>
#include <set>

#include "base/strings.h"
#include "checks/rule.h"

namespace sm {

void sort_by_wait(std::vector<ReviewItem>* items) {
  std::stable_sort(items->begin(), items->end(), [](const ReviewItem& a, const ReviewItem& b) {
    if (a.waiting_s != b.waiting_s) return a.waiting_s > b.waiting_s;
    return a.held.queue.queue_id < b.held.queue.queue_id;
  });
}

std::string format_wait(std::int64_t s) {
  if (s < 0) s = 0;
  auto two = [](std::int64_t v) { return (v < 10 ? "0" : "") + std::to_string(v); };
  if (s < 60) return std::to_string(s) + " s";
  if (s < 3600) return std::to_string(s / 60) + " min";
  if (s < 86400) return std::to_string(s / 3600) + " h " + two(s % 3600 / 60) + " min";
  return std::to_string(s / 86400) + " d " + std::to_string(s % 86400 / 3600) + " h";
}

namespace {

void collect_strings(const nlohmann::json& j, std::set<std::string>* out) {
  static const std::set<std::string> no_text = {"language", "style", "answered", "promised_by"};
  if (j.is_string()) {
    const auto& s = j.get_ref<const std::string&>();
    if (trim(s).size() >= 3) out->insert(std::string(trim(s)));
  } else if (j.is_array()) {
    for (const auto& v : j) collect_strings(v, out);
  } else if (j.is_object()) {
    for (const auto& [k, v] : j.items())
      if (!no_text.count(k)) collect_strings(v, out);
  }
}

const char* kStyle =
    "body{font-family:sans-serif;margin:1.5em;max-width:70em;color:#222}"
    "table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #ccc;padding:.4em;text-align:left;"
    "vertical-align:top}mark{background:#ffd54f;padding:0 .1em}"
    "pre{white-space:pre-wrap;background:#f6f6f6;padding:.8em;border:1px solid #ddd}"
    ".late{color:#b00020;font-weight:bold}.notice{background:#e8f5e9;padding:.6em}.error{background:#fdecea;"
    "padding:.6em}form.act{margin:.8em 0;padding:.6em;border:1px solid #ccc}textarea{width:100%}"
    "header{display:flex;justify-content:space-between;align-items:center}";

std::string page(const std::string& title, const std::string& body, const ReviewViewer* viewer) {
  std::string h = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + html_escape(title) +
                  " - support-milter review</title><style>" + kStyle + "</style></head><body>\n<header><h1>" +
                  html_escape(title) + "</h1>";
  if (viewer != nullptr)
    h += "<nav><a href=\"/\">Held replies</a> <a href=\"/report\" id=\"report-link\">Report</a></nav>"
         "<form method=\"post\" action=\"/logout\"><span id=\"who\">" + html_escape(viewer->user) + " (" +
         to_string(viewer->role) + ")</span> <input type=\"hidden\" name=\"csrf\" value=\"" +
         html_escape(viewer->csrf) + "\"><button type=\"submit\">Log out</button></form>";
  return h + "</header>\n" + body + "\n</body></html>\n";
}

std::string notice_html(const std::string& notice) {
  return notice.empty() ? "" : "<p class=\"notice\" id=\"notice\">" + html_escape(notice) + "</p>\n";
}

std::string rules_of(const HeldMessage& m) {
  std::string s;
  for (const auto& f : m.findings) s += (s.empty() ? "" : ", ") + f.rule;
  return s;
}

}  // namespace

std::vector<std::string> evidence_phrases(const std::vector<FindingRecord>& findings) {
  std::set<std::string> all;
  for (const auto& f : findings) collect_strings(f.evidence, &all);
  std::vector<std::string> out(all.begin(), all.end());
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
  return out;
}

namespace {

// The places the phrases stand in `text` (ASCII letters in either case; at each position the
// longest phrase that starts there).
std::vector<TextSpan> phrase_spans(std::string_view text, const std::vector<std::string>& phrases) {
  const std::string lower = ascii_lower(text);
  // Marks as [begin, end) ranges: at each position the longest phrase that starts there.
  std::vector<TextSpan> marks;
  std::vector<std::string> wanted;
  for (const auto& p : phrases)
    if (!p.empty()) wanted.push_back(ascii_lower(p));
  for (std::size_t at = 0; at < lower.size();) {
    std::size_t best = 0;
    for (const auto& w : wanted)
      if (w.size() > best && lower.compare(at, w.size(), w) == 0) best = w.size();
    if (best > 0) {
      marks.push_back({at, at + best});
      at += best;
    } else {
      ++at;
    }
  }
  return marks;
}

// `text` escaped, with <mark> around the spans: the earliest first, and of two that start
// together the longer; a span that overlaps one marked already is left out.
std::string mark_spans(std::string_view text, std::vector<TextSpan> spans) {
  std::sort(spans.begin(), spans.end(), [](const TextSpan& a, const TextSpan& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end > b.end;
  });
  std::vector<TextSpan> marks;
  for (const auto& s : spans)
    if (s.end > s.begin && s.end <= text.size() && (marks.empty() || s.begin >= marks.back().end)) marks.push_back(s);
  std::string out;
  std::size_t from = 0;
  for (auto [b, e] : marks) {
    out += html_escape(text.substr(from, b - from));
    out += "<mark>" + html_escape(text.substr(b, e - b)) + "</mark>";
    from = e;
  }
  out += html_escape(text.substr(from));
  return out;
}

}  // namespace

std::string mark_phrases(std::string_view text, const std::vector<std::string>& phrases) {
  return mark_spans(text, phrase_spans(text, phrases));
}

std::string mark_findings(std::string_view text, const std::vector<FindingRecord>& findings) {
  std::vector<TextSpan> spans = phrase_spans(text, evidence_phrases(findings));
  for (const auto& f : findings)
    for (const auto& s : evidence_finder(f.evidence).find(text)) spans.push_back(s);
  return mark_spans(text, std::move(spans));
}

std::string review_login_html(const std::string& error, const std::string& token) {
  std::string body;
  if (!error.empty()) body += "<p class=\"error\" id=\"error\">" + html_escape(error) + "</p>\n";
  body +=
      "<form method=\"post\" action=\"/login\"><input type=\"hidden\" name=\"csrf\" value=\"" +
      html_escape(token) + "\">"
      "<p><label>User <input name=\"user\" id=\"user\" autocomplete=\"username\" required></label></p>"
      "<p><label>Password <input type=\"password\" name=\"password\" id=\"password\" "
      "autocomplete=\"current-password\" required></label></p>"
      "<p><button type=\"submit\" id=\"login\">Log in</button></p></form>";
  return page("Log in", body, nullptr);
}

std::string review_list_html(const std::vector<ReviewItem>& items, const ReviewViewer& viewer,
                             const std::string& notice) {
  std::string body = notice_html(notice);
  if (items.empty()) {
    body += "<p id=\"empty\">No reply is held.</p>";
    return page("Held replies", body, &viewer);
  }
  body +=
      "<table id=\"held\"><thead><tr><th>Customer waiting</th><th>Clock</th><th>Subject</th><th>Agent</th>"
      "<th>To</th><th>Rules</th><th>Held since</th></tr></thead><tbody>\n";
  for (const auto& it : items) {
    const auto& q = it.held.queue;
    std::string to;
    for (const auto& r : q.recipients) to += (to.empty() ? "" : ", ") + r;
    const std::string author = it.held.author.empty() ? q.sender : it.held.author;
    body += "<tr data-queue-id=\"" + html_escape(q.queue_id) + "\"><td>" + html_escape(format_wait(it.waiting_s)) +
            "</td><td" + (it.clock == "within target" || it.clock == "no wait known" ? "" : " class=\"late\"") + ">" +
            html_escape(it.clock) + "</td><td><a href=\"/held/" + html_escape(q.queue_id) + "\">" +
            html_escape(it.subject.empty() ? "(no subject)" : it.subject) + "</a></td><td>" + html_escape(author) +
            "</td><td>" + html_escape(to) + "</td><td>" + html_escape(rules_of(it.held)) + "</td><td>" +
            html_escape(format_rfc3339(q.arrival_time * 1000)) + "</td></tr>\n";
  }
  body += "</tbody></table>";
  return page("Held replies", body, &viewer);
}

std::string review_detail_html(const ReviewItem& item, const std::string& new_text, const std::string& quoted,
                               const std::string& text_error, const ReviewViewer& viewer, const std::string& notice) {
  const auto& m = item.held;
  const auto& q = m.queue;
  std::string body = notice_html(notice) + "<p><a href=\"/\">All held replies</a></p>\n";
  std::string to;
  for (const auto& r : q.recipients) to += (to.empty() ? "" : ", ") + r;
  body += "<table id=\"facts\">";
  auto row = [&](const char* k, const std::string& v, const char* id = nullptr) {
    body += std::string("<tr><th>") + k + "</th><td" + (id ? std::string(" id=\"") + id + "\"" : "") + ">" +
            html_escape(v) + "</td></tr>";
  };
  row("Queue id", q.queue_id, "queue-id");
  row("Subject", item.subject);
  row("Agent", m.author.empty() ? q.sender : m.author);
  row("To", to);
  row("Held since", format_rfc3339(q.arrival_time * 1000));
  row("Customer waiting", format_wait(item.waiting_s) +
                              (item.waiting_since ? " (since " + format_rfc3339(*item.waiting_since) + ")"
                                                  : std::string(" (since the reply was held; the store knows no wait)")),
      "waiting");
  row("SLA clock", item.clock, "clock");
  row("Why held", m.reason);
  body += "</table>\n<h2>Findings</h2><ul id=\"findings\">";
  for (const auto& f : m.findings)
    body += "<li><b>" + html_escape(f.rule) + "</b> (" + html_escape(f.action) + "): " + html_escape(f.detail) + "</li>";
  if (m.findings.empty()) body += "<li>none in the audit log</li>";
  body += "</ul>\n<h2>The reply</h2>\n";
  if (!text_error.empty()) body += "<p class=\"error\">" + html_escape(text_error) + "</p>";
  else body += "<pre id=\"reply\">" + mark_findings(new_text, m.findings) + "</pre>";
  body +=
      "\n<h2>The customer's message it answers</h2>\n<p>As the reply quotes it (the thread store keeps no "
      "message text).</p>\n";
  if (quoted.empty()) body += "<p id=\"answered-none\">The reply quotes no earlier message.</p>";
  else body += "<pre id=\"answered\">" + html_escape(quoted) + "</pre>";
  if (viewer.role == ReviewRole::lead) {
    const std::string id = html_escape(q.queue_id), csrf = html_escape(viewer.csrf);
    auto form = [&](const char* action, const char* label, const char* help) {
      body += std::string("\n<form class=\"act\" method=\"post\" action=\"/held/") + id + "/" + action +
              "\"><input type=\"hidden\" name=\"csrf\" value=\"" + csrf + "\"><p>" + help +
              "</p><p><label>Reason <textarea name=\"reason\" id=\"" + action +
              "-reason\" rows=\"2\" maxlength=\"1000\" required></textarea></label></p><p><button type=\"submit\" "
              "id=\"" + action + "\">" + label + "</button></p></form>";
    };
    body += "\n<h2>Decide</h2>";
    form("release", "Release", "Send the reply to the customer as it is.");
    form("discard", "Discard", "Delete the reply; the customer keeps waiting.");
    form("send-back", "Send back to the agent",
         "Delete the reply and tell the agent, in the agent's language, with this comment.");
  } else {
    body += "\n<p id=\"read-only\">Auditors read; only leads release, discard or send back.</p>";
  }
  return page("Held reply", body, &viewer);
}

std::string review_message_html(const std::string& title, const std::string& message, const ReviewViewer* viewer) {
  return page(title, "<p id=\"message\">" + html_escape(message) + "</p><p><a href=\"/\">All held replies</a></p>",
              viewer);
}

}  // namespace sm
