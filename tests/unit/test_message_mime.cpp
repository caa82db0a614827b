// The body: part choice, transfer decoding, charsets, HTML, and hostile structures that must end
// in bounded time with a note, never a crash.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "message/charset.h"
#include "message/html_text.h"
#include "message/message.h"
#include "message/mime.h"

namespace sm {
namespace {

struct Case {
  const char* label;
  std::string message;
  std::string want_text;  // substring of the text
  bool from_html;
};

std::string mp(const std::string& type, const std::string& boundary, const std::vector<std::string>& parts) {
  std::string s = "Content-Type: multipart/" + type + "; boundary=\"" + boundary + "\"\r\n\r\npreamble\r\n";
  for (const auto& p : parts) s += "--" + boundary + "\r\n" + p + "\r\n";
  return s + "--" + boundary + "--\r\n";
}

TEST(Mime, ChoosesAndDecodesTheText) {
  const Case cases[] = {
      {"no mime", "Subject: x\r\n\r\nplain body", "plain body", false},
      {"qp utf-8", "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nEspa=C3=B1a =\r\nsoft", "España soft", false},
      {"base64 koi8-r", "Content-Type: text/plain; charset=koi8-r\r\nContent-Transfer-Encoding: base64\r\n\r\n8NLJ18XU\r\n", "Привет", false},
      {"alternative prefers plain",
       mp("alternative", "b1", {"Content-Type: text/plain\r\n\r\nthe plain", "Content-Type: text/html\r\n\r\n<p>the html</p>"}), "the plain", false},
      {"html only windows-1251", "Content-Type: text/html; charset=windows-1251\r\n\r\n<p>\xcf\xf0\xe8\xe2\xe5\xf2</p>", "Привет", true},
      {"empty plain next to html",
       mp("alternative", "b1", {"Content-Type: text/plain\r\n\r\n  ", "Content-Type: text/html\r\n\r\n<div>real text</div>"}), "real text", true},
      {"attachment skipped",
       mp("mixed", "m1", {"Content-Type: text/plain; name=a.txt\r\nContent-Disposition: attachment\r\n\r\nattached text",
                          "Content-Type: text/plain\r\n\r\nbody text"}), "body text", false},
      {"nested mixed alternative",
       mp("mixed", "m1", {mp("alternative", "a1", {"Content-Type: text/plain\r\n\r\ninner plain", "Content-Type: text/html\r\n\r\n<b>x</b>"}),
                          "Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n"}), "inner plain", false},
      {"rfc 2231 charset", "Content-Type: text/plain; charset*=iso-8859-1''\r\n\r\nok", "ok", false},
      {"broken base64", "Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\naGVsbG8gd29y!!!bGQ", "hello wor", false},
      {"truncated qp", "Content-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nabc=C", "abc=C", false},
      {"bare lf", "Content-Type: text/plain\n\nline1\nline2", "line1\nline2", false},
      {"bare cr", "Content-Type: text/plain\r\rline1\rline2", "line1\nline2", false},
      {"mixed line ends", "Content-Type: text/plain\r\n\r\na\r\nb\rc\n\r\nd\r\r\ne", "a\nb\nc\n\nd\n\ne", false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.label);
    BodyText b = extract_body(c.message, Limits{});
    EXPECT_NE(b.text.find(c.want_text), std::string::npos) << "[" << b.text << "]";
    EXPECT_EQ(b.from_html, c.from_html);
  }
}

// Hostile structures: each is bounded and noted.
TEST(Mime, HostileStructuresAreBounded) {
  struct Hostile {
    const char* label;
    std::string message;
  };
  std::string deep = "Content-Type: text/plain\r\n\r\nsurface\r\n";
  std::string nested;
  for (int i = 0; i < 10000; ++i) nested += "Content-Type: multipart/mixed; boundary=\"b" + std::to_string(i) + "\"\r\n\r\n--b" + std::to_string(i) + "\r\n";
  nested += "Content-Type: text/plain\r\n\r\ndeepest\r\n";
  std::string many = "Content-Type: multipart/mixed; boundary=\"x\"\r\n\r\n";
  for (int i = 0; i < 100000; ++i) many += "--x\r\n\r\n";
  many += "--x--\r\n";
  std::string long_boundary(5000, 'q');
  std::string rfc822_nest;
  for (int i = 0; i < 5000; ++i) rfc822_nest += "Content-Type: message/rfc822\r\n\r\n";
  const Hostile cases[] = {
      {"10,000 nested multiparts", nested},
      {"100,000 empty parts", many},
      {"empty boundary", "Content-Type: multipart/mixed; boundary=\"\"\r\n\r\n--\r\n--\r\n--\r\n"},
      {"5,000-byte boundary", "Content-Type: multipart/mixed; boundary=\"" + long_boundary + "\"\r\n\r\n--" + long_boundary + "\r\n\r\nx\r\n"},
      {"boundary prefix of parent", mp("mixed", "ab", {mp("mixed", "a", {"Content-Type: text/plain\r\n\r\ninner"})})},
      {"missing final boundary", "Content-Type: multipart/mixed; boundary=\"z\"\r\n\r\n--z\r\nContent-Type: text/plain\r\n\r\nunfinished"},
      {"nul bytes", std::string("Content-Type: text/plain\r\n\r\na\0b\0c", 32)},
      {"nested message/rfc822", rfc822_nest + "\r\nbody"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.label);
    auto start = std::chrono::steady_clock::now();
    Message m = parse_message(c.message, Limits{});
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
    EXPECT_LT(ms, 10000) << "took " << ms << " ms";  // a hang, not a speed target
    EXPECT_TRUE(is_valid_utf8(m.body_text));
  }
  Message m = parse_message(nested, Limits{});
  EXPECT_TRUE(m.limit_hit);
  m = parse_message(many, Limits{});
  EXPECT_TRUE(m.limit_hit);
}

// Body text keeps line breaks, tabs and form feeds; NUL bytes go and other control characters
// become spaces, in the text and in an attached message's.
TEST(Mime, ControlCharactersInTheBody) {
  using namespace std::string_literals;
  Message m = parse_message("Content-Type: text/plain\r\n\r\none\x01two\0three\tfour\x7f\ffive\r\nsix"s, Limits{});
  EXPECT_EQ(m.body_text, "one twothree\tfour \ffive\nsix");
  m = parse_message("Content-Type: text/plain\r\n\r\nclean text\r\nin two lines"s, Limits{});
  EXPECT_EQ(m.body_text, "clean text\nin two lines");
}

// A part's body ends before the line break that precedes the next delimiter; an attached message
// is handed on byte for byte.
TEST(Mime, PartBodiesEndAtTheDelimiter) {
  std::string inner = "From: a@example.com\r\nSubject: old\r\n\r\nthe old text\r\n";
  std::string msg = mp("mixed", "m1", {"Content-Type: text/plain\r\n\r\nfirst line\r\nlast line",
                                       "Content-Type: message/rfc822\r\n\r\n" + inner});
  BodyText b = extract_body(msg, Limits{});
  EXPECT_EQ(b.text, "first line\nlast line");
  ASSERT_EQ(b.attached_messages.size(), 1u);
  EXPECT_EQ(b.attached_messages.front(), inner);
  EXPECT_EQ(b.parts, 3u);
  EXPECT_EQ(b.depth, 1u);
}

// A delimiter is a whole line that starts with "--" and the boundary, after any line end (LF,
// CRLF or a bare CR); dashes elsewhere — inside a line, a longer run, a signature's "-- ", base64
// — are the part's text.
TEST(Mime, DelimitersAreLinesOfTheirOwnAfterAnyLineEnd) {
  const std::string head = "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n";
  // Bare CR line ends around the delimiters.
  BodyText cr = extract_body(head + "pre\r--b1\rContent-Type: text/plain\r\rfirst\r--b1--\r", Limits{});
  EXPECT_EQ(cr.text, "first");
  EXPECT_EQ(cr.parts, 2u);
  // "--b1" inside a line, a run of dashes, a signature delimiter and a longer boundary are text.
  BodyText text = extract_body(head + "--b1\nContent-Type: text/plain\n\nsee x--b1 here\n----\n-- \n--b1x\nSam\n--b1--\n",
                               Limits{});
  EXPECT_EQ(text.text, "see x--b1 here\n----\n-- \n--b1x\nSam");
  EXPECT_EQ(text.parts, 2u);
  // A delimiter right after an attachment's base64 (no dash in it) ends that part; trailing white
  // space after a delimiter is allowed.
  BodyText att = extract_body(head + "--b1 \r\nContent-Type: text/plain\r\n\r\nthe reply\r\n--b1\t\r\n"
                                     "Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                                     "JVBERi0xLjQKJcfsj6IK\r\nJVBERi0xLjQKJcfsj6IK\r\n--b1--\r\n",
                              Limits{});
  EXPECT_EQ(att.text, "the reply");
  EXPECT_EQ(att.parts, 3u);
}

// One header reader for the message and its parts (split_headers, with limits.header_bytes and
// limits.headers): a long Received chain before the Content-Type is still read as header, never
// as body; a header block past a limit still ends where it ends, with a note, and its body is
// never taken from its header lines.
TEST(Mime, HeaderBlocksAreReadByTheOneReaderWithItsLimits) {
  std::string chain;
  for (int i = 0; i < 600; ++i)
    chain +=
        "Received: from relay" + std::to_string(i) + ".client.example by mx.example; Mon, 2 Nov 2026\r\n";
  // "you are stupid" in base64: only a decoded body shows it.
  const std::string tail =
      "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: "
      "base64\r\n\r\neW91IGFyZSBzdHVwaWQ=\r\n";
  struct Row {
    const char* label;
    std::string message;
    Limits limits;
    std::string want_text;  // the whole text
    bool limit_hit;
    const char* note;  // part of a note; "" for none
  };
  Limits few_fields;
  few_fields.max_headers = 100;
  Limits few_bytes;
  few_bytes.max_header_bytes = 4096;
  const Row rows[] = {
      {"600 Received lines, then the Content-Type", chain + tail, Limits{}, "you are stupid", false, ""},
      {"the same in a part", mp("mixed", "m1", {chain + tail}), Limits{}, "you are stupid", false, ""},
      {"past the field limit before the Content-Type", chain + tail, few_fields, "eW91IGFyZSBzdHVwaWQ=\n",
       true, "before any Content-Type: its body was read as text/plain"},
      {"past the byte limit before the Content-Type", chain + tail, few_bytes, "eW91IGFyZSBzdHVwaWQ=\n", true,
       "before any Content-Type"},
      {"a part past the byte limit", mp("mixed", "m1", {chain + tail}), few_bytes, "eW91IGFyZSBzdHVwaWQ=\n",
       true, "header block over 4096 bytes: the rest was not read"},
  };
  for (const auto& r : rows) {
    SCOPED_TRACE(r.label);
    BodyText b = extract_body(r.message, r.limits);
    EXPECT_EQ(b.text, r.want_text);
    EXPECT_EQ(b.text.find("Received"), std::string::npos);
    EXPECT_EQ(b.limit_hit, r.limit_hit);
    if (*r.note != '\0') {
      bool found = false;
      for (const auto& n : b.notes) found = found || n.find(r.note) != std::string::npos;
      EXPECT_TRUE(found) << "no note \"" << r.note << "\"";
    }
    // parse_message reads the top-level block once and hands it on: the same body.
    Message m = parse_message(r.message, r.limits);
    EXPECT_EQ(m.body_text, r.want_text);
    EXPECT_EQ(m.limit_hit, r.limit_hit);
  }
}

// A part cut off by the part limit ends where the scan stopped; the parts before it are judged.
TEST(Mime, PartLimitKeepsWhatCameBefore) {
  std::string msg = mp("mixed", "m1", {"Content-Type: text/plain\r\n\r\nthe reply", "Content-Type: text/html\r\n\r\n<p>x</p>",
                                       "Content-Type: text/plain\r\n\r\nthird"});
  Limits limits;
  limits.max_parts = 2;
  BodyText b = extract_body(msg, limits);
  EXPECT_TRUE(b.limit_hit);
  EXPECT_EQ(b.text, "the reply");
}

// Inputs the fuzzers found (fuzz/regressions): each parses to a defined result; under the
// sanitizers (CI) a leak or an invalid access fails the test.
TEST(Mime, FuzzRegressions) {
  const std::filesystem::path dir = std::filesystem::path(SM_TEST_DATA) / ".." / ".." / "fuzz" / "regressions";
  ASSERT_TRUE(std::filesystem::is_directory(dir)) << dir;
  int seen = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    SCOPED_TRACE(entry.path().string());
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    Message m = parse_message(bytes.str(), Limits{});
    EXPECT_TRUE(is_valid_utf8(m.body_text));
    ++seen;
  }
  EXPECT_GT(seen, 0);
}

TEST(HtmlText, QuoteShapes) {
  struct HtmlCase {
    const char* label;
    const char* html;
    const char* want;
  };
  const HtmlCase cases[] = {
      {"paragraphs", "<p>one</p><p>two</p>", "one\n\ntwo"},
      {"br", "a<br>b", "a\nb"},
      {"script dropped", "<script>x()</script><style>p{}</style>text", "text"},
      {"entities", "a &amp; b &lt;c&gt;", "a & b <c>"},
      {"ordered list", "<ol><li>one</li><li>two</li></ol>", "1. one\n2. two"},
      {"unordered list", "<ul><li>one</li></ul>", "- one"},
      {"blockquote", "new<blockquote>old</blockquote>", "new\n> old"},
      {"nested blockquote", "<blockquote>a<blockquote>b</blockquote></blockquote>", "> a\n> > b"},
      {"gmail attribution unprefixed", "<div class=\"gmail_quote\"><div class=\"gmail_attr\">On x wrote:</div><blockquote class=\"gmail_quote\">old</blockquote></div>", "On x wrote:\n> old"},
      {"yahoo container", "<div class=\"yahoo_quoted\">old</div>", "> old"},
      {"outlook marker", "new<div id=\"divRplyFwdMsg\"><b>From:</b> a</div>old", "new\n________________________________\nFrom: a\nold"},
      {"outlook.com separators make one rule",
       "new<div id=\"appendonsend\"></div><hr style=\"display:inline-block;width:98%\" tabindex=\"-1\"><div id=\"divRplyFwdMsg\" dir=\"ltr\"><b>From:</b> a</div>old",
       "new\n________________________________\nFrom: a\nold"},
      {"hr", "new<hr>old", "new\n________________________________\nold"},
      {"outlook desktop separator",
       "<p class=MsoNormal>new</p><div><div style=\"border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm\"><p class=MsoNormal><b>From:</b> a</p></div></div>",
       "new\n________________________________\nFrom: a"},
      {"outlook 2010 separator", "new<div style=\"border:none;border-top:solid #B5C4DF 1.0pt;padding:3.0pt 0in 0in 0in\"><b>Von:</b> a</div>",
       "new\n________________________________\nVon: a"},
      {"windows mail separator",
       "new<div style=\"padding-top: 5px; border-top-color: rgb(229, 229, 229); border-top-width: 1px; border-top-style: solid;\"><b>From: </b>a</div>",
       "new\n________________________________\nFrom: a"},
      {"left border is no separator", "new<div style=\"border-left:solid #ccc 1px\">box</div>", "new\nbox"},
      {"word paragraphs are lines", "<p class=MsoNormal>Hi Ana,</p><p class=MsoNormal>done.</p><p>next</p><p>last</p>",
       "Hi Ana,\ndone.\nnext\n\nlast"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.label);
    EXPECT_EQ(html_to_text(c.html), c.want);
  }
}

// Line breaks deep in quotes cost their "> " prefixes: the text stays within its bound.
TEST(HtmlText, QuotePrefixesKeepTheOutputBounded) {
  std::string html, prefix;
  for (int i = 0; i < 390; ++i) html += "<blockquote>", prefix += "> ";
  html += "old";
  for (int i = 0; i < 200000; ++i) html += "<br>";
  std::string text = html_to_text(html);
  EXPECT_TRUE(text.starts_with(prefix + "old\n")) << text.substr(0, 100);
  EXPECT_LE(text.size(), 4u * 1024 * 1024 + 1024);
}

TEST(HtmlText, DeepNestingDoesNotRecurse) {
  std::string html;
  for (int i = 0; i < 100000; ++i) html += "<div>";
  html += "deep";
  EXPECT_NE(html_to_text(html).find("deep"), std::string::npos);
}

}  // namespace
}  // namespace sm
