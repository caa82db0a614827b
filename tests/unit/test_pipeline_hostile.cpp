// The hostile corpus: messages built to break a parser, each through the whole pipeline (parse,
// direction, thread lookup, every rule, store update, audit record) with the default limits.
// Every case must end with a defined verdict, in bounded time, with nothing from the message
// reaching an added header, a reply text, a hold reason or the audit record as CR, LF or another
// control character; and each case checks what it is about (a limit noted, a field kept clean).
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "config/config.h"
#include "pipeline/pipeline.h"
#include "store/thread_store.h"

namespace sm {
namespace {

const std::string kHead =
    "From: Sam Agent <sam@support.example.com>\r\n"
    "To: Ana Lopez <ana@client.example>\r\n"
    "Subject: Re: Invoice 4471 charged twice\r\n"
    "Date: Mon, 02 Nov 2026 10:10:00 +0000\r\n"
    "MIME-Version: 1.0\r\n";

std::string reply(const std::string& extra_headers, const std::string& body,
                  const std::string& content_type = "Content-Type: text/plain; charset=utf-8\r\n") {
  return kHead + "Message-ID: <hostile@support.example.com>\r\n" + extra_headers + content_type + "\r\n" + body;
}

std::string repeat(const std::string& s, std::size_t n) {
  std::string out;
  out.reserve(s.size() * n);
  for (std::size_t i = 0; i < n; ++i) out += s;
  return out;
}

std::string nested_multipart(int depth) {
  std::string open, close;
  for (int i = 0; i < depth; ++i) {
    std::string b = "b" + std::to_string(i);
    open += "--" + b + "\r\nContent-Type: multipart/mixed; boundary=\"b" +
            std::to_string(i + 1) + "\"\r\n\r\n";
    close = "--" + b + "--\r\n" + close;
  }
  return reply("", open + "--b" + std::to_string(depth) + "\r\nContent-Type: text/plain\r\n\r\ndeep\r\n--b" +
                       std::to_string(depth) + "--\r\n" + close,
               "Content-Type: multipart/mixed; boundary=\"b0\"\r\n");
}

std::string nested_rfc822(int depth) {
  std::string inner = "From: x@client.example\r\nSubject: inner\r\n\r\ninnermost text\r\n";
  for (int i = 0; i < depth; ++i) inner = "From: x@client.example\r\nContent-Type: message/rfc822\r\n\r\n" + inner;
  return reply("", inner, "Content-Type: message/rfc822\r\n");
}

bool clean(const std::string& s) {
  for (unsigned char c : s)
    if (c < 0x20 && c != '\t') return false;
  return true;
}

// Every string in a JSON value free of control characters, and the dump parses back.
void expect_clean_json(const nlohmann::json& j, const std::string& where) {
  std::string dumped = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  for (unsigned char c : dumped) ASSERT_GE(c, 0x20) << where << ": a raw control byte in the dump";
  EXPECT_FALSE(nlohmann::json::parse(dumped, nullptr, false).is_discarded()) << where;
}

struct Case {
  std::string name;
  std::function<std::string()> make;
  std::function<void(const Message&, const Verdict&)> check;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class Hostile : public ::testing::TestWithParam<Case> {};

TEST_P(Hostile, DefinedVerdictNothingInjected) {
  const Case& c = GetParam();
  auto cfg = std::make_shared<Config>(*default_config());
  cfg->support.domains = {"support.example.com"};
  auto store = open_store("sqlite::memory:");
  Pipeline p(store.get());
  // A customer message opens the thread, so the replies meet every rule.
  std::string customer =
      "From: Ana Lopez <ana@client.example>\r\nTo: support@support.example.com\r\n"
      "Subject: Invoice 4471 charged twice\r\nDate: Mon, 02 Nov 2026 09:00:00 +0000\r\n"
      "Message-ID: <c1@client.example>\r\n\r\nWe were charged twice. Why? Can you refund it?\r\n";
  Message cm = parse_message(customer, cfg->limits);
  p.process(cm, Envelope{}, *cm.date, *cfg);

  const std::string bytes = c.make();
  auto t0 = std::chrono::steady_clock::now();
  Message m = parse_message(bytes, cfg->limits);
  Envelope env;
  env.queue_id = "4XyZ1";
  env.mail_from = "sam@support.example.com";
  Verdict v = p.process(m, env, 1793786400000, *cfg);
  nlohmann::json audit = to_json(message_record(m, env, v, *cfg));
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  // Bounded: linear work on at most the scan limit. The bound is loose (sanitizer builds are
  // slow); a quadratic path on these inputs takes minutes.
  EXPECT_LT(seconds, 20.0) << c.name;
  EXPECT_TRUE(v.error.empty()) << c.name << ": " << v.error;
  EXPECT_NE(v.action, FinalAction::tempfail) << c.name;
  for (const auto& mod : v.modifications) {
    EXPECT_TRUE(clean(mod.name)) << c.name << ": header name";
    EXPECT_TRUE(clean(mod.value)) << c.name << ": header value " << mod.value;
  }
  EXPECT_TRUE(clean(v.reply_text)) << c.name;
  EXPECT_TRUE(clean(v.quarantine_reason)) << c.name;
  EXPECT_TRUE(clean(m.subject)) << c.name << ": decoded subject";
  EXPECT_TRUE(clean(m.message_id)) << c.name;
  expect_clean_json(audit, c.name);
  if (c.check) c.check(m, v);
}

std::string name_of(const ::testing::TestParamInfo<Case>& info) { return info.param.name; }

const std::vector<Case> kCases = {
    {"SeveralFromAddresses",
     [] { return "From: a@client.example, b@support.example.com\r\n" + reply("", "Hello\r\n").substr(kHead.find("To:")); },
     [](const Message& m, const Verdict&) { EXPECT_EQ(m.from.size(), 2u); }},
    {"DuplicateFrom",
     [] { return "From: mallory@client.example\r\n" + reply("", "Hello\r\n"); },
     [](const Message& m, const Verdict&) { EXPECT_FALSE(m.from.empty()); }},
    {"DuplicateSubject",
     [] { return reply("Subject: second subject\r\n", "Hello\r\n"); },
     [](const Message& m, const Verdict&) { EXPECT_EQ(m.subject, "Re: Invoice 4471 charged twice"); }},
    {"DuplicateContentType",
     [] { return reply("Content-Type: text/html\r\n", "<b>Hello</b>\r\n"); }, nullptr},
    {"DuplicateMessageId",
     [] { return reply("Message-ID: <other@support.example.com>\r\n", "Hello\r\n"); },
     [](const Message& m, const Verdict&) { EXPECT_EQ(m.message_id, "hostile@support.example.com"); }},
    {"Multipart10000Deep", [] { return nested_multipart(10000); },
     [](const Message& m, const Verdict&) { EXPECT_TRUE(m.limit_hit); }},
    {"Rfc822Nested2000Deep", [] { return nested_rfc822(2000); },
     [](const Message& m, const Verdict&) { EXPECT_LE(m.quote.quoted.size(), Limits{}.max_text_bytes); }},
    {"HundredThousandEmptyParts",
     [] {
       return reply("", repeat("--p\r\n\r\n", 100000) + "--p--\r\n", "Content-Type: multipart/mixed; boundary=\"p\"\r\n");
     },
     [](const Message& m, const Verdict&) { EXPECT_TRUE(m.limit_hit); }},
    {"EmptyBoundary",
     [] { return reply("", "--\r\n\r\ntext\r\n----\r\n", "Content-Type: multipart/mixed; boundary=\"\"\r\n"); }, nullptr},
    {"Boundary5000Bytes",
     [] {
       std::string b(5000, 'q');
       return reply("", "--" + b + "\r\nContent-Type: text/plain\r\n\r\nHello there\r\n--" + b + "--\r\n",
                    "Content-Type: multipart/mixed; boundary=\"" + b + "\"\r\n");
     },
     nullptr},
    {"BoundaryPrefixOfParent",
     [] {
       return reply("",
                    "--ab\r\nContent-Type: multipart/alternative; boundary=\"a\"\r\n\r\n--a\r\nContent-Type: text/plain\r\n\r\n"
                    "inner text\r\n--a--\r\n--ab--\r\n",
                    "Content-Type: multipart/mixed; boundary=\"ab\"\r\n");
     },
     nullptr},
    {"HeaderLine8MB", [] { return reply("X-Long: " + std::string(8 * 1024 * 1024, 'x') + "\r\n", "Hello\r\n"); },
     [](const Message& m, const Verdict&) { EXPECT_TRUE(m.limit_hit); }},
    {"TwentyThousandReceived",
     [] { return repeat("Received: from relay.client.example by mx.example; Mon, 2 Nov 2026\r\n", 20000) + reply("", "Hello\r\n"); },
     [](const Message& m, const Verdict&) {
       EXPECT_TRUE(m.limit_hit);
       EXPECT_LE(m.headers.size(), Limits{}.max_headers);
     }},
    {"NulInHeaderName", [] { return reply(std::string("X-A\0B: value\r\n", 15), "Hello\r\n"); }, nullptr},
    {"NulInHeaderValue",
     [] { return std::string(kHead).replace(kHead.find("Invoice"), 0, std::string("\0", 1)) +
                 "Message-ID: <h\0x@support.example.com>\r\n\r\nHello\r\n"; },
     [](const Message& m, const Verdict&) { EXPECT_EQ(m.subject.find('\0'), std::string::npos); }},
    {"NulInBody", [] { return reply("", std::string("Hello\0 there\r\nBest regards\r\n", 27)); },
     [](const Message& m, const Verdict&) { EXPECT_EQ(m.body_text.find('\0'), std::string::npos); }},
    {"BareCr",
     [] {
       std::string s = reply("", "Hello\rline two\rBest,\rSam\r");
       for (auto& ch : s) if (ch == '\n') ch = '\r';
       return s;
     },
     nullptr},
    {"BareLf",
     [] {
       std::string s = reply("", "Hello\nline two\n> quoted\n");
       std::string out;
       for (char ch : s) if (ch != '\r') out += ch;
       return out;
     },
     [](const Message& m, const Verdict&) { EXPECT_EQ(m.subject, "Re: Invoice 4471 charged twice"); }},
    {"OverlongUtf8", [] { return reply("", "caf\xc0\xa9 \xe0\x80\xaf and \xf0\x80\x80\xaf\r\n"); },
     [](const Message& m, const Verdict&) { EXPECT_FALSE(m.body_text.empty()); }},
    {"Utf8Surrogates", [] { return reply("", "half \xed\xa0\x80 pair \xed\xbf\xbf\r\n"); }, nullptr},
    {"TruncatedUtf8", [] { return reply("", "cut here \xe2\x82"); }, nullptr},
    {"UnknownCharset", [] { return reply("", "Hello\r\n", "Content-Type: text/plain; charset=x-no-such-charset\r\n"); },
     nullptr},
    {"EncodedWordUnknownCharset",
     [] { return std::string(kHead).replace(kHead.find("Subject: "), 9, "Subject: =?x-unknown?Q?abc?= ") +
                 "Message-ID: <h@support.example.com>\r\n\r\nHello\r\n"; },
     nullptr},
    {"EncodedWordPathCharset",
     [] { return std::string(kHead).replace(kHead.find("Subject: "), 9, "Subject: =?../../../etc/passwd?Q?abc?= ") +
                 "Message-ID: <h@support.example.com>\r\n\r\nHello\r\n"; },
     [](const Message& m, const Verdict&) { EXPECT_EQ(m.subject.find("passwd"), std::string::npos) << m.subject; }},
    {"EncodedWordGbkEmpty",
     [] { return std::string(kHead).replace(kHead.find("Subject: "), 9, "Subject: =?GBK?B?\?= ") +
                 "Message-ID: <h@support.example.com>\r\n\r\nHello\r\n"; },
     nullptr},
    {"EncodedWordCrLf",
     [] { return std::string(kHead).replace(kHead.find("Subject: "), 9, "Subject: =?utf-8?Q?a=0D=0ABcc:_x@evil.example?= ") +
                 "Message-ID: <h@support.example.com>\r\n\r\nHello\r\n"; },
     [](const Message& m, const Verdict&) { EXPECT_TRUE(clean(m.subject)) << m.subject; }},
    {"Rfc2231ThousandsOfContinuations",
     [] {
       std::string params;
       for (int i = 0; i < 5000; ++i) params += ";\r\n filename*" + std::to_string(i) + "=part" + std::to_string(i);
       return reply("", "--p\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment" + params +
                            "\r\n\r\nJVBERi0=\r\n--p\r\nContent-Type: text/plain\r\n\r\nHello\r\n--p--\r\n",
                    "Content-Type: multipart/mixed; boundary=\"p\"\r\n");
     },
     nullptr},
    {"BrokenBase64",
     [] { return reply("", "SGVsbG8g!!!d29y***bGQ=\r\n====\r\nAAA", "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n"); },
     nullptr},
    {"TruncatedQuotedPrintable",
     [] { return reply("", "Hello =E2=82 and =4", "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n"); },
     nullptr},
    {"TenThousandReferences",
     [] {
       std::string refs;
       for (int i = 0; i < 10000; ++i) refs += " <r" + std::to_string(i) + "@client.example>";
       return reply("In-Reply-To: <c1@client.example>\r\nReferences:" + refs + " <c1@client.example>\r\n", "Hello\r\n");
     },
     [](const Message& m, const Verdict&) { EXPECT_LE(m.references.size(), Limits{}.max_ids); }},
    {"ReferencesCycle",
     [] { return reply("In-Reply-To: <hostile@support.example.com>\r\nReferences: <hostile@support.example.com> <c1@client.example> <hostile@support.example.com>\r\n", "Hello\r\n"); },
     nullptr},
    {"MessageIdOfAnotherThread",
     [] { return kHead + "Message-ID: <c1@client.example>\r\n\r\nThe customer's id, reused\r\n"; },
     [](const Message&, const Verdict& v) { EXPECT_FALSE(v.thread_id.empty()); }},
    {"MissingDate",
     [] {
       std::string s = reply("", "Hello\r\n");
       return s.erase(s.find("Date:"), s.find("\r\n", s.find("Date:")) + 2 - s.find("Date:"));
     },
     [](const Message& m, const Verdict&) { EXPECT_FALSE(m.date.has_value()); }},
    {"Date1970",
     [] { return std::string(kHead).replace(kHead.find("Mon, 02 Nov 2026"), 16, "Thu, 01 Jan 1970") +
                 "Message-ID: <h@support.example.com>\r\n\r\nHello\r\n"; },
     nullptr},
    {"Date2100",
     [] { return std::string(kHead).replace(kHead.find("Mon, 02 Nov 2026"), 16, "Fri, 31 Dec 2100") +
                 "Message-ID: <h@support.example.com>\r\n\r\nHello\r\n"; },
     nullptr},
    {"ControlCharactersInSubject",
     [] { return std::string(kHead).replace(kHead.find("Re: Invoice"), 0, std::string("\x1b[31m\x07\x08", 7)) +
                 "Message-ID: <h@support.example.com>\r\n\r\nHello\r\n"; },
     nullptr},
    {"HeaderOnlyNoBody", [] { return kHead; }, nullptr},
    {"EmptyMessage", [] { return std::string(); }, nullptr},
    {"BinaryGarbage",
     [] {
       std::string s;
       unsigned x = 4471;
       for (int i = 0; i < 200000; ++i) s += static_cast<char>((x = x * 1103515245 + 12345) >> 16);
       return s;
     },
     nullptr},
    {"HtmlBomb",
     [] { return reply("", repeat("<div>", 200000) + "text" + repeat("</div>", 200000), "Content-Type: text/html; charset=utf-8\r\n"); },
     nullptr},
};

INSTANTIATE_TEST_SUITE_P(Corpus, Hostile, ::testing::ValuesIn(kCases), name_of);

TEST(HostileCorpus, HasTheCasesTheIssueNames) { EXPECT_GE(kCases.size(), 30u); }

// A rude reply whose Content-Type comes after a long Received chain (600 lines, a relay loop or a
// padded head) is judged on its decoded text and held, as without the chain.
TEST(HostileCorpus, ARudeReplyBehindALongReceivedChainIsHeld) {
  auto cfg = std::make_shared<Config>(*default_config());
  cfg->support.domains = {"support.example.com"};
  auto store = open_store("sqlite::memory:");
  Pipeline p(store.get());
  std::string chain;
  for (int i = 0; i < 600; ++i)
    chain += "Received: from relay" + std::to_string(i) +
             ".support.example.com by mx.example; Mon, 2 Nov 2026\r\n";
  // "Ana, are you stupid? Read the invoice.\n\nSam\n", base64.
  const std::string body = "QW5hLCBhcmUgeW91IHN0dXBpZD8gUmVhZCB0aGUgaW52b2ljZS4KClNhbQo=\r\n";
  for (const bool with_chain : {false, true}) {
    SCOPED_TRACE(with_chain ? "behind 600 Received lines" : "without them");
    std::string msg =
        (with_chain ? chain : std::string()) +
        reply("", body, "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n");
    msg.replace(msg.find("<hostile@"), 9, with_chain ? "<chain@" : "<plain@");
    Message m = parse_message(msg, cfg->limits);
    EXPECT_FALSE(m.limit_hit);
    EXPECT_NE(m.body_text.find("are you stupid"), std::string::npos) << m.body_text;
    Verdict v = p.process(m, Envelope{}, 1793786400000, *cfg);
    EXPECT_EQ(v.action, FinalAction::hold);
    bool rude = false;
    for (const auto& f : v.findings) rude = rude || (f.rule == "polite-tone" && f.result == Result::fail);
    EXPECT_TRUE(rude);
  }
}

// The per-message deadline: rules not reached in time are skipped and say why; the message is
// still recorded and gets a verdict from the findings made in time.
TEST(HostileCorpus, PastTheDeadlineTheRemainingRulesAreSkipped) {
  auto cfg = std::make_shared<Config>(*default_config());
  cfg->support.domains = {"support.example.com"};
  cfg->limits.message_ms = 50;
  auto store = open_store("sqlite::memory:");
  Pipeline p(store.get());
  Message m = parse_message(reply("", "Hello Ana,\r\n\r\nThe refund is on its way.\r\n\r\nSam\r\n"), cfg->limits);

  Verdict in_time = p.process(m, Envelope{}, 1793786400000, *cfg);
  EXPECT_FALSE(in_time.deadline_passed);
  EXPECT_FALSE(to_json(message_record(m, Envelope{}, in_time, *cfg)).contains("deadline_passed"));
  std::size_t run = 0;
  for (const auto& f : in_time.findings) run += f.detail.rfind("not run:", 0) != 0;
  EXPECT_GT(run, 0u);

  std::string second = reply("", "Hello Ana,\r\n\r\nThe refund is on its way.\r\n\r\nSam\r\n");
  second.replace(second.find("<hostile@"), 9, "<late@");
  m = parse_message(second, cfg->limits);
  ASSERT_FALSE(store->get_message("late@support.example.com").has_value());
  const auto long_ago = std::chrono::steady_clock::now() - std::chrono::seconds(1);
  Verdict late = p.process(m, Envelope{}, 1793786400000, *cfg, long_ago);
  EXPECT_TRUE(late.deadline_passed);
  EXPECT_TRUE(late.error.empty());
  EXPECT_EQ(late.action, FinalAction::accept);
  ASSERT_EQ(late.findings.size(), in_time.findings.size());
  for (const auto& f : late.findings) {
    EXPECT_EQ(f.result, Result::skip) << f.rule;
    EXPECT_NE(f.detail.find("limits.message_ms (50 ms)"), std::string::npos) << f.detail;
  }
  EXPECT_EQ(to_json(message_record(m, Envelope{}, late, *cfg)).value("deadline_passed", false), true);
  EXPECT_TRUE(store->get_message("late@support.example.com").has_value());
}

}  // namespace
}  // namespace sm
