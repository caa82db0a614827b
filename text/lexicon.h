// Lexicons: per-language phrase lists (conf/lexicons/<lang>/<name>.txt), matched over the word
// tokens of a text with a token trie — one pass whatever the number of entries, no regular
// expressions. An entry is a sequence of words; in it
//   word    matches every form of the word: its Snowball stem in the list's language
//           ("тупой" matches "тупым", "lamento" matches "lamentamos")
//   =word   matches this form only (where a stem would reach an innocent word)
//   word*   matches every word that begins with it
//   *ending matches every word longer than the ending that ends with it ("*adnos": enviadnos)
//   ...     between two words: up to three other words ("приносим ... извинения")
//   <       before the first word: the phrase starts a clause (the text's start, or after
//           . ! ? ; : , ( ) ¿ ¡ a dash or a blank line)
//   >       after the last word: the phrase ends a clause
//   !       before an entry: an exception, found like any entry but never reported, so that
//           the words it covers match nothing else ("!not your fault" keeps "your fault" from
//           matching "This is not your fault")
// so a phrase rude only in its frame is written as the frame ("< это ваши проблемы >" matches
// "Это ваши проблемы." but not "мы решим ваши проблемы"). In the text, '*' inside a word is a
// masked letter that matches any one letter ("f*ck"), and letters repeated three times or more
// match once ("fuuuck"). Whole words only: "class" never matches "ass".
#pragma once
#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/lexdata.h"
#include "text/analysed.h"
#include "text/fold.h"
#include "text/lang.h"

namespace sm {

class PhraseList {
 public:
  // Entries are stemmed in `lang` (Lang::unknown: no stemming, every word as written).
  explicit PhraseList(Lang lang = Lang::unknown);
  ~PhraseList();
  PhraseList(PhraseList&&) noexcept;
  PhraseList& operator=(PhraseList&&) noexcept;

  // Adds one entry (syntax above). Throws std::invalid_argument naming what is wrong with it.
  void add(std::string_view entry);
  std::size_t size() const { return size_; }
  Lang lang() const { return lang_; }

  struct Hit {
    std::string_view phrase;  // the entry as written (in the list: valid while the list is)
    std::size_t first;   // token index
    std::size_t count;   // tokens matched
  };
  // Longest matches, left to right, not overlapping. `tokens` must be stemmed in lang().
  std::vector<Hit> find(const std::vector<Token>& tokens, std::size_t max_hits = 20) const;
  bool any(const std::vector<Token>& tokens) const { return !find(tokens, 1).empty(); }


  struct Node;  // of the token trie (text/lexicon.cpp)

 private:
  Lang lang_;
  std::unique_ptr<Node> root_;         // entries that may start anywhere
  std::unique_ptr<Node> clause_root_;  // entries that start a clause ('<')
  // Every first word of an entry (its form or stem) hashed to one bit of 16,384, and the first
  // two bytes of every prefix that begins an entry to one of 4,096: a token none of whose forms
  // has its bit set starts no entry, and is passed without a lookup in the tries.
  std::array<std::uint64_t, 256> first_words_{};
  std::array<std::uint64_t, 64> first_prefixes_{};
  bool has_prefixes_ = false;
  // The last bytes of the endings that begin an entry ("*adnos"): a word that ends in none of them
  // starts no such entry.
  std::array<bool, 256> first_suffix_ends_{};
  bool has_suffixes_ = false;
  std::size_t size_ = 0;
};

// A stretch of a text, in bytes: [begin, end).
struct TextSpan {
  std::size_t begin = 0;
  std::size_t end = 0;
  bool operator==(const TextSpan&) const = default;
};

// Entries found once (a finding's evidence names the entries a list found, as the list writes
// them), to find again in a text as its writer wrote it: the words an entry stands for, with their
// accents, case and forms ("tonteria" finds "Tonterías"; "тупой" finds "тупым"), read as the lists
// read a text (folded, stemmed in the language, whole words, frames and gaps). The one place that
// turns a finding's phrases back into the reply's words: the review page marks them, the agent's
// notice quotes them.
class EntryFinder {
 public:
  // Entries the list syntax refuses are passed over; Lang::unknown or other: no stemming.
  EntryFinder(const std::vector<std::string>& entries, Lang lang);
  bool empty() const { return list_.size() == 0; }
  // Where the entries stand in `text` (its first kMaxTextBytes): spans of the text as written, in
  // order, not overlapping.
  std::vector<TextSpan> find(std::string_view text) const;

 private:
  PhraseList list_;
};

// Every list of every language, loaded from one directory.
class Lexicons {
 public:
  // Reads <dir>/<lang>/*.txt for each language of kLanguages that has a folder (en, es, ru ship;
  // an admin adds a language by adding its folder), and the tables of <dir>/all/. Throws std::runtime_error naming the file and
  // line on error, and on a folder that is not a language the analysis tells apart. While the lists of a load are in use, a load of the same directory with the same files
  // gives them again rather than a copy (a reload of an unchanged directory builds nothing).
  static std::shared_ptr<const Lexicons> load(const std::string& dir);

  // The list `name` of a language (an empty list for Lang::unknown or a list that is not there).
  const PhraseList& get(const std::string& name, Lang lang) const;
  // The language has the list, with at least one entry: a rule that reads it judges the language.
  bool has(const std::string& name, Lang lang) const;
  // The hits of list `name` in a text, in the text's language; a text too short to tell its
  // language (unknown) is matched against every language's list, each with the tokens stemmed in
  // that language; a text in another language (other) matches nothing.
  std::vector<PhraseList::Hit> find(const std::string& name, const TextAnalysis& text, std::size_t max_hits = 20) const;
  bool any(const std::string& name, const TextAnalysis& text) const { return !find(name, text, 1).empty(); }

  const std::string& dir() const { return dir_; }
  std::size_t entries() const;
  // Every file read, with its name and length, in one canonical string: its digest says which
  // lists a verdict was judged with.
  const std::string& content() const { return data_->content(); }
  // The files the lists were built from, with the tables of every other reader (base/lexdata.h):
  // install_lexdata(data()) puts them in force for the message parser.
  const std::shared_ptr<const LexData>& data() const { return data_; }

 private:
  std::string dir_;
  std::shared_ptr<const LexData> data_;
  std::map<std::string, std::array<PhraseList, kLangCount>> lists_;  // by name; index = Lang
  PhraseList empty_;
};

}  // namespace sm
