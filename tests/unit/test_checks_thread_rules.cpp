// The three thread rules, table-driven, with conversations in English, Spanish and Russian:
// each row is a stored message being answered, a reply, and what the rule must find.
#include <gtest/gtest.h>

#include "checks/registry.h"
#include "store/fingerprint.h"

namespace sm {
namespace {

SupportIdentity support() {
  SupportIdentity s;
  s.domains = {"support.example.com"};
  return s;
}

std::vector<Address> addrs(std::initializer_list<const char*> xs) {
  std::vector<Address> out;
  for (const char* x : xs) out.push_back(parse_address(x));
  return out;
}

std::vector<Participant> parts(std::initializer_list<std::pair<Role, const char*>> xs) {
  std::vector<Participant> out;
  for (const auto& [role, a] : xs) {
    Address ad = parse_address(a);
    out.push_back({role, ad.key(), ad.address()});
  }
  return out;
}

struct Row {
  const char* label;
  Direction direction;
  const char* thread_subject;
  std::vector<Participant> answered;  // participants of the message answered
  std::string answered_text;          // its new text (fingerprinted)
  const char* subject;
  std::vector<Address> from, to, cc;
  std::string body;                   // the reply's body (quote split applies)
  Result want;
  const char* want_detail;            // substring
};

Finding judge(const char* rule_id, const Row& r, RuleSettings settings) {
  Message m;
  m.subject = r.subject;
  m.from = r.from;
  m.to = r.to;
  m.cc = r.cc;
  m.headers = {{"Subject", r.subject}};
  if (!r.cc.empty()) m.headers.push_back({"Cc", r.cc.front().address()});
  m.quote = split_quotes(r.body);
  ThreadContext tc;
  tc.thread = {"t1", r.thread_subject, 0, 0, "", {}};
  StoredMessage answered;
  answered.message_id = "answered@client.example";
  answered.thread_id = "t1";
  answered.participants = r.answered;
  answered.fingerprints = sketch(r.answered_text);
  tc.answered = answered;
  Envelope env;
  auto sup = support();
  MessageText text(m.quote.new_text, m.quote.quoted, nullptr);
  RuleContext ctx{m, r.direction, env, sup, &tc, 0, text};
  const Rule* rule = find_rule(rule_id);
  for (const auto& p : rule->params()) settings.params[p.name] = p.default_value;
  return rule->evaluate(ctx, settings);
}

const std::string kEnAsk = "We were charged twice for invoice 4471 this month. Could you refund the second payment?";
const std::string kEsAsk = "Hemos recibido la factura nº 8812 duplicada. ¿Podrían anular la segunda copia?";
const std::string kRuAsk = "Третий день не можем войти в личный кабинет: после ввода пароля страница обновляется.";

std::string quoted(const std::string& who, const std::string& text) {
  return "\n\n" + who + "\n> " + text;
}

TEST(SubjectContinuity, Table) {
  const auto p = parts({{Role::from, "ana@client.example"}});
  const Row rows[] = {
      {"en same subject", Direction::outbound, "Invoice 4471 charged twice", p, kEnAsk, "Re: Invoice 4471 charged twice",
       addrs({"sam@support.example.com"}), addrs({"ana@client.example"}), {}, "ok", Result::pass, ""},
      {"en changed", Direction::outbound, "Invoice 4471 charged twice", p, kEnAsk, "Refund",
       addrs({"sam@support.example.com"}), addrs({"ana@client.example"}), {}, "ok", Result::fail, "\"Refund\""},
      {"en one character", Direction::outbound, "Invoice 4471 charged twice", p, kEnAsk, "Re: Invoice 4472 charged twice",
       addrs({"sam@support.example.com"}), addrs({"ana@client.example"}), {}, "ok", Result::fail, "subject changed"},
      {"en case and spaces", Direction::outbound, "Invoice 4471 charged twice", p, kEnAsk, "RE:  invoice 4471  CHARGED twice",
       addrs({"sam@support.example.com"}), addrs({"ana@client.example"}), {}, "ok", Result::pass, ""},
      {"es prefix RV", Direction::outbound, "Factura nº 8812 duplicada", p, kEsAsk, "RV: Factura nº 8812 duplicada",
       addrs({"lucia@support.example.com"}), addrs({"maria@cliente.example"}), {}, "ok", Result::pass, ""},
      {"es changed", Direction::outbound, "Factura nº 8812 duplicada", p, kEsAsk, "Re: Factura rectificativa",
       addrs({"lucia@support.example.com"}), addrs({"maria@cliente.example"}), {}, "ok", Result::fail, "Factura rectificativa"},
      {"ru Ответ", Direction::outbound, "Не можем войти в личный кабинет", p, kRuAsk, "Ответ: Не можем войти в личный кабинет",
       addrs({"anna@support.example.com"}), addrs({"ivan@klient.example"}), {}, "ok", Result::pass, ""},
      {"ru ё/case", Direction::outbound, "Счёт не оплачен", p, kRuAsk, "Re: СЧЁТ НЕ ОПЛАЧЕН",
       addrs({"anna@support.example.com"}), addrs({"ivan@klient.example"}), {}, "ok", Result::pass, ""},
      {"ru internal changed", Direction::internal, "Не можем войти в личный кабинет", p, kRuAsk, "Пересл: вход",
       addrs({"anna@support.example.com"}), addrs({"dev@support.example.com"}), {}, "ok", Result::fail, "subject changed"},
      {"inbound skipped", Direction::inbound, "Invoice 4471", p, kEnAsk, "Something else",
       addrs({"ana@client.example"}), addrs({"help@support.example.com"}), {}, "ok", Result::skip, ""},
  };
  for (const auto& r : rows) {
    SCOPED_TRACE(r.label);
    Finding f = judge("subject-continuity", r, {});
    EXPECT_EQ(f.result, r.want) << f.detail;
    EXPECT_NE(f.detail.find(r.want_detail), std::string::npos) << f.detail;
    if (f.result == Result::fail) {
      ASSERT_EQ(f.fixes.size(), 1u);
      EXPECT_EQ(f.fixes[0].name, "Subject");
      EXPECT_NE(f.fixes[0].value.find(r.thread_subject), std::string::npos);
    }
  }
}

TEST(ReplyAll, Table) {
  const Row rows[] = {
      {"en all kept", Direction::outbound, "s", parts({{Role::from, "ana@client.example"}, {Role::cc, "bob@client.example"}}), kEnAsk, "Re: s",
       addrs({"sam@support.example.com"}), addrs({"ana@client.example"}), addrs({"bob@client.example"}), "ok", Result::pass, ""},
      {"en dropped cc", Direction::outbound, "s", parts({{Role::from, "ana@client.example"}, {Role::cc, "bob@client.example"}}), kEnAsk, "Re: s",
       addrs({"sam@support.example.com"}), addrs({"ana@client.example"}), {}, "ok", Result::fail, "bob@client.example"},
      {"en case and display name differ", Direction::outbound, "s", parts({{Role::from, "Ana <ana@client.example>"}, {Role::to, "Bob <BOB@Client.Example>"}}), kEnAsk, "Re: s",
       addrs({"sam@support.example.com"}), addrs({"\"Lopez, Ana\" <Ana@CLIENT.example>", "bob@client.example"}), {}, "ok", Result::pass, ""},
      {"support addresses excluded", Direction::outbound, "s", parts({{Role::from, "ana@client.example"}, {Role::to, "help@support.example.com"}, {Role::cc, "lead@support.example.com"}}), kEnAsk, "Re: s",
       addrs({"sam@support.example.com"}), addrs({"ana@client.example"}), {}, "ok", Result::pass, ""},
      {"es reply-to stands for from", Direction::outbound, "s", parts({{Role::from, "maria@cliente.example"}, {Role::reply_to, "facturas@cliente.example"}, {Role::cc, "jorge@cliente.example"}}), kEsAsk, "Re: s",
       addrs({"lucia@support.example.com"}), addrs({"facturas@cliente.example"}), addrs({"jorge@cliente.example"}), "ok", Result::pass, ""},
      {"es reply-to dropped", Direction::outbound, "s", parts({{Role::from, "maria@cliente.example"}, {Role::reply_to, "facturas@cliente.example"}}), kEsAsk, "Re: s",
       addrs({"lucia@support.example.com"}), addrs({"maria@cliente.example"}), {}, "ok", Result::fail, "facturas@cliente.example"},
      {"ru idn", Direction::outbound, "s", parts({{Role::from, "ivan@пример.рф"}, {Role::cc, "olga@klient.example"}}), kRuAsk, "Re: s",
       addrs({"anna@support.example.com"}), addrs({"ivan@xn--e1afmkfd.xn--p1ai"}), addrs({"olga@klient.example"}), "ok", Result::pass, ""},
      {"ru two dropped", Direction::outbound, "s", parts({{Role::from, "ivan@klient.example"}, {Role::to, "olga@klient.example"}, {Role::cc, "petr@klient.example"}}), kRuAsk, "Re: s",
       addrs({"anna@support.example.com"}), addrs({"ivan@klient.example"}), {}, "ok", Result::fail, "olga@klient.example, petr@klient.example"},
      {"internal hand-over not judged", Direction::internal, "s", parts({{Role::from, "ana@client.example"}, {Role::cc, "bob@client.example"}}), kEnAsk, "Fwd: s",
       addrs({"sam@support.example.com"}), addrs({"lee@support.example.com"}), {}, "ok", Result::skip, ""},
  };
  for (const auto& r : rows) {
    SCOPED_TRACE(r.label);
    Finding f = judge("reply-all", r, {});
    EXPECT_EQ(f.result, r.want) << f.detail;
    EXPECT_NE(f.detail.find(r.want_detail), std::string::npos) << f.detail;
    if (f.result == Result::fail) {
      std::size_t rcpts = 0;
      for (const auto& m : f.fixes) rcpts += m.kind == Modification::Kind::add_recipient;
      EXPECT_EQ(rcpts, f.evidence["dropped"].size());
      EXPECT_EQ(f.hint.key, "hint_reply_all");
    }
  }
}

TEST(QuotedHistory, Table) {
  const auto p = parts({{Role::from, "ana@client.example"}});
  const Row rows[] = {
      {"en quote of the answered message", Direction::outbound, "s", p, kEnAsk, "Re: s", {}, {}, {},
       "Refunded." + quoted("On Mon, Ana <ana@client.example> wrote:", kEnAsk), Result::pass, ""},
      {"en no quote", Direction::outbound, "s", p, kEnAsk, "Re: s", {}, {}, {}, "Refunded.", Result::fail, "no quoted history"},
      {"en quote of something else", Direction::outbound, "s", p, kEnAsk, "Re: s", {}, {}, {},
       "Done." + quoted("On Sun, Pedro <pedro@other.example> wrote:", "Please change the delivery address of all December orders to our new office."),
       Result::fail, "does not contain the message answered"},
      {"es quote present", Direction::outbound, "s", p, kEsAsk, "Re: s", {}, {}, {},
       "Anulada." + quoted("El lun, María <maria@cliente.example> escribió:", kEsAsk), Result::pass, ""},
      {"es no quote", Direction::outbound, "s", p, kEsAsk, "Re: s", {}, {}, {}, "Anulada.", Result::fail, "no quoted history"},
      {"ru outlook block", Direction::outbound, "s", p, kRuAsk, "Re: s", {}, {}, {},
       "Исправили.\n\n-----Исходное сообщение-----\nОт: Иван\n\n" + kRuAsk, Result::pass, ""},
      {"ru internal without quote", Direction::internal, "s", p, kRuAsk, "Re: s", {}, {}, {}, "Посмотрите.", Result::fail, "no quoted history"},
      {"inbound not judged", Direction::inbound, "s", p, kEnAsk, "Re: s", {}, {}, {}, "thanks", Result::skip, ""},
  };
  for (const auto& r : rows) {
    SCOPED_TRACE(r.label);
    Finding f = judge("quoted-history", r, {});
    EXPECT_EQ(f.result, r.want) << f.detail;
    EXPECT_NE(f.detail.find(r.want_detail), std::string::npos) << f.detail;
  }
}

TEST(ThreadRules, NotInAThreadIsSkipped) {
  Message m;
  Envelope env;
  auto sup = support();
  MessageText text("", "", nullptr);
  RuleContext ctx{m, Direction::outbound, env, sup, nullptr, 0, text};
  for (const char* id : {"subject-continuity", "reply-all", "quoted-history"}) {
    const Rule* rule = find_rule(id);
    SCOPED_TRACE(id);
    RuleSettings s;
    for (const auto& p : rule->params()) s.params[p.name] = p.default_value;
    EXPECT_EQ(rule->evaluate(ctx, s).result, Result::skip);
  }
}

}  // namespace
}  // namespace sm
