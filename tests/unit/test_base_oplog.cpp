// The operational log's lines on stderr: severity, then the queue id and the rule when given,
// then the message; records below the level are not written.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "base/oplog.h"

namespace sm {
namespace {

// std::clog into a string while it lives (the stderr sink writes to std::clog).
class CaptureClog {
 public:
  CaptureClog() : old_(std::clog.rdbuf(buf_.rdbuf())) {}
  ~CaptureClog() { std::clog.rdbuf(old_); }
  std::string text() const { return buf_.str(); }

 private:
  std::ostringstream buf_;
  std::streambuf* old_;
};

TEST(Oplog, LineHoldsSeverityQueueIdRuleAndMessage) {
  init_oplog("stderr", "info", "mail");
  CaptureClog c;
  oplog(Severity::info, "reject: dropped bob@client.example from the conversation", "4XyZ1k2Lm3", "reply-all");
  oplog(Severity::error, "store: database is locked", "4XyZ1k2Lm4");
  oplog(Severity::warning, "config reloaded");
  EXPECT_EQ(c.text(),
            "support-milter: info: 4XyZ1k2Lm3: reply-all: reject: dropped bob@client.example from the conversation\n"
            "support-milter: error: 4XyZ1k2Lm4: store: database is locked\n"
            "support-milter: warning: config reloaded\n");
}

TEST(Oplog, RecordsBelowTheLevelAreNotWritten) {
  init_oplog("stderr", "warning", "mail");
  CaptureClog c;
  oplog(Severity::info, "direction=outbound action=accept", "4XyZ1k2Lm5");
  oplog(Severity::debug, "nothing");
  oplog(Severity::error, "audit record not written", "4XyZ1k2Lm6");
  EXPECT_EQ(c.text(), "support-milter: error: 4XyZ1k2Lm6: audit record not written\n");
}

TEST(Oplog, MessageIsWrittenAsGivenWithPercentAndNonAscii) {
  init_oplog("stderr", "debug", "mail");
  CaptureClog c;
  std::string long_text(3000, 'x');
  oplog(Severity::debug, "100% «ошибка» " + long_text, "Q1");
  EXPECT_EQ(c.text(), "support-milter: debug: Q1: 100% «ошибка» " + long_text + "\n");
}


// A reload (SIGHUP) sets the level again while the milter's threads log: no line is lost, and no
// sink is destroyed under a thread writing through it (the ThreadSanitizer stage runs this).
TEST(Oplog, ConcurrentReloadsWhileThreadsLog) {
  init_oplog("stderr", "info", "mail");
  CaptureClog c;
  constexpr int kThreads = 4, kLines = 500;
  std::atomic<bool> done{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([t] {
      for (int i = 0; i < kLines; ++i) oplog(Severity::error, "line " + std::to_string(i), "Q" + std::to_string(t));
    });
  std::thread reloader([&] {
    for (int i = 0; !done.load(); ++i) init_oplog("stderr", i % 2 == 0 ? "debug" : "error", "mail");
  });
  for (auto& t : threads) t.join();
  done = true;
  reloader.join();
  const std::string text = c.text();
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), kThreads * kLines);
  init_oplog("stderr", "info", "mail");
}

}  // namespace
}  // namespace sm
