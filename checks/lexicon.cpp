// Token-trie phrase matching and lexicon loading.
#include "checks/lexicon.h"

#include <unicode/unistr.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace sm {

struct PhraseList::Node {
  std::unordered_map<std::string, std::unique_ptr<Node>> exact;
  // Stems by their first two bytes, so a word looks at few of them.
  std::unordered_map<std::string, std::vector<std::pair<std::string, std::unique_ptr<Node>>>> stems;
  std::string phrase;  // set where an entry ends
};

PhraseList::PhraseList() : root_(std::make_unique<Node>()) {}
PhraseList::~PhraseList() = default;
PhraseList::PhraseList(PhraseList&&) noexcept = default;
PhraseList& PhraseList::operator=(PhraseList&&) noexcept = default;

void PhraseList::add(std::string_view phrase) {
  std::string folded = fold_for_match(phrase);
  // Keep '*' at word ends (stems): tokenize() keeps inner '*' but trims trailing ones, so split here.
  std::vector<std::string> words;
  std::string cur;
  for (char c : folded) {
    if (c == ' ' || c == '\t' || c == '\r' || c == ',' || c == '.' || c == '!' || c == '?' || c == '"' || c == '(' || c == ')') {
      if (!cur.empty()) words.push_back(cur), cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) words.push_back(cur);
  if (words.empty()) return;
  Node* n = root_.get();
  for (const auto& w : words) {
    bool stem = w.size() > 1 && w.back() == '*';
    std::string key = stem ? w.substr(0, w.size() - 1) : w;
    // Apostrophes fold away in the text's tokens ("don't" -> "don", "t"); keep entries consistent.
    if (stem) {
      auto& bucket = n->stems[key.substr(0, 2)];
      auto it = std::find_if(bucket.begin(), bucket.end(), [&](const auto& p) { return p.first == key; });
      if (it == bucket.end()) {
        bucket.emplace_back(key, std::make_unique<Node>());
        it = bucket.end() - 1;
      }
      n = it->second.get();
    } else {
      auto& child = n->exact[key];
      if (!child) child = std::make_unique<Node>();
      n = child.get();
    }
  }
  if (n->phrase.empty()) ++size_;
  n->phrase = std::string(phrase);
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

// Does a masked text token begin with a stem, '*' matching any one letter?
bool masked_prefix(const std::string& text, const std::string& stem) {
  icu::UnicodeString a = icu::UnicodeString::fromUTF8(text), b = icu::UnicodeString::fromUTF8(stem);
  if (a.countChar32() < b.countChar32()) return false;
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
  std::vector<State> frontier;
  for (std::size_t start = 0; start < tokens.size() && hits.size() < max_hits; ++start) {
    frontier.assign(1, {root_.get(), start});
    std::size_t best_end = 0;
    std::string best;
    while (!frontier.empty()) {
      State s = frontier.back();
      frontier.pop_back();
      if (!s.node->phrase.empty() && s.next > best_end) {
        best_end = s.next;
        best = s.node->phrase;
      }
      if (s.next >= tokens.size()) continue;
      const Token& t = tokens[s.next];
      for (const std::string* form : {&t.text, &t.squeezed}) {
        if (form == &t.squeezed && t.squeezed == t.text) break;
        if (auto it = s.node->exact.find(*form); it != s.node->exact.end()) frontier.push_back({it->second.get(), s.next + 1});
        if (form->size() >= 2)
          if (auto b = s.node->stems.find(form->substr(0, 2)); b != s.node->stems.end())
            for (const auto& [stem, child] : b->second)
              if (form->compare(0, stem.size(), stem) == 0) frontier.push_back({child.get(), s.next + 1});
      }
      if (t.text.find('*') != std::string::npos) {
        for (const auto& [word, child] : s.node->exact)
          if (masked_equal(t.text, word)) frontier.push_back({child.get(), s.next + 1});
        for (const auto& [prefix, bucket] : s.node->stems)
          for (const auto& [stem, child] : bucket)
            if (masked_prefix(t.text, stem)) frontier.push_back({child.get(), s.next + 1});
      }
    }
    if (best_end > start) {
      hits.push_back({best, start, best_end - start});
      start = best_end - 1;
    }
  }
  return hits;
}

std::shared_ptr<const Lexicons> Lexicons::load(const std::string& dir) {
  namespace fs = std::filesystem;
  static const std::array<std::pair<const char*, Lang>, 3> langs = {{{"en", Lang::en}, {"es", Lang::es}, {"ru", Lang::ru}}};
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw std::runtime_error("lexicons: " + dir + " is not a directory");
  // The phrase lists decide what is held: files or directories every user may change are refused.
  auto refuse_world_writable = [](const fs::path& p) {
    std::error_code e;
    auto perms = fs::status(p, e).permissions();
    if (!e && (perms & fs::perms::others_write) != fs::perms::none)
      throw std::runtime_error("lexicons: " + p.string() + " is writable by every user; refused (chmod o-w)");
  };
  refuse_world_writable(dir);
  struct File {
    Lang lang;
    std::string name, text;
    bool operator==(const File&) const = default;
  };
  std::vector<File> files;  // what the lists are built from
  for (const auto& [code, lang] : langs) {
    fs::path sub = fs::path(dir) / code;
    if (!fs::is_directory(sub, ec)) continue;
    refuse_world_writable(sub);
    std::vector<fs::path> paths;
    for (const auto& e : fs::directory_iterator(sub, ec))
      if (e.path().extension() == ".txt") paths.push_back(e.path());
    std::sort(paths.begin(), paths.end());
    for (const auto& path : paths) {
      refuse_world_writable(path);
      std::ifstream in(path, std::ios::binary);
      if (!in) throw std::runtime_error("lexicons: cannot read " + path.string());
      std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
      files.push_back({lang, path.stem().string(), std::move(text)});
    }
  }

  // Lists are immutable and shared: a reload that finds the same files keeps the lists still in
  // use instead of building them again (the checks above are made at every load all the same).
  static std::mutex mu;
  static std::map<std::string, std::pair<std::vector<File>, std::weak_ptr<const Lexicons>>> loaded;
  {
    std::lock_guard lock(mu);
    auto it = loaded.find(dir);
    if (it != loaded.end() && it->second.first == files)
      if (auto same = it->second.second.lock()) return same;
  }

  auto lx = std::make_shared<Lexicons>();
  lx->dir_ = dir;
  for (const auto& f : files) {
    auto& lists = lx->lists_[f.name];
    std::istringstream in(f.text);
    for (std::string line; std::getline(in, line);) {
      if (auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      lists[static_cast<std::size_t>(f.lang)].add(line);
      lists[static_cast<std::size_t>(Lang::unknown)].add(line);
    }
  }
  std::lock_guard lock(mu);
  loaded[dir] = {std::move(files), lx};
  return lx;
}

const PhraseList& Lexicons::get(const std::string& name, Lang lang) const {
  auto it = lists_.find(name);
  if (it == lists_.end()) return empty_;
  return it->second[static_cast<std::size_t>(lang)];
}

std::size_t Lexicons::entries() const {
  std::size_t n = 0;
  for (const auto& [name, lists] : lists_) n += lists[static_cast<std::size_t>(Lang::unknown)].size();
  return n;
}

}  // namespace sm
