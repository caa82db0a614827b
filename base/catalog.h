// The message catalogs: what support-milter says to agents (the reject text, the notices, the
// annotation) in their language. ICU resource bundles (conf/messages/<lang>.txt, compiled by genrb
// into <lang>.res), each message an ICU MessageFormat pattern with named arguments, so plural
// forms follow each language's rules ("{hours, plural, one {# hour} other {# hours}}").
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace sm {

using CatalogArg = std::variant<std::string, std::int64_t>;
using CatalogArgs = std::vector<std::pair<std::string, CatalogArg>>;

// The language every catalog falls back to, and that every key must exist in.
inline constexpr std::string_view kCatalogFallback = "en";

class Catalog {
 public:
  // Reads every <lang>.res of `dir` (root.res aside). Throws std::runtime_error when the folder has
  // no English bundle, a bundle cannot be read, or a pattern is not a valid MessageFormat.
  static std::shared_ptr<const Catalog> load(const std::string& dir);

  // The languages with a bundle ("en", "es", "ru"), sorted.
  std::vector<std::string> languages() const;
  bool has(std::string_view lang) const;
  // The keys of one language's bundle, sorted (empty for a language without one).
  std::vector<std::string> keys(std::string_view lang) const;

  // The argument names of `key`'s pattern in `lang`, sorted (empty when there is no such key).
  std::vector<std::string> arguments(std::string_view lang, std::string_view key) const;

  // The message `key` in `lang` with its arguments filled in. A language without a bundle, or a
  // bundle without the key, gives the English message; a key no bundle has gives the key itself
  // (never an exception: a text for people must not stop a verdict).
  std::string format(std::string_view lang, std::string_view key, const CatalogArgs& args = {}) const;

 private:
  // language -> key -> pattern (UTF-8)
  std::map<std::string, std::map<std::string, std::string, std::less<>>, std::less<>> patterns_;
};

// The catalog folder: the installed one, else <exe>/../share/support-milter/messages (the build
// tree's). Throws std::runtime_error when neither exists.
std::string default_catalog_dir();

// The process's catalog, read from default_catalog_dir() on first use. Throws std::runtime_error
// when it cannot be read.
std::shared_ptr<const Catalog> catalog();

}  // namespace sm
