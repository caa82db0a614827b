// The SLA clock: waits start with the customer, replies end them, internal notes do nothing.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "sla/clock.h"
#include "text/promise.h"

namespace sm {
namespace {

constexpr TimeMs kH = 3600 * 1000;
// Friday 2026-11-20 17:00 UTC.
constexpr TimeMs kFri17 = 1795194000000;

struct Step {
  Direction d;
  TimeMs at;
  std::optional<std::int64_t> latency_s;
  bool first_reply;
  const char* status;
};

struct Case {
  const char* label;
  std::vector<Step> steps;
};

TEST(Sla, Conversations) {
  const Case cases[] = {
      {"first reply within target",
       {{Direction::inbound, kFri17, {}, false, "none"}, {Direction::outbound, kFri17 + kH, 3600, true, "within_target"}}},
      {"over target, under limit",
       {{Direction::inbound, kFri17, {}, false, "none"}, {Direction::outbound, kFri17 + 5 * kH, 18000, true, "over_target"}}},
      {"weekend counts: friday to monday is breached",
       {{Direction::inbound, kFri17, {}, false, "none"}, {Direction::outbound, kFri17 + 64 * kH, 230400, true, "breached"}}},
      {"several customer messages: from the oldest",
       {{Direction::inbound, kFri17, {}, false, "none"},
        {Direction::inbound, kFri17 + kH, {}, false, "none"},
        {Direction::outbound, kFri17 + 3 * kH, 10800, true, "over_target"}}},
      {"internal note neither starts nor stops",
       {{Direction::inbound, kFri17, {}, false, "none"},
        {Direction::internal, kFri17 + kH, {}, false, "none"},
        {Direction::outbound, kFri17 + 2 * kH, 7200, true, "within_target"}}},
      {"next reply after a second wait",
       {{Direction::inbound, kFri17, {}, false, "none"},
        {Direction::outbound, kFri17 + kH, 3600, true, "within_target"},
        {Direction::inbound, kFri17 + 2 * kH, {}, false, "none"},
        {Direction::outbound, kFri17 + 2 * kH + 1800 * 1000, 1800, false, "within_target"}}},
      {"two agents: the second reply answers nothing",
       {{Direction::inbound, kFri17, {}, false, "none"},
        {Direction::outbound, kFri17 + kH, 3600, true, "within_target"},
        {Direction::outbound, kFri17 + 2 * kH, {}, false, "none"}}},
      {"outbound first (we started the thread)",
       {{Direction::outbound, kFri17, {}, false, "none"}, {Direction::inbound, kFri17 + kH, {}, false, "none"},
        {Direction::outbound, kFri17 + 2 * kH, 3600, false, "within_target"}}},
      {"exactly the target is within",
       {{Direction::inbound, kFri17, {}, false, "none"}, {Direction::outbound, kFri17 + 2 * kH, 7200, true, "within_target"}}},
      {"exactly the limit is not breached",
       {{Direction::inbound, kFri17, {}, false, "none"}, {Direction::outbound, kFri17 + 24 * kH, 86400, true, "over_target"}}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.label);
    ThreadSla state;
    for (std::size_t i = 0; i < c.steps.size(); ++i) {
      const auto& st = c.steps[i];
      SCOPED_TRACE("step " + std::to_string(i));
      auto r = sla_on_message(state, st.d, st.at, SlaSettings{});
      EXPECT_EQ(r.latency_s, st.latency_s);
      EXPECT_EQ(r.first_reply, st.first_reply);
      EXPECT_STREQ(to_string(r.status), st.status);
      // The state survives a round trip through the store's JSON.
      state = ThreadSla::from_json(nlohmann::json::parse(state.to_json().dump()));
    }
  }
}

TEST(Sla, ResultJsonHasTheCheckFields) {
  ThreadSla state;
  sla_on_message(state, Direction::inbound, kFri17, {});
  auto j = sla_on_message(state, Direction::outbound, kFri17 + kH, {}).to_json();
  EXPECT_EQ(j["latency_s"], 3600);
  EXPECT_EQ(j["first_reply"], true);
  EXPECT_EQ(j["status"], "within_target");
  EXPECT_EQ(j["waiting_since"], "2026-11-20T17:00:00Z");
  auto none = SlaResult{}.to_json();
  EXPECT_TRUE(none["latency_s"].is_null());
  EXPECT_TRUE(none["waiting_since"].is_null());
  EXPECT_EQ(none["status"], "none");
}

TEST(Sla, BrokenStoredStateIsEmpty) {
  auto s = ThreadSla::from_json(nlohmann::json::parse(R"({"waiting_since":"yesterday","replies":"x"})"));
  EXPECT_FALSE(s.waiting_since.has_value());
  EXPECT_EQ(s.replies, 0);
}

// The stored state's text: ThreadSla::dump() and ThreadSla::parse() against the JSON object they
// stand for (to_json().dump(), from_json(json::parse())), on random states and on random texts with
// every kind of value in every field, repeated keys, nesting, other keys and broken JSON.
std::string same_state(const ThreadSla& s) { return s.to_json().dump(); }

TEST(SlaStateText, DumpIsTheObjectsDump) {
  std::mt19937_64 rng(20261202);
  const std::vector<std::string> promises = {"", "by Friday", "к пятнице, 18:00", "el \"lunes\"\n\\ tab\t", "\x01\x1f"};
  for (int i = 0; i < 5000; ++i) {
    ThreadSla s;
    auto maybe = [&]() -> std::optional<TimeMs> {
      if (rng() % 3 == 0) return std::nullopt;
      return static_cast<TimeMs>(rng() % 4 == 0 ? -static_cast<std::int64_t>(rng() % 1000) : rng() >> 20);
    };
    s.waiting_since = maybe();
    s.last_inbound = maybe();
    s.last_outbound = maybe();
    s.promise_due = maybe();
    s.gap_noted_for = maybe();
    s.replies = static_cast<int>(rng() % 50) - 3;
    s.customer_messages = static_cast<int>(rng() % 50);
    s.warned = rng() % 2;
    s.breached = rng() % 2;
    s.in_progress = rng() % 2;
    s.promise_missed = rng() % 2;
    s.promise = promises[rng() % promises.size()];
    ASSERT_EQ(s.dump(), s.to_json().dump());
    ASSERT_EQ(same_state(ThreadSla::parse(s.dump())), same_state(s));
  }
}

TEST(SlaStateText, ParseReadsWhatFromJsonReads) {
  const std::vector<std::string> keys = {"waiting_since", "last_inbound", "last_outbound", "replies",
                                         "customer_messages", "warned", "breached", "in_progress",
                                         "promise_due", "promise", "promise_missed", "gap_noted_for", "other"};
  const std::vector<std::string> values = {"null", "true", "false", "0", "-5", "1764547200000", "18446744073709551615",
                                           "9223372036854775808", "4294967297", "1.5", "1e3", "\"text\"", "\"\"",
                                           "{\"replies\":3}", "[1,2]", "{}", "[]"};
  std::mt19937_64 rng(7);
  for (int i = 0; i < 20000; ++i) {
    std::string text = "{";
    const int fields = static_cast<int>(rng() % 16);
    for (int f = 0; f < fields; ++f) {
      if (f > 0) text += ",";
      text += "\"" + keys[rng() % keys.size()] + "\":" + values[rng() % values.size()];
    }
    text += "}";
    switch (rng() % 12) {
      case 0: text.pop_back(); break;                   // cut short
      case 1: text = "[" + text + "]"; break;           // not an object
      case 2: text += " x"; break;                      // something after it
      case 3: text = values[rng() % values.size()]; break;
      default: break;
    }
    const ThreadSla want = ThreadSla::from_json(nlohmann::json::parse(text, nullptr, false));
    ASSERT_EQ(same_state(ThreadSla::parse(text)), same_state(want)) << text;
  }
}

}  // namespace
}  // namespace sm

