// The quote splitter on plain text, table-driven: what is new text, what is history. The language
// tables put each language's attribution, separator and header labels into the same reply, once
// with ">" history and once with the history pasted unquoted below it.
#include <gtest/gtest.h>

#include <string>

#include "message/quote.h"

namespace sm {
namespace {

struct Case {
  const char* label;
  const char* text;
  const char* want_new;
  QuoteStyle style;
};

void check(const Case& c) {
  SCOPED_TRACE(c.label);
  QuoteSplit q = split_quotes(c.text);
  EXPECT_EQ(q.new_text, c.want_new);
  EXPECT_EQ(q.style, c.style) << to_string(q.style);
  EXPECT_EQ(q.has_quote, c.style != QuoteStyle::none);
}

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
      {"| marks", "Yes, it fits.\n\nAna wrote:\n| Does the 38 fit?\n| Thanks", "Yes, it fits.", QuoteStyle::attribution},
      {"| marks alone", "Yes\n\n| Does the 38 fit?\n| Thanks", "Yes", QuoteStyle::prefix},
      {"a table row is no quote", "Sizes:\n| 38 | 39 |\n| in stock | sold out |", "Sizes:\n| 38 | 39 |\n| in stock | sold out |",
       QuoteStyle::none},
      {"initials, The Bat!", "Hello Pam,\n\nTuesday, 3 November 2026, 10:12, you wrote:\n\nPO> Can I move it?\n\nYes, done.",
       "Hello Pam,\n\n\n\nYes, done.", QuoteStyle::attribution},
      {"initials, Cyrillic", "Здравствуйте.\n\nВы писали 3 ноября 2026 г., 10:12:44:\n\nАС> Можно перенести?\n\nДа.",
       "Здравствуйте.\n\n\n\nДа.", QuoteStyle::attribution},
      {"ru pisal", "Да\n\nНиколай писал(а) 26.11.2026 в 11:02:\n| Какой лимит?", "Да", QuoteStyle::attribution},
      {"prefixed history below a separator", "-----Original Message-----\nFrom: Ana <a@x.example>\nSent: Monday\nTo: b\n\n> Can "
       "you swap them?\n\nDone, swapped.", "Done, swapped.", QuoteStyle::original_message},
      {"help desk history", "Done.\n\nBest,\nOliver\n\n------------------------------\nTicket #48211 conversation "
       "history\n\nFiona Marsh\nNov 24, 2026, 08:32 GMT\n\nI need the invoice.", "Done.\n\nBest,\nOliver",
       QuoteStyle::original_message},
      {"help desk history under a numbered title", "Готово.\n\n------------------------------\nИстория переписки по "
       "обращению №48213\n\nНужен счёт.", "Готово.", QuoteStyle::original_message},
      {"help desk title without a line", "Готово.\n\nИстория переписки по обращению №48213:\n\n04.11.2026 10:12, Ольга "
       "Смирнова:\nНужен счёт.", "Готово.", QuoteStyle::original_message},
      {"a numbered line in the reply is no title", "Your order #48213 ships today.\n\nTracking: 12:40 update on 03.11.2026",
       "Your order #48213 ships today.\n\nTracking: 12:40 update on 03.11.2026", QuoteStyle::none},
      {"help desk line above the reply", "##- Please type your reply above this line -##\n\nDone.\n\n> old", "Done.",
       QuoteStyle::prefix},
      {"help desk notice, the newest comment first", "Your request (5921) has been updated.\n"
       "------------------------------\n\nSam Ortiz\nNov 9, 2026, 10:14 GMT\n\nHi Laura, booked for Thursday.\n\n"
       "------------------------------\n\nLaura Bennett\nNov 9, 2026, 08:02 GMT\n\nIt leaks again.",
       "Your request (5921) has been updated.\n\nSam Ortiz\nNov 9, 2026, 10:14 GMT\n\nHi Laura, booked for Thursday.",
       QuoteStyle::original_message},
      {"a drawn line over a header block that starts with the subject",
       "Готово.\n\nАнна\n----------------------------------------\nТема: Счёт\nДата: 04.11.2026 10:12\nОт: Ольга "
       "Смирнова <olga@client.example>\nКому: help@support.example\n\nНужен счёт.",
       "Готово.\n\nАнна", QuoteStyle::outlook_header},
      {"help desk comment with labelled fields", "Done.\n\nSam\n------------------------------\nAuthor: Laura Bennett\n"
       "Date: 09.11.2026 08:02\n\nIt leaks again.", "Done.\n\nSam", QuoteStyle::original_message},
      {"a drawn line over a schedule is no history", "The plan:\n------------------------------\nDelivery on Friday.\nFitting "
       "on Monday.", "The plan:\n------------------------------\nDelivery on Friday.\nFitting on Monday.", QuoteStyle::none},
  };
  for (const auto& c : cases) check(c);
}

