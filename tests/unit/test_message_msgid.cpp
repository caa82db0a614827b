// Message ids from Message-ID, In-Reply-To and References: brackets, comments, phrases, folding,
// duplicates, long References and hostile input. Each table row names its case.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "message/msgid.h"

namespace sm {
namespace {

struct IdCase {
  const char* label;
  std::string raw;
  std::vector<std::string> want;
};

TEST(MsgId, Parse) {
  const IdCase cases[] = {
      {"one", "<a@b.example>", {"a@b.example"}},
      {"references", "<a@b> <c@d>\r\n <e@f>", {"a@b", "c@d", "e@f"}},
      {"no white space between", "<a@b><c@d>", {"a@b", "c@d"}},
      {"commas between", "<a@b>, <c@d>", {"a@b", "c@d"}},
      {"folded with tabs and lf", "<a@b>\n\t<c@d>", {"a@b", "c@d"}},
      {"duplicates removed, first place kept", "<a@b> <c@d> <a@b>", {"a@b", "c@d"}},
      {"no brackets", "a@b.example", {"a@b.example"}},
      {"several without brackets", "a@b.example c@d.example", {"a@b.example", "c@d.example"}},
      {"comment skipped", "(comment <x@y>) <a@b>", {"a@b"}},
      {"nested comment skipped", "(a (b <x@y>) c) <a@b>", {"a@b"}},
      {"phrase skipped", "Your message of Mon, 2 Nov 2026 <a@b>", {"a@b"}},
      {"quoted phrase skipped", "\"bob@client.example\" <a@b>", {"a@b"}},
      {"missing closing bracket at the end", "<a@b> <c@d", {"a@b", "c@d"}},
      {"missing closing bracket before the next", "<a@b <c@d>", {"a@b", "c@d"}},
      {"missing opening bracket", "a@b> <c@d>", {"a@b", "c@d"}},
      {"folding inside brackets next to @", "<abc\r\n @example.com>", {"abc@example.com"}},
      {"white space inside brackets splits", "<a@b c@d>", {"a@b", "c@d"}},
      {"id without @ in brackets kept", "<local-only>", {"local-only"}},
      {"bare word without @ dropped", "local-only", {}},
      {"empty brackets", "<>", {}},
      {"empty", "", {}},
      {"only white space", " \r\n\t", {}},
      {"garbage", "<<<>>>", {}},
      {"lone @", "@ <@> <a@> <@b>", {}},
      {"unterminated comment", "<a@b> (oops <c@d>", {"a@b"}},
      {"unterminated quote", "\"oops <a@b>", {"a@b"}},
      {"8-bit id kept", "<\xD0\xB8\xD0\xB4@b>", {"\xD0\xB8\xD0\xB4@b"}},
      {"control byte rejects the id", std::string("<a\x01@b> <c@d>"), {"c@d"}},
      {"nul byte rejects the id", std::string("<a\0b@c> <c@d>", 13), {"c@d"}},
      {"id over 998 bytes dropped", "<" + std::string(1000, 'a') + "@b> <c@d>", {"c@d"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.label);
    EXPECT_EQ(parse_msg_ids(c.raw), c.want) << c.label;
  }
}

struct MaxCase {
  const char* label;
  int count;
  std::size_t max_ids;
  std::vector<std::string> want;
};

std::string refs(int n) {
  std::string raw;
  for (int i = 0; i < n; ++i) raw += "<id" + std::to_string(i) + "@x.example>\r\n ";
  return raw;
}

TEST(MsgId, KeepsRootAndNewest) {
  const MaxCase cases[] = {
      {"under the limit", 3, 5, {"id0@x.example", "id1@x.example", "id2@x.example"}},
      {"at the limit", 3, 3, {"id0@x.example", "id1@x.example", "id2@x.example"}},
      {"over the limit", 5, 3, {"id0@x.example", "id3@x.example", "id4@x.example"}},
      {"one kept: the root", 5, 1, {"id0@x.example"}},
      {"none kept", 5, 0, {}},
  };
  for (const auto& c : cases) EXPECT_EQ(parse_msg_ids(refs(c.count), c.max_ids), c.want) << c.label;
}

TEST(MsgId, TenThousandReferences) {
  auto ids = parse_msg_ids(refs(10000), 200);
  ASSERT_EQ(ids.size(), 200u);
  EXPECT_EQ(ids.front(), "id0@x.example");
  EXPECT_EQ(ids[1], "id9801@x.example");
  EXPECT_EQ(ids.back(), "id9999@x.example");
}

TEST(MsgId, HostileInputIsLinear) {
  const auto start = std::chrono::steady_clock::now();
  const std::string big = std::string(4 * 1024 * 1024, ' ');
  EXPECT_TRUE(parse_msg_ids("<" + big + ">").empty()) << "white space in brackets";
  EXPECT_TRUE(parse_msg_ids(std::string(1 << 20, '<')).empty()) << "a million '<'";
  EXPECT_TRUE(parse_msg_ids(std::string(1 << 20, '(')).empty()) << "deep comment";
  EXPECT_TRUE(parse_msg_ids(std::string(1 << 20, '"')).empty()) << "quotes";
  std::string backslash_quotes;
  for (int i = 0; i < (1 << 19); ++i) backslash_quotes += "\"\\";
  EXPECT_TRUE(parse_msg_ids(backslash_quotes).empty()) << "unterminated quotes with escapes";
  EXPECT_EQ(parse_msg_ids(std::string(1 << 20, '@')).size(), 0u) << "only @";
  std::string dups;
  for (int i = 0; i < 100000; ++i) dups += "<same@x> ";
  EXPECT_EQ(parse_msg_ids(dups).size(), 1u) << "duplicates";
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

}  // namespace
}  // namespace sm
