// Mailbox addresses (From, Reply-To, To, Cc, Sender): RFC 5322 address lists with groups, quoted
// strings, comments and encoded-word display names; domains lower-cased and IDN-normalized (UTS #46
// through ICU).
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace sm {

struct Address {
  std::string display_name;  // decoded UTF-8, may be empty
  std::string local_part;    // as written (unquoted)
  std::string domain;        // lower-case Unicode form (UTS #46 toUnicode), may be empty
  std::string ascii_domain;  // lower-case ASCII form (punycode), may be empty

  // local@domain in readable (Unicode) form.
  std::string address() const;
  // Comparison key: local part lower-cased @ ascii_domain. Two spellings of one mailbox (case,
  // U-label vs A-label) have the same key.
  std::string key() const;
  bool operator==(const Address& o) const { return key() == o.key(); }
};

// Parses an address-list header value. Never throws; an unparseable item is skipped. At most
// `max_items` addresses are returned.
std::vector<Address> parse_address_list(std::string_view raw, std::size_t max_items = 1000);

// Parses one bare address ("a@b", "<a@b>", from the envelope); nullopt-like empty local_part when
// it is not an address.
Address parse_address(std::string_view raw);

// Lower-cased UTS #46 forms of a domain: {unicode, ascii}. Invalid input is lower-cased as is.
std::pair<std::string, std::string> normalize_domain(std::string_view domain);

}  // namespace sm
