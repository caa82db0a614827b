// Key files: read with their mode checked, replaced by rename, the old bytes wiped.
#include "audit/key_file.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "base/write_all.h"

namespace sm {

namespace {

std::string errno_text(const std::string& what) { return what + ": " + std::strerror(errno); }

std::string parent_of(const std::string& path) {
  auto p = std::filesystem::path(path).parent_path();
  return p.empty() ? std::string(".") : p.string();
}

}  // namespace

int open_key_file(const std::string& path, bool lock, std::string* text, std::string* error) {
  int fd = ::open(path.c_str(), (lock ? O_RDWR : O_RDONLY) | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    *error = errno_text(path);
    return -1;
  }
  auto fail = [&](std::string why) {
    *error = path + ": " + why;
    ::close(fd);
    return -1;
  };
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return fail("not a regular file");
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return fail(std::string("mode ") + mode + " lets group or others at the key; refused (chmod 600 " + path + ")");
  }
  if (lock && ::flock(fd, LOCK_EX | LOCK_NB) != 0)
    return fail(errno == EWOULDBLOCK ? "in use by another process (another support-milter with this key?)"
                                     : std::strerror(errno));
  text->clear();
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(std::strerror(errno));
    if (n == 0) break;
    text->append(buf, static_cast<std::size_t>(n));
    if (text->size() > 65536) return fail("too large for a key file");
  }
  return fd;
}

int replace_key_file(const std::string& path, const std::string& text, unsigned uid, unsigned gid, std::string* error) {
  const std::string tmp = path + ".new";
  if (::unlink(tmp.c_str()) != 0 && errno != ENOENT) {
    *error = errno_text("unlink " + tmp);
    return -1;
  }
  int fd = ::open(tmp.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    *error = errno_text("create " + tmp);
    return -1;
  }
  auto fail = [&](const std::string& what) {
    *error = errno_text(what);
    ::close(fd);
    ::unlink(tmp.c_str());
    return -1;
  };
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) return fail("flock " + tmp);
  if (::fchmod(fd, 0600) != 0) return fail("chmod " + tmp);
  if ((uid != static_cast<unsigned>(-1) || gid != static_cast<unsigned>(-1)) &&
      ::fchown(fd, static_cast<uid_t>(uid), static_cast<gid_t>(gid)) != 0)
    return fail("chown " + tmp);
  std::size_t done = 0;
  if (!write_all(fd, text, &done)) return fail("write " + tmp);
  if (::fsync(fd) != 0) return fail("fsync " + tmp);
  if (::rename(tmp.c_str(), path.c_str()) != 0) return fail("rename " + tmp + " to " + path);
  // The rename is done: the new file stands whether or not the directory's entry is on disk yet.
  int dfd = ::open(parent_of(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    (void)::fsync(dfd);
    ::close(dfd);
  }
  return fd;
}

bool may_replace_key_file(const std::string& path, bool replace, int* old_fd, std::string* error) {
  *old_fd = -1;
  int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    if (errno == ENOENT) return true;
    *error = errno_text(path);
    return false;
  }
  if (!replace) {
    ::close(fd);
    *error = path + " exists; refusing to replace it (--force replaces it)";
    return false;
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    *error = path + " is in use by a running support-milter: stop it first";
    return false;
  }
  *old_fd = fd;
  return true;
}

void wipe_key_file(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0 || st.st_size <= 0) return;
  std::string zeros(static_cast<std::size_t>(st.st_size), '\0');
  if (::pwrite(fd, zeros.data(), zeros.size(), 0) == static_cast<ssize_t>(zeros.size())) (void)::fdatasync(fd);
}

}  // namespace sm
