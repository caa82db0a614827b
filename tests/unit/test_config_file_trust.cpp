// Config and key files as sshd's StrictModes and sudo want them: owned by root or the user running
// the tool (a key file also by milter.user), writable by nobody else, key files not readable by
// others, every directory above them the same; `-c DIR` is an error. And configtest's warnings.
// The tests run as root and make real files with real owners (nobody) and modes.
#include <gtest/gtest.h>

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "config/config.h"
#include "config/file_trust.h"

namespace sm {
namespace {

namespace fs = std::filesystem;

class FileTrust : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to give files to another user";
    struct passwd* pw = ::getpwnam("nobody");
    ASSERT_NE(pw, nullptr);
    nobody_ = pw->pw_uid;
    dir_ = fs::path(::testing::TempDir()) / ("trust-" + std::to_string(::getpid()) + "-" +
                                             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    ::chmod(dir_.c_str(), 0755);
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  std::string file(const std::string& name, const std::string& text, mode_t mode, uid_t owner = 0) {
    auto p = dir_ / name;
    std::ofstream(p) << text;
    EXPECT_EQ(::chmod(p.c_str(), mode), 0);
    EXPECT_EQ(::chown(p.c_str(), owner, static_cast<gid_t>(-1)), 0);
    return p.string();
  }

  // The error load_config gives, or "" when it loads.
  static std::string load_error(const std::string& path) {
    try {
      load_config(path);
      return {};
    } catch (const ConfigError& e) {
      return e.what();
    }
  }

  fs::path dir_;
  uid_t nobody_ = 0;
};

TEST_F(FileTrust, ConfigFileOwnersAndModes) {
  struct Row {
    const char* label;
    mode_t mode;
    bool by_nobody;
    const char* want;  // part of the error; "" when the file loads
  } rows[] = {
      {"root, 0644", 0644, false, ""},
      {"root, 0600", 0600, false, ""},
      {"root, 0640", 0640, false, ""},
      {"another user's", 0644, true, "config file owned by nobody (uid "},
      {"group-writable", 0664, false, "config file writable by its group (mode 0664): refused (chmod go-w "},
      {"world-writable", 0646, false, "config file writable by every user (mode 0646)"},
  };
  for (const auto& r : rows) {
    auto p = file(std::string("c-") + std::to_string(&r - rows) + ".conf", "[rules]\nmode = \"observe\"\n",
                  r.mode, r.by_nobody ? nobody_ : 0);
    const std::string error = load_error(p);
    if (*r.want == '\0') {
      EXPECT_EQ(error, "") << r.label;
    } else {
      EXPECT_NE(error.find(r.want), std::string::npos) << r.label << ": " << error;
      EXPECT_EQ(error.rfind(p + ":0: ", 0), 0u) << r.label << ": " << error;
    }
  }
  // The message says how to fix the owner.
  auto p = file("nobody.conf", "", 0644, nobody_);
  EXPECT_NE(load_error(p).find("owned by nobody (uid " + std::to_string(nobody_) + "), not by root: refused"),
            std::string::npos)
      << load_error(p);
  EXPECT_NE(load_error(p).find("(chown root " + p + ")"), std::string::npos) << load_error(p);
}

TEST_F(FileTrust, ADirectoryIsNotAConfigFile) {
  const std::string error = load_error(dir_.string());
  EXPECT_NE(error.find("is a directory, not a config file"), std::string::npos) << error;
  EXPECT_EQ(error.rfind(dir_.string() + ":0: ", 0), 0u) << error;
}

TEST_F(FileTrust, EveryDirectoryAboveCounts) {
  auto sub = dir_ / "sub";
  fs::create_directories(sub);
  auto p = (sub / "x.conf").string();
  std::ofstream(p) << "";
  ::chmod(p.c_str(), 0644);
  struct Row {
    const char* label;
    mode_t mode;
    bool by_nobody;
    const char* want;
  } rows[] = {
      {"root, 0755", 0755, false, ""},
      {"sticky and world-writable, like /tmp", 01777, false, ""},
      {"group-writable", 0775, false, "is writable by its group (mode 0775): refused"},
      {"world-writable", 0777, false, "is writable by every user (mode 0777)"},
      {"another user's", 0755, true, "is owned by nobody (uid "},
  };
  for (const auto& r : rows) {
    ASSERT_EQ(::chmod(sub.c_str(), r.mode), 0);
    ASSERT_EQ(::chown(sub.c_str(), r.by_nobody ? nobody_ : 0, static_cast<gid_t>(-1)), 0);
    const std::string error = load_error(p);
    if (*r.want == '\0') {
      EXPECT_EQ(error, "") << r.label;
    } else {
      EXPECT_NE(error.find("the directory " + sub.string() + " above " + p + " " + r.want), std::string::npos)
          << r.label << ": " << error;
    }
  }
}

TEST_F(FileTrust, KeyFileOwnersAndModes) {
  const std::string key = "0123456789abcdef0123";
  struct Row {
    const char* label;
    mode_t mode;
    bool by_nobody;
    const char* milter_user;
    const char* want;
  } rows[] = {
      {"root, 0600", 0600, false, "", ""},
      {"root, 0640", 0640, false, "", ""},
      {"milter.user's, 0600", 0600, true, "nobody", ""},
      {"readable by others", 0644, false, "",
       "key file readable by every user (mode 0644): refused (chmod o-rwx "},
      {"group-writable", 0660, false, "", "key file writable by its group (mode 0660)"},
      {"another user's", 0600, true, "", "key file owned by nobody (uid "},
  };
  for (const auto& r : rows) {
    auto k = file(std::string("k-") + std::to_string(&r - rows), key, r.mode, r.by_nobody ? nobody_ : 0);
    const std::string text = std::string("[milter]\nuser = \"") + r.milter_user +
                             "\"\n[audit]\ncustomer_addresses = \"hmac\"\nhmac_key_file = \"" + k + "\"\n";
    try {
      auto cfg = parse_config(text, "test.conf");
      EXPECT_EQ(*r.want, '\0') << r.label << ": loaded";
      EXPECT_EQ(cfg->audit.hmac_key, key) << r.label;
    } catch (const ConfigError& e) {
      const std::string error = e.what();
      EXPECT_NE(*r.want, '\0') << r.label << ": " << error;
      if (*r.want == '\0') continue;
      EXPECT_NE(error.find(r.want), std::string::npos) << r.label << ": " << error;
      EXPECT_EQ(error.rfind("test.conf:5: audit.hmac_key_file: \"" + k + "\" ", 0), 0u)
          << r.label << ": " << error;
    }
  }
}

// read_trusted_file on its own: what a later key file (the audit sealing key) is read with.
TEST_F(FileTrust, ReadTrustedFileGivesTheBytesOrTheReason) {
  std::string bytes, error;
  auto k = file("key", "secret-bytes-of-a-key", 0600);
  EXPECT_TRUE(read_trusted_file(k, TrustedFile::key, "", &bytes, &error)) << error;
  EXPECT_EQ(bytes, "secret-bytes-of-a-key");
  EXPECT_FALSE(read_trusted_file((dir_ / "missing").string(), TrustedFile::key, "", &bytes, &error));
  EXPECT_NE(error.find("cannot read: No such file or directory"), std::string::npos) << error;
  auto fifo = (dir_ / "fifo").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_FALSE(read_trusted_file(fifo, TrustedFile::key, "", &bytes, &error));
  EXPECT_EQ(error, "is not a regular file");
}

TEST(ConfigWarnings, SystemDirectoriesAndListenersBeyondLoopback) {
  struct Row {
    const char* label;
    const char* text;
    const char* want;  // part of the one warning; "" for none
  } rows[] = {
      {"defaults", "", ""},
      {"audit log in /etc", "[audit]\npath = \"/etc/support-milter/audit.jsonl\"\n",
       "audit.path = \"/etc/support-milter/audit.jsonl\" lies in the system directory /etc: the daemon "
       "writes there"},
      {"store in /usr", "[store]\nurl = \"sqlite:/usr/lib/state.db\"\n",
       "store.url = \"/usr/lib/state.db\" lies in the system directory /usr"},
      {"socket in /dev", "[milter]\nsocket = \"unix:/dev/shm/m.sock\"\n",
       "milter.socket = \"/dev/shm/m.sock\" lies in the system directory /dev"},
      {"textfile in /boot", "[metrics]\ntextfile = \"/boot/x.prom\"\n",
       "metrics.textfile = \"/boot/x.prom\" lies in the system directory /boot"},
      {"not a prefix of a name", "[audit]\npath = \"/etcetera/audit.jsonl\"\n", ""},
      {"every address", "[milter]\nsocket = \"inet:8890\"\n",
       "milter.socket = \"inet:8890\" listens on every address"},
      {"an outside address", "[milter]\nsocket = \"inet:8890@192.0.2.1\"\n",
       "listens on \"192.0.2.1\", not loopback"},
      {"all IPv4 addresses", "[milter]\nsocket = \"inet:8890@0.0.0.0\"\n",
       "listens on \"0.0.0.0\", not loopback"},
      {"loopback", "[milter]\nsocket = \"inet:8890@127.0.0.1\"\n", ""},
      {"loopback by name", "[milter]\nsocket = \"inet:8890@localhost\"\n", ""},
      {"IPv6 loopback", "[milter]\nsocket = \"inet6:8890@[::1]\"\n", ""},
      {"IPv6, every address", "[milter]\nsocket = \"inet6:8890@[::]\"\n", "listens on \"::\", not loopback"},
  };
  for (const auto& r : rows) {
    auto w = config_warnings(*parse_config(r.text, "test.conf"));
    if (*r.want == '\0') {
      EXPECT_TRUE(w.empty()) << r.label << ": " << (w.empty() ? "" : w.front());
    } else {
      ASSERT_EQ(w.size(), 1u) << r.label;
      EXPECT_NE(w.front().find(r.want), std::string::npos) << r.label << ": " << w.front();
    }
  }
}

}  // namespace
}  // namespace sm
