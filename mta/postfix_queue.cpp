// Postfix's queue as postqueue -j lists it.
#include "mta/postfix_queue.h"

#include <cstdint>
#include <sstream>

#include <nlohmann/json.hpp>

#include "base/json_fields.h"

namespace sm {

std::vector<QueueEntry> parse_postqueue_json(const std::string& text, std::vector<std::size_t>* bad) {
  std::vector<QueueEntry> out;
  std::istringstream in(text);
  std::size_t lineno = 0;
  for (std::string line; std::getline(in, line);) {
    ++lineno;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object() || json_string(j, "queue_id").empty()) {
      if (bad != nullptr) bad->push_back(lineno);
      continue;
    }
    QueueEntry e;
    e.queue_name = json_string(j, "queue_name");
    e.queue_id = json_string(j, "queue_id");
    e.arrival_time = json_integer(j, "arrival_time");
    e.message_size = json_integer(j, "message_size");
    e.sender = json_string(j, "sender");
    if (auto r = j.find("recipients"); r != j.end() && r->is_array())
      for (const auto& rc : *r)
        if (rc.is_object()) e.recipients.push_back(json_string(rc, "address"));
    out.push_back(std::move(e));
  }
  return out;
}


}  // namespace sm
