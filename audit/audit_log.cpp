// Audit log writer. Each record is one line written with write(2) on an O_APPEND descriptor under
// the directory lock, so a write that fails (a full disk, an I/O error, a file size limit) is seen
// at once: the bytes of the record that did get out are cut off again (ftruncate back to the size
// before it), write() returns false, and the chain goes on from the last record that is whole.
// (Boost.Log's text file backend, used before, reports no stream error: on a full disk it left half
// a record, dropped the next ones without a word and, once space came back, glued later bytes onto
// the half line.) Rotation (by size, daily at midnight UTC) renames the file to
// <stem>-YYYYmmdd-HHMMSS.ffffff<ext>, the time in UTC, and starts a new one.
#include "audit/audit_log.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <string_view>

#include "audit/anchor.h"
#include "audit/seal.h"
#include "base/digest.h"
#include "base/oplog.h"
#include "base/write_all.h"
#include "message/datetime.h"

namespace sm {

namespace {

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
    // A partial last line (a writer died mid-record): the chain continues from the line before it.
    auto nl = tail.rfind('\n');
    if (nl == std::string::npos) return {};
    tail.resize(nl + 1);
  }
  tail.pop_back();
  auto nl = tail.rfind('\n');
  return nl == std::string::npos ? tail : tail.substr(nl + 1);
}

// <dir>/<stem>-YYYYmmdd-HHMMSS.ffffff<ext> for a rotation at `now` (UTC).
std::string rotated_name(const std::string& path, std::chrono::system_clock::time_point now) {
  std::filesystem::path p(path);
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(us / 1000000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char stamp[96];
  std::snprintf(stamp, sizeof stamp, "-%04d%02d%02d-%02d%02d%02d.%06lld", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<long long>(us % 1000000));
  return ((p.parent_path() / p.stem()).string()) + stamp + p.extension().string();
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

// The audit file for appending (and reading its last byte); created with 0666 less the umask (the
// packaged unit's UMask=0027 makes that 0640), like any log file.
int open_append(const std::string& path, mode_t mode = 0666) {
  return ::open(path.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, mode);
}

// Appends `text` (whole lines) to `fd`, all or nothing: after a failed or short write the file is
// cut back to its size before, so no partial record stays behind for the next one to be glued to.
// Returns false and sets `error` (errno's text) on failure.
bool append_all_or_nothing(int fd, const std::string& text, std::string* error) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    *error = std::string("fstat: ") + std::strerror(errno);
    return false;
  }
  std::size_t done = 0;
  if (write_all(fd, text, &done)) return true;
  *error = errno != 0 ? std::strerror(errno) : "nothing written";
  if (done > 0 || errno == 0) {
    if (::ftruncate(fd, st.st_size) != 0)
      *error += std::string("; the partial record could not be removed: ") + std::strerror(errno);
  }
  return false;
}

// One value as the line writes it: compact, UTF-8 as is, invalid UTF-8 replaced (never thrown).
void append_json(std::string& out, const nlohmann::json& value) {
  out += value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// A record's line: "time", "event", "seq", "prev", "instance" (when the log has one), then the
// record's own fields in their order, compact. A record field named "time", "event" or (when the
// log has one) "instance" takes that field's place; "seq" and "prev" are always the chain's. Such
// a record's fields are written one by one rather than copied into one ordered object first: the
// copy and its inserts cost more than the writing.
std::string make_line(const std::string& time, const std::string& event, std::uint64_t seq, const std::string& prev,
                      const std::string& instance, const nlohmann::json& record) {
  static const std::array<std::string_view, 5> head = {"time", "event", "seq", "prev", "instance"};
  const bool object = record.is_object();
  auto own = [&](const char* key) -> const nlohmann::json* {
    if (!object) return nullptr;
    auto it = record.find(key);
    return it == record.end() ? nullptr : &*it;
  };
  std::string out;
  out.reserve(512);
  const nlohmann::json* value = own("time");
  out += "{\"time\":";
  append_json(out, value != nullptr ? *value : nlohmann::json(time));
  value = own("event");
  out += ",\"event\":";
  append_json(out, value != nullptr ? *value : nlohmann::json(event));
  out += ",\"seq\":";
  out += std::to_string(seq);
  out += ",\"prev\":";
  append_json(out, prev);
  // Without an instance of ours, a record's "instance" is one of its fields like any other.
  const std::size_t in_head = instance.empty() ? head.size() - 1 : head.size();
  if (!instance.empty()) {
    value = own("instance");
    out += ",\"instance\":";
    append_json(out, value != nullptr ? *value : nlohmann::json(instance));
  }
  if (object && std::none_of(head.begin(), head.begin() + in_head,
                              [&](std::string_view key) { return record.contains(key); })) {
    // No field of the record takes a head field's place (a message's record never does): its
    // fields are its own text, written in one pass.
    const std::string body = record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    if (body.size() > 2) out += ',';
    out.append(body, 1, std::string::npos);
    return out;
  }
  if (object)
    for (auto it = record.begin(); it != record.end(); ++it) {
      if (std::find(head.begin(), head.begin() + in_head, it.key()) != head.begin() + in_head) continue;
      out += ',';
      append_json(out, it.key());
      out += ':';
      append_json(out, it.value());
    }
  out += '}';
  return out;
}

TimeMs next_midnight_utc(TimeMs now) { return (now / 86400000 + 1) * 86400000; }

// True when the file ends with a newline (or is empty); false after a partial last line, which a
// writer that died mid-record leaves.
bool ends_with_newline(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0 || st.st_size == 0) return true;
  char last = '\n';
  return ::pread(fd, &last, 1, st.st_size - 1) != 1 || last == '\n';
}

