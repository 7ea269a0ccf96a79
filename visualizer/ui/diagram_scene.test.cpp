// Goal: the scene a frame draws holds an arrow per message, a band where a partition cuts
// lanes apart, dots for messages in flight at the cursor, and stays bounded with huge traces.
#include "diagram_scene.hpp"

#include <gtest/gtest.h>

#include "ui_test_traces.hpp"

namespace troupe::viz {
namespace {

struct fixture {
  std::unique_ptr<trace_model::trace> t = testing::load_small_trace();
  viewer_state state{*t};
  std::vector<std::uint32_t> palette = type_palette(*t);
  diagram_layout layout() const { return compute_diagram_layout(*t, state, 0, 0, 1200, 400); }
};

TEST(diagram_scene, one_arrow_per_message_in_detail) {
  fixture f;
  const auto layout = f.layout();
  const auto scene = build_scene(*f.t, f.state, layout, f.palette);
  EXPECT_FALSE(scene.merged);
  EXPECT_EQ(scene.arrows.size(), f.t->messages.size());
  std::size_t dropped = 0;
  for (const auto& arrow : scene.arrows) {
    dropped += arrow.status == trace_model::message_status::dropped ? 1 : 0;
  }
  EXPECT_EQ(dropped, 2u);
  EXPECT_EQ(scene.vlines.size(), 3u) << "two scale events and the failed verdict";
}

TEST(diagram_scene, partition_band_lies_between_the_cut_lanes) {
  fixture f;
  const auto layout = f.layout();
  const auto scene = build_scene(*f.t, f.state, layout, f.palette);
  // Groups [kv-0] | [kv-1 kv-2]: one band, between the kv-0 and kv-1 lanes, 100ms..300ms.
  ASSERT_EQ(scene.bands.size(), 1u);
  EXPECT_GT(scene.bands[0].y0, layout.lanes[0].y);
  EXPECT_LT(scene.bands[0].y1, layout.lanes[1].y);
  EXPECT_NEAR(scene.bands[0].x0, layout.x_of(100'000'000), 0.5);
  EXPECT_NEAR(scene.bands[0].x1, layout.x_of(300'000'000), 0.5);
}

TEST(diagram_scene, flights_move_along_their_arrow_with_the_cursor) {
  fixture f;
  const auto layout = f.layout();
  f.state.cursor_ns = 200'000'000;  // the slow replicate kv-1 -> kv-2, 150ms..350ms
  const auto early = build_flights(*f.t, f.state, layout, f.palette);
  f.state.cursor_ns = 300'000'000;
  const auto late = build_flights(*f.t, f.state, layout, f.palette);
  ASSERT_EQ(early.size(), 1u);
  ASSERT_EQ(late.size(), 1u);
  EXPECT_NEAR(early[0].y, layout.lanes[1].y + 0.25f * (layout.lanes[2].y - layout.lanes[1].y), 0.5);
  EXPECT_NEAR(late[0].y, layout.lanes[1].y + 0.75f * (layout.lanes[2].y - layout.lanes[1].y), 0.5);
  EXPECT_GT(late[0].x, early[0].x);
}

TEST(diagram_scene, selection_tints_causal_past_and_future) {
  fixture f;
  f.state.select_event(*f.t, 20);  // delivery of the slow replicate on kv-2
  const auto scene = build_scene(*f.t, f.state, f.layout(), f.palette);
  for (const auto& arrow : scene.arrows) {
    const auto& m = f.t->messages[arrow.message];
    if (m.message_id == 6) {
      EXPECT_EQ(arrow.tint, causal_tint::selected);
    } else if (m.message_id == 1) {
      EXPECT_EQ(arrow.tint, causal_tint::past);
    } else if (m.message_id == 9) {
      EXPECT_EQ(arrow.tint, causal_tint::unrelated);
    }
  }
}

TEST(diagram_scene, picking_finds_the_event_under_the_pointer) {
  fixture f;
  const auto layout = f.layout();
  const auto scene = build_scene(*f.t, f.state, layout, f.palette);
  // The slow replicate's send at 150ms on kv-1.
  const float x = layout.x_of(150'000'000);
  EXPECT_EQ(pick_event(*f.t, scene, x + 2, layout.lanes[1].y - 2, 6), 17u);
  EXPECT_EQ(pick_event(*f.t, scene, x, layout.lanes[1].y + 100, 6), trace_model::no_index);
}

TEST(diagram_scene, many_messages_are_merged_within_budget) {
  std::string text =
      R"({"format":"troupe-trace","version":1,"seed":1,"scenario":"s","build":"b","platform":"simnet","pods":["a","b","c"]})"
      "\n";
  const char* pods[] = {"a", "b", "c"};
  int seq = 0;
  for (int i = 0; i < 20000; ++i) {
    const std::string from = pods[i % 3];
    const std::string to = pods[(i + 1) % 3];
    text += "{\"seq\":" + std::to_string(seq++) + ",\"t\":" + std::to_string(i * 1000) +
            ",\"ev\":\"send\",\"pod\":\"" + from + "\",\"id\":" + std::to_string(i) +
            ",\"from\":\"/x\",\"to_pod\":\"" + to + "\",\"to\":\"/x\",\"type\":\"m\"}\n";
    text += "{\"seq\":" + std::to_string(seq++) + ",\"t\":" + std::to_string(i * 1000 + 500) +
            ",\"ev\":\"deliver\",\"pod\":\"" + to + "\",\"id\":" + std::to_string(i) +
            ",\"to\":\"/x\",\"type\":\"m\"}\n";
  }
  auto loaded = trace_model::load_trace_text(text);
  ASSERT_TRUE(loaded.ok()) << loaded.error().describe();
  const auto& t = loaded.value();
  viewer_state state(t);
  const auto layout = compute_diagram_layout(t, state, 0, 0, 1200, 400);
  const auto scene = build_scene(t, state, layout, type_palette(t));
  EXPECT_TRUE(scene.merged);
  EXPECT_EQ(scene.visible_messages, 20000u);
  EXPECT_LE(scene.arrows.size(), scene_merged_arrows_max);
  std::size_t represented = 0;
  for (const auto& arrow : scene.arrows) represented += arrow.count;
  EXPECT_EQ(represented, 20000u) << "merging loses no message";
  // Zoomed in to 1% of the trace: detail again, only the messages in view.
  state.view = {0, 200'000};
  const auto zoomed = compute_diagram_layout(t, state, 0, 0, 1200, 400);
  const auto detail = build_scene(t, state, zoomed, type_palette(t));
  EXPECT_FALSE(detail.merged);
  EXPECT_EQ(detail.visible_messages, 201u);
}

}  // namespace
}  // namespace troupe::viz
