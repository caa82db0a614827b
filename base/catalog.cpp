// Message catalogs through ICU resource bundles and MessageFormat.
#include "base/catalog.h"

#include <algorithm>
#include <filesystem>
#include <mutex>
#include <stdexcept>

#include <unicode/msgfmt.h>
#include <unicode/ures.h>

#include "base/files.h"

namespace sm {

namespace {

struct BundleCloser {
  void operator()(UResourceBundle* b) const { ures_close(b); }
};
using Bundle = std::unique_ptr<UResourceBundle, BundleCloser>;

std::string utf8(const icu::UnicodeString& s) {
  std::string out;
  s.toUTF8String(out);
  return out;
}

// Throws when `pattern` is not a MessageFormat pattern.
void check_pattern(const std::string& lang, const std::string& key, const std::string& pattern) {
  UErrorCode status = U_ZERO_ERROR;
  UParseError where{};
  icu::MessageFormat mf(icu::UnicodeString::fromUTF8(pattern), icu::Locale(lang.c_str()), where, status);
  if (U_FAILURE(status))
    throw std::runtime_error("message catalog " + lang + ": " + key + ": not a message pattern (" +
                             u_errorName(status) + " at offset " + std::to_string(where.offset) + ")");
}

}  // namespace

std::shared_ptr<const Catalog> Catalog::load(const std::string& dir) {
  namespace fs = std::filesystem;
  auto c = std::make_shared<Catalog>();
  std::error_code ec;
  std::vector<std::string> langs;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.path().extension() == ".res" && e.path().stem() != "root") langs.push_back(e.path().stem().string());
  if (ec) throw std::runtime_error("message catalogs: cannot read " + dir + ": " + ec.message());
  const std::string path = (fs::path(dir) / "").string();
  for (const auto& lang : langs) {
    UErrorCode status = U_ZERO_ERROR;
    Bundle b(ures_openDirect(path.c_str(), lang.c_str(), &status));
    if (U_FAILURE(status))
      throw std::runtime_error("message catalogs: cannot read " + path + lang + ".res (" + u_errorName(status) + ")");
    auto& table = c->patterns_[lang];
    ures_resetIterator(b.get());
    while (ures_hasNext(b.get())) {
      status = U_ZERO_ERROR;
      Bundle item(ures_getNextResource(b.get(), nullptr, &status));
      if (U_FAILURE(status) || ures_getType(item.get()) != URES_STRING)
        throw std::runtime_error("message catalogs: " + lang + ".res holds something other than strings");
      int32_t len = 0;
      const UChar* s = ures_getString(item.get(), &len, &status);
      const std::string key = ures_getKey(item.get());
      std::string pattern = utf8(icu::UnicodeString(true, s, len));
      check_pattern(lang, key, pattern);
      table.emplace(key, std::move(pattern));
    }
  }
  if (!c->has(kCatalogFallback))
    throw std::runtime_error("message catalogs: " + dir + " has no " + std::string(kCatalogFallback) + ".res");
  return c;
}

std::vector<std::string> Catalog::languages() const {
  std::vector<std::string> out;
  for (const auto& [lang, table] : patterns_) out.push_back(lang);
  return out;
}

bool Catalog::has(std::string_view lang) const { return patterns_.find(lang) != patterns_.end(); }

std::vector<std::string> Catalog::keys(std::string_view lang) const {
  std::vector<std::string> out;
  auto it = patterns_.find(lang);
  if (it != patterns_.end())
    for (const auto& [key, pattern] : it->second) out.push_back(key);
  return out;
}

std::vector<std::string> Catalog::arguments(std::string_view lang, std::string_view key) const {
  std::vector<std::string> out;
  auto t = patterns_.find(lang);
  if (t == patterns_.end()) return out;
  auto p = t->second.find(key);
  if (p == t->second.end()) return out;
  UErrorCode status = U_ZERO_ERROR;
  icu::MessageFormat mf(icu::UnicodeString::fromUTF8(p->second), icu::Locale(t->first.c_str()), status);
  if (U_FAILURE(status)) return out;
  std::unique_ptr<icu::StringEnumeration> names(mf.getFormatNames(status));
  if (U_FAILURE(status) || !names) return out;
  while (const icu::UnicodeString* n = names->snext(status)) {
    if (U_FAILURE(status)) break;
    out.push_back(utf8(*n));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::string Catalog::format(std::string_view lang, std::string_view key, const CatalogArgs& args) const {
  const std::string* pattern = nullptr;
  std::string used(lang);
  for (std::string_view l : {lang, kCatalogFallback}) {
    auto t = patterns_.find(l);
    if (t == patterns_.end()) continue;
    auto p = t->second.find(key);
    if (p == t->second.end()) continue;
    pattern = &p->second;
    used = std::string(l);
    break;
  }
  if (pattern == nullptr) return std::string(key);
  std::vector<icu::UnicodeString> names;
  std::vector<icu::Formattable> values;
  names.reserve(args.size());
  values.reserve(args.size());
  for (const auto& [name, value] : args) {
    names.push_back(icu::UnicodeString::fromUTF8(name));
    if (const auto* s = std::get_if<std::string>(&value))
      values.emplace_back(icu::UnicodeString::fromUTF8(*s));
    else
      values.emplace_back(static_cast<int64_t>(std::get<std::int64_t>(value)));
  }
  UErrorCode status = U_ZERO_ERROR;
  icu::MessageFormat mf(icu::UnicodeString::fromUTF8(*pattern), icu::Locale(used.c_str()), status);
  icu::UnicodeString out;
  if (U_SUCCESS(status))
    mf.format(names.data(), values.data(), static_cast<int32_t>(names.size()), out, status);
  if (U_FAILURE(status)) return *pattern;  // checked at load; a wrong argument type shows the pattern
  return utf8(out);
}

#ifndef SM_INSTALLED_CATALOGS
#define SM_INSTALLED_CATALOGS "/usr/share/support-milter/messages"
#endif

std::string default_catalog_dir() {
  std::error_code ec;
  std::string tried;
  for (const auto& c : data_dir_candidates(SM_INSTALLED_CATALOGS, "messages")) {
    if (std::filesystem::is_directory(c, ec)) return c;
    tried += (tried.empty() ? "" : " or ") + c;
  }
  throw std::runtime_error("no message catalogs found in " + tried);
}

std::shared_ptr<const Catalog> catalog() {
  static std::once_flag once;
  static std::shared_ptr<const Catalog> loaded;
  std::call_once(once, [] { loaded = Catalog::load(default_catalog_dir()); });
  return loaded;
}

}  // namespace sm
