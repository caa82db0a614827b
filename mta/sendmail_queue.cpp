// Sendmail's quarantine: control files parsed line by line (the format of Sendmail's queue.c:
// one letter, then the value; lines that start with white space continue a header).
#include "mta/sendmail_queue.h"

#include <sys/stat.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <sstream>

#include "base/files.h"
#include "base/strings.h"
#include "message/envelope.h"

namespace sm {

std::optional<QueueEntry> parse_sendmail_control_file(const std::string& text, const std::string& queue_id,
                                                      std::string* error) {
  QueueEntry e;
  e.queue_id = queue_id;
  e.queue_name = "queued";
  bool version = false, time = false, end = false;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line.front() == ' ' || line.front() == '\t') continue;  // a header's continuation
    const char tag = line.front();
    const std::string_view value = std::string_view(line).substr(1);
    switch (tag) {
      case 'V': version = true; break;
      case 'T': {
        auto v = trim(value);
        auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), e.arrival_time);
        if (ec != std::errc() || p != v.data() + v.size()) {
          if (error) *error = "T line \"" + line + "\" is not a time";
          return std::nullopt;
        }
        time = true;
        break;
      }
      case 'S': e.sender = bare_envelope_address(value); break;
      case 'R': {
        // Version 4 and later: flags, a colon, the address ("RPFD:ana@client.example").
        auto colon = value.find(':');
        bool flags = colon != std::string_view::npos &&
                     std::all_of(value.begin(), value.begin() + static_cast<std::ptrdiff_t>(colon),
                                 [](char c) { return c >= 'A' && c <= 'Z'; });
        e.recipients.push_back(bare_envelope_address(flags ? value.substr(colon + 1) : value));
        break;
      }
      case 'q':
        e.hold_reason = std::string(value);
        e.queue_name = "hold";
        break;
      case '.': end = true; break;
      default: break;
    }
    if (end) break;
  }
  if (!version || !time || !end) {
    if (error)
      *error = !version ? "no V (version) line" : !time ? "no T (creation time) line" : "no end line \".\" (incomplete)";
    return std::nullopt;
  }
  return e;
}

std::string sendmail_queue_directory(const std::string& cf_text) {
  std::istringstream in(cf_text);
  std::string dir;
  for (std::string line; std::getline(in, line);) {
    // "O QueueDirectory=/var/spool/mqueue"; the last one counts, as in Sendmail.
    if (!line.starts_with("O ")) continue;
    auto rest = trim(std::string_view(line).substr(2));
    auto eq = rest.find('=');
    if (eq == std::string_view::npos || trim(rest.substr(0, eq)) != "QueueDirectory") continue;
    dir = std::string(trim(rest.substr(eq + 1)));
  }
  return dir;
}

SendmailQueuePaths sendmail_queue_paths(const std::string& queue_dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  SendmailQueuePaths p{queue_dir, queue_dir};
  if (fs::is_directory(fs::path(queue_dir) / "qf", ec)) p.control_dir = (fs::path(queue_dir) / "qf").string();
  if (fs::is_directory(fs::path(queue_dir) / "df", ec)) p.data_dir = (fs::path(queue_dir) / "df").string();
  return p;
}

bool read_sendmail_quarantine(const std::string& queue_dir, std::vector<QueueEntry>* entries,
                              std::vector<std::string>* problems) {
  namespace fs = std::filesystem;
  const auto paths = sendmail_queue_paths(queue_dir);
  std::error_code ec;
  fs::directory_iterator it(paths.control_dir, ec);
  if (ec) return false;
  entries->clear();
  for (const auto& f : it) {
    const std::string name = f.path().filename().string();
    if (!name.starts_with("hf") || !valid_queue_id(name.substr(2))) continue;
    std::string text, error;
    std::optional<QueueEntry> e;
    if (!read_file(f.path().string(), &text)) {
      // Delivered or discarded since the listing: not a problem.
      if (!fs::exists(f.path(), ec)) continue;
      error = "cannot be read";
    } else {
      e = parse_sendmail_control_file(text, name.substr(2), &error);
    }
    if (!e) {
      // Still quarantined, though its details are unknown: listed with its id only.
      problems->push_back(f.path().string() + ": " + error + "; listed by its id only");
      e.emplace();
      e->queue_id = name.substr(2);
    }
    e->queue_name = "hold";  // an hf file is a quarantined message, whatever its q line says
    struct stat st {};
    if (::stat((fs::path(paths.data_dir) / ("df" + e->queue_id)).c_str(), &st) == 0) e->message_size = st.st_size;
    entries->push_back(std::move(*e));
  }
  return true;
}

}  // namespace sm
