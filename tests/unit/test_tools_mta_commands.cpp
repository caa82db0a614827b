// The admin commands around the MTA: who ran release or discard, as their audit record says.
#include <gtest/gtest.h>

#include <pwd.h>

#include "tools/mta_commands.h"

namespace sm {
namespace {

// $SUDO_USER is believed only from root and only when $SUDO_UID is that user's uid.
TEST(InvokingUser, SudoUserOnlyFromRootAndWithItsOwnUid) {
  struct passwd* nobody = ::getpwnam("nobody");
  ASSERT_NE(nobody, nullptr);
  const std::string nobody_uid = std::to_string(nobody->pw_uid);
  struct Row {
    const char* label;
    uid_t real;
    const char* sudo_user;
    const char* sudo_uid;
    std::string want;
  } rows[] = {
      {"root through sudo", 0, "nobody", nobody_uid.c_str(), "nobody"},
      {"root without sudo", 0, nullptr, nullptr, "root"},
      {"uid that is not the user's", 0, "nobody", "0", "root"},
      {"no uid", 0, "nobody", nullptr, "root"},
      {"uid that is not a number", 0, "nobody", "65534x", "root"},
      {"empty uid", 0, "nobody", "", "root"},
      {"no such user", 0, "no-such-user-here", "4242", "root"},
      {"a user who set SUDO_USER himself", nobody->pw_uid, "root", "0", "nobody"},
      {"empty SUDO_USER", 0, "", "0", "root"},
  };
  for (const auto& r : rows) EXPECT_EQ(invoking_user(r.real, r.sudo_user, r.sudo_uid), r.want) << r.label;
  // A uid without a name is shown as the number.
  EXPECT_EQ(invoking_user(4242424, nullptr, nullptr), "4242424");
}

}  // namespace
}  // namespace sm
