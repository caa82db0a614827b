// Acknowledgements and promised times in English, Spanish and Russian.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <unistd.h>

#include "base/lexdata.h"
#include "text/lexicon.h"
#include "text/message_text.h"
#include "text/promise.h"

namespace sm {
namespace {

// Wednesday 2026-11-04 10:00:00 UTC.
constexpr TimeMs kWed10 = 1793786400000;

struct Case {
  const char* label;
  const char* text;
  const char* tz;
  const char* want;  // RFC 3339 or nullptr for none
};

TEST(Promise, Times) {
  const Case cases[] = {
      {"within hours", "We will answer within 2 hours.", "UTC", "2026-11-04T12:00:00Z"},
      {"in minutes", "Back to you in 30 minutes", "UTC", "2026-11-04T10:30:00Z"},
      {"within a day", "We'll reply within a day.", "UTC", "2026-11-05T10:00:00Z"},
      {"word number", "within two days", "UTC", "2026-11-06T10:00:00Z"},
      {"today", "You will have it today.", "UTC", "2026-11-04T23:59:59Z"},
      {"end of the day", "by the end of the day", "UTC", "2026-11-04T23:59:59Z"},
      {"tomorrow", "We will send it tomorrow.", "UTC", "2026-11-05T23:59:59Z"},
      {"tomorrow at", "tomorrow at 10:30", "UTC", "2026-11-05T10:30:00Z"},
      {"by clock", "You'll hear from us by 18:00.", "UTC", "2026-11-04T18:00:00Z"},
      {"weekday", "We will reply on Monday.", "UTC", "2026-11-09T23:59:59Z"},
      {"same weekday is next week", "by Wednesday", "UTC", "2026-11-11T23:59:59Z"},
      {"date", "by 25 November", "UTC", "2026-11-25T23:59:59Z"},
      {"numeric date", "until 20.11.2026", "UTC", "2026-11-20T23:59:59Z"},
      {"es durante el día", "Un cálculo detallado puede dar durante el día.", "UTC", "2026-11-04T23:59:59Z"},
      {"es mañana", "Le respondemos mañana.", "UTC", "2026-11-05T23:59:59Z"},
      {"es mañana a las", "mañana a las 9:00", "UTC", "2026-11-05T09:00:00Z"},
      {"es dentro de horas", "Le responderemos dentro de 3 horas.", "UTC", "2026-11-04T13:00:00Z"},
      {"es en las próximas", "en las próximas 24 horas", "UTC", "2026-11-05T10:00:00Z"},
      {"es el lunes", "se lo enviamos el lunes", "UTC", "2026-11-09T23:59:59Z"},
      {"es fecha", "antes del 25 de noviembre", "UTC", "2026-11-25T23:59:59Z"},
      {"ru завтра до", "Ответим завтра до 18:00.", "UTC", "2026-11-05T18:00:00Z"},
      {"ru завтра до in Moscow", "Ответим завтра до 18:00.", "Europe/Moscow", "2026-11-05T15:00:00Z"},
      {"ru в течение часов", "Ответим в течение 4 часов.", "UTC", "2026-11-04T14:00:00Z"},
      {"ru в течение дня", "Ответим в течение дня.", "UTC", "2026-11-05T10:00:00Z"},
      {"ru сегодня", "Пришлём сегодня.", "UTC", "2026-11-04T23:59:59Z"},
      {"ru в понедельник", "Пришлём в понедельник.", "UTC", "2026-11-09T23:59:59Z"},
      {"ru дата", "до 25 ноября", "UTC", "2026-11-25T23:59:59Z"},
      {"today in a zone ahead", "today", "Asia/Tokyo", "2026-11-04T14:59:59Z"},
      {"decimal hours", "We will call you back within 1.5 hours.", "UTC", "2026-11-04T11:30:00Z"},
      {"es decimal hours", "Te escribiré en 1,5 horas como máximo.", "UTC", "2026-11-04T11:30:00Z"},
      {"ru decimal hours", "Ответим в течение 1,5 часов.", "UTC", "2026-11-04T11:30:00Z"},
      {"weekday with its date", "It will be ready by Friday 20 November.", "UTC", "2026-11-20T23:59:59Z"},
      {"es weekday with a day", "Si haces el pedido antes del lunes 23, llega a tiempo.", "UTC", "2026-11-23T23:59:59Z"},
      {"es el día", "si no le llega antes del día 10, escríbanos", "UTC", "2026-11-10T23:59:59Z"},
      {"version is not a date", "Please update to version 2.3 of the app.", "UTC", nullptr},
      {"address-shaped version", "Install version 10.2.3.4 first.", "UTC", nullptr},
      {"es version", "Actualice a la versión 2.3.", "UTC", nullptr},
      {"ru version", "Обновите приложение до версии 2.3.", "UTC", nullptr},
      {"bare decimal", "The fee is 2.5 percent.", "UTC", nullptr},
      {"working days", "It will reach your card within 5 working days.", "UTC", "2026-11-09T10:00:00Z"},
      {"ru working days", "Деньги поступят в течение 3 рабочих дней.", "UTC", "2026-11-07T10:00:00Z"},
      {"es plazo", "le mandamos el mensajero en un plazo de 48 horas", "UTC", "2026-11-06T10:00:00Z"},
      {"es menos de", "le enviaremos un SMS en menos de una hora", "UTC", "2026-11-04T11:00:00Z"},
      {"this evening", "You'll get a tracking link by email this evening.", "UTC", "2026-11-04T23:59:59Z"},
      {"es esta tarde", "Esta tarde te llegará un correo.", "UTC", "2026-11-04T23:59:59Z"},
      {"same day", "I'll make the changes the same day.", "UTC", "2026-11-04T23:59:59Z"},
      {"this week", "We will call you this week.", "UTC", "2026-11-08T23:59:59Z"},
      {"es esta semana", "te ofrezco una clase de prueba esta misma semana", "UTC", "2026-11-08T23:59:59Z"},
      {"range", "It reaches you in 3 to 5 days.", "UTC", "2026-11-09T10:00:00Z"},
      {"dash range", "Delivery within 3-5 days.", "UTC", "2026-11-09T10:00:00Z"},
      {"es range", "te llega en 3 a 5 días hábiles", "UTC", "2026-11-09T10:00:00Z"},
      {"es tarda", "El envío tarda de 5 a 7 días hábiles.", "UTC", "2026-11-11T10:00:00Z"},
      {"ru takes", "Осмотр займёт 2 рабочих дня.", "UTC", "2026-11-06T10:00:00Z"},
      {"next week", "We will visit next week.", "UTC", "2026-11-15T23:59:59Z"},
      {"es la semana que viene", "te propongo fecha para la semana que viene", "UTC", "2026-11-15T23:59:59Z"},
      {"es before the week is out", "Le envío el itinerario antes de que acabe la semana.", "UTC", "2026-11-08T23:59:59Z"},
      {"es a finales de la semana", "Lo tendrá a finales de la semana.", "UTC", "2026-11-08T23:59:59Z"},
      {"es fin de mes", "Tenés de plazo hasta fin de mes.", "UTC", "2026-11-30T23:59:59Z"},
      {"end of the month", "It reaches you by the end of the month.", "UTC", "2026-11-30T23:59:59Z"},
      {"ru до конца месяца", "Пришлём до конца месяца.", "UTC", "2026-11-30T23:59:59Z"},
      {"es a couple of hours", "En un par de horas le envío la reserva.", "UTC", "2026-11-04T12:00:00Z"},
      {"a couple of days", "We will write within a couple of days.", "UTC", "2026-11-06T10:00:00Z"},
      {"last week is no promise", "We spoke last week.", "UTC", nullptr},
      {"es esta misma tarde", "Se lo mando esta misma tarde.", "UTC", "2026-11-04T23:59:59Z"},
      {"es a última hora", "Lo tendrá a última hora.", "UTC", "2026-11-04T23:59:59Z"},
      {"es a mediodía", "Le llamamos a mediodía.", "UTC", "2026-11-04T12:00:00Z"},
      {"before noon", "You'll have it before noon.", "UTC", "2026-11-04T12:00:00Z"},
      {"es a primera hora", "Le escribo a primera hora.", "UTC", "2026-11-05T12:00:00Z"},
      {"es a primera hora de la mañana", "Le escribo a primera hora de la mañana.", "UTC", "2026-11-05T23:59:59Z"},
      {"es media hora", "Le llamamos en media hora.", "UTC", "2026-11-04T10:30:00Z"},
      {"none", "We are sorry for the trouble.", "UTC", nullptr},
      {"number without unit", "Invoice 4471 is paid.", "UTC", nullptr},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.label);
    std::string words;
    auto t = find_promise(c.text, kWed10, c.tz, &words);
    if (c.want == nullptr) {
      EXPECT_FALSE(t.has_value()) << format_rfc3339(*t);
    } else {
      ASSERT_TRUE(t.has_value());
      EXPECT_EQ(format_rfc3339(*t), c.want) << words;
      EXPECT_FALSE(words.empty());
    }
  }
}

TEST(Promise, Acknowledgements) {
  struct Ack {
    const char* label;
    const char* text;
    bool only;
    bool promised;
  };
  const Ack cases[] = {
      {"en ack with eta", "Hi Ana,\nwe have received your request and will answer within 2 hours.\nSam", true, true},
      {"en ack without eta", "Thanks for your message, we are looking into it.", true, false},
      {"es ack", "Gracias por el documento recibido. Un cálculo detallado puede dar durante el día.", true, true},
      {"ru ack", "Мы получили ваше письмо и ответим завтра до 18:00.", true, true},
      {"substantive", "Hi Ana,\nthe refund was sent today; it reaches your card in 5 days.\nSam", false, false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.label);
    static const auto lexicons = Lexicons::load(SM_TEST_DATA "/../../conf/lexicons");
    MessageText text(c.text, "", lexicons.get(), kWed10);
    const Acknowledgement& a = text.acknowledgement();
    EXPECT_EQ(a.only_acknowledges, c.only) << a.phrase;
    EXPECT_EQ(a.promised.has_value(), c.promised);
  }
}

// The phrases that name a time are language data (all/promise-idiom.txt): a phrase added to a copy
// of the shipped lexicons is read once that copy is in force, with the words its braces say, and a
// malformed phrase is an error that names its file and line.
TEST(Promise, IdiomsAreReadFromTheLexicons) {
  namespace fs = std::filesystem;
  const fs::path shipped = fs::path(SM_TEST_DATA) / "../../conf/lexicons";
  const fs::path dir = fs::path(::testing::TempDir()) / ("lex-idiom-" + std::to_string(::getpid()));
  const fs::path idioms = dir / "all" / "promise-idiom.txt";
  fs::remove_all(dir);
  fs::copy(shipped, dir, fs::copy_options::recursive);
  std::ifstream in(idioms, std::ios::binary);
  const std::string as_shipped{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  ASSERT_TRUE(as_shipped.ends_with('\n'));
  const auto lines = std::count(as_shipped.begin(), as_shipped.end(), '\n');

  const char* text = "Thanks, Ana. I will send the signed form by close of business.";
  std::string words;
  EXPECT_FALSE(find_promise(text, kWed10, "UTC", &words).has_value()) << words;

  std::ofstream(idioms, std::ios::binary) << as_shipped << "\n[today-end]\n{by close of business\n";
  try {
    Lexicons::load(dir.string());
    ADD_FAILURE() << "loaded a phrase whose brace is never closed";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("promise-idiom.txt:" + std::to_string(lines + 3)), std::string::npos) << e.what();
  }

  std::ofstream(idioms, std::ios::binary) << as_shipped << "\n[today-end]\n{by close of} business\n";
  const auto before = lexdata();
  install_lexdata(Lexicons::load(dir.string())->data());
  auto t = find_promise(text, kWed10, "UTC", &words);
  install_lexdata(before);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(format_rfc3339(*t), "2026-11-04T23:59:59Z");
  EXPECT_EQ(words, "by close of");
  EXPECT_FALSE(find_promise(text, kWed10, "UTC", nullptr).has_value());
  fs::remove_all(dir);
}

}  // namespace
}  // namespace sm
