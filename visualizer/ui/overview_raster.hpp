#pragma once
/// Software rendering of a merged (zoomed-out) scene into one image.
///
/// A software OpenGL (llvmpipe) spends microseconds per thin line, so thousands of merged
/// arrows would cost tens of milliseconds every frame. Drawing them once into an image when the
/// scene changes, and the image as one quad per frame, keeps frames cheap. Pure C++, no ImGui
/// calls; UI thread only.

#include <cstdint>
#include <vector>

#include "diagram_scene.hpp"

namespace troupe::viz {

/// RGBA pixels, 8 bits per channel, rows top to bottom (ImU32 / IM_COL32 layout).
struct overview_image {
  int width = 0;
  int height = 0;
  std::vector<std::uint32_t> pixels;
};

/// Bound on either side of the image, in pixels.
inline constexpr int overview_side_max = 8192;

/// Marks drawn by the panel itself, above the image (faults and crashes: few and important).
[[nodiscard]] bool mark_drawn_on_top(const scene_mark& mark);

/// Rasterises the arrows (with drop crosses) and the other marks of `scene` into an image
/// covering the plot area of `layout`: pixel (0, 0) is at (plot_left, lanes_top).
[[nodiscard]] overview_image rasterize_overview(const diagram_scene& scene,
                                                const diagram_layout& layout);

}  // namespace troupe::viz
