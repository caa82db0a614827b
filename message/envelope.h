// The SMTP transaction a message came in, as the MTA tells the milter (macros and commands).
#pragma once
#include <string>
#include <vector>

namespace sm {

// Empty in `check` unless given.
struct Envelope {
  std::string mail_from;
  std::vector<std::string> rcpt_to;
  std::string auth_user;    // {auth_authen}
  std::string daemon_name;  // {daemon_name} read at CONNECT
  std::string queue_id;     // {i}
  std::string client_addr;
};

}  // namespace sm
