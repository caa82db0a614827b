// The config the offline tools (check, replay) run with: a file, or the built-in defaults, plus
// support domains and addresses from the command line.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"

namespace sm {

// Returns nullptr and sets `error` (with the exit code in `code`) when something is wrong.
std::shared_ptr<Config> tool_config(const std::string& config_path, const std::vector<std::string>& domains,
                                    const std::vector<std::string>& addresses, std::string* error, int* code);

}  // namespace sm
