// Address lists, display names and IDN domains.
#include <gtest/gtest.h>

#include "message/address.h"

namespace sm {
namespace {

struct Case {
  const char* label;
  const char* raw;
  std::vector<std::string> keys;
  std::vector<std::string> names;
};

TEST(Address, Lists) {
  const Case cases[] = {
      {"bare", "ana@client.example", {"ana@client.example"}, {""}},
      {"angle with name", "Ana Lopez <ana@client.example>", {"ana@client.example"}, {"Ana Lopez"}},
      {"quoted name with comma", "\"Lopez, Ana\" <ana@client.example>, bob@client.example",
       {"ana@client.example", "bob@client.example"}, {"Lopez, Ana", ""}},
      {"case folded", "ANA@Client.EXAMPLE", {"ana@client.example"}, {""}},
      {"comment name", "ana@client.example (Ana Lopez)", {"ana@client.example"}, {"Ana Lopez"}},
      {"group", "Team: a@x.example, b@y.example;", {"a@x.example", "b@y.example"}, {"", ""}},
      {"empty group", "undisclosed-recipients:;", {}, {}},
      {"outlook semicolons", "a@x.example; b@y.example", {"a@x.example", "b@y.example"}, {"", ""}},
      {"trailing comma", "a@x.example,", {"a@x.example"}, {""}},
      {"encoded name", "=?UTF-8?B?0JjQstCw0L0=?= <ivan@klient.example>", {"ivan@klient.example"}, {"Иван"}},
      {"encoded latin-1 name", "=?ISO-8859-1?Q?Mar=EDa?= <maria@cliente.example>", {"maria@cliente.example"}, {"María"}},
      {"idn unicode", "info@bücher.example", {"info@xn--bcher-kva.example"}, {""}},
      {"idn a-label", "info@XN--BCHER-KVA.example", {"info@xn--bcher-kva.example"}, {""}},
      {"cyrillic domain", "Иван <ivan@пример.рф>", {"ivan@xn--e1afmkfd.xn--p1ai"}, {"Иван"}},
      {"source route", "<@relay.example:ana@client.example>", {"ana@client.example"}, {""}},
      {"missing closing bracket", "Ana <ana@client.example", {"ana@client.example"}, {"Ana"}},
      {"nested comment", "ana@client.example (a (b) c)", {"ana@client.example"}, {"a b c"}},
      {"garbage", ",,,;;", {}, {}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.label);
    auto list = parse_address_list(c.raw);
    std::vector<std::string> keys, names;
    for (const auto& a : list) keys.push_back(a.key()), names.push_back(a.display_name);
    EXPECT_EQ(keys, c.keys);
    EXPECT_EQ(names, c.names);
  }
}

TEST(Address, UnicodeFormIsReadable) {
  auto a = parse_address("info@XN--BCHER-KVA.example");
  EXPECT_EQ(a.domain, "bücher.example");
  EXPECT_EQ(a.address(), "info@bücher.example");
}

TEST(Address, EnvelopeForms) {
  EXPECT_EQ(parse_address("<ana@client.example>").key(), "ana@client.example");
  EXPECT_TRUE(parse_address("<>").local_part.empty());
}

TEST(Address, HostileListsAreBounded) {
  std::string many(200000, ',');
  EXPECT_TRUE(parse_address_list(many).empty());
  std::string deep(100000, '(');
  EXPECT_TRUE(parse_address_list(deep + "a@b.example").empty());
  std::string lots;
  for (int i = 0; i < 5000; ++i) lots += "u" + std::to_string(i) + "@x.example,";
  EXPECT_EQ(parse_address_list(lots, 1000).size(), 1000u);
}

}  // namespace
}  // namespace sm
