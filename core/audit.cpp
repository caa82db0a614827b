// Audit log sink: a Boost.Log text file backend of its own (its own channel, so operational logs
// never mix in), appending, flushed after every record.
#include "core/audit.h"

#include <boost/core/null_deleter.hpp>
#include <boost/log/core.hpp>
#include <boost/log/expressions.hpp>
#include <boost/log/sinks/sync_frontend.hpp>
#include <boost/log/sinks/text_file_backend.hpp>
#include <boost/log/sinks/text_ostream_backend.hpp>
#include <boost/log/sources/channel_logger.hpp>
#include <boost/log/sources/record_ostream.hpp>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <mutex>

#include "core/digest.h"
#include "core/oplog.h"
#include "message/datetime.h"

namespace sm {

namespace logging = boost::log;
namespace sinks = boost::log::sinks;
namespace expr = boost::log::expressions;

struct AuditLog::Impl {
  std::string path;
  std::string channel;
  boost::shared_ptr<sinks::sink> sink;
  logging::sources::channel_logger_mt<std::string> logger;
  std::mutex mu;
  std::uint64_t seq = 0;
  std::string prev = std::string(64, '0');
  // Other writers (the held/release tools) append under the same directory lock; the file's
  // identity and size after our last record tell whether someone did.
  int dir_fd = -1;
  dev_t dev = 0;
  ino_t ino = 0;
  off_t size = -1;

  Impl(std::string p, std::string ch) : path(std::move(p)), channel(ch), logger(logging::keywords::channel = ch) {}
};

namespace {
std::atomic<unsigned> g_audit_count{0};

// The last complete line of a file (empty when there is none).
std::string last_line(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return {};
  std::streamoff size = in.tellg();
  std::streamoff chunk = std::min<std::streamoff>(size, 1 << 20);
  in.seekg(size - chunk);
  std::string tail(static_cast<std::size_t>(chunk), '\0');
  in.read(tail.data(), chunk);
  if (tail.empty() || tail.back() != '\n') {
    // A partial last line (a crash mid-write): the chain continues from the line before it.
    auto nl = tail.rfind('\n');
    if (nl == std::string::npos) return {};
    tail.resize(nl + 1);
  }
  tail.pop_back();
  auto nl = tail.rfind('\n');
  return nl == std::string::npos ? tail : tail.substr(nl + 1);
}

std::string escape_percent(const std::string& s) {
  std::string out;
  for (char c : s) {
    out += c;
    if (c == '%') out += '%';
  }
  return out;
}
}  // namespace

namespace {
// The rotated-file name pattern for Boost.Log, and the newest rotated file that exists.
std::string rotated_pattern(const std::string& path) {
  std::filesystem::path p(path);
  return escape_percent((p.parent_path() / p.stem()).string()) + "-%Y%m%d-%H%M%S.%f" + escape_percent(p.extension().string());
}

std::string newest_rotated(const std::string& path) {
  std::filesystem::path p(path);
  std::string prefix = p.stem().string() + "-";
  std::string ext = p.extension().string();
  std::string newest;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(p.parent_path().empty() ? "." : p.parent_path(), ec)) {
    std::string name = e.path().filename().string();
    // Only the daemon's own rotated files: compressed copies (logrotate) end otherwise.
    if (name.rfind(prefix, 0) == 0 && name.ends_with(ext) && name.size() > prefix.size() + ext.size() + 15 &&
        e.path().string() > newest)
      newest = e.path().string();
  }
  return newest;
}
}  // namespace

namespace {
// The chain's tail at `path`: the last complete record of the file, else of the newest rotated file.
bool read_chain_tail(const std::string& path, std::uint64_t* seq, std::string* prev) {
  std::string line = last_line(path);
  if (line.empty()) {
    if (std::string older = newest_rotated(path); !older.empty()) line = last_line(older);
  }
  *seq = 0;
  *prev = std::string(64, '0');
  if (line.empty()) return true;
  auto j = nlohmann::json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.contains("seq") || !j["seq"].is_number_unsigned()) return false;
  *seq = j["seq"].get<std::uint64_t>();
  *prev = sha256_hex(line);
  return true;
}

