// Metrics: counters by direction/action and rule, the histogram's cumulative buckets, gauges and
// the Prometheus text format; counting from many threads loses nothing.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include "config/config.h"
#include "milter/metrics.h"

namespace sm {
namespace {

// The value of the sample line that starts with `series` followed by a space.
std::string sample(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (line.rfind(series + " ", 0) == 0) return line.substr(series.size() + 1);
  return "<missing>";
}

TEST(Metrics, CountsMessagesFindingsAndTime) {
  Metrics m({"reply-all", "polite-tone"});
  Verdict v;
  v.direction.direction = Direction::outbound;
  v.action = FinalAction::hold;
  Finding fail;
  fail.rule = "polite-tone";
  fail.result = Result::fail;
  Finding pass;
  pass.rule = "reply-all";
  pass.result = Result::pass;
  v.findings = {fail, pass};
  m.record(v, 0.003);
  m.record(v, 0.2);
  m.count_message(Direction::inbound, FinalAction::accept);
  m.count_finding("no-such-rule");
  m.observe_seconds(30);
  m.count_error();

  MetricGauges g;
  g.now = 1'000'000'000'000;
  g.process_start = 999'999'000'500;
  g.waiting = WaitingSummary{3, g.now - 7'200'500};
  std::string t = m.render(g);

  EXPECT_EQ(sample(t, R"(support_milter_messages_total{direction="outbound",action="hold"})"), "2");
  EXPECT_EQ(sample(t, R"(support_milter_messages_total{direction="inbound",action="accept"})"), "1");
  EXPECT_EQ(sample(t, R"(support_milter_messages_total{direction="internal",action="reject"})"), "0");
  EXPECT_EQ(sample(t, R"(support_milter_findings_total{rule="polite-tone"})"), "2");
  EXPECT_EQ(sample(t, R"(support_milter_findings_total{rule="reply-all"})"), "0");
  EXPECT_EQ(sample(t, R"(support_milter_findings_total{rule="other"})"), "1");
  // Cumulative buckets: 0.003 lands in le=0.005, 0.2 in le=0.25, 30 only in +Inf.
  EXPECT_EQ(sample(t, R"(support_milter_processing_seconds_bucket{le="0.0025"})"), "0");
  EXPECT_EQ(sample(t, R"(support_milter_processing_seconds_bucket{le="0.005"})"), "1");
  EXPECT_EQ(sample(t, R"(support_milter_processing_seconds_bucket{le="0.1"})"), "1");
  EXPECT_EQ(sample(t, R"(support_milter_processing_seconds_bucket{le="0.25"})"), "2");
  EXPECT_EQ(sample(t, R"(support_milter_processing_seconds_bucket{le="5"})"), "2");
  EXPECT_EQ(sample(t, R"(support_milter_processing_seconds_bucket{le="+Inf"})"), "3");
  EXPECT_EQ(sample(t, "support_milter_processing_seconds_count"), "3");
  EXPECT_EQ(sample(t, "support_milter_processing_seconds_sum"), "30.203");
  EXPECT_EQ(sample(t, "support_milter_errors_total"), "1");
  EXPECT_EQ(sample(t, "support_milter_customers_waiting"), "3");
  EXPECT_EQ(sample(t, "support_milter_oldest_wait_seconds"), "7200.5");
  EXPECT_EQ(sample(t, "process_start_time_seconds"), "999999000.5");
  EXPECT_NE(t.find("# TYPE support_milter_processing_seconds histogram\n"), std::string::npos);
  EXPECT_NE(t.find("# TYPE support_milter_messages_total counter\n"), std::string::npos);
  EXPECT_EQ(t.back(), '\n');
}

TEST(Metrics, EveryRuleOfTheRegistryHasASeries) {
  Metrics m;
  std::string t = m.render({});
  for (const auto& line : describe_config_keys()) {
    if (line.rfind("rules.", 0) != 0 || line.find(".action = ") == std::string::npos) continue;
    std::string id = line.substr(6, line.find(".action = ") - 6);
    EXPECT_EQ(sample(t, "support_milter_findings_total{rule=\"" + id + "\"}"), "0") << id;
  }
  // No store figures: no waiting gauges rather than made-up zeros.
  EXPECT_EQ(t.find("support_milter_customers_waiting"), std::string::npos);
}

TEST(Metrics, NobodyWaitingIsZero) {
  Metrics m(std::vector<std::string>{});
  MetricGauges g;
  g.now = 5000;
  g.waiting = WaitingSummary{0, std::nullopt};
  std::string t = m.render(g);
  EXPECT_EQ(sample(t, "support_milter_customers_waiting"), "0");
  EXPECT_EQ(sample(t, "support_milter_oldest_wait_seconds"), "0");
}

TEST(Metrics, ConcurrentCountingLosesNothing) {
  Metrics m({"reply-all"});
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        m.count_message(Direction::outbound, FinalAction::annotate);
        m.count_finding("reply-all");
        m.observe_seconds(0.01);
      }
    });
  for (auto& t : threads) t.join();
  std::string text = m.render({});
  EXPECT_EQ(sample(text, R"(support_milter_messages_total{direction="outbound",action="annotate"})"), "80000");
  EXPECT_EQ(sample(text, R"(support_milter_findings_total{rule="reply-all"})"), "80000");
  EXPECT_EQ(sample(text, "support_milter_processing_seconds_count"), "80000");
}

