// The SMTP transaction a message came in, as the MTA tells the milter (macros and commands).
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "base/strings.h"

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

// An envelope address as the MTA's queue shows it: "<ana@client.example>" is "ana@client.example",
// "<>" is "".
inline std::string bare_envelope_address(std::string_view a) {
  a = trim(a);
  if (a.size() >= 2 && a.front() == '<' && a.back() == '>') a = a.substr(1, a.size() - 2);
  return std::string(a);
}

}  // namespace sm
