// Each rule's version against what it is: its default action, parameters, the lexicon lists it reads and
// description. An audit record names the version of every rule, so a verdict can be traced to the
// rule that made it; a change to a rule must bump its version and this table with it.
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <string>

#include "checks/registry.h"

namespace sm {
namespace {

// FNV-1a, 64 bits: stable across builds and machines.
std::uint64_t fnv(const std::string& s) {
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ULL;
  return h;
}

std::string value_text(const ParamValue& v) {
  struct {
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(std::int64_t i) const { return std::to_string(i); }
    std::string operator()(double d) const { return std::to_string(d); }
    std::string operator()(const std::string& s) const { return s; }
    std::string operator()(const std::vector<std::string>& l) const {
      std::string out;
      for (const auto& x : l) out += x + ",";
      return out;
    }
  } visit;
  return std::visit(visit, v);
}

// What a rule is, as far as its interface says.
std::uint64_t shape(const Rule& r) {
  std::string s = std::string(r.id()) + "|" + to_string(r.default_action()) + "|" + (r.can_fix() ? "fix" : "") + "|";
  for (const auto& list : r.lists()) s += list + ",";
  s += std::string(r.reads_times() ? "times" : "") + std::string(r.other_languages()) + "|" + std::string(r.description());
  for (const auto& p : r.params()) s += "|" + p.name + "=" + value_text(p.default_value);
  return fnv(s);
}

TEST(RuleVersions, TableHoldsEveryRule) {
  // id -> {version, shape}. When a rule changes, bump its version() and write its new shape here.
  const std::map<std::string, std::pair<std::string, std::uint64_t>> table = {
      {"subject-continuity", {"1", 5588201883165704190ULL}},
      {"reply-all", {"1", 9842442191701984854ULL}},
      {"quoted-history", {"3", 9205303015366587320ULL}},
      {"meaningful-subject", {"3", 17194769490764785967ULL}},
      {"polite-tone", {"3", 8759328379292804762ULL}},
      {"blame-shifting", {"3", 1784413599211929918ULL}},
      {"canned-non-answer", {"3", 13329174629017979984ULL}},
      {"acknowledge-with-eta", {"3", 3751851165359053984ULL}},
      {"numbered-questions", {"3", 5529352251008250062ULL}},
      {"answer-every-question", {"3", 4774965570556523090ULL}},
      {"signature-contact", {"3", 14311917039497128710ULL}},
      {"internal-details", {"4", 5532200415136671807ULL}},
      {"call-to-action", {"5", 7685269106268892966ULL}},
      {"plain-language", {"4", 13420860993292411760ULL}},
      {"apology-on-complaint", {"3", 3823137044616659051ULL}},
  };
  for (const auto& rule : rule_registry()) {
    const std::string id(rule->id());
    SCOPED_TRACE(id);
    auto it = table.find(id);
    if (it == table.end()) {
      ADD_FAILURE() << "a rule missing from the table: add {\"" << id << "\", {\"" << rule->version() << "\", "
                    << shape(*rule) << "ULL}},";
      continue;
    }
    EXPECT_EQ(rule->version(), it->second.first) << "the version changed: update the table";
    EXPECT_EQ(shape(*rule), it->second.second)
        << "the rule changed (default action, parameters, languages or description): bump its version "
           "and write {\"" << id << "\", {\"<new version>\", " << shape(*rule) << "ULL}},";
  }
  EXPECT_EQ(table.size(), rule_registry().size()) << "the table names a rule that is gone";
}

}  // namespace
}  // namespace sm
