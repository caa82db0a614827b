// Postfix's queue as postqueue -j lists it.
#include "tools/postfix_queue.h"

#include <cstdint>
#include <sstream>

#include <nlohmann/json.hpp>

namespace sm {

namespace {

std::string str(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::int64_t integer(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number()) return 0;
  return it->is_number_integer() ? it->get<std::int64_t>() : static_cast<std::int64_t>(it->get<double>());
}

}  // namespace

std::vector<QueueEntry> parse_postqueue_json(const std::string& text, std::vector<std::size_t>* bad) {
  std::vector<QueueEntry> out;
  std::istringstream in(text);
  std::size_t lineno = 0;
  for (std::string line; std::getline(in, line);) {
    ++lineno;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object() || str(j, "queue_id").empty()) {
      if (bad != nullptr) bad->push_back(lineno);
      continue;
    }
    QueueEntry e;
    e.queue_name = str(j, "queue_name");
    e.queue_id = str(j, "queue_id");
    e.arrival_time = integer(j, "arrival_time");
    e.message_size = integer(j, "message_size");
    e.sender = str(j, "sender");
    if (auto r = j.find("recipients"); r != j.end() && r->is_array())
      for (const auto& rc : *r)
        if (rc.is_object()) e.recipients.push_back(str(rc, "address"));
    out.push_back(std::move(e));
  }
  return out;
}


}  // namespace sm
