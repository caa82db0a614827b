// What `support-milter setup-sendmail` changes in sendmail.mc and submit.mc: support-milter's
// INPUT_MAIL_FILTER line (socket in Sendmail's form, F=T, timeouts longer than the milter's own
// deadline) before the first MAILER line, replacing an older support-milter line and keeping every
// other milter; the milter's user added to confTRUSTED_USERS of submit.mc (its notices are
// command-line submissions, which submit.cf handles), keeping the users already trusted.
// Pure functions over the files' text, so the merging is tested without Sendmail.
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace sm {

// Sendmail's form of a milter socket (the S= value): "unix:/path" becomes "local:/path",
// "local:/path" stays, libmilter's "inet:PORT@HOST" and "inet6:PORT@HOST" stay, Postfix's
// "inet:HOST:PORT" becomes "inet:PORT@HOST", a bare "inet:PORT" is reached on 127.0.0.1.
// Empty when `spec` is none of these.
std::string sendmail_socket(const std::string& libmilter_spec);

// The T= timeouts, in seconds. Sendmail waits R for each reply and E for the whole end of the
// message; the milter answers the end of a message within limits.message_ms plus the time for the
// store and the audit record, so both are twice message_ms plus 30 s, and never below Sendmail's
// own defaults (R 10 s, E 5 min); C (connect) and S (send) stay at 30 s.
struct SendmailTimeouts {
  unsigned connect_s = 30, send_s = 30, read_s = 0, eom_s = 0;
};
SendmailTimeouts sendmail_timeouts(unsigned message_ms);

// "T=C:30s;S:30s;R:50s;E:5m" (whole minutes written as m).
std::string timeouts_value(const SendmailTimeouts& t);

// The INPUT_MAIL_FILTER line for `socket` (Sendmail's form), with "dnl" at its end.
std::string filter_line(const std::string& sendmail_socket, const SendmailTimeouts& t);

// The name an INPUT_MAIL_FILTER or MAIL_FILTER line declares ("" for any other line, comments
// included).
std::string mail_filter_name(const std::string& line);

struct McMerge {
  std::string text;                  // the merged file
  std::vector<std::string> removed;  // lines taken out (an older support-milter line)
  std::vector<std::string> added;    // lines put in
  std::vector<std::string> notes;    // what the admin should know (milters kept, ...)
  std::vector<std::string> errors;   // why the file cannot be merged; `text` is then unchanged
  bool changed() const { return !removed.empty() || !added.empty(); }
};

// sendmail.mc with `line` (filter_line) as support-milter's filter: an older support-milter line
// before the first MAILER line is replaced in place (the milters' order stays), one after it is
// removed and the new line goes before the first MAILER line, as Sendmail requires. A
// confINPUT_MAIL_FILTERS define, which replaces the list of filters the INPUT_MAIL_FILTER lines
// build, gets support-milter appended.
McMerge merge_sendmail_mc(const std::string& mc, const std::string& line);

// submit.mc with `user` in confTRUSTED_USERS: added to an existing define (users kept, in their
// order), or a new define before the FEATURE(`msp') line.
McMerge merge_trusted_user(const std::string& mc, const std::string& user);

// Warnings about the socket's directory: Sendmail refuses a unix socket below a directory others
// may write to ("unsafe: World writable directory"). `mode_of` gives a directory's mode bits, or
// nothing when it does not exist. Empty when every directory on the way is safe.
std::vector<std::string> socket_dir_warnings(
    const std::string& sendmail_socket,
    const std::function<std::optional<unsigned>(const std::string&)>& mode_of);

}  // namespace sm