// A record's event ("" when it has none, or not as a string).
std::string event_of(const nlohmann::json& j) {
  if (!j.is_object()) return {};
  auto it = j.find("event");
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// Counts the records others appended between `from` and `to` (at most 1 MB of them) by event.
void count_events(int fd, off_t from, off_t to, std::map<std::string, std::uint64_t, std::less<>>& counts) {
  std::string bytes(static_cast<std::size_t>(std::min<off_t>(to - from, 1 << 20)), '\0');
  ssize_t n = ::pread(fd, bytes.data(), bytes.size(), from);
  if (n <= 0) return;
  bytes.resize(static_cast<std::size_t>(n));
  std::size_t start = 0;
  for (std::size_t nl; (nl = bytes.find('\n', start)) != std::string::npos; start = nl + 1) {
    auto j = nlohmann::json::parse(std::string_view(bytes).substr(start, nl - start), nullptr, false);
    if (std::string event = event_of(j); !event.empty()) ++counts[event];
  }
}

// The line of the last "seal" or "keygen" record of `path`, read back from the end (at most
// 256 MB back); empty when there is none.
std::string last_seal_or_keygen(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) return {};
  constexpr off_t kChunk = 1 << 20, kLimit = off_t{256} << 20;
  off_t pos = st.st_size;
  std::string rest;  // the bytes from `pos` to the end not yet looked at: a partial first line
  while (pos > 0 && st.st_size - pos < kLimit) {
    const off_t n = std::min(pos, kChunk);
    pos -= n;
    std::string chunk(static_cast<std::size_t>(n), '\0');
    if (::pread(fd, chunk.data(), chunk.size(), pos) != n) return {};
    rest = chunk + rest;
    // Whole lines: after the first newline, or all of it at the file's start.
    const std::size_t from = pos == 0 ? 0 : rest.find('\n');
    if (from == std::string::npos) continue;
    const std::size_t first = pos == 0 ? 0 : from + 1;
    std::size_t end = rest.size();
    while (end > first) {
      std::size_t begin = rest.rfind('\n', end - 1);
      begin = (begin == std::string::npos || begin < first) ? first : begin + 1;
      if (begin < end) {
        std::string_view line(rest.data() + begin, end - begin);
        if (line.find("\"event\":\"seal\"") != std::string_view::npos ||
            line.find("\"event\":\"keygen\"") != std::string_view::npos) {
          auto j = nlohmann::json::parse(line, nullptr, false);
          if (event_of(j) == "seal" || event_of(j) == "keygen")
            return std::string(line);
        }
      }
      if (begin == first) break;
      end = begin - 1;
    }
    rest.resize(first);
  }
  return {};
}

}  // namespace

struct AuditLog::Impl {
  std::string path;
  AuditRotation rotation;
  std::string instance;
  mutable std::mutex mu;
  std::uint64_t seq = 0;
  std::string prev = std::string(64, '0');
  int fd = -1;  // the file, O_APPEND; -1 for standard output
  // Other writers (the held/release tools) append under the same directory lock; the file's
  // identity and size after our last record tell whether someone did.
  int dir_fd = -1;
  dev_t dev = 0;
  ino_t ino = 0;
  off_t size = -1;
  TimeMs next_daily = 0;  // with rotation.daily: the next midnight UTC