TEST(Quote, InterleavedAnswersAreTold) {
  QuoteSplit q = split_quotes("Hi,\n\n> Can I pay by card?\nYes.\n\n> When does it ship?\nOn Friday.\n\nBest,\nTom");
  EXPECT_TRUE(q.inline_answers);
  EXPECT_TRUE(q.interleaved);
  QuoteSplit bottom = split_quotes("On Mon, 2 Nov 2026, Ana <a@x.example> wrote:\n> question\n\nanswer");
  EXPECT_TRUE(bottom.inline_answers);
  EXPECT_FALSE(bottom.interleaved);
}

// Outlook's history has no ">" marks: an author who answers inside it tags each answer.
TEST(Quote, AnswersTaggedInsideUnmarkedHistory) {
  const std::string head = "Answers below, marked [Sam Agent].\n\nBest,\nSam Agent\n\nFrom: Ana Ruiz <ana@client.example>\n"
                           "Sent: Tuesday, November 3, 2026 9:14 AM\nTo: Support <help@support.example>\nSubject: Two things\n\n";
  QuoteSplit named = split_quotes(head + "1. Can I pay by card?\n\n[Sam Agent] Yes, any card.\n\n2. Is it in stock?\n\nAna");
  EXPECT_EQ(named.style, QuoteStyle::outlook_header);
  EXPECT_TRUE(named.inline_answers);
  EXPECT_TRUE(named.interleaved);
  EXPECT_EQ(named.new_text, "Answers below, marked [Sam Agent].\n\nBest,\nSam Agent");

  // Initials the words above do not name count when they tag two answers.
  const std::string plain = "See below.\n\nFrom: Ana Ruiz <ana@client.example>\nSent: Tuesday, November 3, 2026 9:14 AM\n"
                            "To: Support <help@support.example>\nSubject: Two things\n\n";
  EXPECT_TRUE(split_quotes(plain + "Card?\n\n[SA] Yes.\n\nStock?\n\n[SA]: Two left.").inline_answers);
  EXPECT_FALSE(split_quotes(plain + "Card?\n\n[SA] Yes.\n\nStock?").inline_answers);
  // Images, links and footnotes in the customer's message are no tags.
  EXPECT_FALSE(split_quotes(plain + "[cid:image001.png@01DB] logo\n\n[cid:image001.png@01DB] logo\n\n"
                                    "[1] https://a.example\n\n[1] https://a.example\n\n[image: Logo] x\n\n[image: Logo] x")
                   .inline_answers);
  // A tag repeated in the customer's own letter under ">" marks is theirs.
  EXPECT_FALSE(split_quotes("Done.\n\nOn Tue, 3 Nov 2026, Ana <a@client.example> wrote:\n> [Ana] one\n>\n> [Ana] two")
                   .inline_answers);
}

