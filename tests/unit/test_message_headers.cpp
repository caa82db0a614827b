// Header block splitting: line ends, folding, the end of the block, limits and hostile input.
// Each table row names its case; a failure names the row.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "message/headers.h"

namespace sm {
namespace {

using namespace std::string_literals;

struct SplitCase {
  const char* label;
  std::string input;
  std::vector<std::pair<std::string, std::string>> want;  // name, unfolded value
  std::string body;                                       // what follows body_offset
  bool noted = false;                                     // a parse note is expected
};

TEST(Headers, Split) {
  const SplitCase cases[] = {
      {"crlf",
       "Subject: a\r\n b\r\nFrom: x@y.example\r\n\r\nbody",
       {{"Subject", "a b"}, {"From", "x@y.example"}},
       "body"},
      {"lf",
       "Subject: a\n b\nFrom: x@y.example\n\nbody",
       {{"Subject", "a b"}, {"From", "x@y.example"}},
       "body"},
      {"bare cr",
       "Subject: a\r b\rFrom: x@y.example\r\rbody",
       {{"Subject", "a b"}, {"From", "x@y.example"}},
       "body"},
      {"mixed line ends", "A: 1\r\nB: 2\nC: 3\r\n\nbody", {{"A", "1"}, {"B", "2"}, {"C", "3"}}, "body"},
      {"tab continuation", "Subject: a\r\n\tb\r\n\r\n", {{"Subject", "a\tb"}}, ""},
      {"several continuations", "To: a@x,\r\n b@y,\r\n c@z\r\n\r\nB", {{"To", "a@x, b@y, c@z"}}, "B"},
      {"no body", "Subject: a\r\n", {{"Subject", "a"}}, ""},
      {"no final line end", "Subject: a", {{"Subject", "a"}}, ""},
      {"empty message", "", {}, ""},
      {"only body", "\r\nbody", {}, "body"},
      {"empty value", "X-Empty:\r\nY: 1\r\n\r\n", {{"X-Empty", ""}, {"Y", "1"}}, ""},
      {"space before colon", "Subject : a\r\n\r\n", {{"Subject", "a"}}, ""},
      {"white space after colon removed", "Subject:  \t a\r\n\r\n", {{"Subject", "a"}}, ""},
      {"colon in value", "Subject: Re: a: b\r\n\r\n", {{"Subject", "Re: a: b"}}, ""},
      {"line without colon ends the block",
       "Subject: a\r\nthis is body text\r\nmore\r\n",
       {{"Subject", "a"}},
       "this is body text\r\nmore\r\n",
       true},
      {"continuation before any field",
       " folded\r\nSubject: a\r\n\r\nbody",
       {},
       " folded\r\nSubject: a\r\n\r\nbody",
       true},
      {"name with a space",
       "Bad Name: x\r\nSubject: a\r\n\r\n",
       {},
       "Bad Name: x\r\nSubject: a\r\n\r\n",
       true},
      {"empty name", ": x\r\n\r\n", {}, ": x\r\n\r\n", true},
      {"nul in name ends the block", "Sub\0ject: x\r\n\r\nb"s, {}, "Sub\0ject: x\r\n\r\nb"s, true},
      {"nul in value kept", "Subject: a\0b\r\n\r\n"s, {{"Subject", "a\0b"s}}, ""},
      {"8-bit value", "Subject: Привет\r\n\r\n", {{"Subject", "Привет"}}, ""},
      {"white-space-only line continues",
       "Subject: a\r\n   \r\nFrom: b\r\n\r\nbody",
       {{"Subject", "a   "}, {"From", "b"}},
       "body"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.label);
    auto hb = split_headers(c.input, Limits{});
    std::vector<std::pair<std::string, std::string>> got;
    for (const auto& f : hb.fields) got.emplace_back(f.name, unfold(f.value));
    EXPECT_EQ(got, c.want) << c.label;
    ASSERT_LE(hb.body_offset, c.input.size()) << c.label;
    EXPECT_EQ(c.input.substr(hb.body_offset), c.body) << c.label;
    EXPECT_FALSE(hb.truncated) << c.label;
    EXPECT_EQ(!hb.notes.empty(), c.noted) << c.label;
  }
}

TEST(Headers, RawValueKeepsFolding) {
  auto hb = split_headers("Subject: a\n b\n\n", Limits{});
  ASSERT_EQ(hb.fields.size(), 1u);
  EXPECT_EQ(hb.fields[0].value, "a\r\n b");
}

struct LimitCase {
  const char* label;
  Limits limits;
  std::string input;
  std::size_t fields;
  bool truncated;
};

Limits limits_with(std::size_t header_bytes, std::size_t headers, std::size_t line) {
  Limits l;
  l.max_header_bytes = header_bytes;
  l.max_headers = headers;
  l.max_line = line;
  return l;
}

std::string repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

TEST(Headers, Limits) {
  const LimitCase cases[] = {
      {"field count", limits_with(1 << 20, 3, 2048), repeat("Received: from x\r\n", 20000) + "\r\nbody", 3,
       true},
      {"block size", limits_with(100, 1000, 2048), repeat("X-A: 0123456789\r\n", 50) + "\r\nbody", 5, true},
      {"long line cut, not truncated", limits_with(1 << 20, 1000, 10),
       "Subject: 0123456789abcdef\r\n\r\nbody", 1, false},
      {"zero max_line does not crash", limits_with(1 << 20, 1000, 0), "Subject: a\r\n\r\nbody", 0, false},
      {"continuations count toward the size", limits_with(200, 1000, 2048),
       "To: a\r\n" + repeat(" b,\r\n", 200) + "\r\nbody", 1, true},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.label);
    auto hb = split_headers(c.input, c.limits);
    EXPECT_EQ(hb.fields.size(), c.fields) << c.label;
    EXPECT_EQ(hb.truncated, c.truncated) << c.label;
    EXPECT_FALSE(hb.notes.empty()) << c.label;
    if (c.fields > 0 || c.truncated) {
      EXPECT_EQ(c.input.substr(hb.body_offset), "body") << c.label;
    }
  }
}

TEST(Headers, LongLineIsCutForParsing) {
  Limits l = limits_with(1 << 20, 1000, 10);
  auto hb = split_headers("Subject: 0123456789abcdef\r\n\r\nbody", l);
  ASSERT_EQ(hb.fields.size(), 1u);
  EXPECT_EQ(hb.fields[0].value, "0");
  ASSERT_EQ(hb.notes.size(), 1u);
  EXPECT_NE(hb.notes[0].find("cut"), std::string::npos);
}

// Hostile shapes must take time in proportion to their size.
TEST(Headers, HostileInputIsLinear) {
  const auto start = std::chrono::steady_clock::now();
  {
    SCOPED_TRACE("8 MB unfolded line");
    std::string msg = "Subject: " + std::string(8 * 1024 * 1024, 'x') + "\r\n\r\nbody";
    auto hb = split_headers(msg, Limits{});
    EXPECT_TRUE(hb.truncated);
    EXPECT_EQ(msg.substr(hb.body_offset), "body");
  }
  {
    SCOPED_TRACE("8 MB line with a large size limit");
    std::string msg = "Subject: " + std::string(8 * 1024 * 1024, 'x') + "\r\nFrom: a@b\r\n\r\nbody";
    auto hb = split_headers(msg, limits_with(std::size_t{64} << 20, 1000, 2048));
    ASSERT_EQ(hb.fields.size(), 2u);
    EXPECT_EQ(hb.fields[0].value.size(), 2048u - 9u);
    EXPECT_FALSE(hb.truncated);
    EXPECT_EQ(msg.substr(hb.body_offset), "body");
  }
  {
    SCOPED_TRACE("a million continuation lines");
    std::string msg = "To: a\r\n" + repeat(" b\r\n", 1000000) + "\r\nbody";
    auto hb = split_headers(msg, limits_with(std::size_t{64} << 20, 1000, 2048));
    ASSERT_EQ(hb.fields.size(), 1u);
    EXPECT_EQ(msg.substr(hb.body_offset), "body");
  }
  {
    SCOPED_TRACE("8 MB of bare CRs");
    std::string msg = "Subject: a" + std::string(8 * 1024 * 1024, '\r');
    auto hb = split_headers(msg, Limits{});
    EXPECT_EQ(hb.fields.size(), 1u);
  }
  {
    SCOPED_TRACE("8 MB unfold");
    std::string v = repeat("a\r\n ", 2 * 1024 * 1024);
    EXPECT_EQ(unfold(v).size(), 4u * 1024 * 1024);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

struct UnfoldCase {
  const char* label;
  const char* raw;
  const char* want;
};

TEST(Headers, Unfold) {
  const UnfoldCase cases[] = {
      {"crlf space", "a\r\n b", "a b"},
      {"lf tab", "a\n\tb", "a\tb"},
      {"cr space", "a\r b", "a b"},
      {"bare break inside", "a\nb", "a b"},
      {"break at end", "a\r\n", "a"},
      {"nothing to do", "plain", "plain"},
      {"empty", "", ""},
  };
  for (const auto& c : cases) EXPECT_EQ(unfold(c.raw), c.want) << c.label;
}

TEST(Headers, LookupsIgnoreCase) {
  auto hb = split_headers("subject: a\r\nSUBJECT: b\r\nFrom: c\r\n\r\n", Limits{});
  ASSERT_NE(first(hb.fields, "Subject"), nullptr);
  EXPECT_EQ(first(hb.fields, "Subject")->value, "a");
  EXPECT_EQ(all(hb.fields, "subject").size(), 2u);
  EXPECT_EQ(first(hb.fields, "Cc"), nullptr);
  EXPECT_TRUE(all(hb.fields, "Cc").empty());
}

struct EqCase {
  const char* label;
  std::string a;
  std::string b;
  bool want;
};

TEST(Headers, Iequals) {
  const EqCase cases[] = {
      {"same", "Subject", "Subject", true},
      {"case", "message-id", "Message-ID", true},
      {"length", "Subject", "Subjec", false},
      {"empty", "", "", true},
      {"8-bit bytes compare as bytes", "\xC3\x89", "\xC3\xA9", false},
      {"nul", "a\0b"s, "A\0B"s, true},
  };
  for (const auto& c : cases) EXPECT_EQ(iequals(c.a, c.b), c.want) << c.label;
}

}  // namespace
}  // namespace sm
