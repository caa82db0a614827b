// One fixture per mail client style (tests/data/quotes/*.eml) through parse_message: the new text
// equals the golden file next to it (white space normalized) and the quote style is the one in
// styles.json.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "message/message.h"

namespace sm {
namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream b;
  b << in.rdbuf();
  return b.str();
}

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

TEST(Clients, NewTextAndStyleOfEveryFixture) {
  const fs::path dir = fs::path(SM_TEST_DATA) / "quotes";
  auto styles = nlohmann::json::parse(slurp(dir / "styles.json"));
  ASSERT_GE(styles.size(), 20u);
  for (const auto& [name, style] : styles.items()) {
    SCOPED_TRACE(name);
    Message m = parse_message(slurp(dir / (name + ".eml")), Limits{});
    EXPECT_EQ(normalize(m.quote.new_text), normalize(slurp(dir / (name + ".new.txt")))) << m.body_text;
    EXPECT_EQ(to_string(m.quote.style), style.get<std::string>()) << m.body_text;
    EXPECT_EQ(m.quote.has_quote, style != "none");
  }
}

TEST(Clients, QuotedTextHoldsTheAnsweredMessage) {
  const fs::path dir = fs::path(SM_TEST_DATA) / "quotes";
  for (const char* name : {"gmail", "outlook", "thunderbird", "yahoo", "iphone", "attached-message"}) {
    SCOPED_TRACE(name);
    Message m = parse_message(slurp(dir / (std::string(name) + ".eml")), Limits{});
    EXPECT_NE(m.quote.quoted.find("we fixed the CSV export"), std::string::npos) << m.quote.quoted;
  }
}

}  // namespace
}  // namespace sm
