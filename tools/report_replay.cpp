// `report`: figures from audit logs. `replay`: historic mail through the pipeline.
#include "tools/report_replay.h"

#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <memory>

#include "tools/tool_config.h"
#include "tools/replay.h"
#include "tools/report.h"
#include "tools/report_checkpoint.h"
#include "store/thread_store.h"

namespace sm {

namespace {
std::optional<TimeMs> day_or_time(const std::string& s) {
  if (s.size() == 10) return parse_rfc3339(s + "T00:00:00Z");
  return parse_rfc3339(s);
}
}  // namespace

int run_report(const std::vector<std::string>& files, const std::string& from, const std::string& to,
               const std::string& by, const std::string& format, const std::string& config_path,
               const std::string& csv_dir, bool allow_broken, const IntegrityArgs& integrity,
               const std::string& checkpoint) {
  ReportOptions opts;
  opts.by = by;
  opts.checkpoint = checkpoint;
  {
    std::string error;
    int code = 0;
    std::vector<std::string> notes;
    if (!load_verify_options(integrity, &opts.verify, &error, &code, &notes)) {
      std::cerr << "support-milter report: " << error << "\n";
      return code;
    }
    for (const auto& n : notes) std::cerr << "support-milter report: note: " << n << "\n";
  }
  for (auto [text, slot] : {std::pair{&from, &opts.from}, std::pair{&to, &opts.to}}) {
    if (text->empty()) continue;
    *slot = day_or_time(*text);
    if (!*slot) {
      std::cerr << "support-milter report: \"" << *text << "\" is not a date (YYYY-MM-DD) or RFC 3339 time\n";
      return 64;
    }
  }
  if (!config_path.empty()) {
    try {
      auto cfg = load_config(config_path);
      opts.target_s = cfg->sla.target_s;
      opts.limit_s = cfg->sla.limit_s;
      opts.time_zone = cfg->sla.time_zone;
      opts.business_calendar = cfg->sla.business_calendar;
    } catch (const std::exception& e) {
      std::cerr << "support-milter report: " << e.what() << "\n";
      return 78;
    }
  }
  // The lists go through temporary files; they are removed however this ends.
  std::unique_ptr<Report> built;
  try {
    built = std::make_unique<Report>(files, opts);
  } catch (const CheckpointError& e) {
    std::cerr << "support-milter report: " << e.what() << "\n";
    return 65;
  } catch (const std::exception& e) {
    std::cerr << "support-milter report: " << e.what() << "\n";
    return 73;
  }
  const Report& report = *built;
  const nlohmann::json& figures = report.figures();
  for (const auto& s : figures["skipped_records"])
    std::cerr << "support-milter report: " << s["file"].get<std::string>() << ":"
              << s["line"].get<std::size_t>() << ": " << s["what"].get<std::string>() << "; record skipped\n";
  try {
    if (!csv_dir.empty()) {
      std::error_code ec;
      std::filesystem::create_directories(csv_dir, ec);
      for (const auto& l : report_lists()) {
        auto path = std::filesystem::path(csv_dir) / (std::string(l.name) + ".csv");
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        write_report_csv(report, l.name, out);
        if (!out.flush()) {
          std::cerr << "support-milter report: cannot write " << path.string() << "\n";
          return 73;
        }
      }
    }
    if (format == "json") {
      write_report_json(report, std::cout);  // streamed, never one string
      std::cout << "\n";
    } else if (format == "html") {
      write_report_html(report, std::cout);
    } else if (format == "csv") {
      // A CSV has no head: what the others put at the top goes to standard error (and integrity.csv).
      write_report_csv(report, "replies", std::cout);
      for (const auto& i : figures["chain"]["instances"])
        for (const auto& line : i["summary"]) std::cerr << "support-milter report: " << line.get<std::string>() << "\n";
    } else {
      write_report_text(report, std::cout);
    }
  } catch (const std::exception& e) {
    std::cerr << "support-milter report: " << e.what() << "\n";
    return 74;
  }
  if (!std::cout.flush()) return 74;
  if (!figures["chain"]["ok"].get<bool>()) {
    std::cerr << "support-milter report: the audit chain is broken (" << figures["chain"]["problems"].size()
              << " problem(s)); " << (allow_broken ? "reported anyway (--allow-broken)" : "exit 65; --allow-broken to accept") << "\n";
    if (!allow_broken) return 65;
  }
  if (!checkpoint.empty()) {
    try {
      built->commit_checkpoint();
    } catch (const CheckpointError& e) {
      std::cerr << "support-milter report: " << e.what() << "\n";
      return 75;
    }
  }
  return 0;
}

int run_replay(const std::vector<std::string>& sources, const std::string& config_path, const std::string& state,
               const std::string& audit_path, const std::vector<std::string>& domains,
               const std::vector<std::string>& addresses) {
  std::string error;
  int code = 0;
  auto cfg = tool_config(config_path, domains, addresses, &error, &code);
  if (!cfg) {
    std::cerr << "support-milter replay: " << error << "\n";
    return code;
  }
  try {
    auto store = open_store(state.empty() ? std::string("sqlite::memory:") : "sqlite:" + state);
    AuditLog audit(audit_path);
    auto r = replay(sources, *cfg, *store, audit, std::cerr);
    std::cerr << "support-milter replay: " << r.messages << " messages, " << r.events << " SLA events, " << r.skipped
              << " skipped";
    if (r.unrecorded > 0) std::cerr << ", " << r.unrecorded << " without an audit record";
    std::cerr << "\n";
    if (r.unrecorded > 0) return 74;
  } catch (const std::exception& e) {
    std::cerr << "support-milter replay: " << e.what() << "\n";
    return 73;
  }
  return 0;
}

}  // namespace sm
