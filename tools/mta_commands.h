// `setup-postfix`, `setup-sendmail`, `held`, `release` and `discard`: the admin's day around the MTA.
// setup-postfix is in setup_postfix_command.cpp, setup-sendmail in setup_sendmail_command.cpp;
// held, release and discard (mta_commands.cpp) work on either MTA through mta/mta.h.
#pragma once
#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "mta/mta.h"

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

// What held, release, discard and the review page start from: the audit log, the MTA and its queue.
struct HeldQueue {
  std::string audit_path;
  std::unique_ptr<Mta> mta;
  std::vector<QueueEntry> queue;
};
// 0 with `out` filled, or the exit code (said why on stderr). `command` names the command there.
int open_held_queue(const std::string& config_path, const std::string& audit_option, const std::string& postfix_dir,
                    const char* command, HeldQueue* out);
// The held messages of the queue joined with the audit log (as `held` lists them); files and
// records it cannot use are said on stderr.
std::vector<HeldMessage> held_messages(const std::vector<QueueEntry>& queue, const std::string& audit_path,
                                       const char* command);

struct QueueActionOptions {
  std::string postfix_dir;
  std::string config_path = kDefaultConfigPath;
  std::string audit_path;
  std::string queue_id;
  std::string by;
  std::string reason;
  bool discard = false;  // false: release
};
// release or discard: the MTA lets the held message go or deletes it, the store learns of it and
// the audit record is written (`by` and `reason` in it). 0, or an exit code with the reason on
// stderr. The review page acts through it too, with `by` the user logged in there.
int run_queue_action(const QueueActionOptions& opts);

// Who ran release or discard, for its audit record: the user sudo names ($SUDO_USER) when the real
// user is root and $SUDO_UID is that user's uid, else the real user's name (its uid when it has
// none).
std::string invoking_user(uid_t real_uid, const char* sudo_user, const char* sudo_uid);

}  // namespace sm
