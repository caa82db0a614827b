// One fixture per mail client and language (tests/data/quotes/<lang>/<client>.eml) through
// parse_message: the new text equals the golden file next to it (white space normalized), the
// quote style is the one in styles.json, and the quoted history holds the answered message (the
// phrase styles.json gives for it). Every fixture on disk is listed there.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "message/message.h"
#include "tests/unit/files.h"

namespace sm {
namespace {

namespace fs = std::filesystem;

using test::slurp;

// Lines trimmed, runs of blank lines folded to one, NBSP as space.
std::string normalize(std::string s) {
  for (std::size_t pos; (pos = s.find("\xc2\xa0")) != std::string::npos;) s.replace(pos, 2, " ");
  std::istringstream in(s);
  std::string out, line;
  bool blank = false;
  while (std::getline(in, line)) {
    auto b = line.find_first_not_of(" \t\r");
    auto e = line.find_last_not_of(" \t\r");
    line = b == std::string::npos ? "" : line.substr(b, e - b + 1);
    if (line.empty()) {
      blank = !out.empty();
      continue;
    }
    if (blank) out += "\n";
    blank = false;
    out += line + "\n";
  }
  return out;
}

const fs::path& dir() {
  static const fs::path d = fs::path(SM_TEST_DATA) / "quotes";
  return d;
}

nlohmann::json expected() { return nlohmann::json::parse(slurp(dir() / "styles.json")); }

TEST(Clients, NewTextStyleAndHistoryOfEveryFixture) {
  auto fixtures = expected();
  ASSERT_GE(fixtures.size(), 100u);
  for (const auto& [name, want] : fixtures.items()) {
    SCOPED_TRACE(name);
    const std::string style = want.at("style");
    const std::string phrase = want.at("quoted");
    Message m = parse_message(slurp(dir() / (name + ".eml")), Limits{});
    ASSERT_FALSE(m.body_text.empty()) << "missing or empty fixture";
    EXPECT_EQ(normalize(m.quote.new_text), normalize(slurp(dir() / (name + ".new.txt")))) << m.body_text;
    EXPECT_EQ(to_string(m.quote.style), style) << m.body_text;
    EXPECT_EQ(m.quote.has_quote, style != "none");
    if (!phrase.empty()) {
      EXPECT_NE(m.quote.quoted.find(phrase), std::string::npos) << m.quote.quoted;
      EXPECT_EQ(m.quote.new_text.find(phrase), std::string::npos) << "the customer's words are in the new text";
    }
  }
}

// Every .eml is listed (a fixture nobody checks is no test) and at least 20 languages have one.
TEST(Clients, EveryFixtureIsListedAndTwentyLanguagesAreCovered) {
  auto fixtures = expected();
  std::set<std::string> languages;
  for (const auto& entry : fs::recursive_directory_iterator(dir())) {
    if (entry.path().extension() != ".eml") continue;
    fs::path rel = fs::relative(entry.path(), dir());
    std::string name = (rel.parent_path() / rel.stem()).generic_string();
    EXPECT_TRUE(fixtures.contains(name)) << name << " is not in styles.json";
    EXPECT_TRUE(fs::exists(dir() / (name + ".new.txt"))) << name << " has no golden new text";
    languages.insert(rel.begin()->string());
  }
  EXPECT_GE(languages.size(), 20u);
}

}  // namespace
}  // namespace sm
