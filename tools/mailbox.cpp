// mbox and Maildir reading.
#include "tools/mailbox.h"

#include <filesystem>
#include <string_view>

#include "base/files.h"

namespace sm {

namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::string text;
  read_file(p.string(), &text);
  return text;
}

}  // namespace

bool is_maildir(const std::string& dir) {
  std::error_code ec;
  return fs::is_directory(fs::path(dir) / "cur", ec) || fs::is_directory(fs::path(dir) / "new", ec);
}

// mboxrd/mboxo: every line that begins with "From " starts a message (the writer escaped such
// lines inside messages as ">From "); ">From " lines inside are unescaped one level.
void read_mbox(const std::string& path, std::vector<MailItem>& out) {
  std::string data = slurp(path);
  std::size_t pos = 0;
  int n = 0;
  auto next_from = [&](std::size_t from) {
    for (std::size_t p = from; p < data.size();) {
      std::size_t nl = data.find('\n', p);
      if (nl == std::string::npos) return data.size();
      if (data.compare(nl + 1, 5, "From ") == 0) return nl + 1;
      p = nl + 1;
    }
    return data.size();
  };
  while (pos < data.size()) {
    std::size_t start = pos;
    if (data.compare(start, 5, "From ") == 0) start = data.find('\n', start) + 1;  // the envelope line
    if (start == 0 || start > data.size()) break;
    std::size_t end = next_from(start);
    std::string msg = data.substr(start, end - start);
    // Unescape ">From " (and ">>From " to ">From ").
    std::string un;
    un.reserve(msg.size());
    std::size_t p = 0;
    while (p < msg.size()) {
      std::size_t nl = msg.find('\n', p);
      std::size_t len = (nl == std::string::npos ? msg.size() : nl + 1) - p;
      std::string_view line(msg.data() + p, len);
      std::size_t gt = 0;
      while (gt < line.size() && line[gt] == '>') ++gt;
      if (gt > 0 && line.substr(gt, 5) == "From ") line.remove_prefix(1);
      un.append(line);
      p += len;
    }
    out.push_back({path + "#" + std::to_string(++n), std::move(un)});
    pos = end;
  }
}

void read_maildir(const std::string& dir, std::vector<MailItem>& out) {
  for (const char* sub : {"cur", "new"}) {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(fs::path(dir) / sub, ec))
      if (e.is_regular_file()) out.push_back({e.path().string(), slurp(e.path())});
  }
}

}  // namespace sm
