// The SLA clock: waits start with the customer, replies end them, internal notes do nothing.
#include <gtest/gtest.h>

#include "sla/clock.h"

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
      EXPECT_EQ(r.status, st.status);
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

}  // namespace
}  // namespace sm