// Attributions wrapped, dated and decorated as clients write them, and history without ">".
TEST(Quote, AttributionShapes) {
  const Case cases[] = {
      {"wrapped over three lines, quoted",
       "Done.\n\nKind regards,\nSam\nOn Tue, 3 Nov 2026 at 09:14, Ana Ruiz\n<ana@client.example>\nwrote:\n> old",
       "Done.\n\nKind regards,\nSam", QuoteStyle::attribution},
      {"wrapped over three lines, unquoted",
       "Done.\n\nKind regards,\nSam\n\nOn Tue, 3 Nov 2026 at 09:14, Ana Ruiz\n<ana@client.example>\nwrote:\n\nHello,\nit fails.",
       "Done.\n\nKind regards,\nSam", QuoteStyle::attribution},
      {"wrapped over two lines, name first", "Done.\nSam\nAna Ruiz <ana@client.example> 于2026年11月3日周二\n09:14写道：\n> old",
       "Done.\nSam", QuoteStyle::attribution},
      {"gmail wrap after the bracket, name first", "Done.\nSam\n王芳 <\nwangfang@client.example> 于2026年11月3日周二 09:14写道：\n> old",
       "Done.\nSam", QuoteStyle::attribution},
      {"gmail wrap after the bracket, hungarian, unquoted",
       "Kész.\nSam\nKovács Anna <\nanna@client.example> ezt írta (időpont: 2026. nov. 3., K, 9:14):\nSziasztok,",
       "Kész.\nSam", QuoteStyle::attribution},
      {"address in the signature above a dateless attribution",
       "Done.\nSam Agent\nsam@support.example.com\nAna Ruiz wrote:\n> old",
       "Done.\nSam Agent\nsam@support.example.com", QuoteStyle::attribution},
      {"phone in the signature above a dated attribution",
       "Done.\nSam Agent\n555 0100\n03.11.2026 09:14, Анна Руис пишет:\nДобрый день,",
       "Done.\nSam Agent\n555 0100", QuoteStyle::attribution},
      {"sign-off right above, unquoted",
       "Done.\n\nKind regards,\nSam\nOn Tue, 3 Nov 2026 at 09:14, Ana Ruiz <ana@client.example> wrote:\nHello,\nit fails.",
       "Done.\n\nKind regards,\nSam", QuoteStyle::attribution},
      {"iso date", "Done.\n\nOn 2026-11-03 09:14, Ana Ruiz wrote:\nHello,\nit fails.", "Done.", QuoteStyle::attribution},
      {"dotted date", "Fertig.\n\nAm 03.11.2026 um 09:14 schrieb Ana Ruiz:\nHallo,\nes geht nicht.", "Fertig.", QuoteStyle::attribution},
      {"day first", "Listo.\n\nEl 3/11/2026 a las 9:14, Ana Ruiz escribió:\nHola,\nno funciona.", "Listo.", QuoteStyle::attribution},
      {"month first, short year", "Done.\n\nOn 11/3/26, Ana Ruiz <ana@client.example> wrote:\nHello,\nit fails.", "Done.", QuoteStyle::attribution},
      {"mailto inside the brackets",
       "Done.\n\nOn Tue, Nov 3, 2026 at 9:14 AM Ana Ruiz <ana@client.example<mailto:ana@client.example>> wrote:\nHello,\nit fails.",
       "Done.", QuoteStyle::attribution},
      {"mailto alone", "Done.\n\nOn Tue, 3 Nov 2026, Ana <mailto:ana@client.example> wrote:\n> old", "Done.", QuoteStyle::attribution},
      {"leading spaces", "Done.\n\n   On Tue, 3 Nov 2026, Ana Ruiz <ana@client.example> wrote:\nHello,\nit fails.", "Done.",
       QuoteStyle::attribution},
      {"leading dashes (old Yahoo)",
       "Done.\n\n--- On Tue, 11/3/26, Ana Ruiz <ana@client.example> wrote:\n\nFrom: Ana Ruiz <ana@client.example>\nSubject: x\n\nHello,",
       "Done.", QuoteStyle::attribution},
      {"android name between dashes", "Done.\n\nSent from my phone\n\n---- Ana Ruiz wrote ----\n\nHello,\nit fails.",
       "Done.\n\nSent from my phone", QuoteStyle::attribution},
      {"android attribution between dashes",
       "Done.\n\n-----On Tue, 3 Nov 2026 09:14, Ana Ruiz <ana@client.example> wrote-----\n\nHello,\nit fails.", "Done.",
       QuoteStyle::attribution},
      {"dashed attribution wrapped",
       "Done.\n\n---- On Tue, 03 Nov 2026 09:14:00 +0100 Ana Ruiz\n<ana@client.example> wrote ----\n\nHello,", "Done.",
       QuoteStyle::attribution},
      {"japanese gmail, no verb, unquoted", "了解しました。\n\n2026年11月3日(火) 9:14 佐藤花子 <hanako@client.example>:\n\nこんにちは。",
       "了解しました。", QuoteStyle::attribution},
      {"bottom posting, then older history unquoted",
       "On Mon, 2 Nov 2026, Ana <a@x.example> wrote:\n> question\n\nanswer\n\nOn Sun, 1 Nov 2026, Bob <b@x.example> wrote:\nolder",
       "answer", QuoteStyle::attribution},
      {"inline replies", "On Mon, 2 Nov 2026, Ana <a@x.example> wrote:\n> one?\nyes\n> two?\nno\n\nSam", "yes\nno\n\nSam",
       QuoteStyle::attribution},
      {"outlook block, mac order", "Done.\n\nFrom: Ana Ruiz <ana@client.example>\nDate: Tuesday, 3 November 2026 at 09:14\nTo: Support <help@support.example.com>\nSubject: x\n\nHello,",
       "Done.", QuoteStyle::outlook_header},
      {"outlook block, date first (hr)", "Done.\n________________________________\nDate: Tue, 3 Nov 2026 09:14:00\nFrom: ana@client.example\nTo: help@support.example.com\nSubject: x\n\nHello,",
       "Done.", QuoteStyle::outlook_header},
      {"outlook block, bold labels", "Done.\n\n*From:* Ana Ruiz <ana@client.example>\n*Sent:* Tuesday, November 3, 2026 9:14 AM\n*To:* help@support.example.com\n*Subject:* x\n\nHello,",
       "Done.", QuoteStyle::outlook_header},
      {"outlook block, wrapped recipients", "Done.\n\nFrom: Ana Ruiz <ana@client.example>\nSent: Tuesday, November 3, 2026 9:14 AM\nTo: help@support.example.com; Bo Li <bo@client.example>;\nCarl <carl@client.example>\nCc: Dana <dana@client.example>\nSubject: x\n\nHello,",
       "Done.", QuoteStyle::outlook_header},
      {"rule above quoted lines", "Done.\n\nSam\n________________________________\n> From: Ana\n> Hello,", "Done.\n\nSam",
       QuoteStyle::prefix},
      {"qq separator with spaces", "好的。\n\n------------------ 原始邮件 ------------------\n发件人: \"王芳\"<wangfang@client.example>;\n发送时间: 2026年11月3日(星期二) 上午9:14\n\n你好",
       "好的。", QuoteStyle::original_message},
      {"samsung separator", "Done.\n\n-------- Original message --------\nFrom: Ana Ruiz <ana@client.example>\nDate: 11/3/26 09:14 (GMT+01:00)\n\nHello,",
       "Done.", QuoteStyle::original_message},
  };
  for (const auto& c : cases) check(c);
}

