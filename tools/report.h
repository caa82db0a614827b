// Reports from audit logs, for auditors: the hash chain's state first, then threads, customer
// messages, replies, first- and next-reply times (p50/p90/max), share within target and within
// limit, breaches, contact gaps, promises missed, threads where the customer had the last word,
// findings per rule, held and rejected counts — over a period, as a whole or by agent, day or week
// — and behind every count the list of its messages (thread, Message-ID, queue id, agent, times);
// as text, JSON, CSV or one self-contained HTML page with charts.
#pragma once
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "audit/verify.h"
#include "message/datetime.h"

namespace sm {

struct ReportOptions {
  std::optional<TimeMs> from;  // inclusive
  std::optional<TimeMs> to;    // exclusive
  std::string by;              // "", "agent", "day" or "week"
  std::int64_t target_s = 2 * 3600;
  std::int64_t limit_s = 24 * 3600;
  std::string time_zone = "UTC";  // sla.time_zone: the clock days and weeks are counted on
  bool business_calendar = false;  // sla.calendar: the clock the records' latencies were measured on
  VerifyOptions verify;            // the keys and anchors each instance's log is verified with
  // A checkpoint (tools/report_checkpoint.h): when the file exists, the run continues after the
  // records it counted (CheckpointError when it does not match the log or these options); the
  // updated checkpoint is made beside it, and Report::commit_checkpoint() puts it in its place.
  std::string checkpoint;
};

// A report as the formats read it: its figures (every key of the JSON form but "lists"), and the
// rows of each list, one at a time.
class ReportView {
 public:
  virtual ~ReportView() = default;
  virtual const nlohmann::json& figures() const = 0;
  virtual std::size_t count(const std::string& list) const = 0;
  virtual void rows(const std::string& list, const std::function<void(const nlohmann::json&)>& each) const = 0;
};

// Reads audit files (JSON lines; other lines are counted as unreadable) and computes the report,
// in one pass that reads and parses each line once. Each instance's log is verified in the same
// pass (audit/verify.h): "chain" says what could and could not be checked (the chain, the seals,
// the anchors), and the "integrity" list has it row by row.
//
// Memory: the figures and the per-thread state are compact (a few dozen bytes per thread, 4 bytes
// per reply and group for exact percentiles); the rows of the lists go to temporary files in
// $TMPDIR (removed when the report is destroyed, and unlinked from the start, so that nothing is
// left even when the process dies). Throws std::runtime_error when no temporary file can be made,
// and CheckpointError (tools/report_checkpoint.h) when ReportOptions::checkpoint does not match
// the log or the options, or the files hold several instances' message records.
class Report : public ReportView {
 public:
  Report(const std::vector<std::string>& files, const ReportOptions& opts);
  ~Report() override;
  const nlohmann::json& figures() const override;
  std::size_t count(const std::string& list) const override;
  void rows(const std::string& list, const std::function<void(const nlohmann::json&)>& each) const override;
  // With ReportOptions::checkpoint: why no checkpoint could be made (a last record cut short),
  // or empty; commit_checkpoint() then replaces the file (throws CheckpointError when it cannot).
  const std::string& checkpoint_problem() const;
  void commit_checkpoint();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The whole report as one JSON document, lists included (for small logs: the lists are in memory).
nlohmann::json build_report(const std::vector<std::string>& files, const ReportOptions& opts);

// A report held as one JSON document.
class JsonReportView : public ReportView {
 public:
  explicit JsonReportView(const nlohmann::json& report) : r_(report) {}
  const nlohmann::json& figures() const override { return r_; }
  std::size_t count(const std::string& list) const override;
  void rows(const std::string& list, const std::function<void(const nlohmann::json&)>& each) const override;

 private:
  const nlohmann::json& r_;
};

// The formats, written as they are made. The JSON form is the document of build_report, as
// nlohmann::json writes it with an indent of 2.
void write_report_json(const ReportView& report, std::ostream& out);
void write_report_text(const ReportView& report, std::ostream& out);
void write_report_html(const ReportView& report, std::ostream& out);
void write_report_csv(const ReportView& report, const std::string& list, std::ostream& out);

std::string report_text(const nlohmann::json& report);
std::string report_html(const nlohmann::json& report);

// The lists behind the counts, in the order the formats show them, and their columns.
struct ReportList {
  const char* name;   // key under "lists" in the JSON form; file name (NAME.csv) with --csv-dir
  const char* title;  // for people
  std::vector<const char*> columns;
};
const std::vector<ReportList>& report_lists();

// One list as CSV (RFC 4180: a header row, every field quoted, CRLF line ends). A text cell that
// begins with =, +, -, @, a tab or a carriage return gets a leading single quote (OWASP's rule
// against CSV injection), so a spreadsheet shows it as text instead of running it as a formula.
std::string report_csv(const nlohmann::json& report, const std::string& list);

// That rule for one text cell.
std::string csv_text_cell(std::string text);

}  // namespace sm