  // Sealing (seal_key null without).
  AuditSealing sealing;
  std::unique_ptr<SealKeyFile> seal_key;
  std::unique_ptr<AnchorSigner> anchor;
  TimeMs next_seal = 0;      // when the current epoch ends
  TimeMs next_midnight = 0;  // when the current UTC day ends
  // Records by event from seq counts_from on: the anchors' counts of the day.
  std::map<std::string, std::uint64_t, std::less<>> counts;
  std::uint64_t counts_from = 1;

  explicit Impl(std::string p, AuditRotation r) : path(std::move(p)), rotation(r) {}

  // The rest run with `mu` and the directory lock held.
  void catch_up();
  bool append(std::string_view event, const std::string& text, std::string* error);
  bool rotation_due(std::size_t bytes, TimeMs now);
  void rotate(TimeMs now);
  bool seal(const std::string& reason, const std::string& time, std::string* error);
  void schedule(TimeMs now);
};

AuditLog::AuditLog(const std::string& path, AuditRotation rotation, std::string instance)
    : impl_(std::make_unique<Impl>(path, rotation)) {
  impl_->instance = std::move(instance);
  if (path == "-") return;
  impl_->fd = open_append(path);
  if (impl_->fd < 0) throw std::runtime_error("audit log " + path + ": cannot open for appending: " + std::strerror(errno));
  impl_->dir_fd = open_dir(path);
  if (impl_->dir_fd < 0)
    oplog(Severity::warning, "audit log " + path + ": cannot open its directory for locking: " + std::strerror(errno) +
                                 "; other writers (held, release) may break the chain");
  DirLock lock(impl_->dir_fd);
  if (!read_chain_tail(path, &impl_->seq, &impl_->prev))
    oplog(Severity::warning, "audit log " + path + ": last record unreadable; the chain restarts");
  struct stat st {};
  // A file that ends with a partial record keeps size -1: the first write then closes its line.
  if (::fstat(impl_->fd, &st) == 0 && ends_with_newline(impl_->fd))
    impl_->dev = st.st_dev, impl_->ino = st.st_ino, impl_->size = st.st_size;
  impl_->next_daily = next_midnight_utc(now_ms());
}

AuditLog::~AuditLog() {
  if (impl_ && impl_->fd >= 0) ::close(impl_->fd);
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
    Impl& im = *impl_;
    std::lock_guard lock(im.mu);
    if (im.fd < 0) {
      std::string text = make_line(format_rfc3339_ms(now_ms()), event, im.seq + 1, im.prev, im.instance, record);
      std::cout << text << '\n' << std::flush;
      if (!std::cout) {
        std::cout.clear();
        oplog(Severity::error, "audit log: write to standard output failed; the record is lost");
        return false;
      }
      im.seq += 1;
      im.prev = sha256_hex(text);
      return true;
    }
    DirLock dir_lock(im.dir_fd);
    im.catch_up();
    // The time is taken under the lock, so the file's times never go back (a clock set back aside).
    const TimeMs now = now_ms();
    const std::string time = format_rfc3339_ms(now);
    std::string text = make_line(time, event, im.seq + 1, im.prev, im.instance, record);
    if (im.rotation_due(text.size() + 1, now)) {
      std::string error;
      if (!im.seal_key) {
        im.rotate(now);
      } else if (im.seal("rotation", time, &error)) {
        // The seal is the rotated file's last record; the record opens the next file.
        im.rotate(now);
        text = make_line(time, event, im.seq + 1, im.prev, im.instance, record);
      } else {
        oplog(Severity::error, "audit log " + im.path + ": the seal before rotating could not be written (" + error +
                                   "); the file is rotated later");
      }
    }
    std::string error;
    if (!im.append(event, text, &error)) {
      oplog(Severity::error, "audit log " + im.path + ": write failed: " + error + "; record seq " +
                                 std::to_string(im.seq + 1) + " (" + event + ") not written");
      return false;
    }
    return true;
  } catch (const std::exception& e) {
    oplog(Severity::error, std::string("audit log ") + impl_->path + ": write failed: " + e.what());
    return false;
  }
}

