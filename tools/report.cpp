// Report computation and rendering. Figures come only from the audit records: message records
// (direction, thread, action, findings, sla), release records of held messages (their figures
// count at release; a held, rejected or tempfailed message counts only as such), and the
// sweeper's events (sla_breach, contact_gap, promise_missed).
#include "tools/report.h"

#include <csv.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <span>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <type_traits>
#include <unordered_map>

#include "audit/verify.h"
#include "base/strings.h"
#include "base/zone_clock.h"
#include "pipeline/audit_record.h"
#include "tools/report_checkpoint.h"

namespace sm {

namespace {

// Days and weeks on the clock of sla.time_zone.
std::string date_of_day(std::int64_t day) { return format_rfc3339(day * 86400000).substr(0, 10); }

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

// A row's column (null when the row has none), without a copy.
const nlohmann::json& field_of(const nlohmann::json& row, std::string_view column) {
  static const nlohmann::json none;
  auto it = row.find(column);
  return it == row.end() ? none : *it;
}

// A cell of the text form: a string as it is, a number as JSON writes it, "-" for nothing.
void put_text_cell(std::string& out, const nlohmann::json& v) {
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    out += s.empty() ? std::string_view("-") : std::string_view(s);
  } else if (v.is_null()) {
    out += '-';
  } else {
    out += v.dump();
  }
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

void write_report_csv(const ReportView& r, const std::string& list, std::ostream& o) {
  const ReportList* spec = nullptr;
  for (const auto& l : report_lists())
    if (list == l.name) spec = &l;
  if (spec == nullptr) return;
  std::string out, buf;
  auto field = [&](const std::string& v, bool first) {
    buf.resize(v.size() * 2 + 2);
    buf.resize(csv_write(buf.data(), buf.size(), v.data(), v.size()));
    if (!first) out += ',';
    out += buf;
  };
  for (std::size_t i = 0; i < spec->columns.size(); ++i) field(spec->columns[i], i == 0);
  out += "\r\n";
  r.rows(spec->name, [&](const nlohmann::json& row) {
    for (std::size_t i = 0; i < spec->columns.size(); ++i) {
      // Text from mail (a subject, an address, a finding's detail) may look like a formula to a
      // spreadsheet; a number written by the report is a number.
      const nlohmann::json& v = field_of(row, spec->columns[i]);
      field(v.is_string() ? csv_text_cell(v.get<std::string>()) : cell(v), i == 0);
    }
    out += "\r\n";
    if (out.size() >= (1 << 16)) {
      o << out;
      out.clear();
    }
  });
  o << out;
}

std::string report_csv(const nlohmann::json& report, const std::string& list) {
  std::ostringstream o;
  write_report_csv(JsonReportView(report), list, o);
  return o.str();
}

std::size_t JsonReportView::count(const std::string& list) const {
  auto l = r_.find("lists");
  if (l == r_.end()) return 0;
  auto it = l->find(list);
  return it == l->end() ? 0 : it->size();
}

void JsonReportView::rows(const std::string& list, const std::function<void(const nlohmann::json&)>& each) const {
  auto l = r_.find("lists");
  if (l == r_.end()) return;
  auto it = l->find(list);
  if (it == l->end()) return;
  for (const auto& row : *it) each(row);
}

namespace {

// `text` (a value nlohmann::json wrote with an indent of 2) as it reads `depth` levels down.
void put_indented(std::ostream& out, const std::string& text, int depth) {
  const std::string pad = "\n" + std::string(static_cast<std::size_t>(depth) * 2, ' ');
  std::size_t from = 0;
  for (std::size_t nl; (nl = text.find('\n', from)) != std::string::npos; from = nl + 1) {
    out.write(text.data() + from, static_cast<std::streamsize>(nl - from));
    out << pad;
  }
  out.write(text.data() + from, static_cast<std::streamsize>(text.size() - from));
}

}  // namespace

void write_report_json(const ReportView& report, std::ostream& out) {
  // The keys in nlohmann::json's order (sorted), "lists" among them, written row by row.
  const nlohmann::json& figures = report.figures();
  std::vector<std::string> keys;
  for (const auto& [k, v] : figures.items())
    if (k != "lists") keys.push_back(k);
  keys.push_back("lists");
  std::sort(keys.begin(), keys.end());
  out << "{\n";
  for (std::size_t i = 0; i < keys.size(); ++i) {
    out << "  " << nlohmann::json(keys[i]).dump() << ": ";
    if (keys[i] != "lists") {
      put_indented(out, figures[keys[i]].dump(2), 1);
    } else {
      std::vector<std::string> names;
      for (const auto& l : report_lists()) names.push_back(l.name);
      std::sort(names.begin(), names.end());
      out << "{\n";
      for (std::size_t n = 0; n < names.size(); ++n) {
        out << "    " << nlohmann::json(names[n]).dump() << ": ";
        if (report.count(names[n]) == 0) {
          out << "[]";
        } else {
          out << "[\n";
          bool first = true;
          // Each row as row.dump(2) writes it, indented by six spaces: what put_indented makes of it,
          // from nlohmann::json's own writer told the indent it starts at.
          std::string text;
          nlohmann::detail::serializer<nlohmann::json> writer(nlohmann::detail::output_adapter<char, std::string>(text), ' ');
          report.rows(names[n], [&](const nlohmann::json& row) {
            text += first ? "      " : ",\n      ";
            first = false;
            writer.dump(row, true, false, 2, 6);
            if (text.size() >= (1 << 16)) {
              out << text;
              text.clear();
            }
          });
          out << text << "\n    ]";
        }
        out << (n + 1 < names.size() ? ",\n" : "\n");
      }
      out << "  }";
    }
    out << (i + 1 < keys.size() ? ",\n" : "\n");
  }
  out << "}";
}

namespace {

// Two independent 64-bit hashes of an id (a thread, a Message-ID): ids are told apart by both,
// so two ids are taken for one only when both hashes agree (about one chance in 2^128 a pair).
struct IdHash {
  std::uint64_t a = 0, b = 0;
  bool operator==(const IdHash&) const = default;
  bool operator<(const IdHash& o) const { return a != o.a ? a < o.a : b < o.b; }
};

IdHash id_hash(std::string_view id) {
  IdHash h;
  h.a = std::hash<std::string_view>{}(id);
  std::uint64_t f = 1469598103934665603ULL;  // FNV-1a
  for (unsigned char c : id) f = (f ^ c) * 1099511628211ULL;
  h.b = f ^ (id.size() * 0x9e3779b97f4a7c15ULL);
  return h;
}

// What the report keeps of each thread: 40 bytes, whatever the thread's length (the checkpoint
// keeps these bytes as they are).
struct ThreadState {
  IdHash id;
  TimeMs last_word_at = 0;         // the last message that left, and who wrote it
  std::int64_t last_inbound = -1;  // the row of its last customer message that counted (offset in a spool)
  std::uint32_t customer = 0;      // 1 + index of the thread's customer (from its messages), 0: none
  std::uint8_t last_word = 0;      // 0: none yet, 1: the customer, 2: the support side
};
static_assert(sizeof(ThreadState) == 40);

// Threads by hash, in an open-addressing table of 4-byte slots; the threads themselves in blocks
// of 64Ki (no block moves when the table grows, none is half used but the last).
class ThreadTable {
 public:
  std::uint32_t get(std::string_view id) {
    const IdHash h = id_hash(id);
    if ((size_ + 1) * 2 > slots_.size()) grow();
    std::size_t i = h.a & (slots_.size() - 1);
    for (; slots_[i] != 0; i = (i + 1) & (slots_.size() - 1))
      if ((*this)[slots_[i] - 1].id == h) return slots_[i] - 1;
    push(ThreadState{h});
    slots_[i] = static_cast<std::uint32_t>(size_);
    return static_cast<std::uint32_t>(size_ - 1);
  }
  std::optional<std::uint32_t> find(std::string_view id) const {
    if (slots_.empty()) return std::nullopt;
    const IdHash h = id_hash(id);
    for (std::size_t i = h.a & (slots_.size() - 1); slots_[i] != 0; i = (i + 1) & (slots_.size() - 1))
      if ((*this)[slots_[i] - 1].id == h) return slots_[i] - 1;
    return std::nullopt;
  }
  ThreadState& operator[](std::uint32_t i) { return blocks_[i >> kShift][i & (kBlock - 1)]; }
  const ThreadState& operator[](std::uint32_t i) const { return blocks_[i >> kShift][i & (kBlock - 1)]; }
  std::size_t size() const { return size_; }
  // All threads, by index, as the checkpoint keeps them, and the table made again from them.
  std::vector<ThreadState> states() const {
    std::vector<ThreadState> v;
    v.reserve(size_);
    for (std::uint32_t n = 0; n < size_; ++n) v.push_back((*this)[n]);
    return v;
  }
  void assign(const std::vector<ThreadState>& states) {
    blocks_.clear();
    size_ = 0;
    for (const ThreadState& t : states) push(t);
    std::size_t half = 512;  // grow() makes twice as many slots, for at least twice as many threads
    while (size_ + 1 > half) half *= 2;
    slots_.assign(half, 0);
    grow();
  }

