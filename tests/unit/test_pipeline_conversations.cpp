// Whole conversations in English, Spanish and Russian through the pipeline with a real SQLite
// store and the shipped config: directions, threads, every rule's findings and final actions per
// message (tests/data/conversations/expected.json).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "config/config.h"
#include "pipeline/pipeline.h"
#include "message/message.h"
#include "store/sqlite_store.h"
#include "tests/unit/files.h"

namespace sm {
namespace {

namespace fs = std::filesystem;

using test::slurp;

std::shared_ptr<const Config> conversation_config(std::string_view extra = "") {
  std::string text = slurp(fs::path(SM_TEST_DATA) / "../../conf/support-milter.conf");
  auto pos = text.find("domains = []");
  text.replace(pos, 12, "domains = [\"support.example.com\"]");
  text += extra;
  return parse_config(text, "support-milter.conf");
}

// The English conversation up to the bad reply (04) under `cfg`; returns the bad reply's verdict.
Verdict bad_reply_verdict(const Config& cfg) {
  const fs::path dir = fs::path(SM_TEST_DATA) / "conversations" / "en";
  auto store = open_store("sqlite::memory:");
  Pipeline pipeline(store.get());
  Verdict last;
  for (const char* f : {"01-customer.eml", "02-agent-reply.eml", "03-customer-followup.eml", "04-agent-bad-reply.eml"}) {
    Message msg = parse_message(slurp(dir / f), cfg.limits);
    last = pipeline.process(msg, Envelope{}, *msg.date, cfg);
  }
  return last;
}

class Conversation : public ::testing::TestWithParam<std::string> {};

TEST_P(Conversation, VerdictsMatchExpected) {
  const fs::path dir = fs::path(SM_TEST_DATA) / "conversations";
  auto expected = nlohmann::json::parse(slurp(dir / "expected.json"));
  const std::string lang = GetParam();
  const fs::path db = fs::path(::testing::TempDir()) / ("conv-" + lang + "-" + std::to_string(getpid()) + ".db");
  fs::remove(db);
  auto store = open_sqlite_store(db.string());
  auto cfg = conversation_config();
  Pipeline pipeline(store.get());

  std::string thread;
  for (const auto& row : expected.at(lang)) {
    const std::string file = row.at("file");
    SCOPED_TRACE(lang + "/" + file);
    std::string bytes = slurp(dir / lang / file);
    ASSERT_FALSE(bytes.empty());
    Message msg = parse_message(bytes, cfg->limits);
    ASSERT_TRUE(msg.date.has_value());
    Verdict v = pipeline.process(msg, Envelope{}, *msg.date, *cfg);
    EXPECT_TRUE(v.error.empty()) << v.error;
    EXPECT_EQ(to_string(v.direction.direction), row.at("direction").get<std::string>()) << v.direction.reason;
    EXPECT_EQ(to_string(v.action), row.at("action").get<std::string>());
    // Every rule: the good replies (greetings, sign-offs, signatures) give no failing finding at all.
    std::set<std::string> failed;
    for (const auto& f : v.findings)
      if (f.result == Result::fail) failed.insert(f.rule);
    std::set<std::string> want;
    for (const auto& r : row.at("fail")) want.insert(r.get<std::string>());
    EXPECT_EQ(failed, want) << check_record(file, msg, v).dump();
    if (row.contains("quoted")) {
      EXPECT_EQ(msg.quote.has_quote, row.at("quoted").get<bool>()) << msg.body_text;
    }
    if (row.contains("sla")) {
      EXPECT_EQ(v.sla.to_json(), row.at("sla"));
    }
    if (row.contains("subject")) {
      EXPECT_EQ(msg.subject, row.at("subject").get<std::string>());
    }
    if (thread.empty()) thread = v.thread_id;
    EXPECT_EQ(v.thread_id, thread) << "every message of the conversation is in one thread";
  }
  fs::remove(db);
}

INSTANTIATE_TEST_SUITE_P(Languages, Conversation, ::testing::Values("en", "es", "ru"));

// Observe mode: the same conversation changes nothing, but says what it would have done.
TEST(ConversationObserve, NothingChangesButTheWouldIsKept) {
  auto observe = std::make_shared<Config>(*conversation_config());
  observe->rules.mode = Mode::observe;
  Verdict last = bad_reply_verdict(*observe);
  EXPECT_EQ(last.action, FinalAction::accept);
  EXPECT_EQ(last.would, FinalAction::fix);
  EXPECT_TRUE(last.observe);
  EXPECT_TRUE(last.modifications.empty());
}

// The fix of a bad reply: the subject is restored and the dropped Cc added, with the annotation.
TEST(ConversationFix, BadReplyGetsItsFixes) {
  auto fixing = std::make_shared<Config>(*conversation_config());
  fixing->rules.settings.at("reply-all").action = Action::fix;
  Verdict last = bad_reply_verdict(*fixing);
  ASSERT_EQ(last.action, FinalAction::fix);
  bool subject = false, cc = false, rcpt = false, header = false;
  for (const auto& m : last.modifications) {
    if (m.kind == Modification::Kind::change_header && m.name == "Subject") {
      subject = true;
      EXPECT_EQ(m.value, "Re: Invoice 4471 charged twice");
    }
    if ((m.kind == Modification::Kind::add_header || m.kind == Modification::Kind::change_header) && m.name == "Cc") {
      cc = true;
      EXPECT_NE(m.value.find("bob@client.example"), std::string::npos) << m.value;
    }
    if (m.kind == Modification::Kind::add_recipient) {
      rcpt = true;
      EXPECT_EQ(m.value, "bob@client.example");
    }
    if (m.kind == Modification::Kind::add_header && m.name == "X-Support-Policy") {
      header = true;
      EXPECT_NE(m.value.find("fixed="), std::string::npos) << m.value;
      EXPECT_NE(m.value.find("quoted-history"), std::string::npos) << m.value;
    }
  }
  EXPECT_TRUE(subject);
  EXPECT_TRUE(cc);
  EXPECT_TRUE(rcpt);
  EXPECT_TRUE(header);
}

// Reject: the reply text names what the agent must fix, on one line.
TEST(ConversationReject, ReplyTextTellsTheAgent) {
  auto rejecting = std::make_shared<Config>(*conversation_config());
  rejecting->rules.settings.at("reply-all").action = Action::reject;
  Verdict last = bad_reply_verdict(*rejecting);
  ASSERT_EQ(last.action, FinalAction::reject);
  EXPECT_EQ(last.reply_code, "550");
  EXPECT_EQ(last.reply_xcode, "5.7.1");
  EXPECT_NE(last.reply_text.find("bob@client.example"), std::string::npos) << last.reply_text;
  EXPECT_EQ(last.reply_text.find('\n'), std::string::npos);
}

// A store that fails gives the configured failure action.
TEST(ConversationStoreFailure, ConfiguredActionIsTaken) {
  class BrokenStore : public ThreadStore {
   public:
    std::optional<std::string> find_thread(const std::vector<std::string>&) override { throw StoreError("sqlite x.db: disk I/O error"); }
    std::optional<StoredMessage> get_message(std::string_view) override { throw StoreError("sqlite x.db: disk I/O error"); }
    std::optional<ThreadInfo> get_thread(std::string_view) override { throw StoreError("broken"); }
    std::optional<StoredMessage> last_message(std::string_view, const std::vector<Direction>&) override { throw StoreError("broken"); }
    bool record(const StoredMessage&, const ThreadInfo*) override { throw StoreError("sqlite x.db: disk I/O error"); }
    void save_sla(std::string_view, const std::string&, std::optional<TimeMs>) override { throw StoreError("broken"); }
    std::vector<ThreadInfo> due_threads(TimeMs, std::size_t) override { throw StoreError("broken"); }
    std::size_t prune(TimeMs) override { return 0; }
    void export_threads(const ThreadVisitor&) override { throw StoreError("broken"); }
    bool record_message(const StoredMessage&, const ThreadInfo*, const ThreadKeys&,
                        const std::optional<SlaUpdate>&) override {
      throw StoreError("sqlite x.db: disk I/O error");
    }
    void unrecord_message(std::string_view, std::string_view, const std::optional<SlaUpdate>&) override {
      throw StoreError("broken");
    }
    bool release_held(std::string_view, const SlaUpdate&) override { throw StoreError("broken"); }
    bool discard_held(std::string_view) override { throw StoreError("broken"); }
    std::vector<StoredMessage> held_messages(std::string_view) override { throw StoreError("broken"); }
    std::optional<std::string> find_thread_by_index(std::string_view) override { throw StoreError("broken"); }
    std::optional<std::string> find_thread_by_ticket(std::string_view) override { throw StoreError("broken"); }
    std::optional<std::string> find_thread_by_subject(std::string_view, std::string_view, TimeMs) override {
      throw StoreError("broken");
    }
  } broken;
  const fs::path dir = fs::path(SM_TEST_DATA) / "conversations" / "en";
  auto cfg = conversation_config();
  Message msg = parse_message(slurp(dir / "02-agent-reply.eml"), cfg->limits);
  Pipeline pipeline(&broken);
  Verdict v = pipeline.process(msg, Envelope{}, *msg.date, *cfg);
  EXPECT_EQ(v.action, FinalAction::tempfail);
  EXPECT_NE(v.error.find("disk I/O error"), std::string::npos);
  auto accepting = std::make_shared<Config>(*cfg);
  accepting->store.on_error = FailAction::accept;
  v = pipeline.process(msg, Envelope{}, *msg.date, *accepting);
  EXPECT_EQ(v.action, FinalAction::accept);
  EXPECT_FALSE(v.error.empty());
}

}  // namespace
}  // namespace sm