TEST(Metrics, LabelEscaping) {
  EXPECT_EQ(prometheus_label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
}

TEST(Metrics, ListenAddressMustBeLoopback) {
  std::string host, error;
  unsigned port = 0;
  EXPECT_TRUE(parse_loopback_listen("127.0.0.1:9759", &host, &port, &error));
  EXPECT_EQ(host, "127.0.0.1");
  EXPECT_EQ(port, 9759u);
  EXPECT_TRUE(parse_loopback_listen("[::1]:9759", &host, &port, &error));
  EXPECT_EQ(host, "::1");
  for (const char* bad : {"0.0.0.0:9759", "192.168.1.1:9759", "127.0.0.1", "127.0.0.1:0", "127.0.0.1:70000",
                          "127.0.0.1:x", "[::]:9759", "::1:9759", "localhost:9759", ""}) {
    EXPECT_FALSE(parse_loopback_listen(bad, &host, &port, &error)) << bad;
    EXPECT_FALSE(error.empty());
  }
}

TEST(Metrics, ConfigKeysWithFileAndLine) {
  auto cfg = parse_config("[metrics]\nlisten = \"127.0.0.1:9759\"\ntextfile = \"/var/lib/x/sm.prom\"\n", "t.conf");
  EXPECT_EQ(cfg->metrics.listen, "127.0.0.1:9759");
  EXPECT_EQ(cfg->metrics.textfile, "/var/lib/x/sm.prom");
  EXPECT_EQ(cfg->metrics.textfile_seconds, 15u);
  struct Row {
    const char* text;
    const char* want;
  } rows[] = {
      {"[metrics]\n\nlisten = \"0.0.0.0:9759\"\n", "t.conf:3: metrics.listen: \"0.0.0.0\" is not a loopback address"},
      {"[metrics]\ntextfile = \"relative.prom\"\n", "t.conf:2: metrics.textfile"},
      {"[metrics]\ntextfile_seconds = 0\n", "t.conf:2: metrics.textfile_seconds: 0 is out of range"},
  };
  for (const auto& r : rows) {
    try {
      parse_config(r.text, "t.conf");
      ADD_FAILURE() << "accepted: " << r.text;
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find(r.want), std::string::npos) << e.what();
    }
  }
}

TEST(Metrics, TextfileIsReplacedWhole) {
  std::string path = ::testing::TempDir() + "/sm-metrics-" + std::to_string(::getpid()) + ".prom";
  std::string error;
  ASSERT_TRUE(write_textfile(path, "a 1\n", &error)) << error;
  ASSERT_TRUE(write_textfile(path, "b 2\n", &error)) << error;
  std::ifstream in(path);
  std::stringstream buf;
  buf << in.rdbuf();
  EXPECT_EQ(buf.str(), "b 2\n");
  EXPECT_FALSE(std::ifstream(path + ".tmp").good());
  EXPECT_FALSE(write_textfile("/nonexistent-dir/x.prom", "a\n", &error));
  EXPECT_NE(error.find("/nonexistent-dir/x.prom.tmp"), std::string::npos);
  std::remove(path.c_str());
}

}  // namespace
}  // namespace sm
