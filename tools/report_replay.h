// `report` and `replay`.
#pragma once
#include <string>
#include <vector>

namespace sm {

int run_report(const std::vector<std::string>& files, const std::string& from, const std::string& to,
               const std::string& by, const std::string& format, const std::string& config_path);

int run_replay(const std::vector<std::string>& sources, const std::string& config_path, const std::string& state,
               const std::string& audit_path, const std::vector<std::string>& domains,
               const std::vector<std::string>& addresses);

}  // namespace sm
