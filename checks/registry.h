// The registry: every rule support-milter knows, in the order they are evaluated.
#pragma once
#include <memory>
#include <string_view>
#include <vector>

#include "checks/rule.h"

namespace sm {

const std::vector<std::unique_ptr<Rule>>& rule_registry();
const Rule* find_rule(std::string_view id);

}  // namespace sm
