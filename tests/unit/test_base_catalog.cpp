// The agents' message catalogs as built from conf/messages: every language has every key with the
// same arguments, every message formats, plural forms follow each language, and what is missing
// falls back to English.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "base/catalog.h"

namespace sm {
namespace {

// A value for every argument a message may name.
CatalogArgs sample_args() {
  return {{"subject", std::string("Invoice 7731")},
          {"addresses", std::string("billing@example.org")},
          {"phrases", std::string("\"asap\"")},
          {"customer", std::string("ana@example.org")},
          {"agent", std::string("luis@support.example.com")},
          {"hint", std::string("say when the answer will come")},
          {"sentence", std::string("That is a silly question.")},
          {"queue_id", std::string("4XyZ1k2Qz8")},
          {"lead", std::string("marta")},
          {"rule_list", std::string("polite-tone, reply-all")},
          {"rules", std::int64_t{2}},
          {"minutes", std::int64_t{5}},
          {"hours", std::int64_t{5}},
          {"days", std::int64_t{5}}};
}

TEST(Catalog, EveryLanguageHasEveryKeyWithTheSameArguments) {
  auto cat = catalog();
  const auto langs = cat->languages();
  EXPECT_EQ(langs, (std::vector<std::string>{"en", "es", "ru"}));
  const auto keys = cat->keys("en");
  ASSERT_GT(keys.size(), 20u);
  for (const auto& lang : langs) {
    SCOPED_TRACE(lang);
    EXPECT_EQ(cat->keys(lang), keys);
    for (const auto& key : keys) EXPECT_EQ(cat->arguments(lang, key), cat->arguments("en", key)) << key;
  }
}

TEST(Catalog, EveryMessageFormatsWithItsArgumentsFilledIn) {
  auto cat = catalog();
  const auto args = sample_args();
  for (const auto& lang : cat->languages())
    for (const auto& key : cat->keys(lang)) {
      SCOPED_TRACE(lang + " " + key);
      for (const auto& name : cat->arguments(lang, key)) {
        bool known = false;
        for (const auto& [n, v] : args) known = known || n == name;
        EXPECT_TRUE(known) << "no sample for argument " << name;
      }
      const std::string text = cat->format(lang, key, args);
      EXPECT_FALSE(text.empty());
      EXPECT_EQ(text.find('{'), std::string::npos) << text;  // an argument left unfilled
      EXPECT_NE(text, key);
    }
}

TEST(Catalog, PluralFormsFollowTheLanguage) {
  auto cat = catalog();
  auto hours = [&](const char* lang, std::int64_t n) {
    return cat->format(lang, "notice_waiting_hours", {{"hours", n}});
  };
  EXPECT_NE(hours("en", 1).find("1 hour."), std::string::npos) << hours("en", 1);
  EXPECT_NE(hours("en", 3).find("3 hours."), std::string::npos) << hours("en", 3);
  EXPECT_NE(hours("es", 1).find("1 hora "), std::string::npos) << hours("es", 1);
  EXPECT_NE(hours("es", 4).find("4 horas "), std::string::npos) << hours("es", 4);
  // Russian: one (1, 21), few (2-4, 22), many (5-20, 25).
  EXPECT_NE(hours("ru", 1).find("1 час."), std::string::npos) << hours("ru", 1);
  EXPECT_NE(hours("ru", 21).find("21 час."), std::string::npos) << hours("ru", 21);
  EXPECT_NE(hours("ru", 3).find("3 часа."), std::string::npos) << hours("ru", 3);
  EXPECT_NE(hours("ru", 22).find("22 часа."), std::string::npos) << hours("ru", 22);
  EXPECT_NE(hours("ru", 5).find("5 часов."), std::string::npos) << hours("ru", 5);
  EXPECT_NE(hours("ru", 11).find("11 часов."), std::string::npos) << hours("ru", 11);
}

TEST(Catalog, WhatIsMissingFallsBackToEnglish) {
  auto cat = catalog();
  EXPECT_EQ(cat->format("de", "reject_intro"), cat->format("en", "reject_intro"));
  EXPECT_EQ(cat->format("en", "reject_intro"), "support policy:");
  EXPECT_EQ(cat->format("es", "no_such_message"), "no_such_message");
  EXPECT_FALSE(cat->has("de"));
  // The subject stays as written, quotes and all, inside the message.
  EXPECT_EQ(cat->format("en", "hint_subject_continuity", {{"subject", std::string("Re: it's {odd}")}}),
            "keep the subject \"Re: it's {odd}\"");
}

TEST(Catalog, AFolderWithoutEnglishIsRefused) {
  const std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) / "catalog-empty";
  std::filesystem::create_directories(dir);
  EXPECT_THROW(Catalog::load(dir.string()), std::runtime_error);
  EXPECT_THROW(Catalog::load((dir / "missing").string()), std::runtime_error);
}

}  // namespace
}  // namespace sm
