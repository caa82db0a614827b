// What `support-milter setup-postfix` changes in main.cf: support-milter added to smtpd_milters
// and non_smtpd_milters (milters already there stay, in their order), the macros the milter reads
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
// `current` with `socket` appended unless it is there already (then `current` unchanged).
std::string merge_milter_list(const std::string& current, const std::string& socket);
// `current` with each of `macros` appended that it lacks (then `current` unchanged).
std::string merge_macro_list(const std::string& current, const std::vector<std::string>& macros);

struct PostfixChange {
  std::string parameter;
  std::string before;
  std::string after;
  bool was_default = false;  // main.cf did not set it (before is Postfix's default)
};

struct SetupPlan {
  std::vector<PostfixChange> changes;  // only parameters whose value changes
  std::vector<std::string> notes;      // what the admin should know (unchanged settings kept, ...)
};

// The plan for `current` (parameter -> value as `postconf` prints them, defaults included).
// Parameters not in `explicit_params` (those main.cf sets, `postconf -n`) are written even when
// their default is already right, so the settings support-milter relies on are pinned in main.cf.
SetupPlan plan_postfix_setup(const std::map<std::string, std::string>& current,
                             const std::set<std::string>& explicit_params, const std::string& socket,
                             const std::string& default_action);

}  // namespace sm
