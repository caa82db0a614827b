// Texts and what the folding made of them when the folding paths were made one: the words and
// shingle hashes of the fingerprints the thread store keeps, the subject key stored with a thread,
// and the text folded for matching. Values the store holds must not change when the code does;
// test_store_fingerprint.cpp, test_message_subject.cpp and test_text_fold.cpp check them.
#pragma once
#include <cstdint>
#include <string>

namespace sm::pins {

struct FoldPin {
  const char* text;
  const char* shingle_words;      // shingle_words(text), each followed by '|'
  std::uint64_t shingles_fnv;     // FNV-1a 64 of pack_sketch(shingles(text))
  const char* subject_key;        // subject_key(text)
  const char* fold_for_match;     // fold_for_match(text)
};

inline std::uint64_t fnv64(const std::string& s) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

inline const FoldPin kFoldPins[] = {
    {"Don't worry: the e.g. case, v1.2.3 and 4,471.00 USD; mail ana@client.example or see https://x.example/a_b.",
     "don't|worry|the|e.g|case|v1.2.3|and|4,471.00|usd|mail|ana@client.example|or|see|https|x.example|a_b|", 0x342638453087aef8ull, "don't worry: the e.g. case, v1.2.3 and 4,471.00 usd; mail ana@client.example or see https://x.example/a_b.", "don't worry: the e.g. case, v1.2.3 and 4,471.00 usd; mail ana@client.example or see https://x.example/a_b."},
    {"Третий день НЕ можем войти — ёлка, Ёж; счёт №4471.",
     "третий|день|не|можем|войти|ёлка|ёж|счёт|no4471|", 0x9b714ee18c63546eull, "третий день не можем войти — ёлка, ёж; счёт no4471.", "третий день не можем войти — елка, еж; счет no4471."},
    {"¿Podrían anular la segunda copia? Réf : façade naïve Straße ﬁnal Ǆemal",
     "podrían|anular|la|segunda|copia|réf|façade|naïve|strasse|final|džemal|", 0x1880de1bfab280c4ull, "¿podrían anular la segunda copia? réf : façade naïve strasse final džemal", "¿podrian anular la segunda copia? ref : facade naive strasse final dzemal"},
    {"Καλημέρα ΣΑΣ, ο λογαριασμός σας ΐ.",
     "καλημέρα|σασ|ο|λογαριασμόσ|σασ|ΐ|", 0xa3e842da25d7f48dull, "καλημέρα σασ, ο λογαριασμόσ σασ ΐ.", "καλημερα σασ, ο λογαριασμοσ σασ ι."},
    {"cafe\u0301 e\u0301te\u0301 й и\u0306 ё е\u0308",
     "café|été|й|й|ё|ё|", 0x7be0e193cca5cbd6ull, "café été й й ё ё", "cafe ete й й е е"},
    {"สวัสดีครับ 請求書 二重請求 テスト",
     "สวัสดี|ครับ|請求|書|二重|請求|テスト|", 0x4800f78d3176a9ccull, "สวัสดีครับ 請求書 二重請求 テスト", "สวสดครบ 請求書 二重請求 テスト"},
    {"ＩＮＶＯＩＣＥ　４４７１ ①② ½ ™ ㎏",
     "invoice|4471|12|1⁄2|tm|kg|", 0xdc95a73e60b9aac6ull, "invoice 4471 12 1⁄2 tm kg", "invoice 4471 12 1⁄2 tm kg"},
    {"Line one ASCII\r\nВторая строка ёЁ\n第三行 text\n\nfuuuck f*ck с*ка",
     "line|one|ascii|вторая|строка|ёё|第三|行|text|fuuuck|f|ck|с|ка|", 0x3ba2845261e2aefcull, "line one ascii вторая строка ёё 第三行 text fuuuck f*ck с*ка", "line one ascii\r\nвторая строка ее\n第三行 text\n\nfuuuck f*ck с*ка"},
    {"שלום עולם مرحبا بالعالم",
     "שלום|עולם|مرحبا|بالعالم|", 0xe937e603973d66ecull, "שלום עולם مرحبا بالعالم", "שלום עולם مرحبا بالعالم"},
    {"in\u00ADvoice zero\u200Bwidth x\u2019s don\u2019t 3\u20191 ok\u2024go",
     "invoice|zerowidth|x’s|don’t|3’1|ok.go|", 0x9d9e1e0d7ec3771cull, "invoice zerowidth x’s don’t 3’1 ok.go", "invoice zerowidth x’s don’t 3’1 ok.go"},
    {"İstanbul ﬀ ǅ ß ẞ ς Σ ǈ Ⅻ ⁵ ₂ ‐ ‑ 1\u00A0000",
     "i̇stanbul|ff|dž|ss|ss|σ|σ|lj|xii|5|2|1|000|", 0xc7b8662ccc73d689ull, "i̇stanbul ff dž ss ss σ σ lj xii 5 2 ‐ ‐ 1 000", "istanbul ff dz ss ss σ σ lj xii 5 2 ‐ ‐ 1 000"},
    {"\xff\xfe broken \xc3 utf8 \xe2\x82 done",
     "broken|utf8|done|", 0x292a8a05212072d7ull, "�� broken � utf8 � done", "�� broken � utf8 � done"},
};

}  // namespace sm::pins