// What must stay the author's text.
TEST(Quote, NotHistory) {
  const Case cases[] = {
      {"you wrote, no date or address", "Thanks.\nAs you wrote:\nthe export fails.", "Thanks.\nAs you wrote:\nthe export fails.",
       QuoteStyle::none},
      {"you wrote, a date in a sentence", "Thanks for your message of 03.11.2026. As you wrote:\nthe export fails.",
       "Thanks for your message of 03.11.2026. As you wrote:\nthe export fails.", QuoteStyle::none},
      {"we wrote, with a date but no time", "Hi Ana,\n\nOn 2 Nov 2026 we wrote:\n\"Please restart the router.\"\nDid that help?",
       "Hi Ana,\n\nOn 2 Nov 2026 we wrote:\n\"Please restart the router.\"\nDid that help?", QuoteStyle::none},
      {"described is not wrote", "Le 03/11/2026, comme décrit:\nle fichier est vide.", "Le 03/11/2026, comme décrit:\nle fichier est vide.",
       QuoteStyle::none},
      {"attribution with nothing after", "Thanks.\n\nOn Tue, 3 Nov 2026, Ana <ana@client.example> wrote:",
       "Thanks.\n\nOn Tue, 3 Nov 2026, Ana <ana@client.example> wrote:", QuoteStyle::none},
      {"address and date without a verb, not closing the line",
       "Our hours on 03.11.2026, write to help@support.example.com:\nfrom 9:00 to 17:00.",
       "Our hours on 03.11.2026, write to help@support.example.com:\nfrom 9:00 to 17:00.", QuoteStyle::none},
      {"signature delimiter", "Thanks.\n-- \nSam\n---\nSupport", "Thanks.\n-- \nSam\n---\nSupport", QuoteStyle::none},
      {"underscores without a header block", "Thanks.\n__________\nSam Agent\nPhone: +1 555 0100", "Thanks.\n__________\nSam Agent\nPhone: +1 555 0100",
       QuoteStyle::none},
      {"a schedule written as labels", "Your delivery:\nDate: Thursday, 5 November 2026\nFrom: our Valencia warehouse\nTo: your office\n\nSam",
       "Your delivery:\nDate: Thursday, 5 November 2026\nFrom: our Valencia warehouse\nTo: your office\n\nSam", QuoteStyle::none},
      {"labels without a date", "To: all agents\nSubject: rota\nFrom: Monday on, Sam takes the queue.",
       "To: all agents\nSubject: rota\nFrom: Monday on, Sam takes the queue.", QuoteStyle::none},
  };
  for (const auto& c : cases) check(c);
}

