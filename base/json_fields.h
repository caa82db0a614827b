// Reading one field of a JSON object that may be absent or of another type (postqueue -j output,
// audit records): the value, or empty / zero.
#pragma once
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace sm {

inline std::string json_string(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

inline std::int64_t json_integer(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number()) return 0;
  return it->is_number_integer() ? it->get<std::int64_t>() : static_cast<std::int64_t>(it->get<double>());
}

}  // namespace sm
