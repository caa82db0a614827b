// Direction from addresses: inbound, outbound, internal, other.
#include <gtest/gtest.h>

#include "pipeline/direction.h"

namespace sm {
namespace {

SupportIdentity support() {
  SupportIdentity s;
  s.domains = {"support.example.com", "xn--bcher-kva.example"};
  s.addresses = {"help@outside.example"};
  return s;
}

std::vector<Address> list(std::initializer_list<const char*> xs) {
  std::vector<Address> out;
  for (const char* x : xs) out.push_back(parse_address(x));
  return out;
}

struct Case {
  const char* label;
  std::vector<Address> from, to, cc;
  Envelope env;
  Direction want;
};

TEST(Direction, Classify) {
  const Case cases[] = {
      {"customer to support", list({"ana@client.example"}), list({"help@support.example.com"}), {}, {}, Direction::inbound},
      {"support to customer", list({"Agent@Support.Example.com"}), list({"ana@client.example"}), {}, {}, Direction::outbound},
      {"support to support", list({"agent@support.example.com"}), list({"lead@support.example.com"}), {}, {}, Direction::internal},
      {"subdomain is support", list({"agent@eu.support.example.com"}), list({"ana@client.example"}), {}, {}, Direction::outbound},
      {"customer cc support", list({"ana@client.example"}), list({"bob@client.example"}), list({"help@support.example.com"}), {}, Direction::inbound},
      {"single support address", list({"ana@client.example"}), list({"help@outside.example"}), {}, {}, Direction::inbound},
      {"idn support domain", list({"ana@client.example"}), list({"info@BÜCHER.example"}), {}, {}, Direction::inbound},
      {"neither side", list({"ana@client.example"}), list({"bob@other.example"}), {}, {}, Direction::other},
      {"internal with customer cc", list({"agent@support.example.com"}), list({"lead@support.example.com"}), list({"ana@client.example"}), {}, Direction::outbound},
      {"envelope recipient counts", list({"ana@client.example"}), list({"bob@client.example"}), {}, Envelope{"", {"<help@support.example.com>"}, "", "", "", ""}, Direction::inbound},
      {"no from uses envelope", {}, list({"ana@client.example"}), {}, Envelope{"<agent@support.example.com>", {}, "", "", "", ""}, Direction::outbound},
      {"auth user is support", list({"noreply@client-portal.example"}), list({"ana@client.example"}), {}, Envelope{"", {}, "agent@support.example.com", "", "", ""}, Direction::outbound},
      {"look-alike domain is not support", list({"x@evilsupport.example.com"}), list({"ana@client.example"}), {}, {}, Direction::other},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.label);
    Message m;
    m.from = c.from;
    m.to = c.to;
    m.cc = c.cc;
    auto info = classify(m, c.env, support());
    EXPECT_EQ(info.direction, c.want) << info.reason;
    EXPECT_FALSE(info.reason.empty());
  }
}

TEST(Direction, NoSupportConfiguredIsOther) {
  Message m;
  m.from = list({"ana@client.example"});
  m.to = list({"help@support.example.com"});
  EXPECT_EQ(classify(m, {}, SupportIdentity{}).direction, Direction::other);
}

}  // namespace
}  // namespace sm
