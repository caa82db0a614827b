// `report` and `replay`.
#pragma once
#include <string>
#include <vector>

#include "tools/audit_command.h"

namespace sm {

// Exit 65 when the audit chain of the files is broken (the report is written all the same, with
// the warning at its top), unless allow_broken. The seals are checked with the verification keys
// and the anchors given (as `audit verify` does); what could and could not be checked heads every
// format (for CSV: the lines go to standard error, and --csv-dir also writes integrity.csv).
// With a checkpoint (tools/report_checkpoint.h): exit 65 and no report when it does not match the
// log or the options; it is replaced once the report is written and the chain is intact (or
// allow_broken); exit 75 when it could not be (a last record cut short).
int run_report(const std::vector<std::string>& files, const std::string& from, const std::string& to,
               const std::string& by, const std::string& format, const std::string& config_path,
               const std::string& csv_dir, bool allow_broken, const IntegrityArgs& integrity,
               const std::string& checkpoint = "");

int run_replay(const std::vector<std::string>& sources, const std::string& config_path, const std::string& state,
               const std::string& audit_path, const std::vector<std::string>& domains,
               const std::vector<std::string>& addresses);

}  // namespace sm
