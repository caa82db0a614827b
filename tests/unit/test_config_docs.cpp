// The man page support-milter.conf(5) documents every key the schema declares, in its section.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "config/config.h"

namespace sm {
namespace {

std::string roff(std::string s) {
  std::string out;
  for (char c : s) out += c == '-' ? std::string("\\-") : std::string(1, c);
  return out;
}

TEST(Docs, ConfManPageListsEveryKey) {
  std::ifstream in(std::string(SM_TEST_DATA) + "/../../docs/man/support-milter.conf.5");
  ASSERT_TRUE(in) << "docs/man/support-milter.conf.5 missing";
  std::stringstream buf;
  buf << in.rdbuf();
  const std::string text = buf.str();
  for (const auto& line : describe_config_keys()) {
    const std::string full = line.substr(0, line.find(' '));
    const auto dot = full.rfind('.');
    const std::string section = full.substr(0, dot), key = full.substr(dot + 1);
    SCOPED_TRACE(full);
    auto sec = text.find(".SS [" + roff(section) + "]\n");
    ASSERT_NE(sec, std::string::npos) << "section missing";
    auto next = text.find(".SS ", sec + 1);
    auto at = text.find("\\fB" + roff(key) + "\\fR = ", sec);
    EXPECT_TRUE(at != std::string::npos && (next == std::string::npos || at < next)) << "key missing in its section";
  }
}

}  // namespace
}  // namespace sm
