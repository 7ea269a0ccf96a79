// Goal: zoomed out, the image that replaces thousands of arrows shows each merged arrow where
// the line would have been, drops as red crosses, and nothing elsewhere.
#include "overview_raster.hpp"

#include <gtest/gtest.h>

namespace troupe::viz {
namespace {

diagram_layout plot(float width, float height) {
  diagram_layout layout;
  layout.plot_left = 100;
  layout.plot_right = 100 + width;
  layout.lanes_top = 20;
  layout.bottom = 20 + height;
  return layout;
}

std::uint32_t alpha(std::uint32_t pixel) { return pixel >> 24; }

TEST(overview_raster, draws_arrows_where_lines_would_be) {
  const diagram_layout layout = plot(200, 100);
  diagram_scene scene;
  scene.merged = true;
  scene_arrow arrow;
  arrow.x0 = 110;  // image x 10
  arrow.y0 = 30;   // image y 10
  arrow.x1 = 110;
  arrow.y1 = 90;  // image y 70
  arrow.count = 256;
  scene.arrows.push_back(arrow);
  const overview_image image = rasterize_overview(scene, layout);
  ASSERT_EQ(image.width, 200);
  ASSERT_EQ(image.height, 100);
  for (int y = 10; y <= 70; ++y) EXPECT_EQ(alpha(image.pixels[y * 200 + 10]), 255u) << y;
  EXPECT_EQ(alpha(image.pixels[5 * 200 + 10]), 0u);
  EXPECT_EQ(alpha(image.pixels[40 * 200 + 50]), 0u);
  // Full opacity shows the type's own colour (palette entry 0: 102, 194, 165).
  EXPECT_EQ(image.pixels[40 * 200 + 10] & 0xFFFFFF, (165u << 16) | (194u << 8) | 102u);
}

TEST(overview_raster, drops_end_in_a_red_cross_and_far_arrows_are_clipped) {
  const diagram_layout layout = plot(50, 50);
  diagram_scene scene;
  scene_arrow dropped;
  dropped.x0 = 110;
  dropped.y0 = 30;
  dropped.x1 = 130;
  dropped.y1 = 40;
  dropped.status = trace_model::message_status::dropped;
  scene.arrows.push_back(dropped);
  scene_arrow far;  // from far left to far right, passing through
  far.x0 = -1e6f;
  far.y0 = 45;
  far.x1 = 1e6f;
  far.y1 = 45;
  scene.arrows.push_back(far);
  const overview_image image = rasterize_overview(scene, layout);
  const std::uint32_t corner = image.pixels[(20 - 2) * 50 + (30 - 2)];
  EXPECT_EQ(corner & 0xFFFFFF, (70u << 16) | (70u << 8) | 255u) << "red cross at the drop";
  EXPECT_EQ(image.pixels.size(), 2500u);
}

}  // namespace
}  // namespace troupe::viz
