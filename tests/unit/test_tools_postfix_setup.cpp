// setup-postfix's plan: milter lists keep what is there, macros are added only when missing,
// sockets are written in Postfix's form (relative to the queue directory when they lie in it), and
// unset parameters are pinned in main.cf.
#include <gtest/gtest.h>

#include "tools/postfix_setup.h"

namespace sm {
namespace {

const std::string kSock = "unix:/run/support-milter/support-milter.sock";

TEST(PostfixSetup, SocketsInPostfixForm) {
  struct Row {
    const char* in;
    const char* want;
  } rows[] = {
      {"unix:/run/support-milter/support-milter.sock", "unix:/run/support-milter/support-milter.sock"},
      {"local:/var/run/m.sock", "unix:/var/run/m.sock"},
      {"inet:8895@127.0.0.1", "inet:127.0.0.1:8895"},
      {"inet6:8895@::1", "inet:[::1]:8895"},
      {"inet:127.0.0.1:8895", "inet:127.0.0.1:8895"},
      {"inet:8895", "inet:127.0.0.1:8895"},
      {"/run/x.sock", ""},
      {"unix:", ""},
      {"inet:@127.0.0.1", ""},
      {"inet:abc", ""},
  };
  for (const auto& r : rows) EXPECT_EQ(postfix_socket(r.in), r.want) << r.in;
}

TEST(PostfixSetup, SplitsListsWithGroups) {
  auto v = split_milter_list("inet:127.0.0.1:8891,  { unix:/a.sock, default_action = accept }\n unix:/b.sock");
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v[0], "inet:127.0.0.1:8891");
  EXPECT_EQ(v[1], "{ unix:/a.sock, default_action = accept }");
  EXPECT_EQ(milter_element_socket(v[1]), "unix:/a.sock");
  EXPECT_EQ(v[2], "unix:/b.sock");
  EXPECT_TRUE(split_milter_list("").empty());
  EXPECT_TRUE(split_milter_list(" ,, ").empty());
}

TEST(PostfixSetup, MergeKeepsExistingMilters) {
  struct Row {
    const char* current;
    const char* want;
  } rows[] = {
      {"", "unix:/run/support-milter/support-milter.sock"},
      {"inet:127.0.0.1:8891", "inet:127.0.0.1:8891, unix:/run/support-milter/support-milter.sock"},
      {"inet:127.0.0.1:8891, ", "inet:127.0.0.1:8891, unix:/run/support-milter/support-milter.sock"},
      // Already present, alone, in a list or in a group with settings: unchanged.
      {"unix:/run/support-milter/support-milter.sock", "unix:/run/support-milter/support-milter.sock"},
      {"unix:/run/support-milter/support-milter.sock inet:127.0.0.1:8891",
       "unix:/run/support-milter/support-milter.sock inet:127.0.0.1:8891"},
      {"{ unix:/run/support-milter/support-milter.sock, default_action = accept }",
       "{ unix:/run/support-milter/support-milter.sock, default_action = accept }"},
      // A similar path is another milter.
      {"unix:/run/support-milter/support-milter.sock2", "unix:/run/support-milter/support-milter.sock2, unix:/run/support-milter/support-milter.sock"},
  };
  for (const auto& r : rows) EXPECT_EQ(merge_milter_list(r.current, kSock), r.want) << r.current;
}

TEST(PostfixSetup, MacrosAddedOnlyWhenMissing) {
  EXPECT_EQ(merge_macro_list("j {daemon_name} {daemon_addr} v _", {"j", "{daemon_name}"}),
            "j {daemon_name} {daemon_addr} v _");
  EXPECT_EQ(merge_macro_list("j v", {"j", "{daemon_name}"}), "j v {daemon_name}");
  EXPECT_EQ(merge_macro_list("", {"i", "{auth_authen}"}), "i {auth_authen}");
  EXPECT_EQ(merge_macro_list("{auth_type}", {"i", "{auth_authen}"}), "{auth_type} i {auth_authen}");
}

std::map<std::string, std::string> postfix_defaults() {
  return {{"smtpd_milters", ""},
          {"non_smtpd_milters", ""},
          {"milter_default_action", "tempfail"},
          {"milter_protocol", "6"},
          {"milter_connect_macros", "j {daemon_name} {daemon_addr} v _"},
          {"milter_mail_macros", "i {auth_type} {auth_authen} {auth_author} {mail_addr} {mail_host} {mail_mailer}"},
          {"milter_end_of_data_macros", "i"}};
}

const PostfixChange* find(const SetupPlan& p, const std::string& k) {
  for (const auto& c : p.changes)
    if (c.parameter == k) return &c;
  return nullptr;
}

TEST(PostfixSetup, FreshMainCfGetsEveryLine) {
  auto plan = plan_postfix_setup(postfix_defaults(), {}, kSock, "tempfail");
  ASSERT_NE(find(plan, "smtpd_milters"), nullptr);
  EXPECT_EQ(find(plan, "smtpd_milters")->after, kSock);
  EXPECT_EQ(find(plan, "non_smtpd_milters")->after, kSock);
  EXPECT_EQ(find(plan, "milter_protocol")->after, "6");
  EXPECT_TRUE(find(plan, "milter_protocol")->was_default);
  EXPECT_EQ(find(plan, "milter_default_action")->after, "tempfail");
  EXPECT_EQ(find(plan, "milter_end_of_data_macros")->after, "i");
  EXPECT_EQ(plan.changes.size(), 7u);
}

TEST(PostfixSetup, ConfiguredMainCfNeedsNothing) {
  auto cur = postfix_defaults();
  cur["smtpd_milters"] = "inet:127.0.0.1:8891, " + kSock;
  cur["non_smtpd_milters"] = "$smtpd_milters";
  std::set<std::string> all;
  for (const auto& [k, v] : cur) all.insert(k);
  auto plan = plan_postfix_setup(cur, all, kSock, "tempfail");
  EXPECT_TRUE(plan.changes.empty());
  ASSERT_FALSE(plan.notes.empty());
}

TEST(PostfixSetup, ExplicitValuesAreMergedNotReplaced) {
  auto cur = postfix_defaults();
  cur["smtpd_milters"] = "inet:127.0.0.1:8891";
  cur["non_smtpd_milters"] = "inet:127.0.0.1:8892";
  cur["milter_connect_macros"] = "j";
  cur["milter_mail_macros"] = "{mail_addr}";
  cur["milter_end_of_data_macros"] = "{msg_id}";
  cur["milter_protocol"] = "2";
  cur["milter_default_action"] = "accept";
  std::set<std::string> all;
  for (const auto& [k, v] : cur) all.insert(k);
  auto plan = plan_postfix_setup(cur, all, kSock, "tempfail");
  EXPECT_EQ(find(plan, "smtpd_milters")->after, "inet:127.0.0.1:8891, " + kSock);
  EXPECT_EQ(find(plan, "non_smtpd_milters")->after, "inet:127.0.0.1:8892, " + kSock);
  EXPECT_EQ(find(plan, "milter_connect_macros")->after, "j {daemon_name}");
  EXPECT_EQ(find(plan, "milter_mail_macros")->after, "{mail_addr} i {auth_authen}");
  EXPECT_EQ(find(plan, "milter_end_of_data_macros")->after, "{msg_id} i");
  EXPECT_EQ(find(plan, "milter_protocol")->after, "6");
  EXPECT_EQ(find(plan, "milter_default_action")->before, "accept");
  EXPECT_EQ(find(plan, "milter_default_action")->after, "tempfail");
  EXPECT_FALSE(find(plan, "milter_default_action")->was_default);
}

// Debian's master.cf: smtpd and cleanup chrooted (and what an admin may have changed in it).
const std::vector<MilterClient> kDebianChrooted = {{"cleanup/unix", true}, {"smtp/inet", true}};
const std::vector<MilterClient> kNoChroot = {{"cleanup/unix", false}, {"smtp/inet", false}};
const std::vector<MilterClient> kMixed = {{"cleanup/unix", true}, {"smtp/inet", false}};
const std::string kQueue = "/var/spool/postfix";
const std::string kSpoolSock = "unix:/var/spool/postfix/support-milter/support-milter.sock";

TEST(PostfixSetup, SocketInTheQueueDirectoryIsWrittenRelative) {
  struct Row {
    const char* label;
    std::string socket;
    std::string queue;
    const std::vector<MilterClient>* clients;
    std::string want;
    bool warned;
  } rows[] = {
      {"debian, chrooted", kSpoolSock, kQueue, &kDebianChrooted, "unix:support-milter/support-milter.sock", false},
      {"chroot off", kSpoolSock, kQueue, &kNoChroot, "unix:support-milter/support-milter.sock", false},
      {"smtpd unchrooted, cleanup chrooted", kSpoolSock, kQueue, &kMixed, "unix:support-milter/support-milter.sock",
       false},
      {"queue directory with a trailing slash", kSpoolSock, kQueue + "/", &kDebianChrooted,
       "unix:support-milter/support-milter.sock", false},
      {"private instance", "unix:/tmp/pf-queue/m/milter.sock", "/tmp/pf-queue", &kDebianChrooted,
       "unix:m/milter.sock", false},
      {"already relative", "unix:support-milter/support-milter.sock", kQueue, &kDebianChrooted,
       "unix:support-milter/support-milter.sock", false},
      // A path that only starts like the queue directory is not in it.
      {"neighbour directory", "unix:/var/spool/postfix2/m.sock", kQueue, &kDebianChrooted,
       "unix:/var/spool/postfix2/m.sock", true},
      {"/run, chrooted", kSock, kQueue, &kDebianChrooted, kSock, true},
      {"/run, chroot off", kSock, kQueue, &kNoChroot, kSock, false},
      {"/run, no milter client found", kSock, kQueue, nullptr, kSock, false},
      {"inet, chrooted", "inet:127.0.0.1:8895", kQueue, &kDebianChrooted, "inet:127.0.0.1:8895", false},
  };
  for (const auto& r : rows) {
    auto got = choose_postfix_socket(r.socket, r.queue, r.clients ? *r.clients : std::vector<MilterClient>{});
    EXPECT_EQ(got.socket, r.want) << r.label;
    EXPECT_EQ(!got.warnings.empty(), r.warned) << r.label;
  }
}

TEST(PostfixSetup, OtherSpellingsOfTheSocketByChroot) {
  const std::string in_chroot = "unix:/support-milter/support-milter.sock";
  // Every client chrooted: the in-chroot absolute spelling (what setup-postfix wrote before) still
  // works and stays; the full path does not.
  auto c = choose_postfix_socket(kSpoolSock, kQueue, kDebianChrooted);
  EXPECT_EQ(c.same, std::vector<std::string>{in_chroot});
  EXPECT_EQ(c.replace, std::vector<std::string>{kSpoolSock});
  // No chroot: the other way round.
  auto n = choose_postfix_socket(kSpoolSock, kQueue, kNoChroot);
  EXPECT_EQ(n.same, std::vector<std::string>{kSpoolSock});
  EXPECT_EQ(n.replace, std::vector<std::string>{in_chroot});
  // Mixed: only the relative spelling reaches the socket from both.
  auto m = choose_postfix_socket(kSpoolSock, kQueue, kMixed);
  EXPECT_TRUE(m.same.empty());
  EXPECT_EQ(m.replace.size(), 2u);
}

TEST(PostfixSetup, ChrootedPlanWritesTheRelativeSocket) {
  auto plan = plan_postfix_setup(postfix_defaults(), {}, choose_postfix_socket(kSpoolSock, kQueue, kDebianChrooted),
                                 "tempfail");
  EXPECT_EQ(find(plan, "smtpd_milters")->after, "unix:support-milter/support-milter.sock");
  EXPECT_EQ(find(plan, "non_smtpd_milters")->after, "unix:support-milter/support-milter.sock");
  EXPECT_TRUE(plan.warnings.empty());
  ASSERT_FALSE(plan.notes.empty());
  EXPECT_NE(plan.notes.front().find("relative"), std::string::npos) << plan.notes.front();

  auto unchrooted = plan_postfix_setup(postfix_defaults(), {}, choose_postfix_socket(kSpoolSock, kQueue, kNoChroot),
                                       "tempfail");
  EXPECT_EQ(find(unchrooted, "smtpd_milters")->after, "unix:support-milter/support-milter.sock");

  auto elsewhere = plan_postfix_setup(postfix_defaults(), {}, choose_postfix_socket(kSock, kQueue, kDebianChrooted),
                                      "tempfail");
  EXPECT_EQ(find(elsewhere, "smtpd_milters")->after, kSock);
  EXPECT_FALSE(elsewhere.warnings.empty());
}

TEST(PostfixSetup, ChrootedPlanKeepsOrFixesEarlierSpellings) {
  std::set<std::string> all;
  for (const auto& [k, v] : postfix_defaults()) all.insert(k);
  auto with = [&](const std::string& smtpd, const std::string& non_smtpd) {
    auto cur = postfix_defaults();
    cur["smtpd_milters"] = smtpd;
    cur["non_smtpd_milters"] = non_smtpd;
    return plan_postfix_setup(cur, all, choose_postfix_socket(kSpoolSock, kQueue, kDebianChrooted), "tempfail");
  };
  // Written relative already, or in the in-chroot form an earlier setup-postfix wrote: nothing to do.
  EXPECT_TRUE(with("inet:127.0.0.1:8891, unix:support-milter/support-milter.sock", "$smtpd_milters").changes.empty());
  EXPECT_TRUE(with("unix:/support-milter/support-milter.sock", "unix:/support-milter/support-milter.sock").changes.empty());
  // The full path, which a chrooted cleanup cannot find, is replaced where it stands; the other
  // milters and a group's settings stay.
  auto fixed = with("inet:127.0.0.1:8891, { unix:/var/spool/postfix/support-milter/support-milter.sock, "
                    "default_action = accept }, inet:127.0.0.1:8893",
                    "inet:127.0.0.1:8892 unix:/var/spool/postfix/support-milter/support-milter.sock");
  EXPECT_EQ(find(fixed, "smtpd_milters")->after,
            "inet:127.0.0.1:8891, { unix:support-milter/support-milter.sock, default_action = accept }, "
            "inet:127.0.0.1:8893");
  EXPECT_EQ(find(fixed, "non_smtpd_milters")->after, "inet:127.0.0.1:8892 unix:support-milter/support-milter.sock");
  int replaced = 0, kept = 0;
  for (const auto& n : fixed.notes) {
    replaced += n.starts_with("replaces " + kSpoolSock);
    kept += n.starts_with("keeps milter inet:");
  }
  EXPECT_EQ(replaced, 1);
  EXPECT_EQ(kept, 2);
}

TEST(PostfixSetup, DefaultActionAcceptWhenAsked) {
  auto plan = plan_postfix_setup(postfix_defaults(), {"milter_default_action"}, kSock, "accept");
  EXPECT_EQ(find(plan, "milter_default_action")->after, "accept");
}

}  // namespace
}  // namespace sm
