// Who is support: exact addresses, the support domains and their subdomains.
#include "checks/support_identity.h"

#include <algorithm>

namespace sm {

bool SupportIdentity::is_support_key(std::string_view key) const {
  if (key.empty()) return false;
  if (std::find(addresses.begin(), addresses.end(), key) != addresses.end()) return true;
  auto at = key.rfind('@');
  if (at == std::string_view::npos) return false;
  std::string_view domain = key.substr(at + 1);
  for (const auto& d : domains) {
    if (domain == d) return true;
    // Subdomains of a support domain are support too (mx.support.example.com).
    if (domain.size() > d.size() && domain.ends_with(d) && domain[domain.size() - d.size() - 1] == '.')
      return true;
  }
  return false;
}

bool SupportIdentity::is_support(const Address& a) const { return is_support_key(a.key()); }

}  // namespace sm
