// Goal: the zoomed-out diagram built from pre-counted bins shows the same messages as the one
// built message by message: every level counts every visible message once, in send order.
#include "message_pyramid.hpp"

#include <gtest/gtest.h>

#include "diagram_scene.hpp"
#include "troupe/trace_model/loader.hpp"
#include "ui_test_traces.hpp"

namespace troupe::viz {
namespace {

std::unique_ptr<trace_model::trace> busy_trace(int messages) {
  std::string text =
      R"({"format":"troupe-trace","version":1,"seed":1,"scenario":"s","build":"b","platform":"simnet","pods":["a","b","c"]})"
      "\n";
  const char* pods[] = {"a", "b", "c"};
  int seq = 0;
  for (int i = 0; i < messages; ++i) {
    const std::string to = pods[(i + 1) % 3];
    text += "{\"seq\":" + std::to_string(seq++) + ",\"t\":" + std::to_string(i * 1000) +
            ",\"ev\":\"send\",\"pod\":\"" + pods[i % 3] + "\",\"id\":" + std::to_string(i) +
            ",\"from\":\"/x\",\"to_pod\":\"" + to + "\",\"to\":\"/x\",\"type\":\"m\"}\n";
    const char* kind = i % 10 == 0 ? "drop" : "deliver";
    text += "{\"seq\":" + std::to_string(seq++) + ",\"t\":" + std::to_string(i * 1000 + 500) +
            ",\"ev\":\"" + kind + "\",\"pod\":\"" + to + "\",\"id\":" + std::to_string(i) +
            ",\"to\":\"/x\",\"type\":\"m\",\"reason\":\"loss\"}\n";
  }
  auto loaded = trace_model::load_trace_text(text);
  if (!loaded.ok()) throw std::runtime_error(loaded.error().describe());
  return loaded.take();
}

TEST(message_pyramid, every_level_counts_every_visible_message_in_order) {
  const auto t = busy_trace(20000);
  trace_model::trace_filter filter;
  const message_pyramid pyramid = build_message_pyramid(*t, filter);
  ASSERT_GT(pyramid.levels.size(), 3u);
  for (const auto& level : pyramid.levels) {
    std::uint64_t count = 0;
    for (std::size_t i = 0; i < level.size(); ++i) {
      count += level[i].count;
      if (i > 0) {
        EXPECT_LE(level[i - 1].send_bin, level[i].send_bin);
      }
    }
    EXPECT_EQ(count, 20000u);
  }
  EXPECT_LT(pyramid.levels.back().size(), pyramid.levels.front().size());
  filter.pod_hidden = {0, 0, 1};  // hides messages to or from c: two thirds
  EXPECT_EQ(build_message_pyramid(*t, filter).message_count(), 6667u);
}

TEST(message_pyramid, zoomed_out_scene_from_bins_matches_the_message_walk) {
  const auto t = busy_trace(20000);
  viewer_state state(*t);
  const auto palette = type_palette(*t);
  const auto layout = compute_diagram_layout(*t, state, 0, 0, 1200, 400);
  const message_pyramid pyramid = build_message_pyramid(*t, state.filter);
  const diagram_scene walked = build_scene(*t, state, layout, palette);
  const diagram_scene binned = build_scene(*t, state, layout, palette, &pyramid);
  ASSERT_TRUE(binned.merged);
  EXPECT_EQ(binned.visible_messages, walked.visible_messages);
  std::size_t represented = 0;
  bool any_drop = false;
  for (const auto& arrow : binned.arrows) {
    represented += arrow.count;
    any_drop = any_drop || arrow.status == trace_model::message_status::dropped;
  }
  EXPECT_EQ(represented, 20000u);
  EXPECT_TRUE(any_drop);
  EXPECT_LE(binned.arrows.size(), scene_merged_arrows_max * 2);
  // Zoomed in far enough, the pyramid is not used: every message is its own arrow.
  state.view = {0, 200'000};
  const auto zoomed = compute_diagram_layout(*t, state, 0, 0, 1200, 400);
  const diagram_scene detail = build_scene(*t, state, zoomed, palette, &pyramid);
  EXPECT_FALSE(detail.merged);
  EXPECT_EQ(detail.arrows.size(), 201u);
}

}  // namespace
}  // namespace troupe::viz
