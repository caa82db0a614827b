// Who is "support": the configured domains and addresses, against which senders and recipients
// are classed (direction, reply-all, the quality rules' outbound replies).
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "message/address.h"

namespace sm {

struct SupportIdentity {
  std::vector<std::string> domains;    // lower-case ASCII (punycode) domains
  std::vector<std::string> addresses;  // Address::key() forms
  bool is_support(const Address& a) const;
  bool is_support_key(std::string_view key) const;  // "local@ascii-domain"
  bool empty() const { return domains.empty() && addresses.empty(); }
};

}  // namespace sm
