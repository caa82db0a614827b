// A reply in a language the word rules do not read, through the pipeline with a real SQLite store
// and the shipped config: its language is in the check output and the audit record, every rule
// that reads words skips it naming the language (never pass), and the rules that read no words
// judge it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <vector>

#include <nlohmann/json.hpp>

#include "checks/registry.h"
#include "config/config.h"
#include "message/message.h"
#include "pipeline/pipeline.h"
#include "store/sqlite_store.h"
#include "tests/unit/files.h"

namespace sm {
namespace {

namespace fs = std::filesystem;

TEST(Languages, AGermanReplyIsSkippedByTheRulesThatReadWordsAndJudgedByTheOthers) {
  const fs::path dir = fs::path(SM_TEST_DATA) / "eval" / "de" / "001-gastherme-wartungstermin-gmail";
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".eml") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  ASSERT_GE(files.size(), 2u);

  const Message reply = parse_message(test::slurp(files.back()), default_config()->limits);
  auto cfg = std::make_shared<Config>(*default_config());
  cfg->support.domains = {reply.from.front().ascii_domain};
  const fs::path db = fs::path(::testing::TempDir()) / ("languages-" + std::to_string(getpid()) + ".db");
  fs::remove(db);
  auto store = open_sqlite_store(db.string());
  Pipeline pipeline(store.get());
  Verdict v;
  Message last;
  for (const auto& f : files) {
    last = parse_message(test::slurp(f), cfg->limits);
    v = pipeline.process(last, Envelope{}, last.date.value_or(0), *cfg);
  }
  EXPECT_EQ(v.language, "de");
  const nlohmann::json check = check_record(files.back().string(), last, v);
  EXPECT_EQ(check["language"], "de");
  EXPECT_EQ(to_json(message_record(last, Envelope{}, v, *cfg))["language"], "de");

  for (const auto& f : check["findings"]) {
    const Rule* rule = find_rule(f["rule"].get<std::string>());
    ASSERT_NE(rule, nullptr);
    SCOPED_TRACE(std::string(rule->id()));
    const std::string detail = f["detail"];
    if (rule->lists().empty()) {
      EXPECT_NE(f["result"], "skip") << detail;  // a reply in a known thread: judged
    } else if (rule->id() == "meaningful-subject") {
      EXPECT_EQ(f["result"], "skip");  // no new thread
    } else {
      EXPECT_EQ(f["result"], "skip") << detail;
      EXPECT_NE(detail.find("language de is not judged by this rule"), std::string::npos) << detail;
    }
  }
  store.reset();
  fs::remove(db);
}

}  // namespace
}  // namespace sm
