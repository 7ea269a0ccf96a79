// Goal: the diagram shows one lane per visible pod that exists in the view: a pod scaled away
// loses its lane, a hidden pod has none, an expanded pod shows its actors.
#include "diagram_layout.hpp"

#include <gtest/gtest.h>

#include "ui_test_traces.hpp"

namespace troupe::viz {
namespace {

std::vector<std::string> labels(const diagram_layout& layout) {
  std::vector<std::string> result;
  for (const auto& lane : layout.lanes) result.push_back(lane.label);
  return result;
}

TEST(diagram_layout, whole_trace_shows_every_pod_in_order) {
  const auto t = testing::load_small_trace();
  viewer_state state(*t);
  const auto layout = compute_diagram_layout(*t, state, 0, 0, 1000, 400);
  EXPECT_EQ(labels(layout), (std::vector<std::string>{"kv-0", "kv-1", "kv-2", "kv-3"}));
  EXPECT_LT(layout.lanes[0].y, layout.lanes[1].y);
}

TEST(diagram_layout, a_pod_scaled_away_has_no_lane_after_it_left) {
  const auto t = testing::load_small_trace();
  viewer_state state(*t);
  state.view = {650'000'000, 750'000'000};
  EXPECT_EQ(labels(compute_diagram_layout(*t, state, 0, 0, 1000, 400)),
            (std::vector<std::string>{"kv-0", "kv-1", "kv-2", "kv-3"}));
  state.view = {850'000'000, 950'000'000};  // kv-2 was removed at 800ms
  EXPECT_EQ(labels(compute_diagram_layout(*t, state, 0, 0, 1000, 400)),
            (std::vector<std::string>{"kv-0", "kv-1", "kv-3"}));
  state.view = {0, 500'000'000};  // kv-3 joins at 600ms
  EXPECT_EQ(labels(compute_diagram_layout(*t, state, 0, 0, 1000, 400)),
            (std::vector<std::string>{"kv-0", "kv-1", "kv-2"}));
}

TEST(diagram_layout, hidden_reordered_and_expanded_lanes) {
  const auto t = testing::load_small_trace();
  viewer_state state(*t);
  state.filter.pod_hidden[1] = 1;
  state.move_lane(0, +1);  // kv-1 kv-0 kv-2 kv-3
  state.pod_expanded[0] = 1;
  const auto layout = compute_diagram_layout(*t, state, 0, 0, 1000, 600);
  EXPECT_EQ(labels(layout), (std::vector<std::string>{"kv-0", "  /user/store", "  /user/client-0",
                                                      "kv-2", "kv-3"}));
  EXPECT_EQ(layout.lane_of_pod[1], -1);
  const std::uint32_t client = t->events[3].actor;
  EXPECT_EQ(layout.lane_for(0, client), 2);
  EXPECT_EQ(layout.lane_for(2, t->events[2].actor), 3) << "kv-2 is not expanded";
}

TEST(diagram_layout, time_and_pixels_round_trip) {
  const auto t = testing::load_small_trace();
  viewer_state state(*t);
  state.view = {0, 1'000'000'000};
  const auto layout = compute_diagram_layout(*t, state, 0, 0, 1128, 400);
  EXPECT_FLOAT_EQ(layout.x_of(0), lane_label_width);
  EXPECT_FLOAT_EQ(layout.x_of(1'000'000'000), 1120.0f);
  EXPECT_NEAR(static_cast<double>(layout.t_of(layout.x_of(400'000'000))), 4e8, 1e6);
}

}  // namespace
}  // namespace troupe::viz
