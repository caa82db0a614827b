// Sendmail's quarantine: control files (hf, qf) parsed into queue entries, the queue directory
// read from sendmail.cf, a queue directory listed (quarantined messages only; a broken file is
// reported and listed by its id).
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "mta/sendmail_queue.h"

namespace sm {
namespace {

const std::string kData = std::string(SM_TEST_DATA) + "/sendmail";

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

TEST(SendmailQueue, QuarantinedControlFile) {
  std::string error;
  auto e = parse_sendmail_control_file(slurp(kData + "/queue/hf6C2Ab1Xy004512"), "6C2Ab1Xy004512", &error);
  ASSERT_TRUE(e) << error;
  EXPECT_EQ(e->queue_name, "hold");
  EXPECT_EQ(e->queue_id, "6C2Ab1Xy004512");
  EXPECT_EQ(e->arrival_time, 1796220000);
  EXPECT_EQ(e->sender, "lena@support.example.com");
  EXPECT_EQ(e->recipients, (std::vector<std::string>{"ivan@customer.example", "olga@customer.example"}));
  EXPECT_EQ(e->hold_reason, "support-milter: polite-tone; \"idiots\" in the reply to the customer");
}

TEST(SendmailQueue, DeferredControlFileIsNotHeld) {
  std::string error;
  auto e = parse_sendmail_control_file(slurp(kData + "/queue/qf6C2Aa0Qw003998"), "6C2Aa0Qw003998", &error);
  ASSERT_TRUE(e) << error;
  EXPECT_EQ(e->queue_name, "queued");
  EXPECT_EQ(e->sender, "");  // the null sender <>
  EXPECT_EQ(e->recipients, (std::vector<std::string>{"bounce@customer.example"}));
  EXPECT_EQ(e->hold_reason, "");
}

TEST(SendmailQueue, BrokenControlFilesSayWhy) {
  struct Row {
    const char* label;
    std::string text;
    const char* want;
  } rows[] = {
      {"empty", "", "no V (version) line"},
      {"no time", "V8\nSsam@support.example.com\n.\n", "no T (creation time) line"},
      {"bad time", "V8\nTyesterday\n.\n", "T line \"Tyesterday\" is not a time"},
      {"cut short", "V8\nT1796220000\nqheld\nRPFD:ana@client.example\n", "no end line \".\" (incomplete)"},
      {"a data file", "Hello Ana,\n\nthe invoice is attached.\n", "no V (version) line"},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.label);
    std::string error;
    EXPECT_FALSE(parse_sendmail_control_file(row.text, "6C2Ab1Xy004512", &error));
    EXPECT_EQ(error, row.want);
  }
}

TEST(SendmailQueue, QueueDirectoryFromTheCf) {
  struct Row {
    const char* label;
    std::string cf;
    const char* want;
  } rows[] = {
      {"the last setting counts, comments do not", slurp(kData + "/sendmail.cf"), "/srv/mail/mqueue"},
      {"none", "O Timeout.queuereturn=5d\n", ""},
      {"another option that starts alike", "O QueueDirectoryX=/x\nO QueueDirectory=/q\n", "/q"},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.label);
    EXPECT_EQ(sendmail_queue_directory(row.cf), row.want);
  }
}

TEST(SendmailQueue, ListsOnlyQuarantinedMessagesAndReportsBrokenFiles) {
  std::vector<QueueEntry> entries;
  std::vector<std::string> problems;
  ASSERT_TRUE(read_sendmail_quarantine(kData + "/queue", &entries, &problems));
  std::sort(entries.begin(), entries.end(), [](const QueueEntry& a, const QueueEntry& b) { return a.queue_id < b.queue_id; });
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].queue_id, "6C2Ab1Xy004512");
  EXPECT_EQ(entries[0].queue_name, "hold");
  EXPECT_EQ(entries[0].message_size, 40);  // its df file
  EXPECT_EQ(entries[0].sender, "lena@support.example.com");
  // A broken control file is still a quarantined message (the sweep of held mail must not take it
  // for one that left): its id only.
  EXPECT_EQ(entries[1].queue_id, "6C2Ab9Zz004600");
  EXPECT_EQ(entries[1].queue_name, "hold");
  EXPECT_TRUE(entries[1].sender.empty());
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("hf6C2Ab9Zz004600: no end line \".\" (incomplete); listed by its id only"),
            std::string::npos)
      << problems[0];
}

TEST(SendmailQueue, AMissingQueueDirectoryIsAnError) {
  std::vector<QueueEntry> entries;
  std::vector<std::string> problems;
  EXPECT_FALSE(read_sendmail_quarantine(kData + "/no-such-queue", &entries, &problems));
}

TEST(SendmailQueue, JoinedWithTheAuditLogLikePostfixEntries) {
  std::vector<QueueEntry> entries;
  std::vector<std::string> problems;
  ASSERT_TRUE(read_sendmail_quarantine(kData + "/queue", &entries, &problems));
  const std::string audit =
      R"({"event":"message","queue_id":"6C2Ab1Xy004512","time":"2026-12-02T09:20:00Z","message_id":"r-5521@support.example.com","direction":"outbound","author":"lena@support.example.com","action":"hold","hold_reason":"polite-tone","findings":[{"rule":"polite-tone","result":"fail","action":"hold","detail":"\"idiots\""}]})"
      "\n";
  auto held = join_held(entries, {audit});
  ASSERT_EQ(held.size(), 2u);
  EXPECT_EQ(held[0].queue.queue_id, "6C2Ab9Zz004600") << "no time known: first";
  EXPECT_FALSE(held[0].audited);
  held.erase(held.begin());
  EXPECT_TRUE(held[0].audited);
  EXPECT_EQ(held[0].message_id, "r-5521@support.example.com");
  ASSERT_EQ(held[0].findings.size(), 1u);
  EXPECT_EQ(held[0].findings[0].rule, "polite-tone");
}

}  // namespace
}  // namespace sm
