// Header block splitting and message ids.
#include <gtest/gtest.h>

#include "message/headers.h"
#include "message/msgid.h"

namespace sm {
namespace {

TEST(Headers, SplitsAnyLineEnd) {
  for (std::string eol : {"\r\n", "\n", "\r"}) {
    SCOPED_TRACE(eol == "\r\n" ? "crlf" : eol == "\n" ? "lf" : "cr");
    std::string msg = "Subject: a" + eol + " b" + eol + "From: x@y.example" + eol + eol + "body";
    auto hb = split_headers(msg, Limits{});
    ASSERT_EQ(hb.fields.size(), 2u);
    EXPECT_EQ(hb.fields[0].name, "Subject");
    EXPECT_EQ(unfold(hb.fields[0].value), "a b");
    EXPECT_EQ(msg.substr(hb.body_offset), "body");
  }
}

TEST(Headers, LimitsAreNotedNotFatal) {
  Limits l;
  l.max_headers = 3;
  std::string msg;
  for (int i = 0; i < 20000; ++i) msg += "Received: from x\r\n";
  msg += "\r\nbody";
  auto hb = split_headers(msg, l);
  EXPECT_EQ(hb.fields.size(), 3u);
  EXPECT_TRUE(hb.truncated);
  EXPECT_EQ(msg.substr(hb.body_offset), "body");
}

TEST(Headers, HugeLineIsCut) {
  std::string msg = "Subject: " + std::string(8 * 1024 * 1024, 'x') + "\r\n\r\nbody";
  auto hb = split_headers(msg, Limits{});
  EXPECT_TRUE(hb.truncated);  // over the header block size
  EXPECT_EQ(msg.substr(hb.body_offset), "body");
}

TEST(Headers, NonFieldLineEndsTheBlock) {
  auto hb = split_headers("Subject: a\r\nthis is body text\r\nmore\r\n", Limits{});
  ASSERT_EQ(hb.fields.size(), 1u);
  EXPECT_EQ(hb.body_offset, 12u);
  EXPECT_FALSE(hb.notes.empty());
}

TEST(Headers, LookupsIgnoreCase) {
  auto hb = split_headers("subject: a\r\nSUBJECT: b\r\n\r\n", Limits{});
  ASSERT_NE(first(hb.fields, "Subject"), nullptr);
  EXPECT_EQ(first(hb.fields, "Subject")->value, "a");
  EXPECT_EQ(all(hb.fields, "subject").size(), 2u);
}

struct IdCase {
  const char* label;
  const char* raw;
  std::vector<std::string> want;
};

TEST(MsgId, Parse) {
  const IdCase cases[] = {
      {"one", "<a@b.example>", {"a@b.example"}},
      {"references", "<a@b> <c@d>\r\n <e@f>", {"a@b", "c@d", "e@f"}},
      {"duplicates removed", "<a@b> <a@b> <c@d>", {"a@b", "c@d"}},
      {"no brackets", "a@b.example", {"a@b.example"}},
      {"comment and phrase", "(comment) Your message of <a@b>", {"a@b"}},
      {"empty", "", {}},
      {"garbage", "<<<>>>", {}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.label);
    EXPECT_EQ(parse_msg_ids(c.raw), c.want);
  }
}

TEST(MsgId, TenThousandReferencesKeepRootAndNewest) {
  std::string raw;
  for (int i = 0; i < 10000; ++i) raw += "<id" + std::to_string(i) + "@x.example> ";
  auto ids = parse_msg_ids(raw, 200);
  ASSERT_EQ(ids.size(), 200u);
  EXPECT_EQ(ids.front(), "id0@x.example");
  EXPECT_EQ(ids.back(), "id9999@x.example");
}

}  // namespace
}  // namespace sm
