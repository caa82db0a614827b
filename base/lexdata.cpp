// Reading the lexicon directory: one parser for every file (see base/lexdata.h).
#include "base/lexdata.h"

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include "base/files.h"

namespace sm {

std::vector<LexEntry> parse_lex_file(std::string_view text) {
  std::vector<LexEntry> out;
  std::string section;
  int number = 0;
  for (std::size_t pos = 0; pos < text.size();) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    const std::string_view raw = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++number;
    std::string line;
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '\\' && i + 1 < raw.size() && raw[i + 1] == '#') {
        line += '#';
        ++i;
      } else if (raw[i] == '#') {
        break;
      } else {
        line += raw[i];
      }
    }
    const std::size_t a = line.find_first_not_of(" \t\r");
    if (a == std::string::npos) continue;
    const std::size_t b = line.find_last_not_of(" \t\r");
    line = line.substr(a, b + 1 - a);
    if (line.size() >= 2 && line.front() == '[' && line.back() == ']') {
      section = line.substr(1, line.size() - 2);
      continue;
    }
    out.push_back({std::move(line), section, number});
  }
  return out;
}

std::size_t LexData::next_slot() {
  static std::atomic<std::size_t> next{0};
  return next++;
}

const LexFile* LexData::file(std::string_view folder, std::string_view name) const {
  for (const auto& f : files_)
    if (f.folder == folder && f.name == name) return &f;
  return nullptr;
}

const std::vector<LexEntry>& LexData::entries(std::string_view folder, std::string_view name) const {
  static const std::vector<LexEntry> none;
  const LexFile* f = file(folder, name);
  return f != nullptr ? f->entries : none;
}

std::string LexData::path(const LexFile& f) const {
  return (std::filesystem::path(dir_) / f.folder / (f.name + ".txt")).string();
}

void LexData::fail(const LexFile& f, int line, const std::string& what) const {
  throw std::runtime_error("lexicons: " + path(f) + ":" + std::to_string(line) + ": " + what);
}

std::shared_ptr<const LexData> LexData::read(const std::string& dir,
                                             const std::function<bool(const std::string&)>& folder_ok,
                                             const std::string& known) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw std::runtime_error("lexicons: " + dir + " is not a directory");
  // The lists decide what is held: files or directories every user may change are refused.
  auto refuse_world_writable = [](const fs::path& p) {
    std::error_code e;
    auto perms = fs::status(p, e).permissions();
    if (!e && (perms & fs::perms::others_write) != fs::perms::none)
      throw std::runtime_error("lexicons: " + p.string() + " is writable by every user; refused (chmod o-w)");
  };
  refuse_world_writable(dir);
  // A folder that would never be read is an error an admin who added it must hear of.
  std::vector<std::string> folders;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (!e.is_directory(ec)) continue;
    const std::string name = e.path().filename().string();
    if (!folder_ok(name))
      throw std::runtime_error("lexicons: " + e.path().string() + ": \"" + name + "\" is not " + known);
    folders.push_back(name);
  }
  std::sort(folders.begin(), folders.end());
  auto data = std::make_shared<LexData>();
  data->dir_ = dir;
  for (const auto& folder : folders) {
    const fs::path sub = fs::path(dir) / folder;
    refuse_world_writable(sub);
    std::vector<fs::path> paths;
    for (const auto& e : fs::directory_iterator(sub, ec))
      if (e.path().extension() == ".txt") paths.push_back(e.path());
    std::sort(paths.begin(), paths.end());
    for (const auto& path : paths) {
      refuse_world_writable(path);
      std::ifstream in(path, std::ios::binary);
      if (!in) throw std::runtime_error("lexicons: cannot read " + path.string());
      LexFile f;
      f.folder = folder;
      f.name = path.stem().string();
      f.text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
      f.entries = parse_lex_file(f.text);
      data->content_ += f.folder + "/" + f.name + ".txt " + std::to_string(f.text.size()) + "\n";
      data->content_ += f.text;
      data->content_ += '\n';
      data->files_.push_back(std::move(f));
    }
  }
  return data;
}

#ifndef SM_INSTALLED_LEXICONS
#define SM_INSTALLED_LEXICONS "/usr/share/support-milter/lexicons"
#endif

std::vector<std::string> lexicon_candidates() { return data_dir_candidates(SM_INSTALLED_LEXICONS, "lexicons"); }

std::string default_lexicon_dir() {
  std::error_code ec;
  std::string tried;
  for (const auto& candidate : lexicon_candidates()) {
    if (std::filesystem::is_directory(candidate, ec)) return candidate;
    tried += (tried.empty() ? "" : " or ") + candidate;
  }
  throw std::runtime_error("no lexicons found in " + tried + "; set [lexicons] dir");
}

std::shared_ptr<const LexData> LexData::read_default() {
  return read(default_lexicon_dir(), [](const std::string&) { return true; }, "a lexicon folder");
}

namespace {
std::atomic<std::shared_ptr<const LexData>> g_installed;
std::mutex g_default_mu;
}  // namespace

std::shared_ptr<const LexData> lexdata() {
  if (auto d = g_installed.load(std::memory_order_acquire)) return d;
  std::lock_guard lock(g_default_mu);
  if (auto d = g_installed.load(std::memory_order_acquire)) return d;
  auto d = LexData::read_default();
  g_installed.store(d, std::memory_order_release);
  return d;
}

void install_lexdata(std::shared_ptr<const LexData> data) {
  if (data) g_installed.store(std::move(data), std::memory_order_release);
}

}  // namespace sm
