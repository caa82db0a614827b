// Language guess: script, then function words and letters for Latin text.
#include "text/lang.h"

#include <unicode/uscript.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <string_view>

#include "base/enum_names.h"
#include "text/fold.h"

namespace sm {

namespace {
constexpr NameRow<Lang> kLangNames[] = {{Lang::en, "en"}, {Lang::es, "es"}, {Lang::ru, "ru"}, {Lang::de, "de"},
                                        {Lang::fr, "fr"}, {Lang::pt, "pt"}, {Lang::it, "it"}, {Lang::nl, "nl"},
                                        {Lang::pl, "pl"}, {Lang::other, "other"}, {Lang::unknown, "unknown"}};
}  // namespace

const char* to_string(Lang l) { return name_of(kLangNames, l, "unknown"); }

std::optional<Lang> lang_from_code(std::string_view code) {
  for (Lang l : kLanguages)
    if (code == to_string(l)) return l;
  return std::nullopt;
}

namespace {

constexpr std::size_t kLatin = 9;  // the languages of kLanguages, by index; ru scores nothing here

// Function words of each language as fold_for_match writes them (lower case, accents removed).
// A word counts once however often it appears, so a text scores the number of different
// function words it uses. Words two languages share count for both.
struct Words {
  Lang lang;
  std::array<std::string_view, 40> words;
};

constexpr Words kWords[] = {
    {Lang::en, {"the", "and", "you", "your", "to", "of", "is", "we", "for", "thanks", "hello", "please", "with",
                "this", "it", "that", "have", "are", "be", "will", "can", "our", "not", "on", "at", "if", "would",
                "i", "my", "me", "was", "from", "but", "does", "an", "hi", "has", "what", "how", "there"}},
    {Lang::es, {"el", "la", "los", "las", "que", "de", "por", "para", "usted", "gracias", "hola", "su", "una", "es",
                "con", "no", "del", "lo", "se", "y", "muy", "pero", "como", "esta", "le", "nos", "tiene", "puede",
                "hemos", "sus", "al", "mas", "saludos", "ya", "cuando", "hay", "estimado", "estimada", "un", "si"}},
    {Lang::de, {"der", "die", "das", "und", "ist", "sie", "ihr", "ihre", "ihnen", "wir", "nicht", "mit", "fur",
                "auf", "den", "dem", "ein", "eine", "einen", "zu", "von", "ich", "sich", "auch", "bitte", "danke",
                "hallo", "vielen", "grussen", "bei", "im", "wie", "noch", "kann", "wird", "haben", "sind", "uns",
                "unser", "sehr"}},
    {Lang::fr, {"le", "la", "les", "des", "du", "un", "une", "et", "est", "vous", "nous", "votre", "vos", "pour",
                "avec", "dans", "sur", "pas", "ne", "que", "qui", "ce", "cette", "merci", "bonjour", "cordialement",
                "au", "aux", "mais", "tres", "bien", "avons", "sont", "je", "il", "elle", "en", "madame", "monsieur",
                "nos"}},
    {Lang::pt, {"o", "os", "as", "um", "uma", "voce", "nao", "obrigado", "obrigada", "ola", "com", "para", "por",
                "seu", "sua", "do", "da", "dos", "das", "no", "na", "em", "que", "e", "mas", "muito", "foi", "ser",
                "tem", "ao", "pelo", "pela", "ja", "ate", "isso", "atenciosamente", "cumprimentos", "prezado",
                "prezada", "tambem"}},
    {Lang::it, {"il", "lo", "la", "gli", "le", "di", "del", "della", "che", "e", "non", "per", "con", "un", "una",
                "sono", "ho", "abbiamo", "grazie", "buongiorno", "cordiali", "saluti", "lei", "suo", "sua", "questo",
                "questa", "anche", "piu", "ma", "come", "nel", "nella", "al", "alla", "ci", "si", "gentile", "molto",
                "ancora"}},
    {Lang::nl, {"de", "het", "een", "en", "is", "van", "dat", "niet", "met", "voor", "op", "te", "zijn", "wij", "u",
                "uw", "ons", "onze", "ik", "je", "bedankt", "hartelijk", "groet", "groeten", "graag", "kunt", "heeft",
                "hebben", "wordt", "naar", "ook", "als", "maar", "bij", "dit", "deze", "nog", "om", "geachte",
                "vriendelijke"}},
    {Lang::pl, {"i", "w", "z", "na", "do", "nie", "sie", "jest", "to", "ze", "od", "dla", "jak", "ale", "o", "po",
                "przez", "pan", "pani", "panstwo", "dzien", "dobry", "dziekuje", "pozdrawiam", "prosze", "czy", "juz",
                "tak", "bardzo", "jestesmy", "mamy", "moze", "oraz", "tylko", "tego", "ktory", "ktore", "sa", "pana",
                "wam"}},
};

// The function words in an open-addressed table by word_hash (made at compile time): a token is
// one probe, mostly to an empty slot; only an equal hash compares the text. A slot keeps, per
// language, the bit of the word in that language's list.
struct Slot {
  std::uint32_t hash = 0;
  std::string_view word;
  std::array<std::uint8_t, kLatin> bit{};  // 1 + index in the language's list; 0: not its word
};
constexpr std::size_t kSlots = 1024;

constexpr auto kTable = [] {
  std::array<Slot, kSlots> t{};
  for (const auto& w : kWords) {
    for (std::size_t i = 0; i < w.words.size(); ++i) {
      const std::string_view word = w.words[i];
      if (word.empty()) continue;
      const std::uint32_t h = word_hash(word);
      std::size_t k = h % kSlots;
      while (t[k].hash != 0 && !(t[k].hash == h && t[k].word == word)) k = (k + 1) % kSlots;
      t[k].hash = h;
      t[k].word = word;
      t[k].bit[static_cast<std::size_t>(w.lang)] = static_cast<std::uint8_t>(i + 1);
    }
  }
  return t;
}();

// Letters that belong to few of the languages: each kind seen adds to their scores.
struct Letters {
  bool es = false;  // ñ ¿ ¡
  bool de = false;  // ß, or ä ö ü
  bool pt = false;  // ã õ
  bool fr = false;  // è ê ë î ï û œ ù ÿ
  bool pl = false;  // ą ę ł ś ź ż ć ń
  bool it = false;  // ì ò
  bool cedilla = false;  // ç: French and Portuguese
  bool uk = false;       // і ї є ґ: Ukrainian, not Russian
  bool nordic = false;   // å ø æ: Swedish, Norwegian, Danish
};

void note(UChar32 c, Letters& l) {
  switch (c) {
    case 0x00F1: case 0x00D1: case 0x00BF: case 0x00A1: l.es = true; break;
    case 0x00DF: case 0x00E4: case 0x00F6: case 0x00FC: case 0x00C4: case 0x00D6: case 0x00DC: l.de = true; break;
    case 0x00E3: case 0x00F5: case 0x00C3: case 0x00D5: l.pt = true; break;
    case 0x00E8: case 0x00EA: case 0x00EB: case 0x00EE: case 0x00EF: case 0x00FB: case 0x0153: case 0x00F9:
    case 0x00FF: l.fr = true; break;
    case 0x0105: case 0x0119: case 0x0142: case 0x015B: case 0x017A: case 0x017C: case 0x0107: case 0x0144:
    case 0x0141: case 0x0104: case 0x0118: case 0x015A: case 0x0179: case 0x017B: l.pl = true; break;
    case 0x00EC: case 0x00F2: l.it = true; break;
    case 0x00E7: case 0x00C7: l.cedilla = true; break;
    case 0x00E5: case 0x00C5: case 0x00F8: case 0x00D8: case 0x00E6: case 0x00C6: l.nordic = true; break;
    case 0x0456: case 0x0457: case 0x0454: case 0x0491: case 0x0406: case 0x0407: case 0x0404: case 0x0490:
      l.uk = true;
      break;
    default: break;
  }
}

}  // namespace

Lang guess_language(std::string_view text) { return guess_language(text, nullptr); }

Lang guess_language(std::string_view text, const std::vector<Token>* folded_tokens) {
  text = text.substr(0, std::min<std::size_t>(text.size(), 8000));
  const auto* p = reinterpret_cast<const uint8_t*>(text.data());
  const auto n = static_cast<int32_t>(text.size());
  int cyr = 0, latin = 0, elsewhere = 0;
  Letters letters;
  for (int32_t i = 0; i < n;) {
    if (p[i] < 0x80) {
      latin += ((p[i] | 0x20) >= 'a' && (p[i] | 0x20) <= 'z');
      ++i;
      continue;
    }
    UChar32 c;
    U8_NEXT(p, i, n, c);
    if (c < 0) continue;
    note(c, letters);
    UErrorCode e = U_ZERO_ERROR;
    UScriptCode s = uscript_getScript(c, &e);
    if (s == USCRIPT_CYRILLIC) ++cyr;
    else if (s == USCRIPT_LATIN) ++latin;
    else if (s != USCRIPT_COMMON && s != USCRIPT_INHERITED) ++elsewhere;
  }
  if (cyr + latin + elsewhere < 8) return Lang::unknown;
  if (elsewhere > cyr && elsewhere > latin) return Lang::other;
  if (cyr > latin) return letters.uk ? Lang::other : Lang::ru;

  std::vector<Token> own;
  if (folded_tokens == nullptr) own = tokenize(fold_for_match(text));
  const std::vector<Token>& tokens = folded_tokens != nullptr ? *folded_tokens : own;
  std::array<std::uint64_t, kLatin> seen{};
  std::size_t words = 0;
  for (const auto& t : tokens) {
    if (t.text.empty() || (t.text[0] >= '0' && t.text[0] <= '9')) continue;
    ++words;
    if (t.text.size() > 14) continue;
    for (std::size_t k = t.hash % kSlots; kTable[k].hash != 0; k = (k + 1) % kSlots) {
      if (kTable[k].hash != t.hash || kTable[k].word != t.text) continue;
      for (std::size_t l = 0; l < kLatin; ++l)
        if (kTable[k].bit[l] != 0) seen[l] |= std::uint64_t{1} << (kTable[k].bit[l] - 1);
      break;
    }
  }
  std::array<int, kLatin> score{}, words_of{};
  for (std::size_t l = 0; l < kLatin; ++l) score[l] = words_of[l] = std::popcount(seen[l]);
  auto add = [&](Lang l, int v) { score[static_cast<std::size_t>(l)] += v; };
  if (letters.es) add(Lang::es, 3);
  if (letters.de) add(Lang::de, 2);
  if (letters.pt) add(Lang::pt, 3);
  if (letters.fr) add(Lang::fr, 2);
  if (letters.pl) add(Lang::pl, 3);
  if (letters.it) add(Lang::it, 1);
  if (letters.cedilla) add(Lang::fr, 1), add(Lang::pt, 1);

  // The best score and the one after it (Russian scores nothing in Latin text).
  int top = 0, next = 0;
  std::size_t best = 0;
  for (std::size_t l = 0; l < kLatin; ++l) {
    if (score[l] > top) next = top, top = score[l], best = l;
    else if (score[l] > next) next = score[l];
  }
  // Too few words to tell, or none of the languages' words: unknown while the text is short; a
  // longer text with few function words of any of them is in another language (letters alone,
  // such as the ä of Swedish, do not make German). Equal scores tell nothing either.
  if (top == 0 || (letters.nordic && words_of[best] < 3)) return words >= 8 ? Lang::other : Lang::unknown;
  if ((words >= 25 && words_of[best] < 3) || (words >= 12 && words_of[best] == 0)) return Lang::other;
  if (top == next) return Lang::unknown;
  return kLanguages[best];
}

}  // namespace sm