// The file as we left it after our last record ends with that record's newline; otherwise someone
// else appended (or a writer died mid-record) since: the chain goes on from the file's tail, and
// the records others appended are counted for the anchors.
void AuditLog::Impl::catch_up() {
  struct stat st {};
  const bool other_file = ::stat(path.c_str(), &st) != 0 || st.st_dev != dev || st.st_ino != ino;
  if (other_file) {
    // The path names another file now (ours was moved away or deleted): write to the path.
    int nfd = open_append(path);
    if (nfd < 0) throw std::runtime_error(std::string("cannot open for appending: ") + std::strerror(errno));
    ::close(fd);
    fd = nfd;
    if (::fstat(fd, &st) != 0) st.st_size = 0;
  }
  if (other_file ? st.st_size == 0 : st.st_size == size) return;
  if (!other_file && size >= 0 && st.st_size > size) count_events(fd, size, st.st_size, counts);
  // Continue from the file's tail. (A new empty file continues from our own last record.)
  if (!read_chain_tail(path, &seq, &prev))
    oplog(Severity::warning, "audit log " + path + ": last record unreadable; the chain restarts");
  if (!ends_with_newline(fd)) {
    // A record cut short by a writer that died: it stays, on a line of its own (audit verify
    // reports it), and the chain goes on from the record before it.
    oplog(Severity::warning, "audit log " + path + ": the file ends with a partial record; closing its line");
    std::string error;
    if (!append_all_or_nothing(fd, "\n", &error)) throw std::runtime_error(error);
  }
}

// Appends one record's line, all or nothing, and moves the chain's head to it.
bool AuditLog::Impl::append(std::string_view event, const std::string& text, std::string* error) {
  if (!append_all_or_nothing(fd, text + "\n", error)) return false;
  seq += 1;
  prev = sha256_hex(text);
  struct stat st {};
  if (::fstat(fd, &st) == 0) dev = st.st_dev, ino = st.st_ino, size = st.st_size;
  if (seal_key) {
    auto it = counts.find(event);
    if (it == counts.end()) counts.emplace(std::string(event), 1);
    else ++it->second;
  }
  return true;
}

// Whether the file is to be renamed away before the next `bytes`: past rotate_bytes, or at the
// first record after midnight UTC. An empty file is not rotated.
bool AuditLog::Impl::rotation_due(std::size_t bytes, TimeMs now) {
  struct stat st {};
  if (::fstat(fd, &st) != 0 || st.st_size == 0) return false;
  return (rotation.bytes > 0 && static_cast<std::uint64_t>(st.st_size) + bytes > rotation.bytes) ||
         (rotation.daily && now >= next_daily);
}

// Renames the file to <stem>-YYYYmmdd-HHMMSS.ffffff<ext> and opens a new one.
void AuditLog::Impl::rotate(TimeMs now) {
  if (rotation.daily) next_daily = next_midnight_utc(now);
  auto when = std::chrono::system_clock::now();
  std::string target = rotated_name(path, when);
  struct stat taken {};
  while (::lstat(target.c_str(), &taken) == 0) target = rotated_name(path, when += std::chrono::microseconds(1));
  if (::rename(path.c_str(), target.c_str()) != 0) {
    oplog(Severity::warning, "audit log " + path + ": rotation to " + target + " failed: " + std::strerror(errno) +
                                 "; writing on in the same file");
    return;
  }
  int nfd = open_append(path);
  if (nfd < 0) throw std::runtime_error("rotated to " + target + ", but cannot open a new file: " + std::strerror(errno));
  ::close(fd);
  fd = nfd;
}

// Writes the seal of the current epoch, then moves the key on (the old one overwritten); a seal of
// the day, of a rotation or of the stop is anchored.
bool AuditLog::Impl::seal(const std::string& reason, const std::string& time, std::string* error) {
  const std::uint64_t epoch = seal_key->key().epoch();
  const std::uint64_t at = seq + 1;
  const std::string mac = seal_key->key().mac(seal_message(instance, epoch, at, prev, time, reason));
  const nlohmann::json record = {{"time", time}, {"epoch", epoch}, {"reason", reason}, {"mac", mac}};
  if (!append("seal", make_line(time, "seal", at, prev, instance, record), error)) return false;
  std::string why;
  if (!seal_key->advance_to(epoch + 1, &why))
    oplog(Severity::error, "audit log: " + why + "; the file keeps the key of epoch " + std::to_string(epoch) +
                               " until the next seal writes the new one");
  if (anchor && reason != "epoch") {
    AnchorHead h;
    h.instance = instance;
    h.seq = at;
    h.head = prev;
    h.epoch = epoch;
    h.time = time;
    h.reason = reason;
    h.counts_from = counts_from;
    h.counts.insert(counts.begin(), counts.end());
    const std::string line = anchor->line(h);
    if (sealing.on_anchor) sealing.on_anchor(line, h);
  }
  if (reason == "day") {
    counts.clear();
    counts_from = seq + 1;
  }
  return true;
}

