// Goal: zoom keeps the point under the mouse still, stepping walks visible events, and
// playback stops at the end of the trace.
#include "viewer_state.hpp"

#include <gtest/gtest.h>

#include "ui_test_traces.hpp"

namespace troupe::viz {
namespace {

TEST(viewer_state, zoom_keeps_the_anchor_in_place) {
  const auto t = testing::load_small_trace();
  viewer_state state(*t);
  state.view = {0, 1'000'000'000};
  state.zoom_around(250'000'000, 0.5);
  EXPECT_EQ(state.view.t0_ns, 125'000'000);
  EXPECT_EQ(state.view.t1_ns, 625'000'000);
  state.zoom_around(0, 1e-12);
  EXPECT_GE(state.view.span_ns(), view_span_ns_min);
}

TEST(viewer_state, stepping_selects_visible_events_in_order) {
  const auto t = testing::load_small_trace();
  viewer_state state(*t);
  state.filter.kind_hidden[static_cast<std::size_t>(trace_model::event_kind::spawn)] = 1;
  state.step(*t, +1);
  EXPECT_EQ(state.selected_event, 3u) << "spawns hidden, first is the client's send";
  EXPECT_EQ(state.cursor_ns, 1'000'000);
  state.step(*t, +1);
  EXPECT_EQ(state.selected_event, 4u);
  state.step(*t, -1);
  EXPECT_EQ(state.selected_event, 3u);
}

TEST(viewer_state, playback_advances_and_stops_at_the_end) {
  const auto t = testing::load_small_trace();
  viewer_state state(*t);
  state.playing = true;
  state.speed = 0.1;  // 100ms of trace per wall second
  state.advance(*t, 2.0);
  EXPECT_EQ(state.cursor_ns, 200'000'000);
  state.advance(*t, 100.0);
  EXPECT_EQ(state.cursor_ns, t->end_ns);
  EXPECT_FALSE(state.playing);
}

}  // namespace
}  // namespace troupe::viz
