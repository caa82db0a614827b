// Address lists, display names in several charsets, groups, IDN domains and hostile input. Each
// table row names its case; a failure names the row.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "message/address.h"

namespace sm {
namespace {

struct ListCase {
  const char* label;
  std::string raw;
  std::vector<std::string> keys;
  std::vector<std::string> names;
};

TEST(Address, Lists) {
  const ListCase cases[] = {
      {"bare", "ana@client.example", {"ana@client.example"}, {""}},
      {"angle only", "<ana@client.example>", {"ana@client.example"}, {""}},
      {"angle with name", "Ana Lopez <ana@client.example>", {"ana@client.example"}, {"Ana Lopez"}},
      {"quoted name", "\"Ana Lopez\" <ana@client.example>", {"ana@client.example"}, {"Ana Lopez"}},
      {"quoted name with comma",
       "\"Lopez, Ana\" <ana@client.example>, bob@client.example",
       {"ana@client.example", "bob@client.example"},
       {"Lopez, Ana", ""}},
      {"escapes in quoted name",
       R"("Ana \"La Jefa\" Lopez" <ana@client.example>)",
       {"ana@client.example"},
       {"Ana \"La Jefa\" Lopez"}},
      {"name with dots (obsolete phrase)",
       "John Q. Public <jqp@client.example>",
       {"jqp@client.example"},
       {"John Q. Public"}},
      {"no space before angle", "Ana<ana@client.example>", {"ana@client.example"}, {"Ana"}},
      {"case folded", "ANA@Client.EXAMPLE", {"ana@client.example"}, {""}},
      {"comment name", "ana@client.example (Ana Lopez)", {"ana@client.example"}, {"Ana Lopez"}},
      {"nested comment", "ana@client.example (a (b) c)", {"ana@client.example"}, {"a (b) c"}},
      {"comment ignored when there is a name",
       "Ana <ana@client.example> (work)",
       {"ana@client.example"},
       {"Ana"}},
      {"unquoted name without brackets",
       "Ana Lopez ana@client.example",
       {"ana@client.example"},
       {"Ana Lopez"}},
      {"quoted local part", "\"ana lopez\"@client.example", {"ana lopez@client.example"}, {""}},
      {"obsolete spaces around @ and dots", "ana @ client . example", {"ana@client.example"}, {""}},
      {"group", "Team: a@x.example, b@y.example;", {"a@x.example", "b@y.example"}, {"", ""}},
      {"group with names and others",
       "Team: Ana <a@x.example>;, c@z.example",
       {"a@x.example", "c@z.example"},
       {"Ana", ""}},
      {"empty group", "undisclosed-recipients:;", {}, {}},
      {"empty group then address",
       "undisclosed-recipients:;, bob@client.example",
       {"bob@client.example"},
       {""}},
      {"outlook semicolons", "a@x.example; b@y.example", {"a@x.example", "b@y.example"}, {"", ""}},
      {"no comma between angle addresses",
       "A <a@x.example> B <b@y.example>",
       {"a@x.example", "b@y.example"},
       {"A", "B"}},
      {"trailing comma", "a@x.example,", {"a@x.example"}, {""}},
      {"leading and double commas", ",a@x.example,,b@y.example", {"a@x.example", "b@y.example"}, {"", ""}},
      {"folded",
       "Ana\r\n <ana@client.example>,\r\n\tbob@client.example",
       {"ana@client.example", "bob@client.example"},
       {"Ana", ""}},
      {"source route", "<@relay.example:ana@client.example>", {"ana@client.example"}, {""}},
      {"source route with two relays",
       "Ana <@a.example,@b.example:ana@client.example>, bob@client.example",
       {"ana@client.example", "bob@client.example"},
       {"Ana", ""}},
      {"missing closing bracket", "Ana <ana@client.example", {"ana@client.example"}, {"Ana"}},
      {"missing closing bracket before a comma",
       "Ana <ana@client.example, bob@client.example",
       {"ana@client.example", "bob@client.example"},
       {"Ana", ""}},
      {"unterminated quote", "\"Ana <ana@client.example>", {"ana@client.example"}, {"Ana"}},
      {"unterminated comment", "ana@client.example (Ana", {"ana@client.example"}, {"Ana"}},
      {"unquoted Last, First drops the half",
       "Lopez, Ana <ana@client.example>",
       {"ana@client.example"},
       {"Ana"}},
      {"local part without domain dropped", "ana, bob@client.example", {"bob@client.example"}, {""}},
      {"angle local part kept", "<postmaster>", {"postmaster"}, {""}},
      {"@ without domain dropped", "ana@, <@client.example>", {}, {}},
      {"empty", "", {}, {}},
      {"garbage", ",,,;;<>:", {}, {}},
      {"address literal", "ana@[192.0.2.1]", {"ana@[192.0.2.1]"}, {""}},
      {"trailing dot in domain", "ana@client.example.", {"ana@client.example"}, {""}},
      // Display names in charsets.
      {"utf-8 b", "=?UTF-8?B?0JjQstCw0L0=?= <ivan@klient.example>", {"ivan@klient.example"}, {"Иван"}},
      {"utf-8 in quotes",
       "\"=?UTF-8?B?0KHQu9GD0LbQsdCwINC/0L7QtNC00LXRgNC20LrQuA==?=\" <help@klient.example>",
       {"help@klient.example"},
       {"Служба поддержки"}},
      {"iso-8859-1 q",
       "=?ISO-8859-1?Q?Mar=EDa?= <maria@cliente.example>",
       {"maria@cliente.example"},
       {"María"}},
      {"iso-8859-1 two words",
       "=?ISO-8859-1?Q?Jos=E9?= =?ISO-8859-1?Q?_M=FCller?= <jm@cliente.example>",
       {"jm@cliente.example"},
       {"José Müller"}},
      {"koi8-r b",
       "=?KOI8-R?B?6dfBziDwxdTSz9c=?= <ivan@klient.example>",
       {"ivan@klient.example"},
       {"Иван Петров"}},
      {"koi8-r q", "=?koi8-r?Q?=E9=D7=C1=CE?= <ivan@klient.example>", {"ivan@klient.example"}, {"Иван"}},
      {"raw utf-8 name", "Иван Петров <ivan@klient.example>", {"ivan@klient.example"}, {"Иван Петров"}},
      {"encoded comment name",
       "ivan@klient.example (=?UTF-8?B?0JjQstCw0L0=?=)",
       {"ivan@klient.example"},
       {"Иван"}},
      // Domains.
      {"idn unicode", "info@bücher.example", {"info@xn--bcher-kva.example"}, {""}},
      {"idn upper-case unicode", "info@BÜCHER.EXAMPLE", {"info@xn--bcher-kva.example"}, {""}},
      {"idn a-label", "info@XN--BCHER-KVA.example", {"info@xn--bcher-kva.example"}, {""}},
      {"cyrillic domain", "Иван <ivan@пример.рф>", {"ivan@xn--e1afmkfd.xn--p1ai"}, {"Иван"}},
      {"cyrillic upper-case domain", "ivan@ПРИМЕР.РФ", {"ivan@xn--e1afmkfd.xn--p1ai"}, {""}},
      {"cyrillic local part folded", "ИВАН@пример.рф", {"иван@xn--e1afmkfd.xn--p1ai"}, {""}},
      {"german sharp s kept (nontransitional)", "info@straße.example", {"info@xn--strae-oqa.example"}, {""}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.label);
    auto list = parse_address_list(c.raw);
    std::vector<std::string> keys, names;
    for (const auto& a : list) keys.push_back(a.key()), names.push_back(a.display_name);
    EXPECT_EQ(keys, c.keys) << c.label;
    EXPECT_EQ(names, c.names) << c.label;
  }
}

struct OneCase {
  const char* label;
  std::string raw;
  std::string local;
  std::string domain;
  std::string ascii;
  std::string address;
};

TEST(Address, Parts) {
  const OneCase cases[] = {
      {"a-label read as unicode", "info@XN--BCHER-KVA.example", "info", "bücher.example",
       "xn--bcher-kva.example", "info@bücher.example"},
      {"u-label upper-case", "Info@BÜCHER.example", "Info", "bücher.example", "xn--bcher-kva.example",
       "Info@bücher.example"},
      {"cyrillic", "<ivan@пример.рф>", "ivan", "пример.рф", "xn--e1afmkfd.xn--p1ai", "ivan@пример.рф"},
      {"cyrillic a-label", "ivan@XN--E1AFMKFD.XN--P1AI", "ivan", "пример.рф", "xn--e1afmkfd.xn--p1ai",
       "ivan@пример.рф"},
      {"local part as written", "Ana.Lopez@Client.Example", "Ana.Lopez", "client.example", "client.example",
       "Ana.Lopez@client.example"},
      {"envelope angle", "<ana@client.example>", "ana", "client.example", "client.example",
       "ana@client.example"},
      {"null sender", "<>", "", "", "", ""},
      {"envelope bare local", "postmaster", "postmaster", "", "", "postmaster"},
      {"envelope with spaces", "  <ana@client.example>  ", "ana", "client.example", "client.example",
       "ana@client.example"},
      {"not an address", "Ana Lopez", "", "", "", ""},
      {"bad punycode lower-cased as is", "a@XN--ZZZZ.example", "a", "xn--zzzz.example", "xn--zzzz.example",
       "a@xn--zzzz.example"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.label);
    const Address a = parse_address(c.raw);
    EXPECT_EQ(a.local_part, c.local) << c.label;
    EXPECT_EQ(a.domain, c.domain) << c.label;
    EXPECT_EQ(a.ascii_domain, c.ascii) << c.label;
    EXPECT_EQ(a.address(), c.address) << c.label;
  }
}

TEST(Address, SpellingsOfOneMailboxAreEqual) {
  EXPECT_EQ(parse_address("Info@Bücher.example"), parse_address("info@xn--bcher-kva.EXAMPLE"));
  EXPECT_EQ(parse_address("ivan@пример.рф"), parse_address("IVAN@xn--e1afmkfd.xn--p1ai"));
  EXPECT_FALSE(parse_address("a@x.example") == parse_address("b@x.example"));
}

struct DomainCase {
  const char* label;
  std::string raw;
  std::string uni;
  std::string ascii;
};

TEST(Address, NormalizeDomain) {
  const DomainCase cases[] = {
      {"ascii", "Client.EXAMPLE", "client.example", "client.example"},
      {"u-label", "bücher.example", "bücher.example", "xn--bcher-kva.example"},
      {"a-label", "XN--BCHER-KVA.EXAMPLE", "bücher.example", "xn--bcher-kva.example"},
      {"cyrillic", "ПРИМЕР.РФ", "пример.рф", "xn--e1afmkfd.xn--p1ai"},
      {"trailing dot", "client.example.", "client.example", "client.example"},
      {"empty", "", "", ""},
      {"literal", "[IPv6:2001:DB8::1]", "[ipv6:2001:db8::1]", "[ipv6:2001:db8::1]"},
      {"underscore allowed", "Mail_Host.example", "mail_host.example", "mail_host.example"},
      {"invalid utf-8 lower-cased as is", "A\xFF.example", "a\xFF.example", "a\xFF.example"},
      {"disallowed character lower-cased as is", "Ex\xE2\x80\xA8mple.example", "ex\xE2\x80\xA8mple.example",
       "ex\xE2\x80\xA8mple.example"},
      {"long domain", std::string(300, 'a') + ".example", std::string(300, 'a') + ".example",
       std::string(300, 'a') + ".example"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.label);
    auto [uni, ascii] = normalize_domain(c.raw);
    EXPECT_EQ(uni, c.uni) << c.label;
    EXPECT_EQ(ascii, c.ascii) << c.label;
  }
}

TEST(Address, HostileListsAreBoundedAndLinear) {
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(parse_address_list(std::string(100000, ',')).empty()) << "100,000 commas";
  EXPECT_TRUE(parse_address_list(std::string(200000, ';')).empty()) << "200,000 semicolons";
  EXPECT_TRUE(parse_address_list(std::string(100000, '(') + "a@b.example").empty()) << "deep comment";
  EXPECT_EQ(parse_address_list(std::string(100000, '(') + std::string(100000, ')') + "a@b.example").size(),
            1u)
      << "deep closed comment";
  EXPECT_TRUE(parse_address_list(std::string(100000, '<')).empty()) << "100,000 '<'";
  EXPECT_TRUE(parse_address_list(std::string(100000, ':')).empty()) << "100,000 ':'";
  EXPECT_TRUE(parse_address_list(std::string(100001, '"')).empty()) << "odd quotes";
  std::string escaped_quotes;
  for (int i = 0; i < 100000; ++i) escaped_quotes += "\"\\";
  EXPECT_TRUE(parse_address_list(escaped_quotes).empty()) << "unterminated quotes with escapes";
  EXPECT_TRUE(parse_address_list(std::string(1 << 20, '@')).empty()) << "only @";
  EXPECT_TRUE(parse_address_list("a@" + std::string(1 << 20, 'x')).empty()) << "huge domain";
  EXPECT_TRUE(parse_address_list(std::string("a\0b@c.example", 13).substr(0, 13)).size() <= 1) << "nul byte";
  std::string lots;
  for (int i = 0; i < 5000; ++i) lots += "u" + std::to_string(i) + "@x.example,";
  auto bounded = parse_address_list(lots, 1000);
  ASSERT_EQ(bounded.size(), 1000u) << "max_items";
  EXPECT_EQ(bounded.back().key(), "u999@x.example");
  EXPECT_TRUE(parse_address_list(lots, 0).empty()) << "max_items 0";
  std::string long_name = "=?UTF-8?B?" + std::string(1 << 20, 'A') + "?= <a@b.example>";
  ASSERT_EQ(parse_address_list(long_name).size(), 1u) << "huge display name";
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

}  // namespace
}  // namespace sm
