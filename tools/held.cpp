// Held mail: the join of postqueue -j with the audit log.
#include "tools/held.h"

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include "audit/record_types.h"

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

std::string utc(std::int64_t t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
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

namespace {

// Hands out the next line and its place (file, 1-based line); false at the end of all input.
using LineSource = std::function<bool(std::string& line, const std::string*& file, std::size_t& lineno)>;

// The join over the lines of `next`. A record of a held message with a field of the wrong type is
// named in `problems` (FILE:LINE) and left out.
std::vector<HeldMessage> join_lines(const std::vector<QueueEntry>& queue, const LineSource& next,
                                    std::vector<std::string>* problems) {
  std::vector<HeldMessage> held;
  std::map<std::string, std::size_t> index;
  for (const auto& e : queue) {
    if (e.queue_name != "hold") continue;
    index[e.queue_id] = held.size();
    HeldMessage h;
    h.queue = e;
    held.push_back(std::move(h));
  }
  if (held.empty()) return held;
  const std::string* file = nullptr;
  std::size_t lineno = 0;
  for (std::string line; next(line, file, lineno);) {
    // Cheap test before parsing: only lines that name one of the held ids.
    auto q = line.find("\"queue_id\":\"");
    if (q == std::string::npos) continue;
    auto start = q + 12;
    auto end = line.find('"', start);
    if (end == std::string::npos) continue;
    auto it = index.find(line.substr(start, end - start));
    if (it == index.end()) continue;
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded()) continue;
    if (auto problem = audit_record_type_problem(j); !problem.empty()) {
      if (problems != nullptr)
        problems->push_back(*file + ":" + std::to_string(lineno) + ": " + problem + "; record skipped");
      continue;
    }
    if (str(j, "event") != "message") continue;
    HeldMessage& h = held[it->second];
    h.audited = true;
    h.time = str(j, "time");
    h.message_id = str(j, "message_id");
    h.thread_id = str(j, "thread_id");
    h.direction = str(j, "direction");
    h.author = str(j, "author");
    h.action = str(j, "action");
    h.reason = str(j, "hold_reason");
    h.findings = nlohmann::json::array();
    if (auto f = j.find("findings"); f != j.end() && f->is_array())
      for (const auto& finding : *f)
        if (finding.is_object() && str(finding, "result") == "fail" && str(finding, "action") == "hold")
          h.findings.push_back({{"rule", str(finding, "rule")}, {"detail", str(finding, "detail")}});
  }
  std::sort(held.begin(), held.end(), [](const HeldMessage& a, const HeldMessage& b) {
    return a.queue.arrival_time != b.queue.arrival_time ? a.queue.arrival_time < b.queue.arrival_time
                                                        : a.queue.queue_id < b.queue.queue_id;
  });
  return held;
}

}  // namespace

std::vector<HeldMessage> join_held(const std::vector<QueueEntry>& queue,
                                   const std::vector<std::string>& audit_texts,
                                   std::vector<std::string>* problems) {
  std::size_t i = 0, n = 0;
  std::string name;
  std::istringstream in;
  bool open = false;
  return join_lines(
      queue,
      [&](std::string& line, const std::string*& file, std::size_t& lineno) {
        for (;;) {
          if (open && std::getline(in, line)) {
            file = &name;
            lineno = ++n;
            return true;
          }
          if (i >= audit_texts.size()) return false;
          in = std::istringstream(audit_texts[i++]);
          name = "audit text " + std::to_string(i);
          open = true;
          n = 0;
        }
      },
      problems);
}

std::vector<HeldMessage> join_held_files(const std::vector<QueueEntry>& queue,
                                         const std::vector<std::string>& files,
                                         std::vector<std::string>* unreadable,
                                         std::vector<std::string>* problems) {
  std::size_t i = 0, n = 0;
  std::ifstream in;
  return join_lines(
      queue,
      [&](std::string& line, const std::string*& file, std::size_t& lineno) {
        for (;;) {
          if (in.is_open() && std::getline(in, line)) {
            file = &files[i - 1];
            lineno = ++n;
            return true;
          }
          if (in.is_open()) in.close();
          if (i >= files.size()) return false;
          in.clear();
          in.open(files[i], std::ios::binary);
          n = 0;
          if (!in.is_open() && unreadable != nullptr) unreadable->push_back(files[i]);
          ++i;
        }
      },
      problems);
}

std::vector<std::string> audit_files_oldest_first(const std::string& path) {
  std::filesystem::path p(path);
  std::vector<std::string> rotated;
  const std::string prefix = p.stem().string() + "-";
  const std::string ext = p.extension().string();
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(p.parent_path().empty() ? "." : p.parent_path(), ec)) {
    std::string name = e.path().filename().string();
    if (name.starts_with(prefix) && name.ends_with(ext) && name.size() > prefix.size() + ext.size() + 15)
      rotated.push_back(e.path().string());
  }
  std::sort(rotated.begin(), rotated.end());  // the names sort by time
  rotated.push_back(path);
  return rotated;
}

bool valid_queue_id(const std::string& id) {
  return id.size() >= 5 && id.size() <= 32 &&
         std::all_of(id.begin(), id.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
         });
}

std::string format_held_text(const std::vector<HeldMessage>& held) {
  if (held.empty()) return "no messages in the hold queue\n";
  std::ostringstream o;
  for (const auto& h : held) {
    o << h.queue.queue_id << "  held since " << utc(h.queue.arrival_time) << "  " << h.queue.message_size
      << " bytes\n";
    o << "  from " << (h.queue.sender.empty() ? "<>" : h.queue.sender) << " to ";
    for (std::size_t i = 0; i < h.queue.recipients.size(); ++i) o << (i ? ", " : "") << h.queue.recipients[i];
    o << "\n";
    if (!h.audited) {
      o << "  no support-milter audit record for this queue id (held by something else, or the record is in a "
           "file not searched)\n";
      if (!h.queue.hold_reason.empty()) o << "  quarantine reason: " << h.queue.hold_reason << "\n";
    } else {
      o << "  message-id " << h.message_id << ", " << h.direction << ", action " << h.action << "\n";
      for (const auto& f : h.findings)
        o << "  rule " << f.value("rule", "") << ": " << f.value("detail", "") << "\n";
      if (h.findings.empty() && !h.reason.empty()) o << "  reason: " << h.reason << "\n";
    }
    o << "  release: support-milter release " << h.queue.queue_id << " --by NAME --reason TEXT\n";
  }
  o << held.size() << (held.size() == 1 ? " message" : " messages") << " held\n";
  return o.str();
}

nlohmann::json held_json(const std::vector<HeldMessage>& held) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& h : held) {
    nlohmann::json j = {{"queue_id", h.queue.queue_id},
                        {"arrival_time", utc(h.queue.arrival_time)},
                        {"message_size", h.queue.message_size},
                        {"sender", h.queue.sender},
                        {"recipients", h.queue.recipients},
                        {"audited", h.audited}};
    if (h.audited) {
      j["audit_time"] = h.time;
      j["message_id"] = h.message_id;
      j["direction"] = h.direction;
      j["author"] = h.author;
      j["action"] = h.action;
      j["reason"] = h.reason;
      j["findings"] = h.findings;
    }
    out.push_back(std::move(j));
  }
  return out;
}

}  // namespace sm
