// The review page's accounts and sessions: the users file, argon2id hashes, sessions and their
// expiry, CSRF tokens, the login limit per peer and per user, the cookie, and the users file
// written by review-user.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "base/files.h"
#include "review/auth.h"
#include "review/server.h"

namespace sm {
namespace {

TEST(ReviewUsers, ParsesNameRoleAndHash) {
  std::vector<ReviewUser> users;
  std::string error;
  ASSERT_TRUE(parse_review_users("# leads and auditors\n\nmarta:lead:$argon2id$v=19$m=65536,t=2,p=1$abc$def\n"
                                 "ines.r@example.com:auditor:$argon2id$v=19$m=65536,t=2,p=1$ghi$jkl\n",
                                 &users, &error))
      << error;
  ASSERT_EQ(users.size(), 2u);
  EXPECT_EQ(users[0].name, "marta");
  EXPECT_EQ(users[0].role, ReviewRole::lead);
  EXPECT_EQ(users[1].name, "ines.r@example.com");
  EXPECT_EQ(users[1].role, ReviewRole::auditor);
  std::vector<ReviewUser> again;
  ASSERT_TRUE(parse_review_users(format_review_users(users), &again, &error));
  EXPECT_EQ(again.size(), 2u);
  EXPECT_EQ(again[1].hash, users[1].hash);
}

TEST(ReviewUsers, RefusesBadLinesNamingTheLine) {
  struct Row {
    const char* label;
    const char* text;
    const char* want;
  };
  const Row rows[] = {
      {"two fields", "marta:lead\n", "1: expected name:role:hash"},
      {"unknown role", "marta:boss:$argon2id$x\n", "1: the role of marta is neither lead nor auditor"},
      {"not argon2id", "# x\nmarta:lead:$2y$10$abcdef\n", "2: the hash of marta is not an argon2id hash"},
      {"bad name", "mar ta:lead:$argon2id$x\n", "1: \"mar ta\" is not a user name (letters, digits, . _ @ -)"},
      {"twice", "a:lead:$argon2id$x\na:auditor:$argon2id$y\n", "2: a is named twice"},
  };
  for (const auto& r : rows) {
    std::vector<ReviewUser> users;
    std::string error;
    EXPECT_FALSE(parse_review_users(r.text, &users, &error)) << r.label;
    EXPECT_EQ(error, r.want) << r.label;
  }
}

TEST(ReviewPasswords, Argon2idHashesCheckTheRightPasswordOnly) {
  const std::string hash = hash_review_password("tortilla de patatas 42");
  ASSERT_TRUE(hash.starts_with("$argon2id$")) << hash;
  EXPECT_TRUE(check_review_password(hash, "tortilla de patatas 42"));
  EXPECT_FALSE(check_review_password(hash, "tortilla de patatas 43"));
  EXPECT_FALSE(check_review_password(hash, ""));
  EXPECT_FALSE(check_review_password("not a hash", "tortilla de patatas 42"));
  // Two hashes of one password differ (their salts).
  EXPECT_NE(hash, hash_review_password("tortilla de patatas 42"));
}

TEST(ReviewSessions, TokensFindTheirSessionUntilTheyExpire) {
  ReviewSessions sessions(600);
  const std::string a = sessions.open("marta", ReviewRole::lead, 1000);
  const std::string b = sessions.open("ines", ReviewRole::auditor, 1000);
  EXPECT_EQ(a.size(), 64u);
  EXPECT_NE(a, b);
  auto s = sessions.find(a, 1599);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->user, "marta");
  EXPECT_EQ(s->role, ReviewRole::lead);
  EXPECT_EQ(s->csrf.size(), 64u);
  EXPECT_NE(s->csrf, a);
  EXPECT_FALSE(sessions.find(a, 1600));  // expired, and forgotten
  EXPECT_FALSE(sessions.find(a, 1000));
  EXPECT_FALSE(sessions.find(std::string(64, '0'), 1000));
  EXPECT_FALSE(sessions.find("short", 1000));
  auto sb = sessions.find(b, 1100);
  ASSERT_TRUE(sb);
  sessions.close(b);
  EXPECT_FALSE(sessions.find(b, 1100));
}

TEST(ReviewSessions, CsrfTokenMustBeTheSessionsOwn) {
  ReviewSessions sessions(600);
  auto a = sessions.find(sessions.open("marta", ReviewRole::lead, 0), 1);
  auto b = sessions.find(sessions.open("ines", ReviewRole::lead, 0), 1);
  ASSERT_TRUE(a && b);
  EXPECT_TRUE(csrf_ok(*a, a->csrf));
  EXPECT_FALSE(csrf_ok(*a, b->csrf));
  EXPECT_FALSE(csrf_ok(*a, ""));
  EXPECT_FALSE(csrf_ok(*a, a->csrf.substr(1)));
  ReviewSession none;
  EXPECT_FALSE(csrf_ok(none, ""));
}

TEST(ReviewLogin, LimitsFailuresPerPeerAndPerUser) {
  LoginLimiter limit(3, 900);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(limit.wait("10.0.0.5", "marta", 100 + i), 0) << i;
    limit.failed("10.0.0.5", "marta", 100 + i);
  }
  EXPECT_EQ(limit.wait("10.0.0.5", "marta", 103), 897);
  // The same user from elsewhere, and another user from the same peer, wait too.
  EXPECT_GT(limit.wait("10.0.0.9", "marta", 103), 0);
  EXPECT_GT(limit.wait("10.0.0.5", "ines", 103), 0);
  EXPECT_EQ(limit.wait("10.0.0.9", "ines", 103), 0);
  // The window passes.
  EXPECT_EQ(limit.wait("10.0.0.5", "marta", 1000), 0);
}

