// The ownership and mode rules for config and key files, checked on the open descriptor (so the
// file read is the file checked) and on every directory above it.
#include "config/file_trust.h"

#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <vector>

namespace sm {

namespace {

std::string user_name(uid_t uid) {
  struct passwd pw {};
  struct passwd* found = nullptr;
  std::vector<char> buf(4096);
  if (getpwuid_r(uid, &pw, buf.data(), buf.size(), &found) == 0 && found != nullptr)
    return std::string(found->pw_name) + " (uid " + std::to_string(uid) + ")";
  return "uid " + std::to_string(uid);
}

std::string octal(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

struct Owners {
  std::vector<uid_t> uids;
  std::string names;  // for messages: "root or alice (uid 1000)"
  bool allows(uid_t uid) const {
    for (uid_t u : uids)
      if (u == uid) return true;
    return false;
  }
};

Owners owners_for(TrustedFile kind, const std::string& milter_user) {
  Owners o;
  auto add = [&](uid_t uid, const std::string& what) {
    if (o.allows(uid)) return;
    o.uids.push_back(uid);
    o.names += (o.names.empty() ? "" : " or ") + what;
  };
  add(0, "root");
  add(getuid(), "the user running support-milter, " + user_name(getuid()));
  if (kind == TrustedFile::key && !milter_user.empty()) {
    struct passwd pw {};
    struct passwd* found = nullptr;
    std::vector<char> buf(4096);
    if (getpwnam_r(milter_user.c_str(), &pw, buf.data(), buf.size(), &found) == 0 && found != nullptr)
      add(found->pw_uid, "milter.user " + user_name(found->pw_uid));
  }
  return o;
}

// What is wrong with the file whose status is `st`, or "".
std::string file_problem(const std::string& path, const struct stat& st, TrustedFile kind,
                         const Owners& owners) {
  const char* what = kind == TrustedFile::config ? "config file" : "key file";
  if (S_ISDIR(st.st_mode))
    return "is a directory, not a " + std::string(what) + " (name the file itself, e.g. " + path +
           "/support-milter.conf)";
  if (!S_ISREG(st.st_mode)) return "is not a regular file";
  if (!owners.allows(st.st_uid))
    return std::string(what) + " owned by " + user_name(st.st_uid) + ", not by " + owners.names +
           ": refused, as whoever owns it decides what support-milter does (chown root " + path + ")";
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
    return std::string(what) + " writable by " + ((st.st_mode & S_IWOTH) ? "every user" : "its group") +
           " (mode " + octal(st.st_mode) + "): refused (chmod go-w " + path + ")";
  if (kind == TrustedFile::key && (st.st_mode & S_IROTH) != 0)
    return "key file readable by every user (mode " + octal(st.st_mode) + "): refused (chmod o-rwx " + path +
           "; 0600, or 0640 with the group of milter.user)";
  return {};
}

// What is wrong with a directory above the file, or "": one that others may write to lets them
// put another file in its place (a sticky directory such as /tmp lets nobody replace another's).
std::string directories_problem(const std::string& path, const Owners& owners) {
  std::error_code ec;
  auto full = std::filesystem::weakly_canonical(std::filesystem::absolute(path, ec), ec);
  if (ec) return {};
  for (auto dir = full.parent_path();; dir = dir.parent_path()) {
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0)
      return "cannot check the directory " + dir.string() + ": " + std::strerror(errno);
    const bool sticky = (st.st_mode & S_ISVTX) != 0;
    if (!owners.allows(st.st_uid))
      return "the directory " + dir.string() + " above " + path + " is owned by " + user_name(st.st_uid) +
             ", not by " + owners.names +
             ": refused, as its owner could put another file in its place (chown root " + dir.string() + ")";
    if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0 && !sticky)
      return "the directory " + dir.string() + " above " + path + " is writable by " +
             ((st.st_mode & S_IWOTH) ? "every user" : "its group") + " (mode " + octal(st.st_mode) +
             "): refused, as they could put another file in its place (chmod go-w " + dir.string() + ")";
    if (dir == dir.root_path() || dir.parent_path() == dir) break;
  }
  return {};
}

}  // namespace

bool read_trusted_file(const std::string& path, TrustedFile kind, const std::string& milter_user,
                       std::string* bytes, std::string* error) {
  // O_NONBLOCK: a FIFO put in the file's place is refused below instead of blocking the open.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) {
    *error = std::string("cannot read: ") + std::strerror(errno);
    return false;
  }
  struct stat st {};
  const Owners owners = owners_for(kind, milter_user);
  std::string problem = ::fstat(fd, &st) != 0 ? std::string("cannot stat: ") + std::strerror(errno)
                                              : file_problem(path, st, kind, owners);
  if (problem.empty()) problem = directories_problem(path, owners);
  if (!problem.empty()) {
    ::close(fd);
    *error = problem;
    return false;
  }
  bytes->clear();
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      *error = std::string("cannot read: ") + std::strerror(errno);
      ::close(fd);
      return false;
    }
    if (n == 0) break;
    bytes->append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return true;
}

}  // namespace sm
