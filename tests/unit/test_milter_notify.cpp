// The notice queue: notices reach the command with the whole message on stdin, a full queue
// drops (never blocks the caller), a stalled command is killed at its timeout, stop drains.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "milter/notify.h"
#include "tests/unit/files.h"

namespace sm {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

fs::path scratch(const std::string& name) {
  auto dir = fs::path(::testing::TempDir()) / ("notify-" + name + "-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// Waits for `done` with a deadline; true when it held.
template <class F>
bool wait_until(F done, std::chrono::milliseconds limit = 10s) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

Notice notice(const std::string& to) { return {to, "Held: Order 5521", "Rule reply-all held it.\n.\nBye"}; }

TEST(NoticeQueue, CommandGetsTheMessageAndTheRecipient) {
  auto dir = scratch("sent");
  NoticeQueue q;
  // sh -c SCRIPT $0 $1 $2: the queue appends "--" and the recipient.
  ASSERT_TRUE(q.submit({"/bin/sh", "-c", "cat > \"$0/$2\"", dir.string()}, "milter@support.example", notice("lead@support.example")));
  q.stop(10s);
  EXPECT_EQ(q.counts().sent, 1u);
  auto msg = test::slurp(dir / "lead@support.example");
  EXPECT_NE(msg.find("To: lead@support.example\n"), std::string::npos) << msg;
  EXPECT_NE(msg.find("Subject: Held: Order 5521\n"), std::string::npos) << msg;
  EXPECT_NE(msg.find(std::string(kNoticeHeader) + ": 1\n"), std::string::npos) << msg;
  EXPECT_NE(msg.find("Rule reply-all held it.\n"), std::string::npos) << msg;
}

TEST(NoticeQueue, MessageTextCannotAddHeaders) {
  auto msg = notice_message("milter@support.example", {"lead@support.example\nBcc: all@x", "Held\r\nBcc: all@x", "x"});
  auto headers = msg.substr(0, msg.find("\n\n") + 1);
  EXPECT_EQ(headers.find("\nBcc:"), std::string::npos) << headers;
}

TEST(NoticeQueue, FullQueueDropsWithoutBlocking) {
  auto dir = scratch("full");
  auto fifo = dir / "gate";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  NoticeQueue q({.capacity = 2, .command_timeout_ms = 30000});
  // The first notice's command waits on the fifo until the test lets it go; the others only read
  // their message.
  std::vector<std::string> cmd{"/bin/sh", "-c", "if [ \"$2\" = first@x ]; then cat \"$0\" >/dev/null; fi; cat >/dev/null",
                               fifo.string()};
  ASSERT_TRUE(q.submit(cmd, "m@x", notice("first@x")));
  int gate = -1;
  ASSERT_TRUE(wait_until([&] { return (gate = open(fifo.c_str(), O_WRONLY | O_NONBLOCK)) >= 0; }))
      << "the first notice's command never started";
  EXPECT_TRUE(q.submit(cmd, "m@x", notice("second@x")));
  EXPECT_TRUE(q.submit(cmd, "m@x", notice("third@x")));
  auto before = std::chrono::steady_clock::now();
  EXPECT_FALSE(q.submit(cmd, "m@x", notice("fourth@x")));
  EXPECT_LT(std::chrono::steady_clock::now() - before, 1s);
  EXPECT_EQ(q.counts().dropped, 1u);
  close(gate);
  q.stop(10s);
  EXPECT_EQ(q.counts().sent, 3u);
  EXPECT_EQ(q.counts().failed, 0u);
}

TEST(NoticeQueue, StalledCommandIsKilledAtItsTimeout) {
  NoticeQueue q({.capacity = 4, .command_timeout_ms = 200});
  ASSERT_TRUE(q.submit({"/bin/sh", "-c", "exec sleep 60"}, "m@x", notice("a@x")));
  ASSERT_TRUE(q.submit({"/bin/sh", "-c", "cat >/dev/null; exit 75"}, "m@x", notice("b@x")));
  auto before = std::chrono::steady_clock::now();
  q.stop(20s);
  EXPECT_LT(std::chrono::steady_clock::now() - before, 15s);
  EXPECT_EQ(q.counts().failed, 2u);
  EXPECT_EQ(q.counts().sent, 0u);
}

TEST(NoticeQueue, StoppedQueueRefusesAndMissingCommandFails) {
  NoticeQueue q;
  ASSERT_TRUE(q.submit({"/nonexistent/sendmail"}, "m@x", notice("a@x")));
  q.stop(10s);
  EXPECT_EQ(q.counts().failed, 1u);
  EXPECT_FALSE(q.submit({"/bin/true"}, "m@x", notice("b@x")));
  EXPECT_EQ(q.counts().dropped, 1u);
  EXPECT_FALSE(NoticeQueue().submit({}, "m@x", notice("c@x"))) << "no command configured";
}

TEST(HoldWording, NamesSupportMiltersOwnCommandsNeverTheMtas) {
  struct Row {
    const char* label;
    MtaKind kind;
    std::string config;
    const char* where;
    const char* release;
    const char* discard;
  } rows[] = {
      {"postfix", MtaKind::postfix, "/etc/support-milter/support-milter.conf", "the hold queue",
       "support-milter release 4Fb2Xk0Y1Zz9 --by NAME --reason TEXT",
       "support-milter discard 4Fb2Xk0Y1Zz9 --by NAME --reason TEXT"},
      {"sendmail", MtaKind::sendmail, "/etc/support-milter/support-milter.conf", "Sendmail's quarantine",
       "support-milter release 4Fb2Xk0Y1Zz9 --by NAME --reason TEXT",
       "support-milter discard 4Fb2Xk0Y1Zz9 --by NAME --reason TEXT"},
      {"a config of its own", MtaKind::postfix, "/srv/mx2/support-milter.conf", "the hold queue",
       "support-milter release 4Fb2Xk0Y1Zz9 -c /srv/mx2/support-milter.conf --by NAME --reason TEXT",
       "support-milter discard 4Fb2Xk0Y1Zz9 -c /srv/mx2/support-milter.conf --by NAME --reason TEXT"},
      {"built-in defaults", MtaKind::postfix, "", "the hold queue",
       "support-milter release 4Fb2Xk0Y1Zz9 --by NAME --reason TEXT",
       "support-milter discard 4Fb2Xk0Y1Zz9 --by NAME --reason TEXT"},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.label);
    auto w = hold_wording(row.kind, row.config, "4Fb2Xk0Y1Zz9");
    EXPECT_EQ(w.where, row.where);
    EXPECT_EQ(w.release, row.release);
    EXPECT_EQ(w.discard, row.discard);
    for (const std::string& text : {w.release, w.discard}) {
      EXPECT_EQ(text.find("postsuper"), std::string::npos);
      EXPECT_EQ(text.find("-qQ"), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace sm
