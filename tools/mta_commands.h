// `setup-postfix`, `setup-sendmail`, `held`, `release` and `discard`: the admin's day around the MTA.
// setup-postfix is in setup_postfix_command.cpp, setup-sendmail in setup_sendmail_command.cpp;
// held, release and discard (mta_commands.cpp) work on either MTA through mta/mta.h.
#pragma once
#include <sys/types.h>

#include <string>

namespace sm {

inline constexpr const char* kDefaultConfigPath = "/etc/support-milter/support-milter.conf";

struct SetupPostfixOptions {
  std::string postfix_dir = "/etc/postfix";
  std::string socket;       // empty: milter.socket of the config
  std::string config_path;  // empty: the installed config when it exists, else the built-in default
  std::string default_action = "tempfail";
  bool yes = false;
};
int run_setup_postfix(const SetupPostfixOptions& opts);

struct SetupSendmailOptions {
  std::string mc = "/etc/mail/sendmail.mc";
  std::string submit_mc;    // empty: submit.mc beside `mc` when it exists
  std::string config_path;  // empty: the installed config when it exists, else the built-in default
  bool apply = false;       // false: only print what would change
  bool yes = false;
};
// Prints support-milter's INPUT_MAIL_FILTER line and the changes sendmail.mc and submit.mc need;
// with `apply`, asks, backs the files up (FILE.bak-<UTC time>), writes them and runs
// `make -C <directory of mc>`.
int run_setup_sendmail(const SetupSendmailOptions& opts);

struct HeldOptions {
  std::string postfix_dir;  // empty: Postfix's default
  std::string config_path = kDefaultConfigPath;
  std::string audit_path;   // empty: audit.path of the config
  bool json = false;
};
int run_held(const HeldOptions& opts);

struct QueueActionOptions {
  std::string postfix_dir;
  std::string config_path = kDefaultConfigPath;
  std::string audit_path;
  std::string queue_id;
  std::string by;
  std::string reason;
  bool discard = false;  // false: release
};
int run_queue_action(const QueueActionOptions& opts);

// Who ran release or discard, for its audit record: the user sudo names ($SUDO_USER) when the real
// user is root and $SUDO_UID is that user's uid, else the real user's name (its uid when it has
// none).
std::string invoking_user(uid_t real_uid, const char* sudo_user, const char* sudo_uid);

}  // namespace sm