 private:
  static constexpr unsigned kShift = 16;
  static constexpr std::size_t kBlock = std::size_t{1} << kShift;
  void push(const ThreadState& t) {
    if ((size_ & (kBlock - 1)) == 0) blocks_.push_back(std::make_unique<ThreadState[]>(kBlock));
    blocks_.back()[size_ & (kBlock - 1)] = t;
    ++size_;
  }
  void grow() {
    std::vector<std::uint32_t> slots(std::max<std::size_t>(1024, slots_.size() * 2), 0);
    for (std::uint32_t n = 0; n < size_; ++n) {
      std::size_t i = (*this)[n].id.a & (slots.size() - 1);
      while (slots[i] != 0) i = (i + 1) & (slots.size() - 1);
      slots[i] = n + 1;
    }
    slots_ = std::move(slots);
  }
  std::vector<std::uint32_t> slots_;
  std::vector<std::unique_ptr<ThreadState[]>> blocks_;
  std::size_t size_ = 0;
};

// Reply times for exact percentiles: 4 bytes each (whole seconds), doubles only for a time that
// does not fit.
struct Latencies {
  std::vector<std::int32_t> small;
  std::vector<double> wide;
  void add(double v) {
    if (v >= -2147483648.0 && v <= 2147483647.0 && v == std::floor(v)) small.push_back(static_cast<std::int32_t>(v));
    else wide.push_back(v);
  }
  std::size_t size() const { return small.size() + wide.size(); }
  // count, p50_s, p90_s, max_s (nearest rank).
  nlohmann::json stats() {
    if (size() == 0) return {{"count", 0}, {"p50_s", nullptr}, {"p90_s", nullptr}, {"max_s", nullptr}};
    auto rank = [&](double p) {
      std::size_t r = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(size())));
      return std::max<std::size_t>(r, 1) - 1;
    };
    if (wide.empty()) {
      std::sort(small.begin(), small.end());
      return {{"count", size()}, {"p50_s", static_cast<double>(small[rank(50)])},
              {"p90_s", static_cast<double>(small[rank(90)])}, {"max_s", static_cast<double>(small.back())}};
    }
    std::vector<double> all(wide);
    all.insert(all.end(), small.begin(), small.end());
    std::sort(all.begin(), all.end());
    return {{"count", size()}, {"p50_s", all[rank(50)]}, {"p90_s", all[rank(90)]}, {"max_s", all.back()}};
  }
};

// Distinct threads of a group: their indexes, sorted and unique, each kept as its distance from
// the one before in 7-bit bytes (a group's threads are mostly close together: about a byte each);
// indexes added since are kept as they are, up to an eighth of the set, then merged in.
class ThreadSet {
 public:
  void insert(std::uint32_t t) {
    if (!tail_.empty() && tail_.back() == t) return;
    tail_.push_back(t);
    if (tail_.size() >= std::max<std::size_t>(1024, count_ / 8)) compact();
  }
  std::size_t size() {
    compact();
    return count_;
  }
  // The indexes, in order (for the checkpoint), and the set made again from them.
  std::vector<std::uint32_t> values() {
    compact();
    std::vector<std::uint32_t> v;
    v.reserve(count_);
    each([&](std::uint32_t t) { v.push_back(t); });
    return v;
  }
  void assign(std::vector<std::uint32_t> v) {
    packed_.clear();
    count_ = 0;
    last_ = 0;
    tail_ = std::move(v);
    compact();
  }
  void compact() {
    if (tail_.empty()) return;
    std::sort(tail_.begin(), tail_.end());
    tail_.erase(std::unique(tail_.begin(), tail_.end()), tail_.end());
    if (count_ == 0 || tail_.front() > last_) {  // all after the set: added at its end
      for (std::uint32_t t : tail_) append(packed_, t);
    } else {
      std::vector<std::uint8_t> old;
      old.swap(packed_);
      const std::size_t old_count = count_;
      count_ = 0;
      last_ = 0;
      packed_.reserve(old.size() + tail_.size() * 2);
      std::size_t k = 0;
      each_of(old, old_count, [&](std::uint32_t t) {
        for (; k < tail_.size() && tail_[k] < t; ++k) append(packed_, tail_[k]);
        if (k < tail_.size() && tail_[k] == t) ++k;
        append(packed_, t);
      });
      for (; k < tail_.size(); ++k) append(packed_, tail_[k]);
    }
    packed_.shrink_to_fit();
    tail_.clear();
    if (tail_.capacity() > 4096) tail_.shrink_to_fit();
  }

 private:
  void append(std::vector<std::uint8_t>& out, std::uint32_t t) {
    std::uint32_t d = count_ == 0 ? t : t - last_;
    while (d >= 0x80) {
      out.push_back(static_cast<std::uint8_t>(d | 0x80));
      d >>= 7;
    }
    out.push_back(static_cast<std::uint8_t>(d));
    last_ = t;
    ++count_;
  }
  template <class F>
  static void each_of(const std::vector<std::uint8_t>& bytes, std::size_t n, F f) {
    std::size_t at = 0;
    std::uint32_t t = 0;
    for (std::size_t i = 0; i < n; ++i) {
      std::uint32_t d = 0;
      for (unsigned shift = 0;; shift += 7) {
        const std::uint8_t b = bytes[at++];
        d |= static_cast<std::uint32_t>(b & 0x7f) << shift;
        if ((b & 0x80) == 0) break;
      }
      t = i == 0 ? d : t + d;
      f(t);
    }
  }
  template <class F>
  void each(F f) const {
    each_of(packed_, count_, f);
  }
  std::vector<std::uint8_t> packed_;
  std::size_t count_ = 0;
  std::uint32_t last_ = 0;  // the largest index in packed_
  std::vector<std::uint32_t> tail_;
};

struct Group {
  ThreadSet threads;
  long customer_messages = 0;
  long replies = 0;
  Latencies first, next;  // seconds
  long within_target = 0, within_limit = 0, answered = 0;
  long breaches = 0, contact_gaps = 0, promises_missed = 0, held = 0, rejected = 0, released = 0;
  std::vector<long> findings;  // failures by rule, by the rule's number (Rules)
};

// The rules that failed, each numbered once: a group counts its findings by number.
class Rules {
 public:
  std::uint32_t number(std::string_view rule) {
    for (std::uint32_t i = 0; i < names_.size(); ++i)
      if (names_[i] == rule) return i;
    names_.emplace_back(rule);
    return static_cast<std::uint32_t>(names_.size() - 1);
  }
  const std::string& name(std::size_t number) const { return names_[number]; }

