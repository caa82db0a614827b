// The review page's HTML: the evidence marked in the reply, everything escaped, the list sorted by
// the customer's wait, and the forms a lead gets and an auditor does not.
#include <gtest/gtest.h>

#include "review/page.h"

namespace sm {
namespace {

FindingRecord finding(const std::string& rule, nlohmann::json evidence) {
  FindingRecord f;
  f.rule = rule;
  f.result = "fail";
  f.action = "hold";
  f.detail = rule + " failed";
  f.evidence = std::move(evidence);
  return f;
}

TEST(ReviewPage, EvidencePhrasesComeFromEveryStringButThoseNamingNoText) {
  auto phrases = evidence_phrases({finding("blame-shifting", {{"phrases", {"as we already told you", "you should have"}},
                                                             {"language", "en"}}),
                                   finding("internal-details", {{"found", {{{"what", "host"}, {"text", "db3.corp.lan"}}}}}),
                                   finding("quoted-history", {{"has_quote", false}, {"style", "none"}})});
  EXPECT_EQ(phrases, (std::vector<std::string>{"as we already told you", "you should have", "db3.corp.lan", "host"}));
}

TEST(ReviewPage, MarksEachPhraseWhereItStandsAndEscapesTheRest) {
  struct Row {
    const char* label;
    const char* text;
    std::vector<std::string> phrases;
    const char* want;
  };
  const Row rows[] = {
      {"one phrase", "As we already told you, restart it.", {"as we already told you"},
       "<mark>As we already told you</mark>, restart it."},
      {"twice", "asap <b>asap</b>", {"asap"}, "<mark>asap</mark> &lt;b&gt;<mark>asap</mark>&lt;/b&gt;"},
      {"longest wins", "you should have known", {"you should", "you should have"}, "<mark>you should have</mark> known"},
      {"none", "Thanks & \"regards\"", {"sorry"}, "Thanks &amp; &quot;regards&quot;"},
      {"cyrillic as written", "Это ваши проблемы.", {"ваши проблемы"}, "Это <mark>ваши проблемы</mark>."},
      {"a phrase that is markup", "x <script> y", {"<script>"}, "x <mark>&lt;script&gt;</mark> y"},
  };
  for (const auto& r : rows) EXPECT_EQ(mark_phrases(r.text, r.phrases), r.want) << r.label;
}

TEST(ReviewPage, MarksTheFindingsAsTheAgentWroteThem) {
  // The evidence names the list's forms; the page marks the reply's words, accents, case and forms.
  const auto es = finding("polite-tone", {{"phrases", {"tonteria", "nos hace perder el tiempo"}}, {"language", "es"}});
  EXPECT_EQ(mark_findings("Son Tonterías. Nos Hacen perder el tiempo & <más>.", {es}),
            "Son <mark>Tonterías</mark>. <mark>Nos Hacen perder el tiempo</mark> &amp; &lt;más&gt;.");
  const auto ru = finding("polite-tone", {{"phrases", {"тупой", "< ваши проблемы >"}}, {"language", "ru"}});
  EXPECT_EQ(mark_findings("Вы считаете нас Тупыми? Ваши проблемы.", {ru}),
            "Вы считаете нас <mark>Тупыми</mark>? <mark>Ваши проблемы</mark>.");
  // Other strings of the evidence (a host) are marked where they stand, as before.
  const auto host = finding("internal-details", {{"found", {"db3.corp.lan"}}});
  EXPECT_EQ(mark_findings("Ask db3.corp.lan.", {host}), "Ask <mark>db3.corp.lan</mark>.");
}

ReviewItem item(const std::string& id, std::int64_t waiting_s) {
  ReviewItem it;
  it.held.queue.queue_id = id;
  it.held.queue.queue_name = "hold";
  it.held.queue.recipients = {"ana@example.org"};
  it.held.author = "luis@support.example.com";
  it.held.findings = {finding("polite-tone", {{"phrases", {"not my <problem>"}}})};
  it.subject = "Invoice <7731> & refund";
  it.waiting_s = waiting_s;
  it.clock = "over target";
  return it;
}

TEST(ReviewPage, ListsLongestWaitFirstWithEverythingEscaped) {
  std::vector<ReviewItem> items = {item("AAAAA1", 60), item("BBBBB2", 7200), item("CCCCC3", 3600)};
  sort_by_wait(&items);
  ASSERT_EQ(items[0].held.queue.queue_id, "BBBBB2");
  EXPECT_EQ(items[2].held.queue.queue_id, "AAAAA1");
  const std::string html = review_list_html(items, ReviewViewer{"marta", ReviewRole::lead, "c0ffee"}, "");
  EXPECT_LT(html.find("BBBBB2"), html.find("CCCCC3"));
  EXPECT_LT(html.find("CCCCC3"), html.find("AAAAA1"));
  EXPECT_NE(html.find("Invoice &lt;7731&gt; &amp; refund"), std::string::npos);
  EXPECT_EQ(html.find("<7731>"), std::string::npos);
  EXPECT_NE(html.find("2 h 00 min"), std::string::npos);
  EXPECT_EQ(html.find("http"), std::string::npos);  // nothing loads from elsewhere
}

TEST(ReviewPage, LeadsGetTheFormsWithTheirTokenAuditorsDoNot) {
  const auto it = item("BBBBB2", 7200);
  const std::string lead = review_detail_html(it, "It is not my <problem>.", "> When will my refund come?", "",
                                              ReviewViewer{"marta", ReviewRole::lead, "c0ffee"}, "");
  EXPECT_NE(lead.find("It is <mark>not my &lt;problem&gt;</mark>."), std::string::npos);
  EXPECT_NE(lead.find("&gt; When will my refund come?"), std::string::npos);
  EXPECT_NE(lead.find("action=\"/held/BBBBB2/release\""), std::string::npos);
  EXPECT_NE(lead.find("action=\"/held/BBBBB2/discard\""), std::string::npos);
  EXPECT_NE(lead.find("action=\"/held/BBBBB2/send-back\""), std::string::npos);
  EXPECT_NE(lead.find("name=\"csrf\" value=\"c0ffee\""), std::string::npos);
  const std::string auditor = review_detail_html(it, "It is not my <problem>.", "", "",
                                                 ReviewViewer{"ines", ReviewRole::auditor, "beef"}, "");
  EXPECT_EQ(auditor.find("/release\""), std::string::npos);
  EXPECT_NE(auditor.find("id=\"read-only\""), std::string::npos);
}

TEST(ReviewPage, TheLoginFormCarriesItsToken) {
  const std::string html = review_login_html("Wrong <user>", "9a8b");
  EXPECT_NE(html.find("<form method=\"post\" action=\"/login\"><input type=\"hidden\" name=\"csrf\" value=\"9a8b\">"),
            std::string::npos);
  EXPECT_NE(html.find("Wrong &lt;user&gt;"), std::string::npos);
}

TEST(ReviewPage, WaitsReadAsPeopleSayThem) {
  EXPECT_EQ(format_wait(45), "45 s");
  EXPECT_EQ(format_wait(12 * 60 + 5), "12 min");
  EXPECT_EQ(format_wait(3 * 3600 + 5 * 60), "3 h 05 min");
  EXPECT_EQ(format_wait(2 * 86400 + 4 * 3600 + 59), "2 d 4 h");
  EXPECT_EQ(format_wait(-5), "0 s");
}

}  // namespace
}  // namespace sm