namespace sm {
namespace {

// A held reply's clock goes to the store as text and comes back the same; text that is not its
// form reads as a substantive message of no direction, never an exception.
TEST(HeldClock, RoundTripsThroughTheStoresText) {
  Acknowledgement ack;
  ack.only_acknowledges = true;
  ack.phrase = "we are looking into it";
  ack.promised = 1'790'000'000'000;
  ack.promise = "by Friday";
  const HeldClock held(Direction::outbound, &ack);
  const HeldClock back = HeldClock::parse(held.dump());
  EXPECT_EQ(back.direction, Direction::outbound);
  EXPECT_TRUE(back.only_acknowledges);
  EXPECT_EQ(back.phrase, "we are looking into it");
  EXPECT_EQ(back.promised, ack.promised);
  EXPECT_EQ(back.promise, "by Friday");
  const HeldClock substantive = HeldClock::parse(HeldClock(Direction::inbound, nullptr).dump());
  EXPECT_EQ(substantive.direction, Direction::inbound);
  EXPECT_FALSE(substantive.only_acknowledges);
  for (const char* odd : {"", "not json", "[1,2]", R"({"direction":7,"promised":"soon"})"}) {
    const HeldClock h = HeldClock::parse(odd);
    EXPECT_EQ(h.direction, Direction::other) << odd;
    EXPECT_FALSE(h.promised.has_value()) << odd;
  }
}

}  // namespace
}  // namespace sm
