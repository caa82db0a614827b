// The audit log when writing fails: a failed write is reported (write() returns false), leaves
// nothing of the record in the file, and once writing works again the chain goes on and verifies.
// A record cut short by a writer that died is kept on a line of its own, never glued to the next.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "audit/audit_log.h"
#include "audit/verify.h"
#include "base/digest.h"

namespace sm {
namespace {

namespace fs = std::filesystem;

fs::path fresh_dir(const std::string& name) {
  auto p = fs::path(::testing::TempDir()) / (name + "-" + std::to_string(getpid()));
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

std::string content_of(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<std::string> lines_of(const fs::path& p) {
  std::ifstream in(p);
  std::vector<std::string> out;
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

nlohmann::json record(int i) { return {{"i", i}, {"pad", std::string(300, 'x')}}; }

// Files may grow only up to `bytes` while it lives (RLIMIT_FSIZE: writes past it fail with EFBIG
// after writing what fits, as on a full disk).
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    getrlimit(RLIMIT_FSIZE, &old_);
    old_handler_ = signal(SIGXFSZ, SIG_IGN);
    rlimit r = old_;
    r.rlim_cur = bytes;
    ok_ = setrlimit(RLIMIT_FSIZE, &r) == 0;
  }
  ~FileSizeLimit() {
    setrlimit(RLIMIT_FSIZE, &old_);
    signal(SIGXFSZ, old_handler_);
  }
  bool ok() const { return ok_; }

 private:
  rlimit old_{};
  sighandler_t old_handler_ = SIG_DFL;
  bool ok_ = false;
};

TEST(AuditFaults, AFailedWriteLeavesNothingAndTheChainGoesOn) {
  auto dir = fresh_dir("audit-fsize");
  auto path = dir / "audit.jsonl";
  AuditLog log(path.string());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(log.write("message", record(i)));
  const auto before = fs::file_size(path);
  const std::string head = log.head();
  {
    // Room for a third of the next record: the write gets part of it out, then fails.
    FileSizeLimit limit(before + 100);
    ASSERT_TRUE(limit.ok());
    EXPECT_FALSE(log.write("message", record(3)));
    EXPECT_FALSE(log.write("message", record(4)));
    EXPECT_EQ(fs::file_size(path), before) << "the partial record was cut off again";
    EXPECT_EQ(log.seq(), 3u);
    EXPECT_EQ(log.head(), head);
  }
  ASSERT_TRUE(log.write("message", record(5)));
  EXPECT_EQ(log.seq(), 4u);
  auto r = verify_audit_chain({path.string()});
  EXPECT_TRUE(r.ok()) << r.problems.front().line << ": " << r.problems.front().what;
  EXPECT_EQ(r.records, 4u);
  auto lines = lines_of(path);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(nlohmann::json::parse(lines[3])["i"], 5);
  fs::remove_all(dir);
}

TEST(AuditFaults, AdminToolAppendLeavesNothingWhenTheWriteFails) {
  auto dir = fresh_dir("audit-append-fsize");
  auto path = dir / "audit.jsonl";
  std::string error;
  ASSERT_TRUE(append_audit_record(path.string(), "release", {{"queue_id", "ABCDE1"}}, &error)) << error;
  const std::string before = content_of(path);
  {
    FileSizeLimit limit(before.size() + 20);
    ASSERT_TRUE(limit.ok());
    EXPECT_FALSE(append_audit_record(path.string(), "release", {{"queue_id", "ABCDE2"}, {"by", "ops"}}, &error));
    EXPECT_NE(error.find("write"), std::string::npos) << error;
  }
  EXPECT_EQ(content_of(path), before);
  ASSERT_TRUE(append_audit_record(path.string(), "release", {{"queue_id", "ABCDE3"}}, &error)) << error;
  auto r = verify_audit_chain({path.string()});
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.records, 2u);
  fs::remove_all(dir);
}

// A real full disk: a small tmpfs (root only; skipped elsewhere).
TEST(AuditFaults, FullDiskThenSpaceAgain) {
  if (geteuid() != 0) GTEST_SKIP() << "mounting a tmpfs needs root";
  auto dir = fresh_dir("audit-tmpfs");
  if (::mount("tmpfs", dir.c_str(), "tmpfs", 0, "size=64k,mode=0755") != 0)
    GTEST_SKIP() << "cannot mount a tmpfs here: " << std::strerror(errno);
  struct Unmount {
    fs::path d;
    ~Unmount() { ::umount2(d.c_str(), MNT_DETACH); }
  } unmount{dir};
  auto path = dir / "audit.jsonl";
  auto filler = dir / "filler";
  std::ofstream(filler, std::ios::binary) << std::string(16 * 1024, 'F');

  AuditLog log(path.string());
  nlohmann::json big = {{"pad", std::string(3000, 'x')}};
  int written = 0;
  bool failed = false;
  for (int i = 0; i < 100 && !failed; ++i) {
    if (log.write("message", big)) ++written;
    else failed = true;
  }
  ASSERT_TRUE(failed) << "64 KB never filled up";
  EXPECT_FALSE(log.write("message", big)) << "still full";
  std::string text = content_of(path);
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n') << "no partial record left on the full disk";
  EXPECT_EQ(lines_of(path).size(), static_cast<std::size_t>(written));

  fs::remove(filler);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(log.write("message", big)) << "space came back";
  auto r = verify_audit_chain({path.string()});
  EXPECT_TRUE(r.ok()) << r.problems.front().line << ": " << r.problems.front().what;
  EXPECT_EQ(r.records, static_cast<std::uint64_t>(written + 3));
  EXPECT_EQ(r.last_seq, log.seq());
}

TEST(AuditFaults, ARecordCutShortStaysOnALineOfItsOwn) {
  auto dir = fresh_dir("audit-torn");
  auto path = dir / "audit.jsonl";
  {
    AuditLog log(path.string());
    log.write("message", record(0));
    log.write("message", record(1));
  }
  // A writer died in the middle of its record.
  { std::ofstream(path, std::ios::app | std::ios::binary) << R"({"time":"2026-11-02T09:00:00.000Z","event":"mess)"; }
  auto lines = lines_of(path);
  const std::string second = lines[1];
  {
    AuditLog log(path.string());
    EXPECT_EQ(log.seq(), 2u) << "the chain continues from the last whole record";
    ASSERT_TRUE(log.write("message", record(2)));
  }
  lines = lines_of(path);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[2], R"({"time":"2026-11-02T09:00:00.000Z","event":"mess)");
  auto third = nlohmann::json::parse(lines[3]);
  EXPECT_EQ(third["seq"], 3);
  EXPECT_EQ(third["prev"], sha256_hex(second));
  auto r = verify_audit_chain({path.string()});
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].line, 3u);
  EXPECT_NE(r.problems[0].what.find("not an audit record"), std::string::npos);
  EXPECT_EQ(r.last_seq, 3u);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace sm
