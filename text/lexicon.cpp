// Token-trie phrase matching (stems, exact forms, prefixes, gaps, clause frames) and lexicon
// loading.
#include "text/lexicon.h"

#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <unordered_map>
#include <vector>

#include "base/words.h"
#include "message/quote.h"
#include "message/subject.h"
#include "text/promise.h"
#include "text/stem.h"

namespace sm {

namespace {

constexpr std::size_t kMaxGap = 3;  // words "..." may stand for

// A set of bits indexed by a hash: the filters of PhraseList.
template <std::size_t N>
bool test_bit(const std::array<std::uint64_t, N>& bits, std::size_t i) {
  return (bits[(i >> 6) % N] >> (i & 63)) & 1u;
}
template <std::size_t N>
void set_bit(std::array<std::uint64_t, N>& bits, std::size_t i) {
  bits[(i >> 6) % N] |= std::uint64_t{1} << (i & 63);
}
// A word's bit in first_words_ (16,384 bits) from its word_hash.
std::size_t word_bit(std::uint32_t hash) { return (hash ^ (hash >> 14)) & 16383u; }

}  // namespace

// The words that lead on from a node, sorted by their word_hash: a lookup reads one short array
// (an unordered_map walked the nodes of a small map one by one, each a miss of the cache).
struct Edge {
  std::uint32_t hash;
  std::string word;
  std::unique_ptr<PhraseList::Node> child;
};
using Edges = std::vector<Edge>;

struct PhraseList::Node {
  Edges exact;  // "=word": the folded form
  Edges stems;  // "word": its stem
  // "word*": by the first two bytes of the prefix, so a word looks at few of them.
  std::unordered_map<std::string, std::vector<std::pair<std::string, std::unique_ptr<Node>>>> prefixes;
  // "*ending": every word longer than the ending that ends with it.
  std::vector<std::pair<std::string, std::unique_ptr<Node>>> suffixes;
  std::unique_ptr<Node> gap;  // "..."
  std::string phrase;         // an entry ends here
  std::string phrase_at_end;  // an entry ends here that must end a clause ('>')
  bool exception = false;     // ... and it is an exception ('!'): it hides what it covers
  bool exception_at_end = false;
};

namespace {

// The child for `word` under `edges`, made empty when there is none.
std::unique_ptr<PhraseList::Node>& edge_slot(Edges& edges, const std::string& word) {
  const std::uint32_t h = word_hash(word);
  auto it = std::lower_bound(edges.begin(), edges.end(), h, [](const Edge& e, std::uint32_t v) { return e.hash < v; });
  for (auto at = it; at != edges.end() && at->hash == h; ++at)
    if (at->word == word) return at->child;
  return edges.insert(it, Edge{h, word, nullptr})->child;
}

// The child for a word of hash `h`, or null.
const PhraseList::Node* edge_find(const Edges& edges, std::string_view word, std::uint32_t h) {
  auto it = std::lower_bound(edges.begin(), edges.end(), h, [](const Edge& e, std::uint32_t v) { return e.hash < v; });
  for (; it != edges.end() && it->hash == h; ++it)
    if (it->word == word) return it->child.get();
  return nullptr;
}

}  // namespace

PhraseList::PhraseList(Lang lang) : lang_(lang), root_(std::make_unique<Node>()), clause_root_(std::make_unique<Node>()) {}
PhraseList::~PhraseList() = default;
PhraseList::PhraseList(PhraseList&&) noexcept = default;
PhraseList& PhraseList::operator=(PhraseList&&) noexcept = default;

void PhraseList::add(std::string_view entry) {
  std::string folded = fold_for_match(entry);
  bool exception = false;
  if (auto first = folded.find_first_not_of(" \t"); first != std::string::npos && folded[first] == '!') {
    exception = true;
    folded.erase(0, first + 1);
  }
  std::vector<std::string> pieces;
  {
    std::istringstream in(folded);
    for (std::string p; in >> p;) pieces.push_back(p);
  }
  if (pieces.empty()) return;
  bool starts_clause = false, ends_clause = false;
  if (pieces.front().front() == '<') {
    starts_clause = true;
    pieces.front().erase(0, 1);
    if (pieces.front().empty()) pieces.erase(pieces.begin());
  }
  if (!pieces.empty() && pieces.back().back() == '>') {
    ends_clause = true;
    pieces.back().pop_back();
    if (pieces.back().empty()) pieces.pop_back();
  }
  enum class Kind { stem, exact, prefix, suffix, gap };
  std::vector<std::pair<Kind, std::string>> words;
  for (std::string p : pieces) {
    if (p == "...") {
      if (words.empty() || words.back().first == Kind::gap)
        throw std::invalid_argument("\"...\" must stand between two words");
      words.emplace_back(Kind::gap, "");
      continue;
    }
    if (p.size() > 1 && p.front() == '*') {
      // "*adnos": a word that ends so. One word; the ending as the text's tokens would be.
      std::vector<Token> ws = tokenize(p.substr(1));
      if (ws.size() != 1 || ws[0].text.find('*') != std::string::npos)
        throw std::invalid_argument("\"" + p + "\": an ending (\"*ending\") is one word");
      words.emplace_back(Kind::suffix, ws[0].text);
      continue;
    }
    bool exact = !p.empty() && p.front() == '=';
    if (exact) p.erase(0, 1);
    bool prefix = !p.empty() && p.back() == '*';
    while (!p.empty() && p.back() == '*') p.pop_back();
    // The words of the piece as the text's tokens would be ("e-mail" is two, "don't" is two).
    std::vector<Token> ws = tokenize(p);
    for (std::size_t i = 0; i < ws.size(); ++i) {
      const bool last = i + 1 == ws.size();
      if (prefix && last) words.emplace_back(Kind::prefix, ws[i].text);
      else if (exact) words.emplace_back(Kind::exact, ws[i].text);
      else words.emplace_back(Kind::stem, stem_word(ws[i].text, lang_));
    }
  }
  if (words.empty()) return;
  if (words.back().first == Kind::gap) throw std::invalid_argument("\"...\" must stand between two words");
  Node* n = starts_clause ? clause_root_.get() : root_.get();
  {
    // The first word is never a gap; a prefix is looked up by its first two bytes.
    const std::string& first = words.front().second;
    if (words.front().first == Kind::prefix) {
      set_bit(first_prefixes_, word_key(std::string_view(first).substr(0, 2)));
      has_prefixes_ = true;
    } else if (words.front().first == Kind::suffix) {
      first_suffix_ends_[static_cast<unsigned char>(first.back())] = true;
      has_suffixes_ = true;
    } else {
      set_bit(first_words_, word_bit(word_hash(first)));
    }
  }
  for (auto& [kind, key] : words) {
    std::unique_ptr<Node>* child = nullptr;
    switch (kind) {
      case Kind::gap: child = &n->gap; break;
      case Kind::suffix: {
        const auto& ending = key;  // a structured binding is not captured by every compiler the fuzzers use
        auto it = std::find_if(n->suffixes.begin(), n->suffixes.end(), [&](const auto& e) { return e.first == ending; });
        if (it == n->suffixes.end()) {
          n->suffixes.emplace_back(key, nullptr);
          it = n->suffixes.end() - 1;
        }
        child = &it->second;
        break;
      }
      case Kind::exact: child = &edge_slot(n->exact, key); break;
      case Kind::stem: child = &edge_slot(n->stems, key); break;
      case Kind::prefix: {
        auto& bucket = n->prefixes[key.substr(0, 2)];
        const std::string& prefix = key;  // a plain reference: lambdas of clang before 16 cannot capture a binding
        auto it = std::find_if(bucket.begin(), bucket.end(), [&](const auto& e) { return e.first == prefix; });
        if (it == bucket.end()) {
          bucket.emplace_back(key, nullptr);
          it = bucket.end() - 1;
        }
        child = &it->second;
        break;
      }
    }
    if (!*child) *child = std::make_unique<Node>();
    n = child->get();
  }
  std::string& slot = ends_clause ? n->phrase_at_end : n->phrase;
  if (slot.empty()) ++size_;
  slot = std::string(entry);
  (ends_clause ? n->exception_at_end : n->exception) = exception;
}

namespace {

// Does a masked text token ("f*ck") match an entry word? Same length in code points, '*' any one.
bool masked_equal(const std::string& text, const std::string& word) {
  icu::UnicodeString a = icu::UnicodeString::fromUTF8(text), b = icu::UnicodeString::fromUTF8(word);
  if (a.countChar32() != b.countChar32()) return false;
  for (int32_t i = 0, j = 0; i < a.length() && j < b.length();) {
    UChar32 x = a.char32At(i), y = b.char32At(j);
    if (x != '*' && x != y) return false;
    i += U16_LENGTH(x);
    j += U16_LENGTH(y);
  }
  return true;
}

// Does a masked text token begin with `prefix`, '*' matching any one letter, with at most
// `max_rest` code points after it?
bool masked_prefix(const std::string& text, const std::string& prefix, int32_t max_rest = INT32_MAX) {
  icu::UnicodeString a = icu::UnicodeString::fromUTF8(text), b = icu::UnicodeString::fromUTF8(prefix);
  if (a.countChar32() < b.countChar32() || a.countChar32() - b.countChar32() > max_rest) return false;
  for (int32_t i = 0, j = 0; j < b.length();) {
    UChar32 x = a.char32At(i), y = b.char32At(j);
    if (x != '*' && x != y) return false;
    i += U16_LENGTH(x);
    j += U16_LENGTH(y);
  }
  return true;
}

}  // namespace

std::vector<PhraseList::Hit> PhraseList::find(const std::vector<Token>& tokens, std::size_t max_hits) const {
  std::vector<Hit> hits;
  if (size_ == 0) return hits;
  // Depth-first from each start; entries are short, so the frontier stays small.
  struct State {
    const Node* node;
    std::size_t next;
  };
  // One frontier per thread, kept between calls: a message asks a dozen lists.
  thread_local std::vector<State> frontier;
  for (std::size_t start = 0; start < tokens.size() && hits.size() < max_hits; ++start) {
    {
      // No entry begins with this word in any of its forms: nothing starts here.
      const Token& t = tokens[start];
      bool may = t.masked || test_bit(first_words_, word_bit(t.hash)) || test_bit(first_words_, word_bit(t.stem_hash)) ||
                 (has_prefixes_ && test_bit(first_prefixes_, t.key)) ||
                 (has_suffixes_ && !t.text.empty() && first_suffix_ends_[static_cast<unsigned char>(t.text.back())]);
      if (!may && !t.squeezed.empty())
        may = test_bit(first_words_, word_bit(word_hash(t.squeezed))) ||
              test_bit(first_words_, word_bit(word_hash(t.squeezed_stem.empty() ? t.squeezed : t.squeezed_stem))) ||
              (has_prefixes_ && test_bit(first_prefixes_, word_key(t.squeezed)));
      if (!may) continue;
    }
    frontier.assign(1, {root_.get(), start});
    if (tokens[start].clause_start) frontier.push_back({clause_root_.get(), start});
    std::size_t best_end = 0;
    std::string_view best;
    bool best_exception = false;
    while (!frontier.empty()) {
      State s = frontier.back();
      frontier.pop_back();
      // The longest entry wins; of two as long, an exception ("!usted" over "*ed").
      if (s.next > start && (s.next > best_end || (s.next == best_end && !best_exception))) {
        if (!s.node->phrase.empty() && (s.next > best_end || s.node->exception)) {
          best_end = s.next;
          best = s.node->phrase;
          best_exception = s.node->exception;
        } else if (!s.node->phrase_at_end.empty() && tokens[s.next - 1].clause_end &&
                   (s.next > best_end || s.node->exception_at_end)) {
          best_end = s.next;
          best = s.node->phrase_at_end;
          best_exception = s.node->exception_at_end;
        }
      }
      if (s.next >= tokens.size()) continue;
      // An entry never runs on past the end of a sentence ("... clearly. You'll get ...").
      if (s.next > start && tokens[s.next - 1].sentence_end) continue;
      if (s.node->gap)
        for (std::size_t k = 1; k <= kMaxGap && s.next + k < tokens.size() && !tokens[s.next + k - 1].sentence_end; ++k)
          frontier.push_back({s.node->gap.get(), s.next + k});
      if (s.node->gap) frontier.push_back({s.node->gap.get(), s.next});
      const Token& t = tokens[s.next];
      const bool squeezed = !t.squeezed.empty();
      auto push_from = [&](const Edges& edges, const std::string& word, std::uint32_t hash) {
        if (edges.empty()) return;
        if (const Node* child = edge_find(edges, word, hash)) frontier.push_back({child, s.next + 1});
      };
      push_from(s.node->exact, t.text, t.hash);
      push_from(s.node->stems, t.stem.empty() ? t.text : t.stem, t.stem_hash);
      if (squeezed) {
        const std::string& squeezed_stem = t.squeezed_stem.empty() ? t.squeezed : t.squeezed_stem;
        push_from(s.node->exact, t.squeezed, word_hash(t.squeezed));
        push_from(s.node->stems, squeezed_stem, word_hash(squeezed_stem));
      }
      for (const auto& [ending, child] : s.node->suffixes)
        if (t.text.size() > ending.size() && t.text.compare(t.text.size() - ending.size(), ending.size(), ending) == 0)
          frontier.push_back({child.get(), s.next + 1});
      for (const std::string* form : {&t.text, &t.squeezed}) {
        if (form == &t.squeezed && !squeezed) break;
        if (form->size() >= 2 && !s.node->prefixes.empty())
          if (auto b = s.node->prefixes.find(form->substr(0, 2)); b != s.node->prefixes.end())
            for (const auto& [prefix, child] : b->second)
              if (form->compare(0, prefix.size(), prefix) == 0) frontier.push_back({child.get(), s.next + 1});
      }
      if (t.masked) {
        for (const Edge& e : s.node->exact)
          if (masked_equal(t.text, e.word)) frontier.push_back({e.child.get(), s.next + 1});
        // A masked word cannot be stemmed: it matches a stem it begins with, a short ending aside.
        for (const Edge& e : s.node->stems)
          if (masked_prefix(t.text, e.word, 4)) frontier.push_back({e.child.get(), s.next + 1});
        for (const auto& [two, bucket] : s.node->prefixes)
          for (const auto& [prefix, child] : bucket)
            if (masked_prefix(t.text, prefix)) frontier.push_back({child.get(), s.next + 1});
      }
    }
    if (best_end > start) {
      // An exception ("!not your fault") is found like any entry, so it covers its words, and
      // is not reported: the entries inside it do not match there.
      if (!best_exception) hits.push_back({best, start, best_end - start});
      start = best_end - 1;
    }
  }
  return hits;
}

std::shared_ptr<const Lexicons> Lexicons::load(const std::string& dir) {
  // A folder per language, named by its code, and the folder of the tables of every language
  // (all/); a folder of a language the analysis does not tell apart would never be read.
  std::string known;
  for (Lang l : kLanguages) known += std::string(known.empty() ? "" : ", ") + to_string(l);
  auto data = LexData::read(
      dir, [](const std::string& folder) { return folder == kSharedLexFolder || lang_from_code(folder).has_value(); },
      "a language the text analysis tells apart (" + known + ") or " + std::string(kSharedLexFolder));
  // The tables the message parser and the promise reader build from the data, built now so that a
  // malformed entry is an error at start and at reload rather than at the first message.
  check_quote_tables(*data);
  check_subject_tables(*data);
  check_promise_tables(*data);
  check_fold_tables(*data);

  // Lists are immutable and shared: a reload that finds the same files keeps the lists still in
  // use instead of building them again (the checks above are made at every load all the same).
  static std::mutex mu;
  static std::map<std::string, std::weak_ptr<const Lexicons>> loaded;
  {
    std::lock_guard lock(mu);
    auto it = loaded.find(dir);
    if (it != loaded.end())
      if (auto same = it->second.lock(); same && same->data_->files() == data->files()) return same;
  }

  auto lx = std::make_shared<Lexicons>();
  lx->dir_ = dir;
  lx->data_ = data;
  for (const auto& f : data->files()) {
    const auto lang = lang_from_code(f.folder);
    if (!lang) continue;
    auto& lists = lx->lists_[f.name];
    for (Lang l : kLanguages)
      if (lists[static_cast<std::size_t>(l)].lang() != l) lists[static_cast<std::size_t>(l)] = PhraseList(l);
    PhraseList& list = lists[static_cast<std::size_t>(*lang)];
    for (const auto& e : f.entries) {
      try {
        list.add(e.text);
      } catch (const std::invalid_argument& err) {
        data->fail(f, e.line, err.what());
      }
    }
  }
  std::lock_guard lock(mu);
  loaded[dir] = lx;
  return lx;
}

const PhraseList& Lexicons::get(const std::string& name, Lang lang) const {
  auto it = lists_.find(name);
  if (it == lists_.end()) return empty_;
  return it->second[static_cast<std::size_t>(lang)];
}

bool Lexicons::has(const std::string& name, Lang lang) const { return get(name, lang).size() > 0; }

std::vector<PhraseList::Hit> Lexicons::find(const std::string& name, const TextAnalysis& text, std::size_t max_hits) const {
  if (text.lang != Lang::unknown) return get(name, text.lang).find(text.tokens, max_hits);
  std::vector<PhraseList::Hit> hits;
  for (Lang l : kLanguages) {
    const PhraseList& list = get(name, l);
    if (list.size() == 0 || hits.size() >= max_hits) continue;
    for (auto& h : list.find(text.tokens_in(l), max_hits - hits.size())) hits.push_back(std::move(h));
  }
  return hits;
}

std::size_t Lexicons::entries() const {
  std::size_t n = 0;
  for (const auto& [name, lists] : lists_)
    for (const auto& list : lists) n += list.size();
  return n;
}

EntryFinder::EntryFinder(const std::vector<std::string>& entries, Lang lang)
    : list_(is_known(lang) ? lang : Lang::unknown) {
  for (const auto& e : entries) {
    std::string entry = e;
    // A plain string (a host name, an address) is the words the text's reading makes of it:
    // "db3.corp.lan" is the three tokens "db3 corp lan".
    if (e.find_first_of("*=<>!") == std::string::npos && e.find("...") == std::string::npos) {
      entry.clear();
      for (const auto& t : tokenize(fold_for_match(e))) entry += (entry.empty() ? "" : " ") + t.text;
    }
    try {
      list_.add(entry);
    } catch (const std::invalid_argument&) {
      // Not an entry (a host name, a sentence of the evidence): nothing to find.
    }
  }
}

std::vector<TextSpan> EntryFinder::find(std::string_view text) const {
  std::vector<TextSpan> out;
  if (empty()) return out;
  text = text.substr(0, std::min(text.size(), kMaxTextBytes));
  // The words as written, each a token of the folded text: folding keeps a word a word (letters
  // stay letters), so the i-th word of the text is the i-th token of its folded form.
  // A letter's combining marks ("i" and U+0301) are part of its word, as folding makes them.
  auto only_marks = [&](std::size_t from, std::size_t to) {
    const auto* p = reinterpret_cast<const uint8_t*>(text.data());
    const auto n = static_cast<int32_t>(to);
    for (auto i = static_cast<int32_t>(from); i < n;) {
      UChar32 c;
      U8_NEXT(p, i, n, c);
      const auto type = c < 0 ? 0 : u_charType(c);
      if (type != U_NON_SPACING_MARK && type != U_ENCLOSING_MARK && type != U_COMBINING_SPACING_MARK) return false;
    }
    return true;
  };
  std::vector<TextSpan> words;
  for_each_word(text, kTextWords, [&](std::size_t b, std::size_t e, WordKind) {
    if (!words.empty() && words.back().end < b && only_marks(words.back().end, b)) words.back().end = e;
    else words.push_back({b, e});
  });
  const TextAnalysis whole(text, list_.lang());
  std::vector<Token> word_by_word;
  std::vector<TextSpan> spans;  // of each token
  const std::vector<Token>* tokens = &whole.tokens;
  if (whole.tokens.size() == words.size()) {
    spans = words;
  } else {
    // A text whose folding joins or splits words (a letter and a combining mark apart, a
    // ligature): each word folded on its own, its tokens all standing for it. No frames here.
    for (const auto& w : words) {
      auto toks = tokenize(fold_for_match(text.substr(w.begin, w.end - w.begin)));
      for (auto& t : toks) {
        t.clause_start = t.clause_end = false;
        word_by_word.push_back(std::move(t));
        spans.push_back(w);
      }
    }
    if (is_known(list_.lang())) stem_tokens(word_by_word, list_.lang());
    tokens = &word_by_word;
  }
  for (const auto& h : list_.find(*tokens, tokens->size() + 1)) {
    if (h.count == 0 || h.first + h.count > spans.size()) continue;
    const TextSpan s{spans[h.first].begin, spans[h.first + h.count - 1].end};
    if (out.empty() || s.begin >= out.back().end) out.push_back(s);
  }
  return out;
}

}  // namespace sm