std::string parent_dir(const std::string& path) {
  std::filesystem::path p(path);
  return p.parent_path().empty() ? std::string(".") : p.parent_path().string();
}

// An exclusive flock on the audit file's directory: the directory outlives rotations, so every
// writer locks the same inode whichever file the path names at the moment.
class DirLock {
 public:
  explicit DirLock(int fd) : fd_(fd) {
    if (fd_ >= 0)
      while (::flock(fd_, LOCK_EX) != 0 && errno == EINTR) {
      }
  }
  ~DirLock() {
    if (fd_ >= 0) ::flock(fd_, LOCK_UN);
  }
  DirLock(const DirLock&) = delete;
  DirLock& operator=(const DirLock&) = delete;

 private:
  int fd_;
};

int open_dir(const std::string& path) {
  return ::open(parent_dir(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}
}  // namespace

AuditLog::AuditLog(const std::string& path, AuditRotation rotation)
    : impl_(std::make_unique<Impl>(path, "audit-" + std::to_string(g_audit_count++))) {
  const auto channel = impl_->channel;
  if (path == "-") {
    auto backend = boost::make_shared<sinks::text_ostream_backend>();
    backend->add_stream(boost::shared_ptr<std::ostream>(&std::cout, boost::null_deleter()));
    backend->auto_flush(true);
    auto sink = boost::make_shared<sinks::synchronous_sink<sinks::text_ostream_backend>>(backend);
    sink->set_filter(expr::attr<std::string>("Channel") == channel);
    sink->set_formatter(expr::stream << expr::smessage);
    impl_->sink = sink;
  } else {
    {
      // Fail early and clearly when the file cannot be opened for appending.
      std::ofstream probe(path, std::ios::app);
      if (!probe) throw std::runtime_error("audit log " + path + ": cannot open for appending: " + std::strerror(errno));
    }
    impl_->dir_fd = open_dir(path);
    if (impl_->dir_fd < 0)
      oplog(Severity::warning, "audit log " + path + ": cannot open its directory for locking: " + std::strerror(errno) +
                                   "; other writers (held, release) may break the chain");
    DirLock lock(impl_->dir_fd);
    if (!read_chain_tail(path, &impl_->seq, &impl_->prev))
      oplog(Severity::warning, "audit log " + path + ": last record unreadable; the chain restarts");
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) impl_->dev = st.st_dev, impl_->ino = st.st_ino, impl_->size = st.st_size;
    auto backend = boost::make_shared<sinks::text_file_backend>(
        logging::keywords::file_name = escape_percent(path),
        logging::keywords::target_file_name = rotated_pattern(path),
        logging::keywords::open_mode = std::ios_base::out | std::ios_base::app,
        logging::keywords::enable_final_rotation = false);
    if (rotation.bytes > 0) backend->set_rotation_size(rotation.bytes);
    if (rotation.daily) backend->set_time_based_rotation(sinks::file::rotation_at_time_point(0, 0, 0));
    backend->auto_flush(true);
    auto sink = boost::make_shared<sinks::synchronous_sink<sinks::text_file_backend>>(backend);
    sink->set_filter(expr::attr<std::string>("Channel") == channel);
    sink->set_formatter(expr::stream << expr::smessage);
    impl_->sink = sink;
  }
  logging::core::get()->add_sink(impl_->sink);
}

AuditLog::~AuditLog() {
  if (impl_ && impl_->sink) {
    impl_->sink->flush();
    logging::core::get()->remove_sink(impl_->sink);
  }
  if (impl_ && impl_->dir_fd >= 0) ::close(impl_->dir_fd);
}

const std::string& AuditLog::path() const { return impl_->path; }

std::uint64_t AuditLog::seq() const {
  std::lock_guard lock(impl_->mu);
  return impl_->seq;
}