struct LangCase {
  const char* label;
  const char* line;
};

// Attribution lines of Gmail, Outlook, Thunderbird and Apple Mail in many languages: each one
// must start the history when ">" lines follow it and when the old message follows unquoted.
TEST(Quote, AttributionsInEveryLanguage) {
  const LangCase cases[] = {
      {"en gmail", "On Tue, Nov 3, 2026 at 9:14 AM Ana Ruiz <ana@client.example> wrote:"},
      {"en thunderbird", "On 03/11/2026 09:14, Ana Ruiz wrote:"},
      {"es gmail", "El mar, 3 nov 2026 a las 9:14, Ana Ruiz (<ana@client.example>) escribió:"},
      {"es thunderbird", "El 3/11/26 a las 9:14, Ana Ruiz escribió:"},
      {"pt gmail", "Em ter., 3 de nov. de 2026 às 09:14, Ana Ruiz <ana@client.example> escreveu:"},
      {"fr gmail", "Le mar. 3 nov. 2026 à 09:14, Ana Ruiz <ana@client.example> a écrit :"},
      {"fr thunderbird", "Le 03/11/2026 à 09:14, Ana Ruiz a écrit :"},
      {"de gmail", "Am Di., 3. Nov. 2026 um 09:14 Uhr schrieb Ana Ruiz <ana@client.example>:"},
      {"de thunderbird", "Am 03.11.26 um 09:14 schrieb Ana Ruiz:"},
      {"it gmail", "Il giorno mar 3 nov 2026 alle ore 09:14 Ana Ruiz <ana@client.example> ha scritto:"},
      {"nl gmail", "Op di 3 nov 2026 om 09:14 schreef Ana Ruiz <ana@client.example>:"},
      {"pl gmail", "wt., 3 lis 2026 o 09:14 Anna Nowak <anna@client.example> napisał(a):"},
      {"pl thunderbird", "W dniu 3.11.2026 o 09:14, Anna Nowak pisze:"},
      {"sv gmail", "Den tis 3 nov. 2026 kl 09:14 skrev Ana Ruiz <ana@client.example>:"},
      {"no gmail", "tir. 3. nov. 2026 kl. 09:14 skrev Ana Ruiz <ana@client.example>:"},
      {"da gmail", "Den tir. 3. nov. 2026 kl. 09.14 skrev Ana Ruiz <ana@client.example>:"},
      {"fi gmail", "ti 3.11.2026 klo 9.14 Ana Ruiz (ana@client.example) kirjoitti:"},
      {"cs gmail", "út 3. 11. 2026 v 9:14 odesílatel Jana Nováková <jana@client.example> napsal:"},
      {"cs thunderbird", "Dne 03. 11. 26 v 9:14 Jana Nováková napsal(a):"},
      {"sk gmail", "ut 3. 11. 2026 o 9:14 Jana Nováková <jana@client.example> napísal(a):"},
      {"hu gmail", "Kovács Anna <anna@client.example> ezt írta (időpont: 2026. nov. 3., K, 9:14):"},
      {"hu thunderbird", "2026. 11. 03. 9:14 keltezéssel, Kovács Anna írta:"},
      {"tr gmail", "Ayşe Yılmaz <ayse@client.example>, 3 Kas 2026 Sal, 09:14 tarihinde şunu yazdı:"},
      {"ru gmail", "вт, 3 нояб. 2026 г. в 09:14, Анна Руис <anna@client.example>:"},
      {"ru thunderbird", "03.11.2026 09:14, Анна Руис пишет:"},
      {"ru outlook web", "03.11.2026 9:14, Анна Руис <anna@client.example> написал(а):"},
      {"uk gmail", "вт, 3 лист. 2026 р. о 09:14 Олена Коваленко <olena@client.example> пише:"},
      {"uk thunderbird", "03.11.2026 09:14, Олена Коваленко написала:"},
      {"vi gmail", "Vào Th 3, 3 thg 11, 2026 vào lúc 09:14 Nguyễn Lan <lan@client.example> đã viết:"},
      {"zh gmail", "王芳 <wangfang@client.example> 于2026年11月3日周二 09:14写道："},
      {"zh apple", "在 2026年11月3日，09:14，王芳 <wangfang@client.example> 写道："},
      {"zh-tw gmail", "王芳 <wangfang@client.example> 於 2026年11月3日 週二 上午9:14寫道："},
      {"ja gmail", "2026年11月3日(火) 9:14 佐藤花子 <hanako@client.example>:"},
      {"ja apple", "2026/11/03 9:14、佐藤 花子 <hanako@client.example>のメッセージ:"},
      {"ko gmail", "2026년 11월 3일 (화) 오전 9:14, 김민지 <minji@client.example>님이 작성:"},
      {"ro gmail", "În mar., 3 nov. 2026 la 09:14, Ana Popescu <ana@client.example> a scris:"},
      {"ca gmail", "El dt., 3 de nov. 2026 a les 9:14, Anna Puig (<anna@client.example>) va escriure:"},
      {"el gmail", "Στις Τρί 3 Νοε 2026 στις 9:14 π.μ., ο/η Ελένη Παππά <eleni@client.example> έγραψε:"},
      {"hr gmail", "uto, 3. stu 2026. u 09:14 Ana Horvat <ana@client.example> napisao je:"},
      {"id gmail", "Pada tanggal Sel, 3 Nov 2026 09.14, Siti Rahayu <siti@client.example> menulis:"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.label);
    const std::string reply = "Reply line.\n\nKind regards,\nSam";
    QuoteSplit quoted = split_quotes(reply + "\n\n" + c.line + "\n> Old line.\n> More.");
    EXPECT_EQ(quoted.new_text, reply);
    EXPECT_EQ(quoted.style, QuoteStyle::attribution);
    EXPECT_EQ(quoted.marker, c.line);
    QuoteSplit unquoted = split_quotes(reply + "\n\n" + c.line + "\n\nOld line.\nMore.\n");
    EXPECT_EQ(unquoted.new_text, reply);
    EXPECT_EQ(unquoted.style, QuoteStyle::attribution);
    EXPECT_NE(unquoted.quoted.find("Old line.\nMore."), std::string::npos) << unquoted.quoted;
    // The sign-off right above it stays the author's.
    QuoteSplit tight = split_quotes(reply + "\n" + c.line + "\nOld line.\nMore.\n");
    EXPECT_EQ(tight.new_text, reply);
  }
}

