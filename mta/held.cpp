// Held mail: the join of the MTA's hold queue with the audit log.
#include "mta/held.h"

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

namespace sm {

namespace {

std::string utc(std::int64_t t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// Hands out the next line and its place (file, 1-based line); false at the end of all input.
using LineSource = std::function<bool(std::string& line, const std::string*& file, std::size_t& lineno)>;

// The join over the lines of `next`. A record of a held message with a field of the wrong type is
// named in `problems` (FILE:LINE) and left out.
std::vector<HeldMessage> join_lines(const std::vector<QueueEntry>& queue, const LineSource& next,
                                    std::vector<std::string>* problems, const std::string& instance) {
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
    const AuditLine rec = read_audit_record(line);
    if (rec.unreadable) continue;
    if (!rec.problem.empty()) {
      if (problems != nullptr)
        problems->push_back(*file + ":" + std::to_string(lineno) + ": " + rec.problem + "; record skipped");
      continue;
    }
    HeldMessage& h = held[it->second];
    if (const auto* settle = std::get_if<SettleRecord>(&rec.record)) {
      if (instance.empty() || rec.instance == instance) h.settled = settle->discard ? "discard" : "release";
      continue;
    }
    const auto* m = std::get_if<MessageRecord>(&rec.record);
    if (m == nullptr) continue;
    h.settled.clear();
    h.audited = true;
    h.time = rec.time;
    h.message_id = m->message_id;
    h.thread_id = m->thread_id;
    h.direction = m->direction;
    h.author = m->author;
    h.action = m->action;
    h.reason = m->hold_reason.value_or("");
    h.findings.clear();
    for (const auto& f : m->findings)
      if (f.result == "fail" && f.action == "hold") h.findings.push_back(f);
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
                                   std::vector<std::string>* problems, const std::string& instance) {
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
      problems, instance);
}

std::vector<HeldMessage> join_held_files(const std::vector<QueueEntry>& queue,
                                         const std::vector<std::string>& files,
                                         std::vector<std::string>* unreadable,
                                         std::vector<std::string>* problems, const std::string& instance) {
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
      problems, instance);
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
      for (const auto& f : h.findings) o << "  rule " << f.rule << ": " << f.detail << "\n";
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
      j["findings"] = nlohmann::json::array();
      for (const auto& f : h.findings) j["findings"].push_back({{"rule", f.rule}, {"detail", f.detail}});
    }
    out.push_back(std::move(j));
  }
  return out;
}

}  // namespace sm
