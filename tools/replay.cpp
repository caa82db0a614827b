// Replay of mbox files and Maildir folders.
#include "tools/replay.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "pipeline/pipeline.h"
#include "sla/sweeper.h"
#include "message/headers.h"

namespace sm {

namespace {

namespace fs = std::filesystem;

struct Item {
  std::string origin;  // file, or file#N for the Nth message of an mbox
  std::string bytes;
  TimeMs time = 0;
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream b;
  b << in.rdbuf();
  return b.str();
}

// mboxrd/mboxo: every line that begins with "From " starts a message (the writer escaped such
// lines inside messages as ">From "); ">From " lines inside are unescaped one level.
void read_mbox(const fs::path& path, std::vector<Item>& out) {
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
  if (data.compare(0, 5, "From ") != 0) pos = 0;
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
    out.push_back({path.string() + "#" + std::to_string(++n), std::move(un), 0});
    pos = end;
  }
}

void read_maildir(const fs::path& dir, std::vector<Item>& out) {
  for (const char* sub : {"cur", "new"}) {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir / sub, ec))
      if (e.is_regular_file()) out.push_back({e.path().string(), slurp(e.path()), 0});
  }
}

}  // namespace

ReplayResult replay(const std::vector<std::string>& sources, const Config& cfg, ThreadStore& store, AuditLog& audit,
                    std::ostream& notes) {
  ReplayResult r;
  std::vector<Item> items;
  for (const auto& s : sources) {
    fs::path p(s);
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      if (!fs::is_directory(p / "cur", ec) && !fs::is_directory(p / "new", ec)) {
        notes << s << ": not a Maildir (no cur/ or new/)\n";
        continue;
      }
      read_maildir(p, items);
    } else if (fs::is_regular_file(p, ec)) {
      read_mbox(p, items);
    } else {
      notes << s << ": cannot read\n";
    }
  }
  std::vector<Item> dated;
  for (auto& it : items) {
    HeaderBlock hb = split_headers(it.bytes, cfg.limits);
    const HeaderField* date = first(hb.fields, "Date");
    auto t = date != nullptr ? parse_mail_date(date->value) : std::nullopt;
    if (!t) {
      ++r.skipped;
      notes << it.origin << ": no readable Date; skipped\n";
      continue;
    }
    it.time = *t;
    dated.push_back(std::move(it));
  }
  std::stable_sort(dated.begin(), dated.end(), [](const Item& a, const Item& b) { return a.time < b.time; });

  Pipeline pipeline(&store);
  for (const auto& it : dated) {
    r.events += sweep(store, it.time, sla_settings(cfg), &audit);
    Message msg = parse_message(it.bytes, cfg.limits);
    Envelope env;
    Verdict v = pipeline.process(msg, env, it.time, cfg);
    nlohmann::json rec = audit_record(msg, env, v, cfg);
    rec["source"] = it.origin;
    rec["replay"] = true;
    audit.write("message", rec);
    ++r.messages;
  }
  if (!dated.empty()) r.events += sweep(store, dated.back().time, sla_settings(cfg), &audit);
  return r;
}

}  // namespace sm