// "-----Original Message-----" and Samsung's "-------- Original message --------" translated.
TEST(Quote, SeparatorsInEveryLanguage) {
  const LangCase cases[] = {
      {"en", "-----Original Message-----"},       {"es", "-----Mensaje original-----"},
      {"pt", "-----Mensagem original-----"},      {"fr", "-----Message d'origine-----"},
      {"de", "-----Ursprüngliche Nachricht-----"}, {"it", "-----Messaggio originale-----"},
      {"nl", "-----Oorspronkelijk bericht-----"}, {"pl outlook", "-----Wiadomość oryginalna-----"},
      {"pl samsung", "-------- Oryginalna wiadomość --------"}, {"sv", "-----Ursprungligt meddelande-----"},
      {"no", "-----Opprinnelig melding-----"},    {"da", "-----Oprindelig meddelelse-----"},
      {"fi", "-----Alkuperäinen viesti-----"},    {"cs", "-----Původní zpráva-----"},
      {"sk", "-----Pôvodná správa-----"},         {"hu", "-----Eredeti üzenet-----"},
      {"tr outlook", "-----Özgün İleti-----"},    {"tr samsung", "-------- Orijinal mesaj --------"},
      {"ru", "-----Исходное сообщение-----"},     {"ru samsung", "-------- Оригинальное сообщение --------"},
      {"uk", "-----Оригінальне повідомлення-----"}, {"vi", "-------- Thư gốc --------"},
      {"zh", "-----原始邮件-----"},                {"zh-tw", "-----原始郵件-----"},
      {"ja", "-----元のメッセージ-----"},          {"ko", "-----원본 메시지-----"},
      {"ro", "-----Mesaj original-----"},          {"ca", "-----Missatge original-----"},
      {"el", "-----Αρχικό μήνυμα-----"},           {"hr", "-----Izvorna poruka-----"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.label);
    QuoteSplit q = split_quotes(std::string("Reply.\n\nSam\n\n") + c.line + "\nFrom: Ana\n\nOld line.");
    EXPECT_EQ(q.new_text, "Reply.\n\nSam");
    EXPECT_EQ(q.style, QuoteStyle::original_message);
    EXPECT_EQ(q.marker, c.line);
  }
}