// The end of the epoch that runs at `now`: the next multiple of the epoch length, or midnight UTC
// when that comes first.
void AuditLog::Impl::schedule(TimeMs now) {
  const TimeMs length = static_cast<TimeMs>(sealing.epoch_seconds) * 1000;
  next_midnight = next_midnight_utc(now);
  next_seal = std::min((now / length + 1) * length, next_midnight);
}

void AuditLog::start_sealing(AuditSealing sealing) {
  Impl& im = *impl_;
  std::lock_guard lock(im.mu);
  if (im.fd < 0) throw std::runtime_error("audit log: sealing needs a file, not standard output");
  if (sealing.epoch_seconds == 0) throw std::runtime_error("audit log: the sealing epoch cannot be 0 seconds");
  std::string error;
  auto key = SealKeyFile::open(sealing.key_file, &error);
  if (!key) throw std::runtime_error(error);
  if (!sealing.anchor_key_file.empty()) {
    im.anchor = AnchorSigner::open(sealing.anchor_key_file, &error);
    if (!im.anchor) throw std::runtime_error(error);
  }
  DirLock dir_lock(im.dir_fd);
  // A stop (or crash) between a seal and its key's evolution leaves the key of a sealed epoch:
  // the key moves on past the log's last seal (unless a new key was made after it).
  std::string line = last_seal_or_keygen(im.path);
  if (line.empty()) {
    if (std::string older = newest_rotated(im.path); !older.empty()) line = last_seal_or_keygen(older);
  }
  auto last = nlohmann::json::parse(line, nullptr, false);
  if (event_of(last) == "seal" && last.contains("epoch") &&
      last["epoch"].is_number_unsigned() && last["epoch"].get<std::uint64_t>() >= key->key().epoch()) {
    const std::uint64_t to = last["epoch"].get<std::uint64_t>() + 1;
    oplog(Severity::warning, "audit log " + im.path + ": the log holds the seal of epoch " + std::to_string(to - 1) +
                                 "; the sealing key moves on to epoch " + std::to_string(to));
    if (!key->advance_to(to, &error)) oplog(Severity::error, "audit log: " + error);
  }
  im.seal_key = std::move(key);
  im.sealing = std::move(sealing);
  im.counts.clear();
  im.counts_from = im.seq + 1;
  im.schedule(now_ms());
}

std::int64_t AuditLog::next_seal_due() const {
  std::lock_guard lock(impl_->mu);
  return impl_->seal_key ? impl_->next_seal : 0;
}

std::uint64_t AuditLog::epoch() const {
  std::lock_guard lock(impl_->mu);
  return impl_->seal_key ? impl_->seal_key->key().epoch() : 0;
}

bool AuditLog::seal_if_due(std::int64_t now) {
  Impl& im = *impl_;
  std::lock_guard lock(im.mu);
  if (!im.seal_key || now < im.next_seal) return true;
  try {
    DirLock dir_lock(im.dir_fd);
    im.catch_up();
    const TimeMs at = now_ms();
    std::string error;
    if (!im.seal(now >= im.next_midnight ? "day" : "epoch", format_rfc3339_ms(at), &error)) {
      oplog(Severity::error, "audit log " + im.path + ": the seal of epoch " + std::to_string(im.seal_key->key().epoch()) +
                                 " could not be written: " + error + "; trying again");
      im.next_seal = std::max(now, at) + 1000;
      return false;
    }
    im.schedule(std::max(now, at));
    return true;
  } catch (const std::exception& e) {
    oplog(Severity::error, "audit log " + im.path + ": seal: " + e.what());
    im.next_seal = now_ms() + 1000;
    return false;
  }
}

bool AuditLog::seal_now(const std::string& reason) {
  Impl& im = *impl_;
  std::lock_guard lock(im.mu);
  if (!im.seal_key) return false;
  try {
    DirLock dir_lock(im.dir_fd);
    im.catch_up();
    const TimeMs at = now_ms();
    std::string error;
    if (!im.seal(reason, format_rfc3339_ms(at), &error)) {
      oplog(Severity::error, "audit log " + im.path + ": the " + reason + " seal could not be written: " + error);
      return false;
    }
    im.schedule(at);
    return true;
  } catch (const std::exception& e) {
    oplog(Severity::error, "audit log " + im.path + ": seal: " + e.what());
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
  int fd = open_append(path, 0640);
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
  std::string why;
  if (!append_all_or_nothing(fd, text, &why)) {
    *error = "audit log " + path + ": write: " + why;
    ::close(fd);
    return false;
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    *error = "audit log " + path + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

}  // namespace sm