 private:
  std::vector<std::string> names_;
};

nlohmann::json render(Group& g, const Rules& rules) {
  nlohmann::json f = nlohmann::json::object();
  for (std::size_t i = 0; i < g.findings.size(); ++i)
    if (g.findings[i] > 0) f[rules.name(i)] = g.findings[i];
  auto share = [&](long n) { return g.answered ? nlohmann::json(std::round(1000.0 * n / g.answered) / 1000) : nlohmann::json(nullptr); };
  return {{"threads", g.threads.size()},
          {"customer_messages", g.customer_messages},
          {"replies", g.replies},
          {"first_reply", g.first.stats()},
          {"next_reply", g.next.stats()},
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

// format_rfc3339's text for the times of rows read one after another: the date is worked out once a
// day (by format_rfc3339 itself), the time of day from the milliseconds.
class TimeText {
 public:
  void put(TimeMs t, std::string& out) {
    constexpr TimeMs kDay = 86400000;
    constexpr TimeMs kLast = 253402300799999;  // 9999-12-31T23:59:59.999Z: four digits of year
    if (t < 0 || t > kLast) {
      out = format_rfc3339(t);
      return;
    }
    const TimeMs day = t / kDay;
    if (day != day_) {
      const std::string text = format_rfc3339(day * kDay);
      if (text.size() != 20) {
        out = format_rfc3339(t);
        return;
      }
      std::memcpy(text_, text.data(), 20);
      day_ = day;
    }
    const auto s = static_cast<int>(t % kDay / 1000);
    const int part[3] = {s / 3600, s / 60 % 60, s % 60};
    for (int i = 0; i < 3; ++i) {
      text_[11 + 3 * i] = static_cast<char>('0' + part[i] / 10);
      text_[12 + 3 * i] = static_cast<char>('0' + part[i] % 10);
    }
    out.assign(text_, 20);
  }

 private:
  TimeMs day_ = -1;
  char text_[20] = {};
};

// The fields of the lists' rows, by number: a row in a spool names its fields by these, and the
// JSON form of a row (the same as the formats always had) gets their names back.
enum class Col : std::uint8_t {
  thread_id, message_id, queue_id, customer, agent, at, waiting_since, answered_at, latency_s, first_reply,
  within_target, rules, rule, action, detail, by, subject, waited_s, promised_by, promise, last_outbound, silent_s,
};
constexpr std::array<std::string_view, 22> kColNames = {
    "thread_id", "message_id", "queue_id", "customer", "agent", "at", "waiting_since", "answered_at", "latency_s",
    "first_reply", "within_target", "rules", "rule", "action", "detail", "by", "subject", "waited_s", "promised_by",
    "promise", "last_outbound", "silent_s"};

// One row as a spool stores it: a 4-byte length, then its fields, each a column's number, a type
// and a value (a string with its 4-byte length, a number or a time in 8 bytes; integers in the
// machine's byte order: a spool is read back by the process, or the machine, that wrote it). A time
// is kept as milliseconds and written as RFC 3339 only when the row is read back. Built in one
// buffer, used again for each row: adding a row allocates nothing once the buffer is large enough.
class SpoolRow {
 public:
  enum Type : std::uint8_t { null_v, false_v, true_v, integer_v, string_v, time_v };
  SpoolRow() { clear(); }
  SpoolRow& clear() {
    b_.assign(4, '\0');
    return *this;
  }
  SpoolRow& text(Col c, std::string_view v) {
    head(c, string_v);
    put(static_cast<std::uint32_t>(v.size()));
    b_.append(v);
    return *this;
  }
  SpoolRow& null(Col c) {
    head(c, null_v);
    return *this;
  }
  SpoolRow& boolean(Col c, bool v) {
    head(c, v ? true_v : false_v);
    return *this;
  }
  SpoolRow& integer(Col c, std::int64_t v) {
    head(c, integer_v);
    put(v);
    return *this;
  }
  SpoolRow& integer(Col c, const std::optional<std::int64_t>& v) { return v ? integer(c, *v) : null(c); }
  SpoolRow& time(Col c, TimeMs v) {
    head(c, time_v);
    put(static_cast<std::int64_t>(v));
    return *this;
  }
  SpoolRow& time(Col c, const std::optional<TimeMs>& v) { return v ? time(c, *v) : null(c); }
  // The row's bytes, its length in front.
  std::string_view bytes() {
    const auto n = static_cast<std::uint32_t>(b_.size() - 4);
    std::memcpy(b_.data(), &n, 4);
    return b_;
  }

  // A row's fields (the bytes after its length) as JSON; throws when they are cut short.
  static nlohmann::json decode(std::string_view fields) {
    nlohmann::json row = nlohmann::json::object();
    decode(fields, row);
    return row;
  }
  // The same into `row`, an object that may hold the row before: its fields are assigned over
  // (a string keeps its buffer), and the fields this row does not have are removed, so that rows
  // read one after the other into one object allocate little.
  static void decode(std::string_view fields, nlohmann::json& row) {
    std::array<bool, kColNames.size()> has{};
    std::size_t fields_had = 0;
    std::size_t i = 0;
    auto take = [&](std::size_t n) {
      if (fields.size() - i < n) throw std::runtime_error("a temporary file of the report is damaged");
      const char* p = fields.data() + i;
      i += n;
      return p;
    };
    auto set_text = [](nlohmann::json& v, std::string_view text) {
      if (v.is_string()) v.get_ref<std::string&>().assign(text);
      else v = std::string(text);
    };
    thread_local TimeText times;
    while (i < fields.size()) {
      const auto col = static_cast<std::uint8_t>(*take(1));
      const auto type = static_cast<std::uint8_t>(*take(1));
      if (col >= kColNames.size()) throw std::runtime_error("a temporary file of the report is damaged");
      if (!has[col]) ++fields_had;
      has[col] = true;
      const std::string_view name = kColNames[col];
      auto found = row.find(name);
      nlohmann::json& v = found != row.end() ? *found : row[std::string(name)];
      switch (type) {
        case null_v: v = nullptr; break;
        case false_v: v = false; break;
        case true_v: v = true; break;
        case integer_v: v = get<std::int64_t>(take(8)); break;
        case time_v: {
          const auto t = get<std::int64_t>(take(8));
          if (!v.is_string()) v = std::string();
          times.put(t, v.get_ref<std::string&>());
          break;
        }
        case string_v: {
          const auto n = get<std::uint32_t>(take(4));
          set_text(v, std::string_view(take(n), n));
          break;
        }
        default: throw std::runtime_error("a temporary file of the report is damaged");
      }
    }
    if (row.size() == fields_had) return;
    for (auto it = row.begin(); it != row.end();) {
      const auto c = std::find(kColNames.begin(), kColNames.end(), std::string_view(it.key()));
      if (c != kColNames.end() && has[static_cast<std::size_t>(c - kColNames.begin())]) ++it;
      else it = row.erase(it);
    }
  }
  // The value of a string field of a row's fields; empty when the row has none.
  static std::string_view text_of(std::string_view fields, Col c) {
    for (std::size_t i = 0; i + 2 <= fields.size();) {
      const auto col = static_cast<std::uint8_t>(fields[i]);
      const auto type = static_cast<std::uint8_t>(fields[i + 1]);
      i += 2;
      if (type == integer_v || type == time_v) i += 8;
      if (type != string_v) continue;
      if (fields.size() - i < 4) break;
      const auto n = get<std::uint32_t>(fields.data() + i);
      i += 4;
      if (fields.size() - i < n) break;
      if (col == static_cast<std::uint8_t>(c)) return fields.substr(i, n);
      i += n;
    }
    return {};
  }

 private:
  template <typename T>
  static T get(const char* p) {
    T v;
    std::memcpy(&v, p, sizeof v);
    return v;
  }
  void head(Col c, Type t) {
    b_ += static_cast<char>(c);
    b_ += static_cast<char>(t);
  }
  template <typename T>
  void put(T v) {
    char p[sizeof v];
    std::memcpy(p, &v, sizeof v);
    b_.append(p, sizeof v);
  }
  std::string b_;
};

// Rows of one list, in a temporary file of $TMPDIR that is unlinked as soon as it is made: the
// disk holds the lists, the memory one row and a block of 64 KiB on each side (rows not written
// yet, rows read). The rows are SpoolRow's bytes one after the other, and nothing else: write_to
// and read_from copy them as they are (to keep a spool, or join two).
class Spool {
 public:
  Spool() {
    const char* dir = std::getenv("TMPDIR");
    std::string path = std::string(dir != nullptr && *dir != '\0' ? dir : "/tmp") + "/support-milter-report-XXXXXX";
    fd_ = ::mkostemp(path.data(), O_CLOEXEC);
    if (fd_ < 0) throw std::runtime_error("cannot make a temporary file in " + path.substr(0, path.rfind('/')) + ": " + std::strerror(errno));
    ::unlink(path.c_str());
    pending_.reserve(kBlock);
  }
  ~Spool() {
    if (fd_ >= 0) ::close(fd_);
  }
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;

  // Adds a row; its offset.
  std::int64_t add(SpoolRow& row) { return add_bytes(row.bytes()); }
  // Adds a row as raw() gave it.
  std::int64_t add_raw(std::string_view row) { return add_bytes(row); }
  std::size_t count() const { return count_; }
  // The size of the rows, in bytes.
  std::int64_t size() const { return end_; }

  // The row at an offset add() gave, as JSON.
  nlohmann::json at(std::int64_t offset) const {
    std::string bytes = raw(offset);
    return SpoolRow::decode(std::string_view(bytes).substr(4));
  }
  // The row at an offset add() gave, as its bytes (its length in front).
  std::string raw(std::int64_t offset) const {
    flush();
    std::uint32_t n = 0;
    read_at(offset, reinterpret_cast<char*>(&n), 4);
    std::string bytes(4 + static_cast<std::size_t>(n), '\0');
    std::memcpy(bytes.data(), &n, 4);
    read_at(offset + 4, bytes.data() + 4, n);
    return bytes;
  }
  // Every row in the order added, as JSON (one object for all: `f` may change it, the next row is
  // read over it).
  void each(const std::function<void(nlohmann::json&)>& f) const {
    flush();
    std::vector<char> buf(kBlock);
    std::size_t at = 0, have = 0;  // buf[at, have): read, not decoded yet
    std::int64_t file_at = 0;
    auto need = [&](std::size_t n) {
      if (have - at >= n) return;
      std::memmove(buf.data(), buf.data() + at, have - at);
      have -= at;
      at = 0;
      if (buf.size() < n) buf.resize(n);
      while (have < n) {
        const std::size_t want = static_cast<std::size_t>(std::min<std::int64_t>(end_ - file_at, static_cast<std::int64_t>(buf.size() - have)));
        if (want == 0) throw std::runtime_error("a temporary file of the report was cut short");
        read_at(file_at, buf.data() + have, want);
        have += want;
        file_at += static_cast<std::int64_t>(want);
      }
    };
    nlohmann::json row = nlohmann::json::object();
    for (std::size_t i = 0; i < count_; ++i) {
      need(4);
      std::uint32_t n = 0;
      std::memcpy(&n, buf.data() + at, 4);
      need(4 + static_cast<std::size_t>(n));
      SpoolRow::decode(std::string_view(buf.data() + at + 4, n), row);
      at += 4 + static_cast<std::size_t>(n);
      f(row);
    }
  }

  // The rows as bytes, size() of them.
  void write_to(std::ostream& out) const {
    flush();
    std::vector<char> buf(kBlock);
    for (std::int64_t at = 0; at < end_;) {
      const std::size_t want = static_cast<std::size_t>(std::min<std::int64_t>(end_ - at, static_cast<std::int64_t>(buf.size())));
      read_at(at, buf.data(), want);
      out.write(buf.data(), static_cast<std::streamsize>(want));
      at += static_cast<std::int64_t>(want);
    }
    if (!out) throw std::runtime_error("cannot write a spool's rows");
  }
  // Adds the rows of `bytes` bytes that write_to wrote (rows this spool then holds after its own:
  // their offsets are those they had plus size() before). Throws when the bytes are not whole rows.
  void read_from(std::istream& in, std::int64_t bytes) {
    std::string row;
    for (std::int64_t left = bytes; left > 0;) {
      std::uint32_t n = 0;
      if (left < 4 || !in.read(reinterpret_cast<char*>(&n), 4) || left - 4 < static_cast<std::int64_t>(n))
        throw std::runtime_error("a spool's rows are cut short");
      row.resize(4 + static_cast<std::size_t>(n));
      std::memcpy(row.data(), &n, 4);
      if (!in.read(row.data() + 4, n)) throw std::runtime_error("a spool's rows are cut short");
      add_bytes(row);
      left -= 4 + static_cast<std::int64_t>(n);
    }
  }
 private:
  static constexpr std::size_t kBlock = 1 << 16;
  std::int64_t add_bytes(std::string_view bytes) {
    const std::int64_t at = end_;
    pending_.append(bytes);
    if (pending_.size() >= kBlock) flush();
    end_ += static_cast<std::int64_t>(bytes.size());
    ++count_;
    return at;
  }
  // The rows not written yet, to the file's end.
  void flush() const {
    for (std::size_t done = 0; done < pending_.size();) {
      const ssize_t n = ::write(fd_, pending_.data() + done, pending_.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) throw std::runtime_error(std::string("cannot write a temporary file: ") + std::strerror(errno));
      done += static_cast<std::size_t>(n);
    }
    pending_.clear();
  }
  void read_at(std::int64_t offset, char* to, std::size_t n) const {
    for (std::size_t done = 0; done < n;) {
      const ssize_t got = ::pread(fd_, to + done, n - done, offset + static_cast<std::int64_t>(done));
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) throw std::runtime_error("a temporary file of the report was cut short");
      done += static_cast<std::size_t>(got);
    }
  }
  int fd_ = -1;
  mutable std::string pending_;  // rows added, not written yet
  std::int64_t end_ = 0;
  std::size_t count_ = 0;
};

// A message recorded by several instances (a reply relayed from the submission server through the
// MX) counts once: in the instance whose record carries its SLA figures, else the first that
// recorded it. Found in a pass of its own over the message records, only when the log has more
// than one instance; memory: 24 bytes per message record (its Message-ID's two hashes and its
// instance), then 24 per Message-ID seen in several instances.
class Duplicates {
 public:
  void add(std::string_view message_id, const std::string& instance, bool figures) {
    seen_.push_back({id_hash(message_id), intern(instance), figures});
  }
  void settle() {
    std::stable_sort(seen_.begin(), seen_.end(), [](const Seen& x, const Seen& y) { return x.id < y.id; });
    for (std::size_t i = 0; i < seen_.size();) {
      std::size_t j = i;
      bool several = false;
      for (; j < seen_.size() && seen_[j].id == seen_[i].id; ++j) several = several || seen_[j].instance != seen_[i].instance;
      if (several) {
        std::uint32_t counted = seen_[i].instance;
        for (std::size_t k = i; k < j; ++k)
          if (seen_[k].figures) {
            counted = seen_[k].instance;
            break;
          }
        counted_in_.push_back({seen_[i].id, counted});
      }
      i = j;
    }
    seen_.clear();
    seen_.shrink_to_fit();
  }
  // False when the message counts in another instance than this one.
  bool counts_in(std::string_view message_id, const std::string& instance) const {
    if (counted_in_.empty()) return true;
    const IdHash h = id_hash(message_id);
    auto it = std::lower_bound(counted_in_.begin(), counted_in_.end(), h, [](const auto& e, const IdHash& k) { return e.first < k; });
    if (it == counted_in_.end() || !(it->first == h)) return true;
    return instances_[it->second] == instance;
  }

 private:
  struct Seen {
    IdHash id;
    std::uint32_t instance;
    bool figures;
  };
  std::uint32_t intern(const std::string& instance) {
    for (std::uint32_t i = 0; i < instances_.size(); ++i)
      if (instances_[i] == instance) return i;
    instances_.push_back(instance);
    return static_cast<std::uint32_t>(instances_.size() - 1);
  }
  std::vector<Seen> seen_;
  std::vector<std::pair<IdHash, std::uint32_t>> counted_in_;  // sorted by hash
  std::vector<std::string> instances_;
};

// The lines of a file, read in large blocks: each line (without its newline) a view into the
// block, valid until the next line is read. A last line without its newline is read too, and said
// to be cut short. A file that cannot be opened has no lines (the chain check names it).
class LineReader {
 public:
  // From byte `from` on (where an earlier run stopped; a line's start).
  explicit LineReader(const std::string& file, std::uint64_t from = 0)
      : fd_(::open(file.c_str(), O_RDONLY | O_CLOEXEC)), buf_(1 << 20) {
    if (fd_ >= 0 && from > 0 && ::lseek(fd_, static_cast<off_t>(from), SEEK_SET) < 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~LineReader() {
    if (fd_ >= 0) ::close(fd_);
  }
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  // The next line; false at the end of the file. `whole`: the line ended with a newline.
  bool next(std::string_view& line, bool& whole) {
    for (std::size_t scanned = begin_;;) {
      if (const void* nl = std::memchr(buf_.data() + scanned, '\n', end_ - scanned)) {
        const std::size_t at = static_cast<std::size_t>(static_cast<const char*>(nl) - buf_.data());
        line = std::string_view(buf_.data() + begin_, at - begin_);
        begin_ = at + 1;
        whole = true;
        return true;
      }
      if (fd_ < 0) {
        if (begin_ == end_) return false;
        line = std::string_view(buf_.data() + begin_, end_ - begin_);
        begin_ = end_;
        whole = false;
        return true;
      }
      // More of the file after what is left of the block (in a larger block when a line fills it).
      if (begin_ > 0) {
        std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
        end_ -= begin_;
        begin_ = 0;
      }
      if (end_ == buf_.size()) buf_.resize(buf_.size() * 2);
      scanned = end_;
      ssize_t n;
      do n = ::read(fd_, buf_.data() + end_, buf_.size() - end_);
      while (n < 0 && errno == EINTR);
      if (n > 0) {
        end_ += static_cast<std::size_t>(n);
      } else {
        ::close(fd_);
        fd_ = -1;
      }
    }
  }

 private:
  int fd_;
  std::vector<char> buf_;
  std::size_t begin_ = 0, end_ = 0;  // the block's bytes not read yet
};

// The instance of a file: that of its first record.
std::string instance_of(const std::string& file) {
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    const AuditLine rec = read_audit_record(line);
    if (rec.problem.empty() && rec.seq) return rec.instance;
  }
  return {};
}

// The counts in a checkpoint: arrays as CBOR byte strings in the machine's byte order.
template <class T>
nlohmann::json blob(const std::vector<T>& v) {
  static_assert(std::is_trivially_copyable_v<T>);
  const auto* p = reinterpret_cast<const std::uint8_t*>(v.data());
  return nlohmann::json::binary(std::vector<std::uint8_t>(p, p + v.size() * sizeof(T)));
}

template <class T>
std::vector<T> unblob(const nlohmann::json& j) {
  const auto& b = j.get_binary();
  if (b.size() % sizeof(T) != 0) throw CheckpointError("the checkpoint's counts are not readable (an array of the wrong size)");
  std::vector<T> v(b.size() / sizeof(T));
  if (!b.empty()) std::memcpy(v.data(), b.data(), b.size());
  return v;
}

// A group's findings by rule name (the numbers are one run's own).
nlohmann::json save_group(Group& g, const Rules& rules) {
  std::map<std::string, long> findings;
  for (std::size_t i = 0; i < g.findings.size(); ++i)
    if (g.findings[i] > 0) findings[rules.name(i)] = g.findings[i];
  return {{"threads", blob(g.threads.values())}, {"customer_messages", g.customer_messages}, {"replies", g.replies},
          {"first", blob(g.first.small)}, {"first_wide", blob(g.first.wide)}, {"next", blob(g.next.small)},
          {"next_wide", blob(g.next.wide)}, {"within_target", g.within_target}, {"within_limit", g.within_limit},
          {"answered", g.answered}, {"breaches", g.breaches}, {"contact_gaps", g.contact_gaps},
          {"promises_missed", g.promises_missed}, {"held", g.held}, {"rejected", g.rejected},
          {"released", g.released}, {"findings", findings}};
}

void load_group(Group& g, const nlohmann::json& j, Rules& rules) {
  g.threads.assign(unblob<std::uint32_t>(j.at("threads")));
  g.customer_messages = j.at("customer_messages").get<long>();
  g.replies = j.at("replies").get<long>();
  g.first.small = unblob<std::int32_t>(j.at("first"));
  g.first.wide = unblob<double>(j.at("first_wide"));
  g.next.small = unblob<std::int32_t>(j.at("next"));
  g.next.wide = unblob<double>(j.at("next_wide"));
  g.within_target = j.at("within_target").get<long>();
  g.within_limit = j.at("within_limit").get<long>();
  g.answered = j.at("answered").get<long>();
  g.breaches = j.at("breaches").get<long>();
  g.contact_gaps = j.at("contact_gaps").get<long>();
  g.promises_missed = j.at("promises_missed").get<long>();
  g.held = j.at("held").get<long>();
  g.rejected = j.at("rejected").get<long>();
  g.released = j.at("released").get<long>();
  g.findings.clear();
  for (const auto& [rule, n] : j.at("findings").get<std::map<std::string, long>>()) {
    const std::uint32_t i = rules.number(rule);
    if (g.findings.size() <= i) g.findings.resize(i + 1, 0);
    g.findings[i] = n;
  }
}

// What one run counts, besides the threads and the lists (the checkpoint's "state").
struct Counts {
  Group& total;
  std::map<std::string, Group>& by_agent;
  std::map<std::int64_t, Group>& by_day;
  std::map<std::int64_t, Group>& by_week;
  std::map<std::int64_t, std::pair<long, long>>& daily;
  std::vector<long>& histogram;
  long& unreadable;
  nlohmann::json& skipped;
  std::optional<TimeMs>& first_seen;
  std::optional<TimeMs>& last_seen;
  std::optional<std::string>& message_instance;
  Rules& rules;
};

}  // namespace

struct Report::Impl {
  nlohmann::json figures;
  std::map<std::string, std::unique_ptr<Spool>> lists;  // every list but integrity
  nlohmann::json integrity = nlohmann::json::array();
  ThreadTable threads;
  // The threads' customers (ThreadState::customer), each once: the map holds the names, the vector
  // points at them (a node's key does not move).
  std::unordered_map<std::string, std::uint32_t> customer_index;
  std::vector<const std::string*> customers;

  // Rows of records that do not name the customer (SLA events, releases) take the thread's.
  void fill_customer(nlohmann::json& row) const {
    if (auto c = row.find("customer"); c != row.end() && !c->get_ref<const std::string&>().empty()) return;
    auto id = row.find("thread_id");
    if (id == row.end()) return;
    if (auto t = threads.find(id->get_ref<const std::string&>()); t && threads[*t].customer != 0)
      row["customer"] = *customers[threads[*t].customer - 1];
  }

  // One pass over the files. False when a message turns out to be recorded by several instances
  // and `duplicates` was not given: the caller finds them and runs the pass again.
  bool run(const std::vector<std::string>& files, const ReportOptions& opts, const Duplicates* duplicates);

  // The checkpoint: the state read back before the pass (where each file is read from), and
  // written after it.
  std::unique_ptr<CheckpointWriter> checkpoint;
  std::string checkpoint_problem;
  std::vector<FileStart> resume(const std::vector<std::string>& files, const ReportOptions& opts, const Counts& c,
                                const std::vector<std::pair<std::string, std::vector<std::string>>>& by_instance,
                                std::vector<std::unique_ptr<ChainVerifier>>& verifiers, Spool& inbound_rows);
  void save(const std::vector<std::string>& files, const std::vector<FileStart>& read, const std::string& cut,
            const ReportOptions& opts, const Counts& c,
            const std::vector<std::pair<std::string, std::vector<std::string>>>& by_instance,
            const std::vector<std::unique_ptr<ChainVerifier>>& verifiers, const Spool& inbound_rows);
};

std::vector<FileStart> Report::Impl::resume(const std::vector<std::string>& files, const ReportOptions& opts, const Counts& c,
                                            const std::vector<std::pair<std::string, std::vector<std::string>>>& by_instance,
                                            std::vector<std::unique_ptr<ChainVerifier>>& verifiers, Spool& inbound_rows) {
  // One instance's log: a message relayed between instances counts once, which a report that
  // goes on from a checkpoint could not settle.
  std::vector<std::string> instances;
  for (const auto& [instance, its_files] : by_instance)
    if (!instance.empty()) instances.push_back(instance);
  if (instances.size() > 1)
    throw CheckpointError("--checkpoint reads the log of one instance; these files hold the instances " + instances[0] +
                          " and " + instances[1] + ": run one report with its checkpoint per instance");
  auto reader = CheckpointReader::open(opts.checkpoint, opts);
  if (!reader) return std::vector<FileStart>(files.size());
  const CheckpointData& d = reader->data();
  if (!d.instance.empty() && !instances.empty() && d.instance != instances[0])
    throw CheckpointError("checkpoint does not match the log: it is of instance " + d.instance + ", these files of " + instances[0]);
  std::vector<FileStart> starts = checkpoint_starts(d, files);
  for (std::size_t i = 0; i < by_instance.size(); ++i) {
    auto it = d.chains.find(by_instance[i].first);
    if (it == d.chains.end()) continue;
    std::string error;
    if (!verifiers[i]->restore(*it, &error)) throw CheckpointError("the checkpoint " + opts.checkpoint + " is not usable: " + error);
  }
  try {
    const nlohmann::json& j = d.state;
    threads.assign(unblob<ThreadState>(j.at("threads")));
    for (const auto& name : j.at("customers")) {
      auto [it, added] = customer_index.emplace(name.get<std::string>(), static_cast<std::uint32_t>(customers.size()));
      if (added) customers.push_back(&it->first);
    }
    load_group(c.total, j.at("total"), c.rules);
    for (const auto& [agent, g] : j.at("by_agent").items()) load_group(c.by_agent[agent], g, c.rules);
    for (const auto& e : j.at("by_day")) load_group(c.by_day[e.at(0).get<std::int64_t>()], e.at(1), c.rules);
    for (const auto& e : j.at("by_week")) load_group(c.by_week[e.at(0).get<std::int64_t>()], e.at(1), c.rules);
    for (const auto& e : j.at("daily")) c.daily[e.at(0).get<std::int64_t>()] = {e.at(1).get<long>(), e.at(2).get<long>()};
    c.histogram = j.at("histogram").get<std::vector<long>>();
    c.unreadable = j.at("unreadable").get<long>();
    c.skipped = j.at("skipped");
    if (!j.at("first_seen").is_null()) c.first_seen = j.at("first_seen").get<TimeMs>();
    if (!j.at("last_seen").is_null()) c.last_seen = j.at("last_seen").get<TimeMs>();
    if (!j.at("message_instance").is_null()) c.message_instance = j.at("message_instance").get<std::string>();
    for (const auto& l : j.at("lists")) {
      const std::string name = l.at("name").get<std::string>();
      Spool* spool = name == "inbound" ? &inbound_rows : lists.count(name) > 0 ? lists[name].get() : nullptr;
      if (spool == nullptr) throw CheckpointError("a list named " + name + " that this report does not make");
      const std::size_t before = spool->count();
      spool->read_from(reader->lists(), l.at("bytes").get<std::int64_t>());
      if (spool->count() - before != l.at("count").get<std::size_t>())
        throw CheckpointError("the list " + name + " does not hold the rows it says");
    }
  } catch (const CheckpointError& e) {
    throw CheckpointError("the checkpoint " + opts.checkpoint + " is not usable: " + e.what());
  } catch (const std::exception& e) {
    throw CheckpointError("the checkpoint " + opts.checkpoint + " is not usable: its counts are not readable (" + e.what() + ")");
  }
  return starts;
}

void Report::Impl::save(const std::vector<std::string>& files, const std::vector<FileStart>& read, const std::string& cut,
                        const ReportOptions& opts, const Counts& c,
                        const std::vector<std::pair<std::string, std::vector<std::string>>>& by_instance,
                        const std::vector<std::unique_ptr<ChainVerifier>>& verifiers, const Spool& inbound_rows) {
  if (!cut.empty()) {
    checkpoint_problem = "the last record of " + cut + " is cut short (still being written?): the checkpoint " +
                         opts.checkpoint + " is left as it was";
    return;
  }
  CheckpointData d;
  d.options = checkpoint_options(opts);
  for (std::size_t f = 0; f < files.size(); ++f) {
    const auto [dev, ino] = file_identity(files[f]);
    d.files.push_back({files[f], dev, ino, read[f].offset, read[f].lines, line_hash_before(files[f], read[f].offset)});
  }
  for (std::size_t i = 0; i < by_instance.size(); ++i) {
    nlohmann::json chain = verifiers[i]->save();
    if (!by_instance[i].first.empty() || d.instance.empty()) {
      d.instance = by_instance[i].first;
      d.head_seq = chain.at("prev_seq").get<std::uint64_t>();
      d.head_hash = chain.at("prev_hash").get<std::string>();
    }
    d.chains[by_instance[i].first] = std::move(chain);
  }
  nlohmann::json& j = d.state;
  j["threads"] = blob(threads.states());
  j["customers"] = nlohmann::json::array();
  for (const std::string* name : customers) j["customers"].push_back(*name);
  j["total"] = save_group(c.total, c.rules);
  j["by_agent"] = nlohmann::json::object();
  for (auto& [agent, g] : c.by_agent) j["by_agent"][agent] = save_group(g, c.rules);
  j["by_day"] = j["by_week"] = j["daily"] = nlohmann::json::array();
  for (auto& [day, g] : c.by_day) j["by_day"].push_back({day, save_group(g, c.rules)});
  for (auto& [week, g] : c.by_week) j["by_week"].push_back({week, save_group(g, c.rules)});
  for (const auto& [day, v] : c.daily) j["daily"].push_back({day, v.first, v.second});
  j["histogram"] = c.histogram;
  j["unreadable"] = c.unreadable;
  j["skipped"] = c.skipped;
  j["first_seen"] = c.first_seen ? nlohmann::json(*c.first_seen) : nlohmann::json(nullptr);
  j["last_seen"] = c.last_seen ? nlohmann::json(*c.last_seen) : nlohmann::json(nullptr);
  j["message_instance"] = c.message_instance ? nlohmann::json(*c.message_instance) : nlohmann::json(nullptr);
  std::vector<std::function<void(std::ostream&)>> writers;
  j["lists"] = nlohmann::json::array();
  auto add = [&](const std::string& name, const Spool& spool) {
    j["lists"].push_back({{"name", name}, {"count", spool.count()}, {"bytes", spool.size()}});
    writers.push_back([&spool](std::ostream& out) { spool.write_to(out); });
  };
  for (const auto& [name, spool] : lists) add(name, *spool);
  add("inbound", inbound_rows);
  checkpoint = std::make_unique<CheckpointWriter>(opts.checkpoint);
  checkpoint->write(d, writers);
}

bool Report::Impl::run(const std::vector<std::string>& files, const ReportOptions& opts, const Duplicates* duplicates) {
  Group total;
  Rules rules;
  // The views: by agent (replies only), by day and by week (local days of opts.time_zone; a week
  // by its Monday).
  std::map<std::string, Group> by_agent;
  std::map<std::int64_t, Group> by_day, by_week;
  // The groups of the last record's day and week, and each agent's (a map's nodes stay put).
  std::int64_t last_day = std::numeric_limits<std::int64_t>::min();
  Group *day_group = nullptr, *week_group = nullptr;
  std::unordered_map<std::string, Group*> agent_groups;
  std::vector<std::uint32_t> failed;  // the rules a message failed, by number
  const ZoneClock zone(opts.time_zone);
  std::map<std::int64_t, std::pair<long, long>> daily;  // day -> (answered, within target)
  // The response-time histogram.
  const std::vector<std::pair<std::string, double>> buckets = {
      {"< 15m", 900}, {"15m-1h", 3600}, {"1-2h", 7200}, {"2-4h", 14400}, {"4-8h", 28800}, {"8-24h", 86400}, {"> 24h", 1e300}};
  std::vector<long> histogram(buckets.size(), 0);
  long unreadable = 0;
  nlohmann::json skipped = nlohmann::json::array();  // records of the wrong form: file, line, what
  std::optional<TimeMs> first_seen, last_seen;
  for (const auto& l : report_lists())
    if (l.name != std::string("integrity")) lists[l.name] = std::make_unique<Spool>();
  // The lists the records add to, by name once.
  auto list = [&](const char* name) -> Spool& { return *lists.at(name); };
  Spool &replies = list("replies"), &over_target = list("over_target"), &held = list("held"),
        &rejected = list("rejected"), &findings = list("findings"), &released = list("released"),
        &discarded = list("discarded"), &breaches = list("breaches"), &promises_missed = list("promises_missed"),
        &contact_gaps = list("contact_gaps");
  Spool inbound_rows;  // rows of customer messages, for the threads where the customer had the last word
  std::optional<std::string> message_instance;  // the instance of the message records, while there is one
  SpoolRow made;  // the row being made (one buffer for all)
  auto message_row = [&](std::string_view thread_id, std::string_view message_id, std::string_view queue_id,
                         std::string_view customer, std::string_view agent, const std::optional<SlaResult>& sla,
                         TimeMs t) -> SpoolRow& {
    const bool figures = sla.has_value();
    made.clear()
        .text(Col::thread_id, thread_id)
        .text(Col::message_id, message_id)
        .text(Col::queue_id, queue_id)
        .text(Col::customer, customer)
        .text(Col::agent, agent)
        .time(Col::at, t)
        .time(Col::answered_at, t)
        .time(Col::waiting_since, figures ? sla->waiting_since : std::nullopt)
        .integer(Col::latency_s, figures ? sla->latency_s : std::nullopt)
        .boolean(Col::first_reply, figures && sla->first_reply);
    return made;
  };
  auto row_of = [&](const MessageRecord& m, TimeMs t) -> SpoolRow& {
    return message_row(m.thread_id, m.message_id, m.queue_id, m.customer, m.author, m.sla, t);
  };
  auto settled_row = [&](const SettleRecord& m, TimeMs t) -> SpoolRow& {
    return message_row(m.thread_id, m.message_id, m.queue_id, "", m.author, m.sla, t);
  };
  auto in_period = [&](TimeMs t) { return (!opts.from || t >= *opts.from) && (!opts.to || t < *opts.to); };

  // Each instance's chain on its own: its files in the order given (oldest first), checked in the
  // same pass, from the same parse of each line.
  std::vector<std::pair<std::string, std::vector<std::string>>> by_instance;
  std::vector<std::size_t> instance_of_file;
  for (const auto& file : files) {
    const std::string instance = instance_of(file);
    auto it = std::find_if(by_instance.begin(), by_instance.end(), [&](const auto& e) { return e.first == instance; });
    if (it == by_instance.end()) it = by_instance.insert(by_instance.end(), {instance, {}});
    it->second.push_back(file);
    instance_of_file.push_back(static_cast<std::size_t>(it - by_instance.begin()));
  }
  std::vector<std::unique_ptr<ChainVerifier>> verifiers;
  for (std::size_t i = 0; i < by_instance.size(); ++i) verifiers.push_back(std::make_unique<ChainVerifier>(opts.verify));
  // With a checkpoint: its counts, and each file read from where it stopped.
  const Counts counts{total, by_agent, by_day, by_week, daily, histogram, unreadable, skipped, first_seen, last_seen, message_instance, rules};
  std::vector<FileStart> read(files.size());
  if (!opts.checkpoint.empty()) read = resume(files, opts, counts, by_instance, verifiers, inbound_rows);
  std::string cut;  // a file whose last line has no newline

  for (std::size_t f = 0; f < files.size(); ++f) {
    const std::string& file = files[f];
    ChainVerifier& chain = *verifiers[instance_of_file[f]];
    chain.begin_file(file);
    LineReader in(file, read[f].offset);
    std::size_t lineno = read[f].lines;
    std::uint64_t offset = read[f].offset;
    std::string_view line;
    AuditLine rec;
    for (bool whole; in.next(line, whole);) {
      ++lineno;
      read_audit_record(line, AuditFields::figures, rec);
      // A last line without its newline is cut short: the chain check names it, the figures read it.
      if (whole) {
        chain.add(file, lineno, line, rec.chain);
        offset += line.size() + 1;
        read[f] = {offset, lineno};
      } else {
        cut = file;
      }
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
      if (message != nullptr && !message->message_id.empty()) {
        if (duplicates == nullptr) {
          if (!message_instance) message_instance = rec.instance;
          else if (*message_instance != rec.instance) return false;
        } else if (!duplicates->counts_in(message->message_id, rec.instance)) {
          continue;  // counted in the other instance
        }
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
      std::array<Group*, 4> gs_store{};
      std::size_t gs_size = 0;
      auto groups_of = [&](const std::string& agent) {
        const std::int64_t day = zone.local_day(*t);
        if (day != last_day) {
          std::int64_t weekday = (day + 3) % 7;  // 1970-01-01 was a Thursday; 0 = Monday
          if (weekday < 0) weekday += 7;
          last_day = day;
          day_group = &by_day[day];
          week_group = &by_week[day - weekday];
        }
        gs_store = {&total, day_group, week_group, nullptr};
        gs_size = 3;
        if (!agent.empty()) {
          auto it = agent_groups.find(agent);
          if (it == agent_groups.end()) it = agent_groups.emplace(agent, &by_agent[agent]).first;
          gs_store[gs_size++] = it->second;
        }
        return std::span<Group* const>(gs_store.data(), gs_size);
      };

      // A reply's figures, on the day they count: at delivery, or at release for a held one.
      auto count_latency = [&](std::span<Group* const> gs, const std::optional<SlaResult>& sla, auto make_row, TimeMs when) {
        if (!sla || !sla->latency_s) return;
        const double lat = static_cast<double>(*sla->latency_s);
        SpoolRow& reply = make_row().boolean(Col::within_target, lat <= static_cast<double>(opts.target_s));
        replies.add(reply);
        if (lat > static_cast<double>(opts.target_s)) over_target.add(reply);
        for (Group* g : gs) {
          (sla->first_reply ? g->first : g->next).add(lat);
          ++g->answered;
          if (lat <= static_cast<double>(opts.target_s)) ++g->within_target;
          if (lat <= static_cast<double>(opts.limit_s)) ++g->within_limit;
        }
        double lower = -1;
        for (std::size_t b = 0; b < buckets.size(); ++b) {
          if (lat > lower && lat <= buckets[b].second) ++histogram[b];
          lower = buckets[b].second;
        }
        auto& d = daily[zone.local_day(when)];
        ++d.first;
        if (lat <= static_cast<double>(opts.target_s)) ++d.second;
      };

      if (message != nullptr) {
        const MessageRecord& m = *message;
        const std::string& thread = m.thread_id;
        const std::string& dir = m.direction;
        std::optional<std::uint32_t> found_thread;
        if (!m.customer.empty() && !thread.empty()) {
          found_thread = threads.get(thread);
          ThreadState& ts = threads[*found_thread];
          if (ts.customer == 0) {
            auto [it, added] = customer_index.emplace(m.customer, static_cast<std::uint32_t>(customers.size()));
            if (added) customers.push_back(&it->first);
            ts.customer = it->second + 1;
          }
        }
        if (dir != "inbound" && dir != "outbound" && dir != "internal") continue;
        auto gs = groups_of(dir == "inbound" ? "" : m.author);
        const std::string& action = m.action;
        // Mail that did not leave counts nothing but itself: a rejected or tempfailed message
        // (its resend or retry is the one that counts), a held one (it counts when released).
        const bool left = action != "reject" && action != "tempfail" && action != "hold";
        const std::uint32_t thread_index = found_thread ? *found_thread : threads.get(thread);
        if (dir != "internal" && left) {
          ThreadState& ts = threads[thread_index];
          if (*t >= ts.last_word_at) {
            ts.last_word_at = *t;
            ts.last_word = dir == "inbound" ? 1 : 2;
            if (dir == "inbound") ts.last_inbound = inbound_rows.add(row_of(m, *t));
          }
        }
        if (action == "hold" || action == "reject")
          (action == "hold" ? held : rejected).add(row_of(m, *t).text(Col::rules, m.failing_rules()));
        for (const auto& fd : m.findings)
          if (fd.result == "fail")
            findings.add(row_of(m, *t).text(Col::rule, fd.rule).text(Col::action, fd.action).text(Col::detail, fd.detail));
        failed.clear();
        for (const auto& fd : m.findings)
          if (fd.result == "fail") failed.push_back(rules.number(fd.rule));
        for (Group* g : gs) {
          g->threads.insert(thread_index);
          if (dir == "inbound" && left) ++g->customer_messages;
          if (dir == "outbound" && left) ++g->replies;
          if (action == "hold") ++g->held;
          if (action == "reject") ++g->rejected;
          for (std::uint32_t rule : failed) {
            if (g->findings.size() <= rule) g->findings.resize(rule + 1, 0);
            ++g->findings[rule];
          }
        }
        if (left) count_latency(gs, m.sla, [&]() -> SpoolRow& { return row_of(m, *t); }, *t);
      } else if (settled != nullptr && !settled->discard) {
        // A held message released: it left now, and its figures (computed at release) count now.
        const SettleRecord& m = *settled;
        const std::string& thread = m.thread_id;
        const std::string& dir = m.direction;
        if (dir != "inbound" && dir != "outbound") continue;
        auto gs = groups_of(dir == "inbound" ? "" : m.author);
        if (!thread.empty()) {
          ThreadState& ts = threads[threads.get(thread)];
          if (*t >= ts.last_word_at) {
            ts.last_word_at = *t;
            ts.last_word = dir == "inbound" ? 1 : 2;
            if (dir == "inbound") ts.last_inbound = inbound_rows.add(settled_row(m, *t));
          }
        }
        released.add(settled_row(m, *t).text(Col::by, m.by));
        for (Group* g : gs) {
          if (!thread.empty()) g->threads.insert(threads.get(thread));
          if (dir == "inbound") ++g->customer_messages;
          if (dir == "outbound") ++g->replies;
          ++g->released;
        }
        count_latency(gs, m.sla, [&]() -> SpoolRow& { return settled_row(m, *t); }, *t);
      } else if (settled != nullptr) {
        discarded.add(settled_row(*settled, *t).text(Col::by, settled->by));
      } else if (sla_event != nullptr && sla_event->sla.event != "sla_warning") {
        const SlaEventRecord& e = *sla_event;
        const std::string& event = e.sla.event;
        SpoolRow& row = made.clear().text(Col::thread_id, e.thread_id).text(Col::subject, e.subject).time(Col::at, *t);
        if (event == "sla_breach") {
          breaches.add(row.time(Col::waiting_since, e.sla.waiting_since).integer(Col::waited_s, e.sla.waited_s));
        } else if (event == "promise_missed") {
          row.time(Col::promised_by, e.sla.promised_by);
          if (e.sla.promise) row.text(Col::promise, *e.sla.promise);
          else row.null(Col::promise);
          promises_missed.add(row);
        } else {
          contact_gaps.add(row.time(Col::last_outbound, e.sla.last_outbound).integer(Col::silent_s, e.sla.silent_s));
        }
        for (Group* g : groups_of("")) {
          if (event == "sla_breach") ++g->breaches;
          if (event == "contact_gap") ++g->contact_gaps;
          if (event == "promise_missed") ++g->promises_missed;
        }
      }
    }
  }

  if (!opts.checkpoint.empty()) save(files, read, cut, opts, counts, by_instance, verifiers, inbound_rows);

  nlohmann::json& r = figures;
  r = nlohmann::json::object();
  r["chain"] = {{"ok", true}, {"records", 0}, {"problems", nlohmann::json::array()}, {"instances", nlohmann::json::array()}};
  for (std::size_t i = 0; i < by_instance.size(); ++i) {
    const auto& [instance, its_files] = by_instance[i];
    const auto chain = verifiers[i]->finish();
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
      integrity.push_back({{"instance", instance}, {"check", check}, {"status", status}, {"detail", detail}});
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
  r["total"] = render(total, rules);
  // The threads where the customer had the last word, by thread id: only their rows are read back.
  long customer_last = 0;
  {
    std::vector<std::pair<std::string, std::int64_t>> waiting;  // thread id, row
    for (std::size_t i = 0; i < threads.size(); ++i) {
      const ThreadState& ts = threads[static_cast<std::uint32_t>(i)];
      if (ts.last_word != 1) continue;
      ++customer_last;
      if (ts.last_inbound >= 0)
        waiting.emplace_back(SpoolRow::text_of(std::string_view(inbound_rows.raw(ts.last_inbound)).substr(4), Col::thread_id),
                             ts.last_inbound);
    }
    std::sort(waiting.begin(), waiting.end());
    for (const auto& [thread, offset] : waiting) list("customer_last_word").add_raw(inbound_rows.raw(offset));
  }
  r["total"]["customer_last_word"] = customer_last;
  r["time_zone"] = opts.time_zone;
  r["calendar"] = opts.business_calendar ? "business" : "24x7";
  auto day_name = [](std::int64_t day) { return date_of_day(day); };
  auto week_name = [](std::int64_t monday) { return "week of " + date_of_day(monday); };
  r["views"]["agent"] = nlohmann::json::object();
  for (auto& [k, g] : by_agent) r["views"]["agent"][k] = render(g, rules);
  r["views"]["day"] = nlohmann::json::object();
  for (auto& [k, g] : by_day) r["views"]["day"][day_name(k)] = render(g, rules);
  if (!opts.by.empty()) {
    r["by"] = opts.by;
    r["groups"] = nlohmann::json::object();
    if (opts.by == "agent") r["groups"] = r["views"]["agent"];
    else if (opts.by == "day") r["groups"] = r["views"]["day"];
    else
      for (auto& [k, g] : by_week) r["groups"][week_name(k)] = render(g, rules);
  }
  // Chart data: response-time histogram and the daily share within target.
  nlohmann::json hist = nlohmann::json::array();
  for (std::size_t b = 0; b < buckets.size(); ++b) hist.push_back({{"bucket", buckets[b].first}, {"replies", histogram[b]}});
  r["histogram"] = hist;
  std::map<std::string, std::pair<long, long>> daily_by_name;
  for (const auto& [d, v] : daily) daily_by_name[day_name(d)] = v;
  nlohmann::json days = nlohmann::json::array();
  for (const auto& [d, v] : daily_by_name) days.push_back({{"day", d}, {"answered", v.first}, {"within_target", static_cast<double>(v.second) / v.first}});
  r["daily"] = days;
  r["unreadable_lines"] = unreadable;
  r["skipped_records"] = skipped;
  return true;
}

Report::Report(const std::vector<std::string>& files, const ReportOptions& opts) : impl_(std::make_unique<Impl>()) {
  if (impl_->run(files, opts, nullptr)) return;
  if (!opts.checkpoint.empty())
    throw CheckpointError("--checkpoint reads the log of one instance; these files hold message records of several: "
                          "run one report with its checkpoint per instance");
  // Messages of several instances: find those recorded by more than one, then count again.
  Duplicates duplicates;
  for (const auto& file : files) {
    LineReader in(file);
    std::string_view line;
    AuditLine rec;
    for (bool whole; in.next(line, whole);) {
      // Records of the wrong form are named by the pass that counts.
      read_audit_record(line, AuditFields::figures, rec);
      const auto* m = std::get_if<MessageRecord>(&rec.record);
      if (m == nullptr || m->message_id.empty()) continue;
      duplicates.add(m->message_id, rec.instance, m->sla && m->sla->latency_s);
    }
  }
  duplicates.settle();
  impl_ = std::make_unique<Impl>();
  impl_->run(files, opts, &duplicates);
}

Report::~Report() = default;

const std::string& Report::checkpoint_problem() const { return impl_->checkpoint_problem; }

void Report::commit_checkpoint() {
  if (!impl_->checkpoint_problem.empty()) throw CheckpointError(impl_->checkpoint_problem);
  if (impl_->checkpoint) impl_->checkpoint->commit();
}

const nlohmann::json& Report::figures() const { return impl_->figures; }

std::size_t Report::count(const std::string& list) const {
  if (list == "integrity") return impl_->integrity.size();
  auto it = impl_->lists.find(list);
  return it == impl_->lists.end() ? 0 : it->second->count();
}

void Report::rows(const std::string& list, const std::function<void(const nlohmann::json&)>& each) const {
  if (list == "integrity") {
    for (const auto& row : impl_->integrity) each(row);
    return;
  }
  auto it = impl_->lists.find(list);
  if (it == impl_->lists.end()) return;
  it->second->each([&](nlohmann::json& row) {
    impl_->fill_customer(row);
    each(row);
  });
}

nlohmann::json build_report(const std::vector<std::string>& files, const ReportOptions& opts) {
  Report report(files, opts);
  nlohmann::json r = report.figures();
  r["lists"] = nlohmann::json::object();
  for (const auto& l : report_lists()) {
    nlohmann::json& rows = r["lists"][l.name] = nlohmann::json::array();
    report.rows(l.name, [&](const nlohmann::json& row) { rows.push_back(row); });
  }
  return r;
}

void write_report_text(const ReportView& view, std::ostream& o) {
  const nlohmann::json& r = view.figures();
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
    const std::size_t rows = view.count(l.name);
    if (rows == 0) continue;
    o << "\n" << l.title << " (" << rows << ")\n";
    std::string line;
    const std::vector<std::string_view> columns(l.columns.begin(), l.columns.end());
    view.rows(l.name, [&](const nlohmann::json& row) {
      line = " ";
      for (std::string_view c : columns) {
        ((line += ' ') += c) += '=';
        put_text_cell(line, field_of(row, c));
      }
      line += '\n';
      o << line;
    });
  }
}

std::string report_text(const nlohmann::json& report) {
  std::ostringstream o;
  write_report_text(JsonReportView(report), o);
  return o.str();
}

void write_report_html(const ReportView& view, std::ostream& o) {
  const nlohmann::json& r = view.figures();
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
      o << "<a href=\"#" << l.name << "\">" << html_escape(l.title) << " (" << view.count(l.name) << ")</a> ";
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
    o << "<h2>" << html_escape(l.title) << " (" << view.count(l.name) << ")</h2><table class=\"list\" id=\"" << l.name << "\"><tr>";
    for (const char* c : l.columns) o << "<th>" << c << "</th>";
    o << "</tr>";
    view.rows(l.name, [&](const nlohmann::json& row) {
      o << "<tr>";
      for (const char* c : l.columns) o << "<td>" << html_escape(cell(field_of(row, c))) << "</td>";
      o << "</tr>";
    });
    o << "</table>";
  }
  // Sorting: a click on a column's header sorts its table by it (numbers as numbers).
  o << "<script>document.querySelectorAll('table.list th').forEach(function(th,i){th.addEventListener('click',function(){"
       "var t=th.closest('table'),rows=Array.from(t.rows).slice(1),up=th.dataset.up!=='1';th.dataset.up=up?'1':'0';"
       "rows.sort(function(a,b){var x=a.cells[i].textContent,y=b.cells[i].textContent,nx=parseFloat(x),ny=parseFloat(y);"
       "var d=(!isNaN(nx)&&!isNaN(ny))?nx-ny:x.localeCompare(y);return up?d:-d;});rows.forEach(function(r){t.appendChild(r);});});});"
       "</script>";
  o << "</body></html>\n";
}

std::string report_html(const nlohmann::json& report) {
  std::ostringstream o;
  write_report_html(JsonReportView(report), o);
  return o.str();
}

}  // namespace sm