struct HeaderCase {
  const char* label;
  const char* from;
  const char* sent;
  const char* to;
  const char* subject;
};

// Outlook's header block with its translated labels, with and without the line of underscores.
TEST(Quote, HeaderBlocksInEveryLanguage) {
  const HeaderCase cases[] = {
      {"en", "From", "Sent", "To", "Subject"},
      {"en mac", "From", "Date", "To", "Subject"},
      {"es", "De", "Enviado el", "Para", "Asunto"},
      {"es mobile", "De", "Enviado", "Para", "Asunto"},
      {"pt-br", "De", "Enviado", "Para", "Assunto"},
      {"pt-pt", "De", "Enviada", "Para", "Assunto"},
      {"fr", "De ", "Envoyé ", "À ", "Objet "},
      {"de", "Von", "Gesendet", "An", "Betreff"},
      {"it", "Da", "Inviato", "A", "Oggetto"},
      {"nl", "Van", "Verzonden", "Aan", "Onderwerp"},
      {"pl", "Od", "Wysłano", "Do", "Temat"},
      {"sv", "Från", "Skickat", "Till", "Ämne"},
      {"no", "Fra", "Sendt", "Til", "Emne"},
      {"da", "Fra", "Sendt", "Til", "Emne"},
      {"fi", "Lähettäjä", "Lähetetty", "Vastaanottaja", "Aihe"},
      {"cs", "Od", "Odesláno", "Komu", "Předmět"},
      {"sk", "Od", "Odoslané", "Komu", "Predmet"},
      {"hu", "Feladó", "Elküldve", "Címzett", "Tárgy"},
      {"tr", "Kimden", "Gönderildi", "Kime", "Konu"},
      {"ru", "От", "Отправлено", "Кому", "Тема"},
      {"ru mail.ru", "От кого", "Дата", "Кому", "Тема"},
      {"uk", "Від", "Надіслано", "Кому", "Тема"},
      {"vi", "Từ", "Đã gửi", "Đến", "Chủ đề"},
      {"zh", "发件人", "发送时间", "收件人", "主题"},
      {"zh-tw", "寄件者", "寄件日期", "收件者", "主旨"},
      {"ja", "差出人", "送信日時", "宛先", "件名"},
      {"ko", "보낸 사람", "보낸 날짜", "받는 사람", "제목"},
      {"ro", "De la", "Trimis", "Către", "Subiect"},
      {"ca", "De", "Enviat", "Per a", "Assumpte"},
      {"el", "Από", "Στάλθηκε", "Προς", "Θέμα"},
      {"hr", "Šalje", "Poslano", "Prima", "Predmet"},
      {"id", "Dari", "Dikirim", "Kepada", "Perihal"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.label);
    const std::string block = std::string(c.from) + ": Ana Ruiz <ana@client.example>\n" + c.sent +
                              ": 3.11.2026 9:14\n" + c.to + ": Support <help@support.example.com>\n" + c.subject +
                              ": CSV\n\nOld line.";
    QuoteSplit bare = split_quotes("Reply.\n\nSam\n\n" + block);
    EXPECT_EQ(bare.new_text, "Reply.\n\nSam");
    EXPECT_EQ(bare.style, QuoteStyle::outlook_header);
    QuoteSplit ruled = split_quotes("Reply.\n\nSam\n\n________________________________\n" + block);
    EXPECT_EQ(ruled.new_text, "Reply.\n\nSam");
    EXPECT_EQ(ruled.style, QuoteStyle::outlook_header);
    // Full-width colons, as CJK clients may write them.
    std::string wide = block;
    for (std::size_t pos; (pos = wide.find(": ")) != std::string::npos;) wide.replace(pos, 2, "\xef\xbc\x9a");
    EXPECT_EQ(split_quotes("Reply.\n\nSam\n\n" + wide).style, QuoteStyle::outlook_header);
  }
}

