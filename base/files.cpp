// Whole files through iostreams and std::filesystem.
#include "base/files.h"

#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace sm {

bool read_file(const std::string& path, std::string* text) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream buf;
  buf << in.rdbuf();
  *text = buf.str();
  return !in.bad();
}

bool replace_file(const std::string& path, const std::string& text, std::string* error) {
  namespace fs = std::filesystem;
  const std::string tmp = path + ".support-milter-new";
  std::error_code ec;
  const auto perms = fs::status(path, ec).permissions();
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) {
      *error = "cannot write " + tmp;
      fs::remove(tmp, ec);
      return false;
    }
  }
  if (!ec) fs::permissions(tmp, perms, ec);
  fs::rename(tmp, path, ec);
  if (ec) {
    *error = "cannot replace " + path + ": " + ec.message();
    fs::remove(tmp, ec);
    return false;
  }
  return true;
}

std::string utc_stamp() {
  std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

std::vector<std::string> data_dir_candidates(const std::string& installed, const std::string& name) {
  std::vector<std::string> out{installed};
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) out.push_back((exe.parent_path().parent_path() / "share" / "support-milter" / name).string());
  return out;
}

}  // namespace sm
