// Direction of a message: inbound (customer -> support), outbound (support -> customer),
// internal (support -> support) or other (neither side is support; passes untouched).
#pragma once
#include "checks/rule.h"
#include "message/message.h"
#include "message/roles.h"

namespace sm {

struct DirectionInfo {
  Direction direction = Direction::other;
  std::string author;  // Address::key() of who wrote it (From, else Sender, else envelope sender)
  std::string reason;  // why, for the audit log
};

// The author is From (else Sender, else the envelope sender; an SMTP AUTH user that is a support
// address counts as support). Recipients are To, Cc and the envelope recipients.
//   author support, some recipient a customer      -> outbound
//   author support, every recipient support        -> internal
//   author not support, some recipient support     -> inbound
//   otherwise                                      -> other
DirectionInfo classify(const Message& m, const Envelope& env, const SupportIdentity& support);

}  // namespace sm