// The quote loses its own level of markers; what it quoted in turn keeps its own, so the message
// answered can be told from older history.
TEST(Quote, QuotedTextLosesOneLevelOfMarkers) {
  QuoteSplit q = split_quotes("Yes\n\nOn Mon, Ana <a@x.example> wrote:\n> line one\n>> line two\n> > line three");
  EXPECT_EQ(q.quoted, "On Mon, Ana <a@x.example> wrote:\nline one\n> line two\n> line three");
  QuoteSplit w = split_quotes("Yes\n\nOn Tue, 3 Nov 2026 at 09:14, Ana Ruiz\n<ana@client.example>\nwrote:\nHello,\nit fails.");
  EXPECT_EQ(w.marker, "On Tue, 3 Nov 2026 at 09:14, Ana Ruiz <ana@client.example> wrote:");
  EXPECT_EQ(w.quoted, "On Tue, 3 Nov 2026 at 09:14, Ana Ruiz\n<ana@client.example>\nwrote:\nHello,\nit fails.");
}

TEST(Quote, HostileInputIsLinear) {
  std::string many;
  for (int i = 0; i < 200000; ++i) many += "From: x\n";
  QuoteSplit q = split_quotes(many);
  EXPECT_FALSE(q.has_quote);
  std::string colons(1000000, ':');
  EXPECT_FALSE(split_quotes(colons).has_quote);
  // Lines that each might end a wrapped attribution (a date, an address, a colon) but do not.
  std::string wrapped;
  for (int i = 0; i < 20000; ++i) wrapped += "On Tue, 3 Nov 2026 at 09:14 Ana <ana@x.example> spoke of the invoice\nand the date:\n";
  EXPECT_FALSE(split_quotes(wrapped).has_quote);
  std::string dashes;
  for (int i = 0; i < 100000; ++i) dashes += "-- x --\n";
  EXPECT_FALSE(split_quotes(dashes).has_quote);
  std::string blanks = "On Tue, 3 Nov 2026, Ana <a@x.example> wrote:";
  blanks += std::string(1000000, '\n');
  EXPECT_FALSE(split_quotes(blanks).has_quote);
}

}  // namespace
}  // namespace sm