TEST(ReviewLogin, ASuccessClearsTheUsersCountNotThePeers) {
  LoginLimiter limit(2, 900);
  limit.failed("10.0.0.5", "marta", 0);
  limit.succeeded("marta");
  limit.failed("10.0.0.7", "marta", 1);
  EXPECT_EQ(limit.wait("10.0.0.8", "marta", 2), 0);
  limit.failed("10.0.0.5", "ines", 2);
  EXPECT_GT(limit.wait("10.0.0.5", "nobody", 3), 0);
}

TEST(ReviewLoginForm, TakesOnlyTheTokenOfItsOwnPreSessionWhileItLasts) {
  LoginForms forms(900);
  const auto a = forms.open(1000), b = forms.open(1000);
  EXPECT_NE(a.cookie, b.cookie);
  EXPECT_NE(a.token, b.token);
  EXPECT_EQ(a.token.size(), 64u);
  EXPECT_TRUE(a.cookie.starts_with("1900."));
  EXPECT_TRUE(forms.ok(a.cookie, a.token, 1000));
  EXPECT_TRUE(forms.ok(a.cookie, a.token, 1899));
  EXPECT_EQ(forms.token_of(a.cookie, 1500), a.token);
  // Another pre-session's token, no token, no cookie, and the form after its 15 minutes.
  EXPECT_FALSE(forms.ok(a.cookie, b.token, 1000));
  EXPECT_FALSE(forms.ok(a.cookie, "", 1000));
  EXPECT_FALSE(forms.ok("", a.token, 1000));
  EXPECT_FALSE(forms.ok(a.cookie, a.token, 1900));
  EXPECT_EQ(forms.token_of(a.cookie, 1900), "");
  // A cookie with a later end than the server gives, or a changed one, has no token.
  std::string later = "9" + a.cookie;
  EXPECT_EQ(forms.token_of(later, 1000), "");
  std::string changed = a.cookie;
  changed.back() = changed.back() == '0' ? '1' : '0';
  EXPECT_FALSE(forms.ok(changed, a.token, 1000));
  EXPECT_EQ(forms.token_of("1900.xyz", 1000), "");
  EXPECT_EQ(forms.token_of("abc", 1000), "");
  // Another server (another key) does not take this one's pairs.
  LoginForms other(900);
  EXPECT_FALSE(other.ok(a.cookie, a.token, 1000));
}

TEST(ReviewSecrets, EqualSecretsComparesWholeStrings) {
  EXPECT_TRUE(equal_secrets("abc", "abc"));
  EXPECT_TRUE(equal_secrets("", ""));
  EXPECT_FALSE(equal_secrets("abc", "abd"));
  EXPECT_FALSE(equal_secrets("abc", "abcd"));
}

TEST(ReviewCookie, SessionCookieIsHttpOnlyStrictAndSecureWhenAsked) {
  EXPECT_EQ(session_cookie("ab12", 600, true), "sm_review=ab12; Path=/; Max-Age=600; HttpOnly; SameSite=Strict; Secure");
  EXPECT_EQ(session_cookie("", 600, false), "sm_review=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict");
  EXPECT_EQ(cookie_value("theme=dark; sm_review=ab12;other=1", "sm_review"), "ab12");
  EXPECT_EQ(cookie_value("xsm_review=ab12", "sm_review"), "");
  EXPECT_EQ(login_cookie("1900.ab", 900, true), "sm_login=1900.ab; Path=/login; Max-Age=900; HttpOnly; SameSite=Strict; Secure");
  EXPECT_EQ(login_cookie("", 900, false), "sm_login=; Path=/login; Max-Age=0; HttpOnly; SameSite=Strict");
  EXPECT_TRUE(loopback_peer("127.0.0.1"));
  EXPECT_TRUE(loopback_peer("::1"));
  EXPECT_TRUE(loopback_peer("::ffff:127.0.0.1"));
  EXPECT_FALSE(loopback_peer("10.127.0.1"));
  EXPECT_FALSE(loopback_peer("::ffff:10.0.0.1"));
}

TEST(ReviewUserCommand, AddsAndChangesUsersInAPrivateFile) {
  const std::string dir = ::testing::TempDir() + "/review-users";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  ::chmod(dir.c_str(), 0755);
  const std::string file = dir + "/users";
  ASSERT_EQ(run_review_user(file, "marta", "lead", "first password here\n"), 0);
  ASSERT_EQ(run_review_user(file, "ines", "auditor", "another password\n"), 0);
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(run_review_user(file, "marta", "auditor", "second password here\r\n"), 0);
  std::string text, error;
  ASSERT_TRUE(read_file(file, &text));
  std::vector<ReviewUser> users;
  ASSERT_TRUE(parse_review_users(text, &users, &error)) << error;
  ASSERT_EQ(users.size(), 2u);
  EXPECT_EQ(users[0].name, "marta");
  EXPECT_EQ(users[0].role, ReviewRole::auditor);
  EXPECT_TRUE(check_review_password(users[0].hash, "second password here"));
  EXPECT_FALSE(check_review_password(users[0].hash, "first password here"));
  // Refused: a short password, a bad role, a bad name.
  EXPECT_NE(run_review_user(file, "pablo", "lead", "short\n"), 0);
  EXPECT_NE(run_review_user(file, "pablo", "admin", "long enough password\n"), 0);
  EXPECT_NE(run_review_user(file, "pa:blo", "lead", "long enough password\n"), 0);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace sm
