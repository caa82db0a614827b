// Snowball stemming through libstemmer, with a pool of stemmers per language: a stemmer keeps
// state between calls and is not thread-safe, and making one costs more than stemming a message.
// Each stemmer remembers the stems it found (a bounded memo, lent with it).
#include "text/stem.h"

#include <libstemmer.h>

#include <array>
#include <cctype>
#include <memory>
#include <mutex>
#include <string_view>
#include <unordered_map>

#include "text/fold.h"

namespace sm {

namespace {

constexpr std::size_t kMaxWord = 64;

struct StemmerDelete {
  void operator()(sb_stemmer* s) const { sb_stemmer_delete(s); }
};

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// A stemmer and the stems it found: mail repeats its words, within a message and from one message
// to the next, and looking a word up costs a fraction of stemming it. Bounded: emptied when full
// (4,096 words, about 400 KB; the pool keeps at most 16 stemmers per language).
struct Stemmer {
  static constexpr std::size_t kMemoMax = 4096;
  std::unique_ptr<sb_stemmer, StemmerDelete> sb;
  std::unordered_map<std::string, std::string, StringHash, std::equal_to<>> memo;
};
using StemmerPtr = std::unique_ptr<Stemmer>;

class Pool {
 public:
  StemmerPtr take(Lang lang) {
    const char* algorithm = snowball_algorithm(lang);
    if (algorithm == nullptr) return nullptr;
    {
      std::lock_guard lock(mu_);
      auto& free = free_[static_cast<std::size_t>(lang)];
      if (!free.empty()) {
        StemmerPtr s = std::move(free.back());
        free.pop_back();
        return s;
      }
    }
    auto s = std::make_unique<Stemmer>();
    s->sb.reset(sb_stemmer_new(algorithm, "UTF_8"));
    return s->sb ? std::move(s) : nullptr;
  }
  void give(Lang lang, StemmerPtr s) {
    if (!s) return;
    std::lock_guard lock(mu_);
    auto& free = free_[static_cast<std::size_t>(lang)];
    if (free.size() < 16) free.push_back(std::move(s));
  }

 private:
  std::mutex mu_;
  std::array<std::vector<StemmerPtr>, kLangCount> free_;
};

Pool& pool() {
  static Pool* p = new Pool;  // never destroyed: stemming may run while the process exits
  return *p;
}

// Words a stemmer should see: letters only, not too long.
bool stemmable(std::string_view w) {
  if (w.empty() || w.size() > kMaxWord) return false;
  for (char c : w)
    if (c == '*' || std::isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

std::string run(Stemmer* s, std::string_view w) {
  if (s == nullptr || !stemmable(w)) return std::string(w);
  if (auto it = s->memo.find(w); it != s->memo.end()) return it->second;
  const sb_symbol* out = sb_stemmer_stem(s->sb.get(), reinterpret_cast<const sb_symbol*>(w.data()), static_cast<int>(w.size()));
  if (out == nullptr) return std::string(w);  // out of memory in the stemmer: the word as it is
  std::string stem(reinterpret_cast<const char*>(out), static_cast<std::size_t>(sb_stemmer_length(s->sb.get())));
  if (s->memo.size() >= Stemmer::kMemoMax) s->memo.clear();
  s->memo.emplace(std::string(w), stem);
  return stem;
}

}  // namespace

const char* snowball_algorithm(Lang lang) {
  switch (lang) {
    case Lang::en: return "english";
    case Lang::es: return "spanish";
    case Lang::ru: return "russian";
    case Lang::de: return "german";
    case Lang::fr: return "french";
    case Lang::pt: return "portuguese";
    case Lang::it: return "italian";
    case Lang::nl: return "dutch";
    case Lang::pl:  // libstemmer has no Polish: its words match as written (or by prefix)
    case Lang::other:
    case Lang::unknown: return nullptr;
  }
  return nullptr;
}

std::string stem_word(std::string_view folded_word, Lang lang) {
  StemmerPtr s = pool().take(lang);
  std::string out = run(s.get(), folded_word);
  pool().give(lang, std::move(s));
  return out;
}

void stem_tokens(std::vector<Token>& tokens, Lang lang) {
  StemmerPtr s = pool().take(lang);
  for (auto& t : tokens) {
    t.stem = run(s.get(), t.text);
    t.stem_hash = t.stem.empty() ? t.hash : word_hash(t.stem);
    if (!t.squeezed.empty()) t.squeezed_stem = run(s.get(), t.squeezed);
  }
  pool().give(lang, std::move(s));
}

}  // namespace sm
