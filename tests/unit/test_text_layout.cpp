// The layout of a reply read by its shape, in any language: the body's last paragraph, the closing
// lines of courtesy and postscripts, the sign-off, the signature block and the footer, whatever
// the words of the sign-off, the client's footer or the company's notice.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "text/lexicon.h"
#include "text/message_text.h"

namespace sm {
namespace {

const Lexicons* shipped() {
  static const auto lex = Lexicons::load((std::filesystem::path(SM_TEST_DATA) / "../../conf/lexicons").string());
  return lex.get();
}

// The last line of a part, trimmed ("" for none).
std::string last_line(std::string_view part) {
  while (!part.empty() && (part.back() == '\n' || part.back() == ' ')) part.remove_suffix(1);
  const std::size_t nl = part.rfind('\n');
  return std::string(nl == std::string_view::npos ? part : part.substr(nl + 1));
}
std::string first_line(std::string_view part) { return std::string(part.substr(0, part.find('\n'))); }

struct Row {
  const char* label;
  const char* text;
  const char* body_ends;        // the body's last line
  const char* closing;          // the closing lines' first line ("" for none)
  const char* signature_starts; // the signature's first line ("" for none)
  const char* footer_starts;    // the footer's first line ("" for none)
};

TEST(Layout, ReadsTheShapeOfReplies) {
  const Row rows[] = {
      {"closer of thanks in words of its own",
       "Hi Ana,\n\nPlease confirm the new date by Friday.\n\nThank you for thinking of us for such a special "
       "day.\n\nWarm wishes,\nHannah Cole\nCrumb & Co.\n+44 20 7946 0311\n",
       "Please confirm the new date by Friday.", "Thank you for thinking of us for such a special day.", "Warm wishes,",
       ""},
      {"closer of regret, Spanish",
       "Hola, Marta:\n\nLe enviamos una pantalla nueva. Téngala preparada, por favor.\n\nSiento de verdad que el "
       "estreno de su lámpara haya empezado así.\n\nSaludos cordiales,\nNuria Campos\nTel. 93 000 00 00\n",
       "Le enviamos una pantalla nueva. Téngala preparada, por favor.",
       "Siento de verdad que el estreno de su lámpara haya empezado así.", "Saludos cordiales,", ""},
      {"disclaimer after the signature",
       "Dear Mr Hale,\n\nPlease sign the transfer deed and post it back by 20 November.\n\nKind regards,\nAmira "
       "Shah\nConveyancing Team\n+44 20 7946 0152\n\nThis e-mail and any attachments are confidential and intended "
       "solely for the addressee. If you have received it in error, please tell us and delete it.\n",
       "Please sign the transfer deed and post it back by 20 November.", "", "Kind regards,",
       "This e-mail and any attachments are confidential and intended solely for the addressee. If you have "
       "received it in error, please tell us and delete it."},
      {"a postal address of many words in the signature",
       "Buen día, Rodrigo:\n\nSi mañana no hay nadie, respóndame antes de las 18:00.\n\nQuedo a sus órdenes.\n\nItzel "
       "Bautista\nAtención a Clientes | CocinaPlus\nAv. Insurgentes Sur 1605, Col. San José Insurgentes, CDMX\nTel.: 55 "
       "0000 1200\n",
       "Si mañana no hay nadie, respóndame antes de las 18:00.", "Quedo a sus órdenes.", "Itzel Bautista", ""},
      {"national phone, no sign-off list, Russian",
       "Здравствуйте, Ольга!\n\nНапишите, пожалуйста, удобную дату доставки.\n\nВсего вам доброго\nКсения "
       "Лаврова\nСлужба доставки «МебельФорма»\nТел. 8 (495) 123-45-67\n",
       "Напишите, пожалуйста, удобную дату доставки.", "", "Всего вам доброго", ""},
      {"German sign-off without a comma",
       "Hallo Herr Weber,\n\nbitte senden Sie uns die Rechnung bis Freitag.\n\nMit freundlichen Grüßen\nAnna "
       "Schmidt\nKundenservice\nT: 030 901820 00\n",
       "bitte senden Sie uns die Rechnung bis Freitag.", "", "Mit freundlichen Grüßen", ""},
      {"postscript and mobile footer after the signature",
       "Hi Sam,\n\nCould you bring the receipt on Tuesday?\n\nBest,\nLeila\nhelp@care.glazeworks.example\n\nP.S. "
       "Parking is free after six.\n\nSent from my iPhone\n",
       "Could you bring the receipt on Tuesday?", "", "Best,", "P.S. Parking is free after six."},
      {"postscript before the sign-off",
       "Hi Sam,\n\nPlease send the photos by Monday.\n\nP.S. The shop is closed on Sunday.\n\nBest,\nLeila\n0800 "
       "123 4567\n",
       "Please send the photos by Monday.", "P.S. The shop is closed on Sunday.", "Best,", ""},
      {"signature after \"-- \", sign-off above it",
       "Hi Victor,\n\nCould you check the new certificate?\n\nThanks,\nSelma\n-- \nSelma Koç · Learner "
       "Support\nhttps://learnly.example/help\n",
       "Could you check the new certificate?", "", "Thanks,", ""},
      {"a sign-off written as a sentence, no name",
       "Hola:\n\nSi quieres, te reservo el cupo hoy mismo: solo respóndeme con tu número de documento.\n\nSaludos.\n",
       "Si quieres, te reservo el cupo hoy mismo: solo respóndeme con tu número de documento.", "", "Saludos.", ""},
      {"a lone contact line with prose after it is the body's",
       "Hi,\n\nYou can call the courier directly:\n+1 555 0142\n\nThey will ring you before nine tomorrow.\n",
       "They will ring you before nine tomorrow.", "", "", ""},
      {"a date is no phone number",
       "Hi,\n\nYour booking is confirmed for 26.11.2026.\n\nPlease arrive ten minutes early.\n\nBest "
       "regards,\nOwen\n",
       "Please arrive ten minutes early.", "", "Best regards,", ""},
  };
  for (const auto& r : rows) {
    SCOPED_TRACE(r.label);
    MessageText t(r.text, "", shipped());
    EXPECT_EQ(last_line(t.body_text()), r.body_ends);
    EXPECT_EQ(first_line(t.closing()), r.closing);
    EXPECT_EQ(first_line(t.signature()), r.signature_starts);
    EXPECT_EQ(first_line(t.footer()), r.footer_starts);
  }
}

TEST(Layout, CourtesyQuestionsAreNotQuestions) {
  const Row rows[] = {
      {"en", "Hi Ana,\n\nHow are you? Could you send the photo of the label?\n\nBest,\nTom\n", "", "", "", ""},
      {"es", "Hola:\n\n¿Y usted, cómo está? ¿Me envía la foto de la etiqueta?\n\nUn saludo,\nTomás\n", "", "", "", ""},
      {"ru", "Здравствуйте!\n\nА у вас как дела? Пришлёте фото этикетки?\n\nС уважением,\nТимур\n", "", "", "", ""},
      {"de", "Hallo Anna,\n\nvielen Dank – wie geht es Ihnen? Schicken Sie mir ein Foto?\n\nGrüße\nTom\n", "", "", "", ""},
  };
  for (const auto& r : rows) {
    MessageText t(r.text, "", shipped());
    EXPECT_EQ(t.question_count(), 1) << r.label;
  }
  // A real question that begins like one still asks.
  MessageText real("Hi,\n\nHow are you paying, by card or in cash? And which day suits you?\n\nBest,\nTom\n", "", shipped());
  EXPECT_EQ(real.question_count(), 2);
  // A question cited in quotation marks is not asked.
  MessageText cited("Hi,\n\nYou asked \"Which level should I take?\" A2 fits. Could you take the test?\n\nBest,\nTom\n", "",
                    shipped());
  EXPECT_EQ(cited.question_count(), 1);
}

TEST(Layout, HasContactReadsPhonesAddressesAndUrls) {
  EXPECT_TRUE(has_contact("Тел. 8 (495) 123-45-67"));
  EXPECT_TRUE(has_contact("0800 123 4567"));
  EXPECT_TRUE(has_contact("T: (020) 7946 0123"));
  EXPECT_TRUE(has_contact("Móvil: 600 000 123"));
  EXPECT_TRUE(has_contact("help@help.example"));
  EXPECT_TRUE(has_contact("www.reformasmedina.example"));
  EXPECT_TRUE(has_contact("muebleslopez.es"));
  EXPECT_FALSE(has_contact("26.11.2026"));
  EXPECT_FALSE(has_contact("on 2026-11-26 at 10:00"));
  EXPECT_FALSE(has_contact("the attached factura.pdf"));
  EXPECT_FALSE(has_contact("Ana García, Atención al cliente"));
}

}  // namespace
}  // namespace sm
