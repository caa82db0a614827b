// What the agent reads about a rejected or annotated reply is in their language: the reply's own
// language when there is a catalog for it, else what agents.languages says for their address or
// domain, else agents.language; English stays as it always was.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "config/config.h"
#include "message/message.h"
#include "pipeline/agent_text.h"
#include "pipeline/pipeline.h"
#include "store/sqlite_store.h"

namespace sm {
namespace {

namespace fs = std::filesystem;

std::string reply(const std::string& from, const std::string& subject, const std::string& body) {
  return "From: " + from + "\r\nTo: Ana Torres <ana.torres@example.org>\r\nSubject: " + subject +
         "\r\nDate: Mon, 07 Dec 2026 10:00:00 +0000\r\nMessage-ID: <r-" + std::to_string(body.size()) +
         "@support.example.com>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
         "Content-Transfer-Encoding: 8bit\r\n\r\n" + body;
}

const std::string kSpanish = reply(
    "Luis Ortega <luis@support.example.com>", "Re: Factura duplicada",
    "Hola Ana:\r\n\r\nOtra vez con la factura. Eso es una tontería, ya se lo expliqué la semana pasada y no "
    "pienso repetirlo. Revise su correo antes de escribir.\r\n\r\nLuis Ortega\r\nSoporte de facturación\r\n"
    "Tel. +34 910 000 000\r\n");

const std::string kRussian = reply(
    "Олег Петров <oleg@support.example.com>", "Re: Не приходит код",
    "Анна, добрый день.\r\n\r\nКод приходит всем, кроме вас. Вы что, придурок? Проверьте папку со спамом и "
    "больше не пишите по этому поводу.\r\n\r\nОлег Петров\r\nСлужба поддержки\r\nТел. +7 495 000-00-00\r\n");

const std::string kEnglish = reply(
    "Sam Reed <sam@support.example.com>", "Re: Refund for order 5512",
    "Hi Ana,\r\n\r\nThis is a stupid question and the answer is in the FAQ. Read it before you write to us "
    "again.\r\n\r\nSam Reed\r\nBilling support\r\nPhone +1 555 0100\r\n");

class AgentLanguage : public ::testing::Test {
 protected:
  void SetUp() override {
    cfg_ = std::make_shared<Config>(*default_config());
    cfg_->support.domains = {"support.example.com"};
    for (auto& [id, s] : cfg_->rules.settings) s.action = Action::off;
    cfg_->rules.settings.at("polite-tone").action = Action::reject;
    db_ = fs::path(::testing::TempDir()) / ("agent-language-" + std::to_string(getpid()) + ".db");
    fs::remove(db_);
    store_ = open_sqlite_store(db_.string());
  }
  void TearDown() override {
    store_.reset();
    fs::remove(db_);
  }
  Verdict judge(const std::string& raw) {
    Pipeline pipeline(store_.get());
    const Message m = parse_message(raw, cfg_->limits);
    return pipeline.process(m, Envelope{}, m.date.value_or(0), *cfg_);
  }
  std::shared_ptr<Config> cfg_;
  fs::path db_;
  std::unique_ptr<ThreadStore> store_;
};

TEST_F(AgentLanguage, TheRejectTextIsInTheLanguageOfTheReply) {
  Verdict es = judge(kSpanish);
  ASSERT_EQ(es.action, FinalAction::reject);
  EXPECT_EQ(es.agent_language, "es");
  EXPECT_TRUE(es.reply_text.starts_with("política de soporte: polite-tone: quite \"")) << es.reply_text;

  Verdict ru = judge(kRussian);
  ASSERT_EQ(ru.action, FinalAction::reject);
  EXPECT_EQ(ru.agent_language, "ru");
  EXPECT_TRUE(ru.reply_text.starts_with("правила поддержки: polite-tone: уберите \"")) << ru.reply_text;

  Verdict en = judge(kEnglish);
  ASSERT_EQ(en.action, FinalAction::reject);
  EXPECT_EQ(en.agent_language, "en");
  EXPECT_TRUE(en.reply_text.starts_with("support policy: polite-tone: remove \"")) << en.reply_text;
}

TEST_F(AgentLanguage, TheConfiguredLanguageOfAnAddressOrDomainComesFirst) {
  cfg_->agents.languages["support.example.com"] = "ru";
  EXPECT_EQ(judge(kSpanish).agent_language, "ru");
  cfg_->agents.languages["luis@support.example.com"] = "es";
  cfg_->agents.language = "en";
  EXPECT_EQ(judge(kSpanish).agent_language, "es");
  EXPECT_EQ(judge(kEnglish).agent_language, "ru");
  cfg_->agents.languages.clear();
  Verdict v = judge(kRussian);
  EXPECT_EQ(v.agent_language, "en");
  EXPECT_TRUE(v.reply_text.starts_with("support policy: polite-tone: remove \"")) << v.reply_text;
}

TEST_F(AgentLanguage, TheAnnotationDetailTellsTheAgentWhatToChange) {
  cfg_->rules.settings.at("polite-tone").action = Action::annotate;
  cfg_->rules.header_detail = true;
  Verdict v = judge(kSpanish);
  ASSERT_EQ(v.action, FinalAction::annotate);
  bool found = false;
  for (const auto& m : v.modifications)
    if (m.name == cfg_->rules.header + "-Detail") {
      found = true;
      EXPECT_TRUE(m.value.starts_with("polite-tone: quite \"")) << m.value;
    }
  EXPECT_TRUE(found);
}

// The annotation detail, the reject text and the log line's detail quote the reply's words as the
// agent wrote them (capitals, accents, plural, another person of the verb; another case in
// Russian), never the list's folded form.
TEST_F(AgentLanguage, TheAnnotationDetailQuotesTheAgentsOwnWords) {
  cfg_->rules.settings.at("polite-tone").action = Action::annotate;
  cfg_->rules.header_detail = true;
  auto detail_of = [&](const Verdict& v) {
    std::vector<std::string> out;
    for (const auto& m : v.modifications)
      if (m.name == cfg_->rules.header + "-Detail") out.push_back(m.value);
    return out;
  };
  const std::string es = reply(
      "Luis Ortega <luis@support.example.com>", "Re: Factura duplicada",
      "Hola Ana:\r\n\r\nOtra vez la factura. Sus Tonterías de siempre. Ustedes nos hacen perder el tiempo con "
      "cada correo.\r\n\r\nLuis Ortega\r\nSoporte de facturación\r\nTel. +34 910 000 000\r\n");
  Verdict v = judge(es);
  ASSERT_EQ(v.action, FinalAction::annotate);
  EXPECT_EQ(detail_of(v),
            std::vector<std::string>{"polite-tone: quite \"Tonterías\", \"nos hacen perder el tiempo\""});
  const Message m = parse_message(es, cfg_->limits);
  const Finding* polite = nullptr;
  for (const auto& f : v.findings)
    if (f.rule == "polite-tone") polite = &f;
  ASSERT_NE(polite, nullptr);
  EXPECT_NE(polite->detail.find("\"tonteria\""), std::string::npos) << "the record keeps the list's form: " << polite->detail;
  const std::string logged = written_detail(*polite, judged_text(m, v));
  EXPECT_NE(logged.find("\"Tonterías\""), std::string::npos) << logged;
  EXPECT_NE(logged.find("\"nos hacen perder el tiempo\""), std::string::npos) << logged;
  EXPECT_EQ(logged.find("tonteria"), std::string::npos) << logged;

  const std::string ru = reply(
      "Олег Петров <oleg@support.example.com>", "Re: Не приходит код",
      "Анна, добрый день.\r\n\r\nКод приходит всем. Вы считаете нас Тупыми? Проверьте папку со спамом и "
      "больше не пишите по этому поводу.\r\n\r\nОлег Петров\r\nСлужба поддержки\r\nТел. +7 495 000-00-00\r\n");
  v = judge(ru);
  ASSERT_EQ(v.action, FinalAction::annotate);
  EXPECT_EQ(detail_of(v), std::vector<std::string>{"polite-tone: уберите \"Тупыми\""});

  cfg_->rules.settings.at("polite-tone").action = Action::reject;
  v = judge(es);
  ASSERT_EQ(v.action, FinalAction::reject);
  EXPECT_EQ(v.reply_text, "política de soporte: polite-tone: quite \"Tonterías\", \"nos hacen perder el tiempo\"");
}

// A customer's question at 08:00 and the agent's held answer at 10:30 in the same thread.
std::string customer_question() {
  return "From: Ana Torres <ana.torres@example.org>\r\nTo: soporte@support.example.com\r\n"
         "Subject: Factura duplicada\r\nDate: Mon, 07 Dec 2026 08:00:00 +0000\r\n"
         "Message-ID: <q1@example.org>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
         "Content-Transfer-Encoding: 8bit\r\n\r\nBuenos días:\r\n\r\nMe han cobrado dos veces la factura 7731. "
         "¿Pueden devolverme el segundo cargo?\r\n\r\nAna Torres\r\n";
}

TEST_F(AgentLanguage, AHeldReplyTellsItsAgentAndTheLeadEachInTheirLanguage) {
  cfg_->rules.settings.at("polite-tone").action = Action::hold;
  cfg_->notify.agents = true;
  cfg_->notify.leads = {"marta@support.example.com", "oleg.lead@support.example.com"};
  cfg_->agents.languages["oleg.lead@support.example.com"] = "ru";
  judge(customer_question());
  std::string raw = kSpanish;
  raw.replace(raw.find("Date: Mon, 07 Dec 2026 10:00:00"), 31, "Date: Mon, 07 Dec 2026 10:30:00");
  raw.insert(raw.find("MIME-Version:"), "In-Reply-To: <q1@example.org>\r\n");
  Pipeline pipeline(store_.get());
  const Message m = parse_message(raw, cfg_->limits);
  Envelope env;
  env.queue_id = "4dQk2Z0abc";
  const Verdict v = pipeline.process(m, env, m.date.value_or(0), *cfg_);
  ASSERT_EQ(v.action, FinalAction::hold);
  const auto notices = agent_notices(*cfg_, m, env, v, m.date.value_or(0) + 60'000);
  ASSERT_EQ(notices.size(), 3u);

  const Notice& agent = notices[0];
  EXPECT_EQ(agent.to, "luis@support.example.com");
  EXPECT_EQ(agent.subject, "Su respuesta está retenida para revisión: Re: Factura duplicada");
  EXPECT_NE(agent.body.find("Su respuesta a ana.torres@example.org quedó retenida"), std::string::npos) << agent.body;
  EXPECT_NE(agent.body.find("una regla"), std::string::npos) << agent.body;
  EXPECT_NE(agent.body.find("- polite-tone\n"), std::string::npos) << agent.body;
  // The agent's own words, not the list's folded form.
  EXPECT_NE(agent.body.find("Encontrado: \"tontería\""), std::string::npos) << agent.body;
  EXPECT_NE(agent.body.find("Qué cambiar: quite \"tontería\""), std::string::npos) << agent.body;
  EXPECT_NE(agent.body.find("En su respuesta: «Eso es una tontería, ya se lo expliqué la semana pasada y no pienso "
                            "repetirlo.»"),
            std::string::npos)
      << agent.body;
  EXPECT_NE(agent.body.find("El cliente lleva 2 horas esperando."), std::string::npos) << agent.body;
  EXPECT_NE(agent.body.find("Qué pasa ahora: un responsable"), std::string::npos) << agent.body;
  EXPECT_EQ(agent.body.find("support-milter release"), std::string::npos) << agent.body;  // the lead decides

  EXPECT_EQ(notices[1].to, "marta@support.example.com");  // no language of her own: the reply's
  EXPECT_NE(notices[1].body.find("Una respuesta de luis@support.example.com"), std::string::npos) << notices[1].body;
  EXPECT_NE(notices[1].body.find("Enviarla: support-milter release 4dQk2Z0abc"), std::string::npos) << notices[1].body;
  EXPECT_EQ(notices[2].to, "oleg.lead@support.example.com");
  EXPECT_EQ(notices[2].subject, "Задержан на проверку: Re: Factura duplicada (от luis@support.example.com)");
  EXPECT_NE(notices[2].body.find("Клиент ждёт уже 2 часа."), std::string::npos) << notices[2].body;
  EXPECT_NE(notices[2].body.find("Отправить: support-milter release 4dQk2Z0abc"), std::string::npos) << notices[2].body;
}

TEST_F(AgentLanguage, TheNoticeQuotesTheAgentsOwnWordsInTheirFormAndTheSentencesHoldingThem) {
  cfg_->notify.agents = true;
  // Spanish: capitalised, accented and plural ("tonteria" in the list), and a phrase whose verb is
  // in another person ("nos hace perder el tiempo").
  const std::string es = reply(
      "Luis Ortega <luis@support.example.com>", "Re: Factura duplicada",
      "Hola Ana:\r\n\r\nOtra vez la factura. Sus Tonterías de siempre. Ustedes nos hacen perder el tiempo con "
      "cada correo.\r\n\r\nLuis Ortega\r\nSoporte de facturación\r\nTel. +34 910 000 000\r\n");
  Verdict v = judge(es);
  ASSERT_EQ(v.action, FinalAction::reject);
  const Message m = parse_message(es, cfg_->limits);
  auto notices = agent_notices(*cfg_, m, Envelope{}, v, 0);
  ASSERT_EQ(notices.size(), 1u);
  const std::string& body = notices[0].body;
  EXPECT_NE(body.find("Encontrado: \"Tonterías\", \"nos hacen perder el tiempo\"\n"), std::string::npos) << body;
  EXPECT_NE(body.find("Qué cambiar: quite \"Tonterías\", \"nos hacen perder el tiempo\"\n"), std::string::npos) << body;
  EXPECT_EQ(body.find("tonteria"), std::string::npos) << body;  // the list's folded form nowhere
  EXPECT_NE(body.find("En su respuesta: «Sus Tonterías de siempre.»"), std::string::npos) << body;
  EXPECT_NE(body.find("En su respuesta: «Ustedes nos hacen perder el tiempo con cada correo.»"), std::string::npos)
      << body;

  // Russian: an adjective in another case and number ("тупой" in the list), capitalised.
  const std::string ru = reply(
      "Олег Петров <oleg@support.example.com>", "Re: Не приходит код",
      "Анна, добрый день.\r\n\r\nКод приходит всем. Вы считаете нас Тупыми? Проверьте папку со спамом и "
      "больше не пишите по этому поводу.\r\n\r\nОлег Петров\r\nСлужба поддержки\r\nТел. +7 495 000-00-00\r\n");
  v = judge(ru);
  ASSERT_EQ(v.action, FinalAction::reject);
  const Message mr = parse_message(ru, cfg_->limits);
  notices = agent_notices(*cfg_, mr, Envelope{}, v, 0);
  ASSERT_EQ(notices.size(), 1u);
  EXPECT_NE(notices[0].body.find("Найдено: \"Тупыми\"\n"), std::string::npos) << notices[0].body;
  EXPECT_NE(notices[0].body.find("В вашем ответе: «Вы считаете нас Тупыми?»"), std::string::npos) << notices[0].body;
}

TEST_F(AgentLanguage, NoNoticeInObserveModeOrForACustomersMessage) {
  cfg_->notify.agents = true;
  cfg_->notify.leads = {"marta@support.example.com"};
  cfg_->rules.mode = Mode::observe;
  const Message m = parse_message(kSpanish, cfg_->limits);
  Verdict v = judge(kSpanish);
  EXPECT_EQ(v.action, FinalAction::accept);
  EXPECT_TRUE(agent_notices(*cfg_, m, Envelope{}, v, 0).empty());
  // A rejected message whose sender is no support address: the lead is told, nobody else.
  cfg_->rules.mode = Mode::enforce;
  std::string raw = kSpanish;
  raw.replace(raw.find("luis@support.example.com"), 24, "luis@elsewhere.example");
  const Message other = parse_message(raw, cfg_->limits);
  v = judge(kSpanish);
  ASSERT_EQ(v.action, FinalAction::reject);
  const auto notices = agent_notices(*cfg_, other, Envelope{}, v, 0);
  ASSERT_EQ(notices.size(), 1u);
  EXPECT_EQ(notices[0].to, "marta@support.example.com");
}

TEST(AgentLanguageConfig, LanguagesWithoutACatalogAreRefused) {
  EXPECT_THROW(parse_config("[agents]\nlanguage = \"de\"\n", "t.conf"), ConfigError);
  EXPECT_THROW(parse_config("[agents]\nlanguages = { \"example.de\" = \"de\" }\n", "t.conf"), ConfigError);
  EXPECT_THROW(parse_config("[agents]\nlanguages = { \"not an address@\" = \"es\" }\n", "t.conf"), ConfigError);
  auto c = parse_config("[agents]\nlanguage = \"es\"\nlanguages = { \"Ventas@Example.COM\" = \"ru\", \"example.org\" = \"en\" }\n",
                        "t.conf");
  EXPECT_EQ(c->agents.language, "es");
  EXPECT_EQ(c->agents.languages.at("ventas@example.com"), "ru");
  EXPECT_EQ(c->agents.languages.at("example.org"), "en");
}

}  // namespace
}  // namespace sm
