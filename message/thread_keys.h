// The keys a message is tied to its thread by when its References are gone (stripped by a client,
// a new message on the same matter): Outlook's Thread-Index root and a ticket token of the subject.
#pragma once
#include <memory>
#include <string>
#include <string_view>

#include "message/message.h"

namespace sm {

// The root of Outlook's Thread-Index header, the same in every message of a conversation: its
// first 22 bytes (a FILETIME and a GUID), as hex; empty when there is no valid header.
std::string thread_index_root(const Message& msg);

// A ticket token in subjects ("[#1234]"): an ICU regular expression whose first group (or whole
// match, without a group) is the token. Matching a subject is bounded in time and size.
class TicketPattern {
 public:
  // Throws std::invalid_argument with ICU's reason when the pattern does not compile.
  explicit TicketPattern(const std::string& pattern);
  ~TicketPattern();
  // The token in `subject`, or "" when none.
  std::string find(std::string_view subject) const;
  const std::string& pattern() const { return pattern_; }

 private:
  struct Compiled;
  std::string pattern_;
  std::unique_ptr<Compiled> compiled_;
};

}  // namespace sm