std::string AuditLog::head() const {
  std::lock_guard lock(impl_->mu);
  return impl_->prev;
}

bool AuditLog::write(const std::string& event, nlohmann::json record) {
  try {
    // time, event, seq and prev first, then the record's fields.
    nlohmann::ordered_json line;
    line["time"] = format_rfc3339_ms(now_ms());
    line["event"] = event;
    line["seq"] = 0;
    line["prev"] = "";
    for (auto& [k, val] : record.items()) line[k] = std::move(val);
    std::lock_guard lock(impl_->mu);
    DirLock dir_lock(impl_->path == "-" ? -1 : impl_->dir_fd);
    if (impl_->dir_fd >= 0) {
      // Someone else appended (or rotated) since our last record: continue from the file's tail.
      struct stat st {};
      bool same = ::stat(impl_->path.c_str(), &st) == 0 && st.st_dev == impl_->dev && st.st_ino == impl_->ino &&
                  st.st_size == impl_->size;
      if (!same && !read_chain_tail(impl_->path, &impl_->seq, &impl_->prev))
        oplog(Severity::warning, "audit log " + impl_->path + ": last record unreadable; the chain restarts");
    }
    line["seq"] = impl_->seq + 1;
    line["prev"] = impl_->prev;
    // Invalid UTF-8 is replaced instead of throwing.
    std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    BOOST_LOG(impl_->logger) << text;
    impl_->seq += 1;
    impl_->prev = sha256_hex(text);
    if (impl_->dir_fd >= 0) {
      impl_->sink->flush();
      struct stat st {};
      if (::stat(impl_->path.c_str(), &st) == 0) impl_->dev = st.st_dev, impl_->ino = st.st_ino, impl_->size = st.st_size;
    }
    return true;
  } catch (const std::exception& e) {
    oplog(Severity::error, std::string("audit log ") + impl_->path + ": write failed: " + e.what());
    return false;
  }
}

}  // namespace sm

namespace sm {

bool append_audit_record(const std::string& path, const std::string& event, const nlohmann::json& record,
                         std::string* error) {
  int dir_fd = open_dir(path);
  if (dir_fd < 0) {
    *error = "audit log " + path + ": cannot open its directory: " + std::strerror(errno);
    return false;
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } close_dir{dir_fd};
  DirLock lock(dir_fd);
  std::uint64_t seq = 0;
  std::string prev;
  if (!read_chain_tail(path, &seq, &prev)) {
    *error = "audit log " + path + ": the last record is unreadable; refusing to write after it";
    return false;
  }
  nlohmann::ordered_json line;
  line["time"] = format_rfc3339_ms(now_ms());
  line["event"] = event;
  line["seq"] = seq + 1;
  line["prev"] = prev;
  for (const auto& [k, val] : record.items()) line[k] = val;
  std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";

  struct stat before {};
  bool existed = ::stat(path.c_str(), &before) == 0;
  if (existed && before.st_size > 0) {
    // A partial last line (a writer died mid-record) would swallow ours.
    std::ifstream in(path, std::ios::binary);
    in.seekg(before.st_size - 1);
    if (in.get() != '\n') {
      *error = "audit log " + path + ": the file does not end with a complete record; run audit verify";
      return false;
    }
  }
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) {
    *error = "audit log " + path + ": cannot open for appending: " + std::strerror(errno);
    return false;
  }
  if (!existed && ::geteuid() == 0) {
    // Created by root (the admin tools): hand it to the directory's owner, who is the daemon.
    struct stat dir {};
    if (::fstat(dir_fd, &dir) == 0 && ::fchown(fd, dir.st_uid, dir.st_gid) != 0) {
      *error = "audit log " + path + ": chown: " + std::strerror(errno);
      ::close(fd);
      return false;
    }
  }
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      *error = "audit log " + path + ": write: " + std::strerror(errno);
      ::close(fd);
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    *error = "audit log " + path + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

}  // namespace sm
