// The quote splitter on plain text, table-driven: what is new text, what is history.
#include <gtest/gtest.h>

#include "message/quote.h"

namespace sm {
namespace {

struct Case {
  const char* label;
  const char* text;
  const char* want_new;
  QuoteStyle style;
};

TEST(Quote, Split) {
  const Case cases[] = {
      {"no quote", "Hello\nBye", "Hello\nBye", QuoteStyle::none},
      {"prefix only", "Thanks\n> old line\n> more", "Thanks", QuoteStyle::prefix},
      {"nested prefix", "Ok\n>> very old\n> old", "Ok", QuoteStyle::prefix},
      {"en attribution", "Yes\n\nOn Mon, 2 Nov 2026 at 10:00, Ana <ana@x.example> wrote:\n> q", "Yes", QuoteStyle::attribution},
      {"es attribution", "Sí\n\nEl lun, 2 nov 2026 a las 10:00, Ana (<ana@x.example>) escribió:\n> q", "Sí", QuoteStyle::attribution},
      {"pt attribution", "Sim\n\nEm seg., 2 de nov. de 2026 às 10:00, Ana <ana@x.example> escreveu:\n> q", "Sim", QuoteStyle::attribution},
      {"fr attribution", "Oui\n\nLe lun. 2 nov. 2026 à 10:00, Ana <ana@x.example> a écrit :\n> q", "Oui", QuoteStyle::attribution},
      {"de attribution", "Ja\n\nAm 02.11.2026 um 10:00 schrieb Ana <ana@x.example>:\n> q", "Ja", QuoteStyle::attribution},
      {"it attribution", "Sì\n\nIl giorno lun 2 nov 2026 alle ore 10:00 Ana <ana@x.example> ha scritto:\n> q", "Sì", QuoteStyle::attribution},
      {"nl attribution", "Ja\n\nOp ma 2 nov. 2026 om 10:00 schreef Ana <ana@x.example>:\n> q", "Ja", QuoteStyle::attribution},
      {"pl attribution", "Tak\n\nW dniu 2.11.2026 o 10:00 Ana <ana@x.example> pisze:\n> q", "Tak", QuoteStyle::attribution},
      {"sv attribution", "Ja\n\nDen mån 2 nov. 2026 kl 10:00 skrev Ana <ana@x.example>:\n> q", "Ja", QuoteStyle::attribution},
      {"ru attribution", "Да\n\n2 нояб. 2026 г., в 10:00, Анна <anna@x.example> написал(а):\n> q", "Да", QuoteStyle::attribution},
      {"ru pishet", "Да\n\nАнна пишет:\n> q", "Да", QuoteStyle::attribution},
      {"mail.ru", "Да\n\nПонедельник, 2 ноября 2026, 10:00 +03:00 от Анна <anna@x.example>:\n> q", "Да", QuoteStyle::attribution},
      {"yandex", "Да\n\n02.11.2026, 10:00, \"Анна\" <anna@x.example>:\n> q", "Да", QuoteStyle::attribution},
      {"wrapped attribution", "Yes\n\nOn Mon, Nov 2, 2026 at 10:00 AM Ana Lopez <\nana@x.example> wrote:\n\n> q", "Yes", QuoteStyle::attribution},
      {"original message en", "Yes\n-----Original Message-----\nFrom: a\nold", "Yes", QuoteStyle::original_message},
      {"original message es", "Sí\n-----Mensaje original-----\nDe: a\nviejo", "Sí", QuoteStyle::original_message},
      {"original message ru", "Да\n-----Исходное сообщение-----\nОт: a\nстарое", "Да", QuoteStyle::original_message},
      {"original message de", "Ja\n-----Ursprüngliche Nachricht-----\nVon: a\nalt", "Ja", QuoteStyle::original_message},
      {"outlook block en", "Yes\n\nFrom: Ana <ana@x.example>\nSent: Monday, 2 November 2026 10:00\nTo: help@y.example\nSubject: Re: x\n\nold",
       "Yes", QuoteStyle::outlook_header},
      {"outlook block es", "Sí\n\nDe: Ana <ana@x.example>\nEnviado el: lunes, 2 de noviembre de 2026 10:00\nPara: help@y.example\nAsunto: x\n\nviejo",
       "Sí", QuoteStyle::outlook_header},
      {"outlook block ru", "Да\n\nОт: Анна <anna@x.example>\nОтправлено: 2 ноября 2026 г. 10:00\nКому: help@y.example\nТема: x\n\nстарое",
       "Да", QuoteStyle::outlook_header},
      {"outlook block fr", "Oui\n\nDe : Ana <ana@x.example>\nEnvoyé : lundi 2 novembre 2026 10:00\nÀ : help@y.example\nObjet : x\n\nvieux",
       "Oui", QuoteStyle::outlook_header},
      {"outlook underscores", "Yes\n________________________________\nFrom: Ana <ana@x.example>\nSent: Monday\nTo: b\n\nold", "Yes", QuoteStyle::outlook_header},
      {"forward gmail", "FYI\n\n---------- Forwarded message ---------\nFrom: Ana\n\nold", "FYI", QuoteStyle::forward},
      {"forward apple", "FYI\n\nBegin forwarded message:\n\nFrom: Ana\n\nold", "FYI", QuoteStyle::forward},
      {"forward thunderbird", "FYI\n\n-------- Forwarded Message --------\nSubject: x\n\nold", "FYI", QuoteStyle::forward},
      {"forward ru", "См.\n\n---------- Пересылаемое сообщение ----------\nОт: a\n\nold", "См.", QuoteStyle::forward},
      {"signature stays", "Yes\n-- \nSam, +1 555 0100\n\nOn Mon, 2 Nov 2026, Ana <a@x.example> wrote:\n> q", "Yes\n-- \nSam, +1 555 0100", QuoteStyle::attribution},
      {"bottom posting", "On Mon, 2 Nov 2026, Ana <a@x.example> wrote:\n> question\n\nanswer", "answer", QuoteStyle::attribution},
      {"colon then list is not a quote", "We need:\n1. the invoice\n2. the date", "We need:\n1. the invoice\n2. the date", QuoteStyle::none},
      {"from line in prose is not a block", "From: the manual, page 4.\nThanks", "From: the manual, page 4.\nThanks", QuoteStyle::none},
      {"address and colon without quote after", "Write to ana@x.example:\nshe knows", "Write to ana@x.example:\nshe knows", QuoteStyle::none},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.label);
    QuoteSplit q = split_quotes(c.text);
    EXPECT_EQ(q.new_text, c.want_new);
    EXPECT_EQ(q.style, c.style) << to_string(q.style);
    EXPECT_EQ(q.has_quote, c.style != QuoteStyle::none);
  }
}

TEST(Quote, QuotedTextHasNoMarkers) {
  QuoteSplit q = split_quotes("Yes\n\nOn Mon, Ana <a@x.example> wrote:\n> line one\n>> line two");
  EXPECT_EQ(q.quoted, "On Mon, Ana <a@x.example> wrote:\nline one\nline two");
}

TEST(Quote, HostileInputIsLinear) {
  std::string many;
  for (int i = 0; i < 200000; ++i) many += "From: x\n";
  QuoteSplit q = split_quotes(many);
  EXPECT_FALSE(q.has_quote);
  std::string colons(1000000, ':');
  EXPECT_FALSE(split_quotes(colons).has_quote);
}

}  // namespace
}  // namespace sm
