// Lexicon entries against texts, table-driven: word forms through Snowball stems, exact forms,
// prefixes, gaps, clause frames, masked and repeated letters, whole words only; and the shipped
// lists: every entry loads, none repeats another once stemmed.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>

#include "text/analysed.h"
#include "base/lexdata.h"
#include "text/lexicon.h"

namespace sm {
namespace {

struct Row {
  const char* label;
  Lang lang;
  const char* entry;
  const char* text;
  bool want;
};

TEST(PhraseList, EntriesAgainstTexts) {
  const Row rows[] = {
      // Word forms: one entry, every form.
      {"ru adjective case", Lang::ru, "тупой", "Вы что, считаете нас тупым?", true},
      {"ru feminine", Lang::ru, "вы сами виноваты", "Вы сама виновата, что не проверили адрес.", true},
      {"ru apology noun", Lang::ru, "извинения", "Приносим вам извинения за задержку.", true},
      {"ru apology verb", Lang::ru, "извиняемся", "Извиняемся за ожидание.", true},
      {"es verb forms", Lang::es, "lamento", "Lamentamos mucho lo ocurrido.", true},
      {"en plural", Lang::en, "apology", "Apologies for the delay.", true},
      {"en adverb", Lang::en, "stupid", "That was stupidly confusing.", true},
      // Exact forms keep innocent words out.
      {"es exact", Lang::es, "=cono", "Vamos con el pedido.", false},
      {"es exact hit", Lang::es, "=cono", "¡Coño, otra vez!", true},
      {"ru exact", Lang::ru, "=простите", "Это простой вопрос.", false},
      // Prefixes.
      {"prefix", Lang::ru, "бестолков*", "бестолковые вопросы", true},
      // Gaps of up to three words.
      {"gap", Lang::ru, "приносим ... извинения", "Приносим Вам свои извинения.", true},
      {"gap too wide", Lang::ru, "приносим ... извинения", "Приносим товар, ждём ваши слова и извинения.", false},
      // Frames: rude only as its own clause.
      {"frame", Lang::ru, "< это ваши проблемы", "Это ваши проблемы, а не наши.", true},
      {"frame after a comma", Lang::ru, "< это ваши проблемы", "Мы ничего не должны, это ваши проблемы.", true},
      {"frame: kind words", Lang::ru, "< это ваши проблемы", "Мы решим ваши проблемы сегодня.", false},
      {"frame: inside a clause", Lang::ru, "< ваши проблемы >", "Мы решим ваши проблемы сегодня.", false},
      {"frame end", Lang::en, "< deal with it >", "Deal with it.", true},
      {"frame end: more follows", Lang::en, "< deal with it >", "Our team will deal with it today.", false},
      // Masked and repeated letters; whole words.
      {"masked", Lang::en, "fuck*", "What the f*ck is this", true},
      {"masked stem", Lang::ru, "бляд*", "Б**дь, ну конечно", true},
      {"repeated", Lang::en, "stupid", "stuuupid", true},
      {"whole words", Lang::en, "=ass", "We will pass it on to the class.", false},
  };
  for (const auto& r : rows) {
    SCOPED_TRACE(r.label);
    PhraseList list(r.lang);
    list.add(r.entry);
    TextAnalysis text(r.text);
    EXPECT_EQ(list.any(text.tokens_in(r.lang)), r.want) << r.text;
  }
}

// The words a found entry stands for, as the text writes them.
std::vector<std::string> found_words(const std::vector<std::string>& entries, Lang lang, std::string_view text) {
  std::vector<std::string> out;
  for (const auto& s : EntryFinder(entries, lang).find(text)) out.emplace_back(text.substr(s.begin, s.end - s.begin));
  return out;
}

TEST(EntryFinder, FindsTheWordsAsWrittenWithTheirAccentsCaseAndForms) {
  using W = std::vector<std::string>;
  // Spanish: accent, capital, plural; a phrase whose verb is inflected; a frame.
  EXPECT_EQ(found_words({"tonteria", "nos hace perder el tiempo"}, Lang::es,
                        "Sus preguntas son Tonterías. Nos Hacen perder el tiempo con cada correo."),
            (W{"Tonterías", "Nos Hacen perder el tiempo"}));
  EXPECT_EQ(found_words({"< eso no es mi problema"}, Lang::es, "Lo siento. ESO NO ES MI PROBLEMA."),
            (W{"ESO NO ES MI PROBLEMA"}));
  EXPECT_EQ(found_words({"< eso no es mi problema"}, Lang::es, "Creo que eso no es mi problema."), W{});
  // Russian: a case form of an adjective, a prefix, ё written as е in the list.
  EXPECT_EQ(found_words({"тупой", "бестолков*"}, Lang::ru, "Вы что, считаете нас Тупыми? Бестолковый ответ."),
            (W{"Тупыми", "Бестолковый"}));
  // A plain string (a host name) is its words; an entry the syntax refuses finds nothing.
  EXPECT_EQ(found_words({"db3.corp.lan", "... x"}, Lang::en, "Restart DB3.corp.lan now."), (W{"DB3.corp.lan"}));
  // Without a language: the forms as written only.
  EXPECT_EQ(found_words({"stupid"}, Lang::unknown, "A Stupid question, stupidly asked."), (W{"Stupid"}));
  // Combining accents (the text's words and its folded tokens differ in number): still found.
  EXPECT_EQ(found_words({"tonteria"}, Lang::es, "Una tonteri\u0301a, otra tonteri\u0301a."),
            (W{"tonteri\u0301a", "tonteri\u0301a"}));
  EXPECT_TRUE(EntryFinder({}, Lang::es).find("tonteria").empty());
}

TEST(PhraseList, MalformedEntriesAreErrors) {
  PhraseList list(Lang::en);
  EXPECT_THROW(list.add("... sorry"), std::invalid_argument);
  EXPECT_THROW(list.add("sorry ..."), std::invalid_argument);
  EXPECT_THROW(list.add("sorry ... ... again"), std::invalid_argument);
  EXPECT_EQ(list.size(), 0u);
}

TEST(Lexicons, AMalformedEntryNamesItsFileAndLine) {
  auto dir = std::filesystem::path(::testing::TempDir()) / ("lex-bad-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir / "en");
  std::ofstream(dir / "en" / "rude.txt") << "# a list\nidiot\n... oops\n";
  try {
    Lexicons::load(dir.string());
    ADD_FAILURE() << "loaded a malformed list";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("rude.txt:3"), std::string::npos) << e.what();
  }
  std::filesystem::remove_all(dir);
}

// The promise reader's grammar words (all/promise.txt): a section it does not read is an error
// that names the file and line.
TEST(Lexicons, AnUnknownPromiseSectionNamesItsFileAndLine) {
  auto dir = std::filesystem::path(::testing::TempDir()) / ("lex-promise-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir / "all");
  std::ofstream(dir / "all" / "promise.txt") << "# grammar words\n[today]\ntoday\n\n[yesterday]\nyesterday\n";
  try {
    Lexicons::load(dir.string());
    ADD_FAILURE() << "loaded a malformed table";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("promise.txt:6"), std::string::npos) << e.what();
  }
  std::filesystem::remove_all(dir);
}

// Every shipped entry loads, and none repeats an earlier one of its list once stemmed (a lexicon
// lists a word once; its forms follow).
TEST(Lexicons, ShippedListsHaveNoRepeats) {
  const std::filesystem::path root = std::filesystem::path(SM_TEST_DATA) / "../../conf/lexicons";
  int lists = 0;
  for (const auto& [code, lang] : {std::pair{"en", Lang::en}, {"es", Lang::es}, {"ru", Lang::ru}}) {
    for (const auto& f : std::filesystem::directory_iterator(root / code)) {
      if (f.path().extension() != ".txt") continue;
      ++lists;
      PhraseList list(lang);
      std::ifstream in(f.path(), std::ios::binary);
      const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
      for (const LexEntry& e : parse_lex_file(text)) {
        std::size_t before = list.size();
        EXPECT_NO_THROW(list.add(e.text)) << f.path() << ":" << e.line;
        EXPECT_EQ(list.size(), before + 1) << f.path() << ":" << e.line << ": \"" << e.text
                                           << "\" repeats an entry above it";
      }
    }
  }
  EXPECT_GE(lists, 30);
  // The tables of every language (all/): no entry twice in a list (a section of promise.txt is a
  // list of its own: a word may open a duration and fill one).
  int tables = 0;
  for (const auto& f : std::filesystem::directory_iterator(root / "all")) {
    if (f.path().extension() != ".txt") continue;
    ++tables;
    std::ifstream in(f.path(), std::ios::binary);
    const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    const bool sets = f.path().stem() == "promise";
    std::set<std::string> seen;
    for (const LexEntry& e : parse_lex_file(text))
      EXPECT_TRUE(seen.insert(sets ? e.section + "\n" + e.text : e.text).second) << f.path() << ":" << e.line << ": \"" << e.text
                                              << "\" repeats an entry above it";
  }
  EXPECT_GE(tables, 14);
}

// The shipped directory loads, with the tables of every reader (header labels, reply prefixes,
// weekday and month names, ...), and its digest covers the tables too.
TEST(Lexicons, SharedTablesAreRead) {
  const auto lex = Lexicons::load((std::filesystem::path(SM_TEST_DATA) / "../../conf/lexicons").string());
  ASSERT_NE(lex->data(), nullptr);
  EXPECT_FALSE(lex->data()->entries(kSharedLexFolder, "header-label").empty());
  EXPECT_NE(lex->content().find("all/reply-prefix.txt "), std::string::npos);
  EXPECT_NE(lex->content().find("all/promise.txt "), std::string::npos);
  EXPECT_NE(lex->content().find("all/promise-idiom.txt "), std::string::npos);
  EXPECT_NE(lex->content().find("en/rude.txt "), std::string::npos);
}

TEST(LexData, OneParserForEveryFile) {
  const auto entries = parse_lex_file("# comment\n\n  word  # note\n[from]\nde la\n\\#\n");
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].text, "word");
  EXPECT_EQ(entries[0].section, "");
  EXPECT_EQ(entries[0].line, 3);
  EXPECT_EQ(entries[1].text, "de la");
  EXPECT_EQ(entries[1].section, "from");
  EXPECT_EQ(entries[2].text, "#");
}

}  // namespace
}  // namespace sm
