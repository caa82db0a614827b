// What `support-milter setup-postfix` changes in main.cf: support-milter added to smtpd_milters
// and non_smtpd_milters (milters already there stay, in their order; a unix socket under the queue
// directory is named relative to it, see PostfixSocket), the macros the milter reads
// added to the macro lists (the ones there stay), milter_protocol and milter_default_action.
// Pure functions over the current values, so the merging is tested without Postfix.
#pragma once
#include <map>
#include <set>
#include <string>
#include <vector>

namespace sm {

// The macros support-milter reads, by the Postfix parameter that must send them.
struct MacroNeed {
  const char* parameter;
  std::vector<std::string> macros;
};
const std::vector<MacroNeed>& needed_macros();

// The main.cf parameters setup-postfix reads (and may change).
std::vector<std::string> postfix_parameters();

// The Postfix form of a milter socket: "unix:/path" stays, libmilter's "inet:PORT@HOST" becomes
// "inet:HOST:PORT", "local:/path" becomes "unix:/path". Empty when `spec` is neither.
std::string postfix_socket(const std::string& libmilter_spec);

// Splits a milter list (commas and/or white space; "{ ... }" groups with per-milter settings
// stay whole) into its elements.
std::vector<std::string> split_milter_list(const std::string& value);
// The socket an element names ("inet:h:p" of "{ inet:h:p, default_action = accept }").
std::string milter_element_socket(const std::string& element);
// `current` with `socket` appended unless it is there already, or under one of the spellings in
// `same` (then `current` unchanged). An element naming one of `replace` gets `socket` in its place
// instead, where it stands (settings of a "{ ... }" group kept).
std::string merge_milter_list(const std::string& current, const std::string& socket,
                              const std::vector<std::string>& same = {},
                              const std::vector<std::string>& replace = {});
// `current` with each of `macros` appended that it lacks (then `current` unchanged).
std::string merge_macro_list(const std::string& current, const std::vector<std::string>& macros);

// A service of master.cf that talks to milters (smtpd, cleanup) and whether it runs chrooted.
struct MilterClient {
  std::string service;  // "smtp/inet"
  bool chrooted = false;
};

// How main.cf names a milter socket so that every milter client reaches it. Postfix runs each
// daemon in its queue directory: a chrooted one has it as its root directory (an absolute unix:
// path is read inside it), the others as their working directory. So a relative unix: path is
// found under the queue directory by both, and a socket under the queue directory is written
// relative to it.
struct PostfixSocket {
  std::string socket;                 // what main.cf gets
  std::vector<std::string> same;      // other spellings of it that every client reaches: left alone
  std::vector<std::string> replace;   // spellings of the same file that a chrooted client misses
  std::vector<std::string> notes;     // how the socket is written, and why
  std::vector<std::string> warnings;  // a chrooted client cannot reach the socket at all
};

// `socket` in Postfix's form (postfix_socket), `queue_directory` as postconf prints it, `clients`
// from master.cf. inet: sockets and unix: paths that no chrooted client needs stay as they are.
PostfixSocket choose_postfix_socket(const std::string& socket, const std::string& queue_directory,
                                    const std::vector<MilterClient>& clients);

struct PostfixChange {
  std::string parameter;
  std::string before;
  std::string after;
  bool was_default = false;  // main.cf did not set it (before is Postfix's default)
};

struct SetupPlan {
  std::vector<PostfixChange> changes;  // only parameters whose value changes
  std::vector<std::string> notes;      // what the admin should know (unchanged settings kept, ...)
  std::vector<std::string> warnings;   // what keeps mail from reaching support-milter
};

// The plan for `current` (parameter -> value as `postconf` prints them, defaults included).
// Parameters not in `explicit_params` (those main.cf sets, `postconf -n`) are written even when
// their default is already right, so the settings support-milter relies on are pinned in main.cf.
SetupPlan plan_postfix_setup(const std::map<std::string, std::string>& current,
                             const std::set<std::string>& explicit_params, const PostfixSocket& socket,
                             const std::string& default_action);
// The same for a socket that needs no other spelling (an inet: socket, or no chroot in the way).
SetupPlan plan_postfix_setup(const std::map<std::string, std::string>& current,
                             const std::set<std::string>& explicit_params, const std::string& socket,
                             const std::string& default_action);

}  // namespace sm
