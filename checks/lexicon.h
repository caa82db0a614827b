// Lexicons: per-language phrase lists (data under conf/lexicons/<lang>/<name>.txt), matched over
// folded word tokens with a token trie — one pass over the text whatever the number of entries,
// no regular expressions. In an entry, a word ending in '*' is a stem and matches every word it
// begins ("идиот*" matches "идиоты"); in the text, '*' inside a word is a masked letter and
// matches any one letter ("f*ck", "с*ка"). Whole words only: "class" never matches "ass".
#pragma once
#include <array>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "checks/text.h"

namespace sm {

class PhraseList {
 public:
  PhraseList();
  ~PhraseList();
  PhraseList(PhraseList&&) noexcept;
  PhraseList& operator=(PhraseList&&) noexcept;

  void add(std::string_view phrase);  // folded here; empty lines ignored
  std::size_t size() const { return size_; }

  struct Hit {
    std::string phrase;  // the entry as written
    std::size_t first;   // token index
    std::size_t count;   // tokens matched
  };
  std::vector<Hit> find(const std::vector<Token>& tokens, std::size_t max_hits = 20) const;
  bool any(const std::vector<Token>& tokens) const { return !find(tokens, 1).empty(); }

 private:
  struct Node;
  std::unique_ptr<Node> root_;
  std::size_t size_ = 0;
};

// Every list of every language, loaded from one directory.
class Lexicons {
 public:
  // Reads <dir>/<lang>/*.txt for en, es, ru. Throws std::runtime_error naming the file on error.
  // While the lists of a load are in use, a load of the same directory with the same files gives
  // them again rather than a copy (a reload of an unchanged directory builds nothing).
  static std::shared_ptr<const Lexicons> load(const std::string& dir);
  // The list `name` for a language; Lang::unknown gives every language's entries together.
  const PhraseList& get(const std::string& name, Lang lang) const;
  const std::string& dir() const { return dir_; }
  std::size_t entries() const;

 private:
  std::string dir_;
  std::map<std::string, std::array<PhraseList, 4>> lists_;  // by name; index = Lang
  PhraseList empty_;
};

}  // namespace sm
