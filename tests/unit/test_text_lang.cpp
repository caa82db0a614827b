// The language guess: script first, then the function words and letters of each language; too
// little text is unknown, enough text in none of the languages told apart is other.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "message/limits.h"
#include "message/message.h"
#include "tests/unit/files.h"
#include "text/lang.h"

namespace sm {
namespace {

namespace fs = std::filesystem;

struct Row {
  const char* label;
  const char* text;
  Lang want;
};

TEST(GuessLanguage, TellsTheLanguagesApart) {
  const Row rows[] = {
      {"en", "Thanks for your patience, we have fixed the invoice and it is in your account.", Lang::en},
      {"es", "Gracias por su paciencia, hemos corregido la factura y ya está en su cuenta.", Lang::es},
      {"es marks alone", "¿Mañana? Bueno.", Lang::es},
      {"ru", "Спасибо за терпение, мы исправили счёт, он уже в вашем кабинете.", Lang::ru},
      {"de", "Vielen Dank für Ihre Geduld, wir haben die Rechnung korrigiert und sie ist in Ihrem Konto.", Lang::de},
      {"fr", "Merci pour votre patience, nous avons corrigé la facture et elle est dans votre compte.", Lang::fr},
      {"pt", "Obrigado pela sua paciência, já corrigimos a fatura e ela está na sua conta.", Lang::pt},
      {"it", "Grazie per la pazienza, abbiamo corretto la fattura e ora è nel suo account.", Lang::it},
      {"nl", "Bedankt voor uw geduld, wij hebben de factuur gecorrigeerd en die staat nu in uw account.", Lang::nl},
      {"pl", "Dziękuję za cierpliwość, poprawiliśmy fakturę i jest już na Pana koncie.", Lang::pl},
      {"sv", "Tack för ditt tålamod, vi har rättat fakturan och den finns nu på ditt konto hos oss.", Lang::other},
      {"uk", "Дякуємо за терпіння, ми виправили рахунок, і він уже у вашому кабінеті.", Lang::other},
      {"el", "Ευχαριστούμε για την υπομονή σας, διορθώσαμε το τιμολόγιο.", Lang::other},
      {"short", "ok", Lang::unknown},
      {"no function word", "Zyx qwv brrk plimf", Lang::unknown},
  };
  for (const auto& r : rows) EXPECT_EQ(guess_language(r.text), r.want) << r.label;
}

TEST(GuessLanguage, EachFunctionWordCountsOnce) {
  // "the" four times is one English word; "el", "la" and "de" are three Spanish ones.
  EXPECT_EQ(guess_language("the the the the el la de manana"), Lang::es);
  EXPECT_EQ(guess_language("la la la la the and you manana"), Lang::en);
}

TEST(GuessLanguage, CodesRoundTrip) {
  for (Lang l : kLanguages) {
    ASSERT_TRUE(lang_from_code(to_string(l)).has_value());
    EXPECT_EQ(*lang_from_code(to_string(l)), l);
  }
  EXPECT_FALSE(lang_from_code("other").has_value());
  EXPECT_FALSE(lang_from_code("sv").has_value());
}

// Every reply of the development corpus is read in its folder's language, or as too short to tell:
// a reply read in another language would be skipped by the rules that read words.
TEST(GuessLanguage, ReadsEveryReplyOfTheCorpusInItsLanguage) {
  const fs::path root = fs::path(SM_TEST_DATA) / "eval";
  int read = 0;
  for (const auto& folder : fs::directory_iterator(root)) {
    if (!folder.is_directory()) continue;
    const auto want = lang_from_code(folder.path().filename().string());
    ASSERT_TRUE(want.has_value()) << folder.path();
    for (const auto& c : fs::directory_iterator(folder.path())) {
      std::vector<fs::path> files;
      for (const auto& e : fs::directory_iterator(c.path()))
        if (e.path().extension() == ".eml") files.push_back(e.path());
      std::sort(files.begin(), files.end());
      for (const auto& f : files) {
        const Message m = parse_message(test::slurp(f), Limits{});
        const Lang got = guess_language(m.quote.new_text);
        EXPECT_TRUE(got == *want || got == Lang::unknown) << f << ": read as " << to_string(got);
        ++read;
      }
    }
  }
  EXPECT_GT(read, 1000);
}

}  // namespace
}  // namespace sm
