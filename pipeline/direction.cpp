// Direction from header and envelope addresses against the configured support identity.
#include "pipeline/direction.h"

namespace sm {

DirectionInfo classify(const Message& m, const Envelope& env, const SupportIdentity& support) {
  DirectionInfo info;
  if (support.empty()) {
    info.reason = "no support domains or addresses configured";
    return info;
  }

  Address author;
  if (!m.from.empty()) {
    author = m.from.front();
  } else if (!m.sender.empty()) {
    author = m.sender.front();
  } else {
    author = parse_address(env.mail_from);
  }
  info.author = author.local_part.empty() ? std::string() : author.key();

  bool author_support = !info.author.empty() && support.is_support_key(info.author);
  std::string why_author = author_support ? "author " + info.author + " is support" : "";
  if (!author_support && !env.auth_user.empty()) {
    // An authenticated submission by a support login is support mail even when the From is a
    // shared or odd address.
    Address login = parse_address(env.auth_user);
    if (!login.ascii_domain.empty() && support.is_support(login)) {
      author_support = true;
      why_author = "authenticated as " + login.key();
    }
  }

  bool to_customer = false;
  bool to_support = false;
  std::string first_customer;
  auto see = [&](const std::string& key) {
    if (key.empty()) return;
    if (support.is_support_key(key)) {
      to_support = true;
    } else {
      if (!to_customer) first_customer = key;
      to_customer = true;
    }
  };
  for (const auto* list : {&m.to, &m.cc})
    for (const auto& a : *list) see(a.key());
  for (const auto& r : env.rcpt_to) {
    Address a = parse_address(r);
    if (!a.local_part.empty()) see(a.key());
  }

  if (author_support) {
    if (to_customer) {
      info.direction = Direction::outbound;
      info.reason = why_author + ", recipient " + first_customer + " is not";
    } else if (to_support) {
      info.direction = Direction::internal;
      info.reason = why_author + ", every recipient is support";
    } else {
      info.reason = why_author + ", no recipients";
    }
  } else if (to_support) {
    info.direction = Direction::inbound;
    info.reason = "author " + (info.author.empty() ? std::string("unknown") : info.author) +
                  " is not support, a recipient is";
  } else {
    info.reason = "neither author nor recipients are support";
  }
  return info;
}

}  // namespace sm
