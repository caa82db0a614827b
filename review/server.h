// `support-milter review`: the web page where support leads read held replies and release them,
// discard them or send them back to their agent (cpp-httplib, on a loopback address; TLS from a
// proxy in front). Each action goes through run_queue_action, so it writes the same audit record
// as `release` and `discard`, with the user logged in as its `by`.
#pragma once
#include <string>

#include "tools/mta_commands.h"

namespace sm {

struct ReviewOptions {
  std::string config_path = kDefaultConfigPath;
  std::string postfix_dir;  // empty: Postfix's default
  std::string audit_path;   // empty: audit.path of the config
  std::string listen;       // empty: review.listen of the config
};

// Serves until SIGTERM or SIGINT: 0, or an exit code with the reason on stderr.
int run_review(const ReviewOptions& opts);

// The value of cookie `name` in a Cookie header; empty when it has none.
std::string cookie_value(const std::string& header, const std::string& name);

// The session cookie's Set-Cookie value: HttpOnly, SameSite=Strict, Path=/, Max-Age, and Secure
// when `secure`. An empty token clears the cookie.
std::string session_cookie(const std::string& token, long max_age_s, bool secure);

// The login form's pre-session cookie (sm_login, review/auth.h LoginForms): Path=/login, HttpOnly,
// SameSite=Strict, Max-Age, and Secure when `secure`. An empty value clears the cookie.
std::string login_cookie(const std::string& value, long max_age_s, bool secure);

// A peer address of the loopback network (127.0.0.0/8, ::1, ::ffff:127.x.x.x).
bool loopback_peer(const std::string& address);

}  // namespace sm
