// A change to the message that a rule's fix asks for (a header added or changed, a recipient
// added); the milter applies it at end of message.
#pragma once
#include <string>

namespace sm {

struct Modification {
  enum class Kind { add_header, change_header, add_recipient };
  Kind kind;
  std::string name;   // header name (add/change)
  std::string value;  // header value (UTF-8; encoded by the applier) or recipient address
  int index = 1;      // change_header: which occurrence (1-based)
};

}  // namespace sm
