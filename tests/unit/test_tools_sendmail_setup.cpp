// setup-sendmail's merging: support-milter's INPUT_MAIL_FILTER goes before the mailers (replacing
// an older one, keeping other milters), its user joins confTRUSTED_USERS of submit.mc, sockets are
// written in Sendmail's form, timeouts outlast limits.message_ms, and a second run changes nothing.
// Inputs and wanted outputs are files in tests/data/sendmail/mc.
#include <gtest/gtest.h>

#include <map>

#include "tests/unit/files.h"
#include "tools/sendmail_setup.h"

namespace sm {
namespace {

const std::string kMc = std::string(SM_TEST_DATA) + "/sendmail/mc/";

std::string default_line() {
  return filter_line(sendmail_socket("unix:/run/support-milter/support-milter.sock"),
                     sendmail_timeouts(10000));
}

TEST(SendmailSetup, SocketsInSendmailForm) {
  struct Row {
    const char* in;
    const char* want;
  } rows[] = {
      {"unix:/run/support-milter/support-milter.sock", "local:/run/support-milter/support-milter.sock"},
      {"local:/run/m.sock", "local:/run/m.sock"},
      {"inet:8895@127.0.0.1", "inet:8895@127.0.0.1"},
      {"inet6:8895@::1", "inet6:8895@::1"},
      {"inet:127.0.0.1:8895", "inet:8895@127.0.0.1"},
      {"inet:[::1]:8895", "inet6:8895@::1"},
      {"inet:8895", "inet:8895@127.0.0.1"},
      {"/run/x.sock", ""},
      {"unix:", ""},
      {"unix:relative.sock", ""},
      {"unix:/run/a,b.sock", ""},
      {"unix:/run/it's.sock", ""},
      {"inet:@127.0.0.1", ""},
      {"inet:port@127.0.0.1", ""},
      {"inet:abc", ""},
  };
  for (const auto& r : rows) EXPECT_EQ(sendmail_socket(r.in), r.want) << r.in;
}

TEST(SendmailSetup, TimeoutsOutlastTheMilterDeadline) {
  struct Row {
    unsigned message_ms;
    const char* want;
  } rows[] = {
      {10000, "T=C:30s;S:30s;R:50s;E:5m"},  // the default: twice 10 s plus 30 s
      {1, "T=C:30s;S:30s;R:32s;E:5m"},      // never below Sendmail's E of 5 minutes
      {200000, "T=C:30s;S:30s;R:430s;E:430s"},
      {285000, "T=C:30s;S:30s;R:10m;E:10m"},
  };
  for (const auto& r : rows) {
    auto t = sendmail_timeouts(r.message_ms);
    EXPECT_EQ(timeouts_value(t), r.want) << r.message_ms;
    EXPECT_GT(t.read_s * 1000ull, r.message_ms) << r.message_ms;
    EXPECT_GT(t.eom_s * 1000ull, r.message_ms) << r.message_ms;
  }
}

TEST(SendmailSetup, FilterNames) {
  EXPECT_EQ(mail_filter_name("INPUT_MAIL_FILTER(`support-milter', `S=local:/a')dnl"), "support-milter");
  EXPECT_EQ(mail_filter_name("  INPUT_MAIL_FILTER( `clamav' , `S=local:/a')dnl"), "clamav");
  EXPECT_EQ(mail_filter_name("MAIL_FILTER(`dkim', `S=inet:8891@127.0.0.1')"), "dkim");
  EXPECT_EQ(mail_filter_name("dnl INPUT_MAIL_FILTER(`off', `S=local:/a')dnl"), "");
  EXPECT_EQ(mail_filter_name("MAILER(`smtp')dnl"), "");
}

TEST(SendmailSetup, MergesSendmailMc) {
  struct Row {
    const char* file;
    std::size_t removed, added;
  } rows[] = {
      {"debian", 0, 1},               // Debian's layout: before MAILER_DEFINITIONS, comments skipped
      {"other-milter", 0, 1},         // OpenDKIM's line stays, support-milter after it
      {"older", 1, 1},                // an older line is replaced where it was, before clamav
      {"after-mailer", 1, 1},         // a line after the mailers moves before them
      {"filters-define", 0, 1},       // the define comes first: INPUT_MAIL_FILTER appends to it
      {"filters-define-late", 2, 2},  // a define after the line gets support-milter added
  };
  const std::string line = default_line();
  for (const auto& r : rows) {
    const std::string in = test::slurp(kMc + r.file + ".mc");
    const std::string want = test::slurp(kMc + r.file + ".mc.want");
    ASSERT_FALSE(in.empty()) << r.file;
    ASSERT_FALSE(want.empty()) << r.file;
    auto m = merge_sendmail_mc(in, line);
    EXPECT_TRUE(m.errors.empty()) << r.file << ": " << (m.errors.empty() ? "" : m.errors.front());
    EXPECT_EQ(m.text, want) << r.file;
    EXPECT_EQ(m.removed.size(), r.removed) << r.file;
    EXPECT_EQ(m.added.size(), r.added) << r.file;
    // Applying it again changes nothing.
    auto again = merge_sendmail_mc(m.text, line);
    EXPECT_FALSE(again.changed()) << r.file;
    EXPECT_EQ(again.text, want) << r.file;
  }
}

TEST(SendmailSetup, NotesTheMiltersKept) {
  auto m = merge_sendmail_mc(test::slurp(kMc + "older.mc"), default_line());
  ASSERT_EQ(m.notes.size(), 1u);
  EXPECT_NE(m.notes[0].find("keeps milter clamav"), std::string::npos) << m.notes[0];
}

TEST(SendmailSetup, RefusesWhatItCannotMerge) {
  struct Row {
    const char* label;
    const char* mc;
    const char* error;
  } rows[] = {
      {"no mailers", "divert(0)dnl\nOSTYPE(`debian')dnl\n", "no MAILER line"},
      {"define over two lines",
       "INPUT_MAIL_FILTER(`support-milter', `S=local:/a')dnl\ndefine(`confINPUT_MAIL_FILTERS',dnl\n`a')dnl\n"
       "MAILER(`smtp')dnl\n",
       "cannot read the confINPUT_MAIL_FILTERS define"},
  };
  for (const auto& r : rows) {
    auto m = merge_sendmail_mc(r.mc, default_line());
    ASSERT_EQ(m.errors.size(), 1u) << r.label;
    EXPECT_NE(m.errors[0].find(r.error), std::string::npos) << r.label << ": " << m.errors[0];
    EXPECT_EQ(m.text, r.mc) << r.label;
    EXPECT_FALSE(m.changed()) << r.label;
  }
}

TEST(SendmailSetup, TrustsTheMilterUserInSubmitMc) {
  for (const char* file : {"submit", "submit-trusted"}) {
    const std::string in = test::slurp(kMc + file + ".mc");
    const std::string want = test::slurp(kMc + file + ".mc.want");
    ASSERT_FALSE(in.empty()) << file;
    auto m = merge_trusted_user(in, "support-milter");
    EXPECT_TRUE(m.errors.empty()) << file;
    EXPECT_EQ(m.text, want) << file;
    EXPECT_EQ(m.added.size(), 1u) << file;
    auto again = merge_trusted_user(m.text, "support-milter");
    EXPECT_FALSE(again.changed()) << file;
    EXPECT_EQ(again.text, want) << file;
  }
  // A sendmail.mc (no FEATURE(`msp')) and a name m4 cannot hold are refused.
  EXPECT_FALSE(merge_trusted_user(test::slurp(kMc + "debian.mc"), "support-milter").errors.empty());
  EXPECT_FALSE(merge_trusted_user(test::slurp(kMc + "submit.mc"), "a'b").errors.empty());
  EXPECT_FALSE(merge_trusted_user(test::slurp(kMc + "submit.mc"), "").errors.empty());
}

TEST(SendmailSetup, SocketDirectorySafety) {
  const std::map<std::string, unsigned> modes = {
      {"/run", 0755}, {"/run/support-milter", 0755}, {"/tmp", 01777}, {"/tmp/sm", 0755}, {"/srv", 0777}};
  auto mode_of = [&](const std::string& dir) -> std::optional<unsigned> {
    auto it = modes.find(dir);
    return it == modes.end() ? std::nullopt : std::optional<unsigned>(it->second);
  };
  struct Row {
    const char* socket;
    std::vector<std::string> warned;  // the directories the warnings name, in order
  } rows[] = {
      {"local:/run/support-milter/support-milter.sock", {}},
      {"local:/tmp/sm/support-milter.sock", {"/tmp is world-writable"}},
      {"local:/tmp/support-milter.sock", {"/tmp is world-writable"}},
      {"local:/srv/x/m.sock", {"/srv/x does not exist", "/srv is world-writable"}},
      {"inet:8895@127.0.0.1", {}},
  };
  for (const auto& r : rows) {
    auto w = socket_dir_warnings(r.socket, mode_of);
    ASSERT_EQ(w.size(), r.warned.size()) << r.socket;
    for (std::size_t i = 0; i < w.size(); ++i)
      EXPECT_TRUE(w[i].starts_with(r.warned[i])) << r.socket << ": " << w[i];
  }
}

}  // namespace
}  // namespace sm
