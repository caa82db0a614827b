// The language data: every file of the lexicon directory (conf/lexicons/<folder>/<name>.txt,
// format in conf/lexicons/README.md), read by one parser. The phrase lists of the text analysis
// (text/lexicon) are built from it, and so are the tables of the layers below the text analysis
// and beside it: Outlook's header labels, the "Original Message" and forward separators, the
// verbs and opening words of attributions (message/quote), reply and forward prefixes
// (message/subject), weekday and month names, number words and version words (text/promise,
// text/fold), internal host names and currency signs (checks).
//
// The message parser has no config to read them from: the data set in force is process-wide,
// immutable, installed at start and at every reload (install_lexdata) and read with lexdata(),
// which, until one is installed, reads the default directory once (the installed lexicons, else
// <exe>/../share/support-milter/lexicons). Each reader builds its lookup tables from a data set
// once (LexData::table<T>()), not per message.
#pragma once
#include <array>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace sm {

// The folder of the tables that are not one language's (header labels in some 25 languages, reply
// prefixes, weekday and month names of every language the promise reader reads, ...).
inline constexpr std::string_view kSharedLexFolder = "all";

struct LexEntry {
  std::string text;     // the entry, trimmed, "\#" read as '#'
  std::string section;  // the "[section]" above it, empty when none
  int line = 0;
};

struct LexFile {
  std::string folder;  // "en", "all", ...
  std::string name;    // without ".txt"
  std::string text;    // as read
  std::vector<LexEntry> entries;
  bool operator==(const LexFile& o) const { return folder == o.folder && name == o.name && text == o.text; }
};

class LexData {
 public:
  // Reads <dir>/<folder>/*.txt for every folder that `folder_ok` accepts; throws
  // std::runtime_error on any other folder (with `known`, the folders accepted, in the message),
  // on a file or folder every user may write, and on an unreadable file.
  static std::shared_ptr<const LexData> read(const std::string& dir,
                                             const std::function<bool(const std::string&)>& folder_ok,
                                             const std::string& known);
  // The data set of the default directory (lexicon_candidates()), every folder accepted.
  static std::shared_ptr<const LexData> read_default();

  const std::string& dir() const { return dir_; }
  // Every file, by folder then name.
  const std::vector<LexFile>& files() const { return files_; }
  const LexFile* file(std::string_view folder, std::string_view name) const;
  // The entries of a file, empty when it is not there.
  const std::vector<LexEntry>& entries(std::string_view folder, std::string_view name) const;
  std::string path(const LexFile& f) const;
  // Every file read, with its name and length, in one canonical string: its digest says which
  // data a verdict was judged with.
  const std::string& content() const { return content_; }
  // Throws std::runtime_error "lexicons: <path>:<line>: <what>".
  [[noreturn]] void fail(const LexFile& f, int line, const std::string& what) const;

  // A table built from this data set once, on first use (T(const LexData&)); its constructor
  // reports a malformed entry with fail().
  template <class T>
  const T& table() const {
    static const std::size_t slot = next_slot();
    Slot& s = slots_.at(slot);
    std::call_once(s.once, [&] { s.value = std::make_shared<const T>(*this); });
    return *static_cast<const T*>(s.value.get());
  }

 private:
  struct Slot {
    std::once_flag once;
    std::shared_ptr<const void> value;
  };
  static std::size_t next_slot();
  std::string dir_;
  std::vector<LexFile> files_;
  std::string content_;
  mutable std::array<Slot, 16> slots_;
};

// The data set in force (process-wide). Until one is installed, that of the default directory.
std::shared_ptr<const LexData> lexdata();
void install_lexdata(std::shared_ptr<const LexData> data);

// For one call of a reader: the table T of the data set in force, reachable by its helpers on this
// thread as TableInUse<T>::get() and kept alive until the call returns. Calls may nest.
template <class T>
class TableInUse {
 public:
  TableInUse() : data_(lexdata()), previous_(current_) { current_ = &data_->table<T>(); }
  ~TableInUse() { current_ = previous_; }
  TableInUse(const TableInUse&) = delete;
  TableInUse& operator=(const TableInUse&) = delete;
  static const T& get() { return *current_; }

 private:
  std::shared_ptr<const LexData> data_;
  const T* previous_;
  static inline thread_local const T* current_ = nullptr;
};

// Parses one file's text into entries: one a line, '#' starts a comment ("\#" is a '#'), blanks
// around an entry and blank lines are dropped, a line "[name]" opens a section.
std::vector<LexEntry> parse_lex_file(std::string_view text);

// Where the lexicons are when the config names none: the installed ones, else the ones beside
// the executable (<exe>/../share/support-milter/lexicons: a relocated install, or the build tree,
// which copies conf/lexicons there).
std::vector<std::string> lexicon_candidates();
// The first candidate that is a directory; throws std::runtime_error naming them when none is.
std::string default_lexicon_dir();

}  // namespace sm
