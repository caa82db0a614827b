// Rule plumbing shared by every rule: names of enums, settings getters.
#include "checks/rule.h"

#include <algorithm>
#include <array>

#include "base/enum_names.h"
#include "text/promise.h"

namespace sm {

namespace {
constexpr std::array<const char*, 6> kActionNames{"off", "log", "annotate", "fix", "hold", "reject"};
}

const char* to_string(Action a) { return kActionNames.at(static_cast<std::size_t>(a)); }

std::optional<Action> action_from_string(std::string_view s) {
  for (std::size_t i = 0; i < kActionNames.size(); ++i)
    if (s == kActionNames[i]) return static_cast<Action>(i);
  return std::nullopt;
}

const char* to_string(Result r) {
  constexpr NameRow<Result> kResults[] = {{Result::pass, "pass"}, {Result::fail, "fail"}, {Result::skip, "skip"}};
  return name_of(kResults, r, "skip");
}

namespace {
template <typename T>
const T& param(const RuleSettings& s, std::string_view name) {
  auto it = s.params.find(name);
  if (it == s.params.end()) throw std::logic_error("rule parameter not declared: " + std::string(name));
  const T* v = std::get_if<T>(&it->second);
  if (v == nullptr) throw std::logic_error("rule parameter of another type: " + std::string(name));
  return *v;
}
}  // namespace

bool RuleSettings::get_bool(std::string_view name) const { return param<bool>(*this, name); }
std::int64_t RuleSettings::get_int(std::string_view name) const {
  return param<std::int64_t>(*this, name);
}
double RuleSettings::get_double(std::string_view name) const {
  auto it = params.find(name);
  if (it != params.end())
    if (const auto* i = std::get_if<std::int64_t>(&it->second)) return static_cast<double>(*i);
  return param<double>(*this, name);
}
const std::vector<std::string>& RuleSettings::get_list(std::string_view name) const {
  return param<std::vector<std::string>>(*this, name);
}

bool Rule::judges(Lang lang, const Lexicons* lexicons) const {
  const auto needed = lists();
  if (needed.empty()) return true;
  if (lang == Lang::unknown) return true;  // too little text to tell: every language's lists read it
  if (!is_known(lang) || lexicons == nullptr) return false;
  if (reads_times() && std::find(kTimeLanguages.begin(), kTimeLanguages.end(), lang) == kTimeLanguages.end())
    return false;
  return std::all_of(needed.begin(), needed.end(), [&](const std::string& list) { return lexicons->has(list, lang); });
}

std::string Rule::languages(const Lexicons* lexicons) const {
  if (lists().empty()) return "any";
  std::string out;
  for (Lang l : kLanguages)
    if (judges(l, lexicons)) out += std::string(out.empty() ? "" : ", ") + to_string(l);
  if (out.empty()) out = "none";
  return out + std::string(other_languages());
}

std::optional<Finding> Rule::language_skip(const RuleContext& ctx) const {
  const Lang lang = ctx.text.lang();
  if (judges(lang, ctx.text.lexicons())) return std::nullopt;
  Finding f = make(Result::skip, lang == Lang::other ? std::string("the language is not one the text analysis tells apart; not judged by this rule")
                                                    : "language " + std::string(to_string(lang)) + " is not judged by this rule");
  f.evidence = {{"language", to_string(lang)}};
  return f;
}

Finding Rule::make(Result r, std::string detail) const {
  Finding f;
  f.rule = std::string(id());
  f.result = r;
  f.detail = std::move(detail);
  return f;
}

EntryFinder evidence_finder(const nlohmann::json& evidence) {
  std::vector<std::string> entries;
  Lang lang = Lang::unknown;
  if (evidence.is_object()) {
    for (const char* key : {"phrases", "jargon", "found"}) {
      auto it = evidence.find(key);
      if (it == evidence.end() || !it->is_array()) continue;
      for (const auto& e : *it)
        if (e.is_string()) entries.push_back(e.get<std::string>());
    }
    if (auto it = evidence.find("language"); it != evidence.end() && it->is_string())
      lang = lang_from_code(it->get_ref<const std::string&>()).value_or(Lang::unknown);
  }
  return EntryFinder(entries, lang);
}

}  // namespace sm
