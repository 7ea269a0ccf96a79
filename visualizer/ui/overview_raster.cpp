#include "overview_raster.hpp"

#include <algorithm>
#include <cmath>

#include "colors.hpp"

namespace troupe::viz {

namespace {

class canvas {
 public:
  canvas(overview_image& image) : image_(image) {}

  // Composites `color` (straight alpha) over the pixel at (x, y), ignoring points outside.
  // Integer arithmetic: this runs for every pixel of thousands of lines.
  void blend(int x, int y, ImU32 color) {
    if (x < 0 || y < 0 || x >= image_.width || y >= image_.height) return;
    std::uint32_t& pixel = image_.pixels[static_cast<std::size_t>(y) * image_.width + x];
    const std::uint32_t a = color >> 24;
    const std::uint32_t below = pixel >> 24;
    if (below == 0 || a == 255) {
      pixel = color;
      return;
    }
    // Over a partly covered pixel: mix the colours by the new alpha, and add up coverage.
    std::uint32_t result = (a + below * (255 - a) / 255) << 24;
    for (int shift = 0; shift < 24; shift += 8) {
      const std::uint32_t source = (color >> shift) & 0xFF;
      const std::uint32_t destination = (pixel >> shift) & 0xFF;
      result |= ((source * a + destination * (255 - a)) / 255) << shift;
    }
    pixel = result;
  }

  void line(float x0, float y0, float x1, float y1, ImU32 color) {
    const float dx = x1 - x0;
    const float dy = y1 - y0;
    const int steps = std::max(1, static_cast<int>(std::ceil(std::max(std::fabs(dx), std::fabs(dy)))));
    // Far off-image arrows (long messages) are walked only inside a bounded range.
    const int step_max = 4 * (image_.width + image_.height);
    const float step_x = dx / static_cast<float>(steps);
    const float step_y = dy / static_cast<float>(steps);
    float x = x0;
    float y = y0;
    for (int k = 0; k <= std::min(steps, step_max); ++k, x += step_x, y += step_y) {
      blend(static_cast<int>(std::floor(x)), static_cast<int>(std::floor(y)), color);
    }
  }

  void square(float x, float y, int radius, ImU32 color) {
    const int cx = static_cast<int>(std::floor(x));
    const int cy = static_cast<int>(std::floor(y));
    for (int dy = -radius; dy <= radius; ++dy) {
      for (int dx = -radius; dx <= radius; ++dx) blend(cx + dx, cy + dy, color);
    }
  }

  void cross(float x, float y, int radius, ImU32 color) {
    const int cx = static_cast<int>(std::floor(x));
    const int cy = static_cast<int>(std::floor(y));
    for (int d = -radius; d <= radius; ++d) {
      blend(cx + d, cy + d, color);
      blend(cx + d, cy - d, color);
    }
  }

 private:
  overview_image& image_;
};

ImU32 with_alpha(ImU32 color, float alpha) {
  return (color & 0x00FFFFFF) | (static_cast<ImU32>(std::clamp(alpha, 0.0f, 1.0f) * 255) << 24);
}

}  // namespace

bool mark_drawn_on_top(const scene_mark& mark) {
  return mark.kind == trace_model::event_kind::fault || mark.kind == trace_model::event_kind::crash;
}

overview_image rasterize_overview(const diagram_scene& scene, const diagram_layout& layout) {
  overview_image image;
  image.width = std::clamp(static_cast<int>(std::ceil(layout.plot_right - layout.plot_left)), 1,
                           overview_side_max);
  image.height = std::clamp(static_cast<int>(std::ceil(layout.bottom - layout.lanes_top)), 1,
                            overview_side_max);
  image.pixels.assign(static_cast<std::size_t>(image.width) * image.height, 0);
  canvas paint(image);
  const float left = layout.plot_left;
  const float top = layout.lanes_top;
  for (const scene_arrow& arrow : scene.arrows) {
    // Opacity grows with the number of messages the arrow stands for.
    const float weight = std::min(1.0f, 0.3f + std::log2(static_cast<float>(arrow.count)) / 8);
    paint.line(arrow.x0 - left, arrow.y0 - top, arrow.x1 - left, arrow.y1 - top,
               with_alpha(colors::message_color(arrow.palette), weight));
  }
  for (const scene_arrow& arrow : scene.arrows) {
    if (arrow.status == trace_model::message_status::dropped) {
      paint.cross(arrow.x1 - left, arrow.y1 - top, 2, colors::drop_mark);
    }
  }
  for (const scene_mark& mark : scene.marks) {
    if (mark_drawn_on_top(mark) || mark.kind == trace_model::event_kind::drop) continue;
    const bool lifecycle = mark.kind == trace_model::event_kind::spawn ||
                           mark.kind == trace_model::event_kind::stop ||
                           mark.kind == trace_model::event_kind::restart;
    paint.square(mark.x - left, mark.y - top, lifecycle ? 2 : 1,
                 lifecycle ? colors::restart_mark : colors::ruler_text);
  }
  return image;
}

}  // namespace troupe::viz
