#include "space_time_panel.hpp"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iterator>
#include <string>

#include "colors.hpp"
#include "troupe/trace_model/duration.hpp"
#include "troupe/trace_model/exporters.hpp"

namespace troupe::viz {

using trace_model::event_kind;
using trace_model::fault_kind;
using trace_model::message_status;
using trace_model::no_index;

void update_space_time_cache(const trace& t, const viewer_state& state, space_time_cache& cache,
                             float left, float top, float right, float bottom) {
  if (cache.palette.empty()) cache.palette = type_palette(t);
  const bool same = cache.view == state.view && cache.left == left && cache.top == top &&
                    cache.right == right && cache.bottom == bottom &&
                    cache.filter_generation == state.filter_generation &&
                    cache.lanes_generation == state.lanes_generation &&
                    cache.selected_event == state.selected_event;
  if (!same) {
    cache.layout = compute_diagram_layout(t, state, left, top, right, bottom);
    // Small traces never merge, so they need no pyramid.
    const bool large = t.messages.size() > scene_detail_messages_max;
    if (large && cache.pyramid_filter_generation != state.filter_generation) {
      cache.pyramid = build_message_pyramid(t, state.filter);
      cache.pyramid_filter_generation = state.filter_generation;
    }
    cache.scene = build_scene(t, state, cache.layout, cache.palette, large ? &cache.pyramid : nullptr);
    cache.view = state.view;
    cache.left = left;
    cache.top = top;
    cache.right = right;
    cache.bottom = bottom;
    cache.filter_generation = state.filter_generation;
    cache.lanes_generation = state.lanes_generation;
    cache.selected_event = state.selected_event;
    ++cache.rebuilds;
  }
  cache.flights = build_flights(t, state, cache.layout, cache.palette);
}

namespace {

ImU32 tinted(ImU32 color, causal_tint tint) {
  switch (tint) {
    case causal_tint::none: return color;
    case causal_tint::past: return colors::past;
    case causal_tint::future: return colors::future;
    case causal_tint::selected: return colors::selected;
    case causal_tint::unrelated: return color & colors::unrelated_alpha_mask;
  }
  return color;
}

// A "nice" tick step (1, 2 or 5 times a power of ten nanoseconds) about `target` long.
std::int64_t tick_step(std::int64_t target) {
  std::int64_t step = 1;
  while (step * 10 <= target) step *= 10;
  if (step * 5 <= target) return step * 5;
  if (step * 2 <= target) return step * 2;
  return step;
}

// A tick label with just enough decimals to tell neighbouring ticks apart: "100 ms" for round
// ticks, "12.0002 s" when zoomed far into a long trace.
std::string tick_label(std::int64_t ns, std::int64_t step) {
  static constexpr struct {
    double scale;
    const char* unit;
  } units[] = {{1, "ns"}, {1e3, "us"}, {1e6, "ms"}, {1e9, "s"}};
  const double magnitude = std::max(std::fabs(static_cast<double>(ns)), static_cast<double>(step));
  std::size_t unit = 0;
  while (unit + 1 < std::size(units) && units[unit + 1].scale <= magnitude) ++unit;
  const int decimals = std::max(
      0, static_cast<int>(std::ceil(std::log10(units[unit].scale / static_cast<double>(step)) - 1e-9)));
  char buffer[48];
  std::snprintf(buffer, sizeof buffer, "%.*f %s", decimals,
                static_cast<double>(ns) / units[unit].scale, units[unit].unit);
  return buffer;
}

void draw_ruler(ImDrawList* draw, const diagram_layout& layout) {
  const float width = layout.plot_right - layout.plot_left;
  std::int64_t step =
      tick_step(std::max<std::int64_t>(1, static_cast<std::int64_t>(
                                              layout.view.span_ns() * (110.0 / width))));
  // Long labels ("12.0002 s") need wider ticks: take the next nice step until they fit.
  while (ImGui::CalcTextSize(tick_label(layout.view.t0_ns, step).c_str()).x + 16 >
         static_cast<float>(step * layout.pixels_per_ns)) {
    step = tick_step(step * 5 / 2);
  }
  std::int64_t tick = (layout.view.t0_ns / step) * step;
  for (; tick <= layout.view.t1_ns; tick += step) {
    const float x = layout.x_of(tick);
    if (x < layout.plot_left) continue;
    draw->AddLine({x, layout.top + ruler_height - 6}, {x, layout.bottom}, colors::grid);
    const std::string label = tick_label(tick, step);
    draw->AddText({x + 3, layout.top + 4}, colors::ruler_text, label.c_str());
  }
}

void draw_lanes(ImDrawList* draw, const diagram_scene& scene) {
  for (const scene_lane_span& span : scene.spans) {
    switch (span.style) {
      case span_style::alive:
        draw->AddLine({span.x0, span.y}, {span.x1, span.y}, colors::lane_alive, 1.0f);
        break;
      case span_style::down:
        // Dashes make a dead pod's lane obvious even in grey-scale.
        for (float x = span.x0; x < span.x1; x += 8) {
          draw->AddLine({x, span.y}, {std::min(x + 4, span.x1), span.y}, colors::lane_down, 3);
        }
        break;
      case span_style::paused:
        draw->AddRectFilled({span.x0, span.y - 3}, {span.x1, span.y + 3}, colors::lane_paused);
        break;
    }
  }
}

void draw_bands(ImDrawList* draw, const diagram_scene& scene) {
  for (const scene_band& band : scene.bands) {
    const ImU32 fill = band.one_way ? colors::one_way_band : colors::partition_band;
    draw->AddRectFilled({band.x0, band.y0}, {band.x1, band.y1}, fill);
    draw->AddRect({band.x0, band.y0}, {band.x1, band.y1}, colors::partition_edge);
  }
}

void draw_cross(ImDrawList* draw, ImVec2 at, float size, ImU32 color, float thickness) {
  draw->AddLine({at.x - size, at.y - size}, {at.x + size, at.y + size}, color, thickness);
  draw->AddLine({at.x - size, at.y + size}, {at.x + size, at.y - size}, color, thickness);
}

// Cuts the segment to x_min <= x <= x_max; false when nothing is left. Lines reaching far off
// screen (messages much longer than the view) would otherwise cost a software rasteriser
// their whole length.
bool clip_to_columns(ImVec2& from, ImVec2& to, float x_min, float x_max) {
  if ((from.x < x_min && to.x < x_min) || (from.x > x_max && to.x > x_max)) return false;
  const float dx = to.x - from.x;
  if (dx == 0) return true;
  const auto at = [&](float x) { return ImVec2{x, from.y + (to.y - from.y) * (x - from.x) / dx}; };
  const ImVec2 start = from.x < x_min ? at(x_min) : (from.x > x_max ? at(x_max) : from);
  const ImVec2 end = to.x > x_max ? at(x_max) : (to.x < x_min ? at(x_min) : to);
  from = start;
  to = end;
  return true;
}

void draw_arrows(ImDrawList* draw, const trace& t, const diagram_layout& layout,
                 const diagram_scene& scene) {
  const float x_min = layout.plot_left - 8;
  const float x_max = layout.plot_right + 8;
  const bool detailed = !scene.merged;
  // Thousands of merged arrows need no anti-aliasing, which would triple the pixels filled.
  const ImDrawListFlags saved_flags = draw->Flags;
  if (!detailed) draw->Flags &= ~ImDrawListFlags_AntiAliasedLines;
  for (const scene_arrow& arrow : scene.arrows) {
    ImU32 color = tinted(colors::message_color(arrow.palette), arrow.tint);
    // Whole-pixel widths: ImGui draws those as one textured quad, fractional ones as three
    // (a third of the frame time on llvmpipe).
    float thickness = arrow.tint == causal_tint::selected ? 3.0f : 1.0f;
    if (!detailed) {
      // Merged arrows: opacity grows with the number of messages they stand for. They stay
      // one pixel wide: a software rasteriser's frame time grows with the pixels filled.
      const float weight = std::min(1.0f, 0.25f + std::log2(static_cast<float>(arrow.count)) / 8);
      color = (color & 0x00FFFFFF) | (static_cast<ImU32>(weight * 255) << 24);
      thickness = 1.0f;
    }
    ImVec2 from{arrow.x0, arrow.y0};
    ImVec2 to{arrow.x1, arrow.y1};
    const bool end_visible = to.x <= x_max;
    if (!clip_to_columns(from, to, x_min, x_max)) continue;
    draw->AddLine(from, to, color, thickness);
    if (!end_visible) continue;
    if (arrow.status == message_status::dropped) {
      draw_cross(draw, to, 4, colors::drop_mark, 2);
      if (detailed && arrow.message != no_index) {
        const auto& m = t.messages[arrow.message];
        draw->AddText({to.x + 5, to.y - 14}, colors::drop_mark, std::string(t.name(m.drop_reason)).c_str());
      }
    } else if (detailed && arrow.status == message_status::delivered) {
      // Arrowhead along the arrow's direction.
      const float dx = to.x - from.x;
      const float dy = to.y - from.y;
      const float length = std::max(1.0f, std::sqrt(dx * dx + dy * dy));
      const float ux = dx / length;
      const float uy = dy / length;
      const ImVec2 base{to.x - ux * 7, to.y - uy * 7};
      draw->AddTriangleFilled(to, {base.x - uy * 3.5f, base.y + ux * 3.5f},
                              {base.x + uy * 3.5f, base.y - ux * 3.5f}, color);
    }
  }
  draw->Flags = saved_flags;
}

void draw_mark(ImDrawList* draw, const trace& t, const scene_mark& mark, bool detailed) {
  const ImVec2 at{mark.x, mark.y};
  const ImU32 tint = mark.tint == causal_tint::none ? 0 : tinted(colors::selected, mark.tint);
  auto pick = [&](ImU32 color) { return tint != 0 ? tint : color; };
  switch (mark.kind) {
    case event_kind::fault:
      switch (mark.fault) {
        case fault_kind::kill:
        case fault_kind::stop:
          draw_cross(draw, at, 7, pick(colors::kill_mark), 3);
          break;
        case fault_kind::restart:
          draw->AddTriangleFilled({at.x - 7, at.y + 7}, {at.x + 7, at.y + 7}, {at.x, at.y - 8},
                                  pick(colors::restart_mark));
          break;
        case fault_kind::skew: {
          draw->AddQuadFilled({at.x, at.y - 7}, {at.x + 7, at.y}, {at.x, at.y + 7}, {at.x - 7, at.y},
                              pick(colors::skew_mark));
          if (detailed) {
            const std::string label = "skew " + std::string(t.text(t.events[mark.event].text)).substr(5);
            draw->AddText({at.x + 9, at.y - 18}, colors::skew_mark, label.c_str());
          }
          break;
        }
        default:
          draw->AddCircleFilled(at, 5, pick(colors::lane_paused));
      }
      break;
    case event_kind::crash:
      draw->AddCircleFilled(at, 5, pick(colors::kill_mark));
      break;
    case event_kind::restart:
      draw->AddCircle(at, 6, pick(colors::restart_mark), 0, 2);
      break;
    case event_kind::stop:
      draw->AddRectFilled({at.x - 4, at.y - 4}, {at.x + 4, at.y + 4}, pick(colors::stop_mark));
      break;
    case event_kind::spawn:
      draw->AddCircleFilled(at, 3.5f, pick(colors::restart_mark));
      break;
    case event_kind::drop:
      break;  // drawn at the end of its arrow
    default:
      draw->AddCircleFilled(at, 2.5f, pick(colors::ruler_text));
  }
}

void draw_vlines(ImDrawList* draw, const diagram_layout& layout, const diagram_scene& scene) {
  float label_row = 0;
  for (const scene_vline& line : scene.vlines) {
    const ImU32 color = line.kind == vline_kind::scale ? colors::scale_line : colors::failed_verdict;
    for (float y = layout.lanes_top; y < layout.bottom; y += 10) {
      draw->AddLine({line.x, y}, {line.x, std::min(y + 6, layout.bottom)}, color, 2.0f);
    }
    // Labels of neighbouring lines go on alternating rows so they do not overlap.
    draw->AddText({line.x + 4, layout.lanes_top + 2 + label_row * 14}, color, line.label.c_str());
    label_row = label_row >= 2 ? 0 : label_row + 1;
  }
}

void draw_cursor_and_flights(ImDrawList* draw, const diagram_layout& layout,
                             const space_time_cache& cache, std::int64_t cursor_ns) {
  const float x = layout.x_of(cursor_ns);
  if (x >= layout.plot_left && x <= layout.plot_right) {
    draw->AddLine({x, layout.top}, {x, layout.bottom}, colors::cursor, 2);
    draw->AddTriangleFilled({x - 6, layout.top}, {x + 6, layout.top}, {x, layout.top + 9},
                            colors::cursor);
  }
  for (const scene_flight& flight : cache.flights) {
    draw->AddCircleFilled({flight.x, flight.y}, 6, colors::message_color(flight.palette));
    draw->AddCircle({flight.x, flight.y}, 6, colors::flight_outline, 0, 2.0f);
  }
}

struct overview_image_size {
  float width;
  float height;
};

// The on-screen size of the image rasterize_overview makes for this layout.
overview_image_size overview_size(const diagram_layout& layout) {
  return {std::ceil(layout.plot_right - layout.plot_left), std::ceil(layout.bottom - layout.lanes_top)};
}

void handle_input(const trace& t, viewer_state& state, space_time_cache& cache) {
  const ImGuiIO& io = ImGui::GetIO();
  const diagram_layout& layout = cache.layout;
  const ImVec2 mouse = io.MousePos;
  const float width = std::max(1.0f, layout.plot_right - layout.plot_left);
  if (ImGui::IsItemActivated()) {
    cache.dragging_cursor = mouse.y < layout.lanes_top;
    cache.drag_distance = 0;
  }
  if (ImGui::IsItemActive()) {
    cache.drag_distance += std::fabs(io.MouseDelta.x) + std::fabs(io.MouseDelta.y);
    if (cache.dragging_cursor) {
      state.cursor_ns = std::clamp(layout.t_of(mouse.x), t.start_ns, t.end_ns);
    } else if (io.MouseDelta.x != 0) {
      state.pan(-static_cast<std::int64_t>(io.MouseDelta.x / width * state.view.span_ns()));
    }
  }
  if (ImGui::IsItemDeactivated() && !cache.dragging_cursor && cache.drag_distance < 4) {
    const std::uint32_t picked = pick_event(t, cache.scene, mouse.x, mouse.y, 8);
    if (picked != no_index) {
      state.select_event(t, picked);
    } else {
      state.clear_selection();
    }
  }
  if (ImGui::IsItemHovered()) {
    if (io.MouseWheel != 0) {
      state.zoom_around(layout.t_of(mouse.x), std::pow(0.8, io.MouseWheel));
    }
    const std::uint32_t hovered = pick_event(t, cache.scene, mouse.x, mouse.y, 6);
    if (hovered != no_index && !ImGui::IsItemActive()) {
      const auto& e = t.events[hovered];
      ImGui::SetTooltip("%s\nt = %s   seq %u", trace_model::describe_event(t, hovered).c_str(),
                        trace_model::format_duration(e.t_ns).c_str(), e.seq);
    }
  }
}

}  // namespace

void draw_space_time_panel(const trace& t, viewer_state& state, space_time_cache& cache) {
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  const ImVec2 size = ImGui::GetContentRegionAvail();
  if (size.x < 50 || size.y < 50) return;
  update_space_time_cache(t, state, cache, origin.x, origin.y, origin.x + size.x,
                          origin.y + size.y);
  ImGui::InvisibleButton("diagram", size);
  handle_input(t, state, cache);
  // Input may have moved the view or the selection: rebuild before painting.
  update_space_time_cache(t, state, cache, origin.x, origin.y, origin.x + size.x,
                          origin.y + size.y);

  const diagram_layout& layout = cache.layout;
  ImDrawList* draw = ImGui::GetWindowDrawList();
  draw->PushClipRect({layout.left, layout.top}, {layout.right, layout.bottom}, true);
  draw_ruler(draw, layout);
  draw->PushClipRect({layout.plot_left - 4, layout.top}, {layout.plot_right + 4, layout.bottom}, true);
  draw_bands(draw, cache.scene);
  draw_lanes(draw, cache.scene);
  if (cache.scene.merged && cache.upload) {
    // Zoomed out: the arrows and small marks come as one image, rebuilt with the scene.
    if (cache.overview_rebuild != cache.rebuilds) {
      cache.overview_texture = cache.upload(cache.overview_texture,
                                            rasterize_overview(cache.scene, layout));
      cache.overview_rebuild = cache.rebuilds;
    }
    const overview_image_size size = overview_size(layout);
    draw->AddImage(cache.overview_texture, {layout.plot_left, layout.lanes_top},
                   {layout.plot_left + size.width, layout.lanes_top + size.height});
    for (const scene_mark& mark : cache.scene.marks) {
      if (mark_drawn_on_top(mark)) draw_mark(draw, t, mark, false);
    }
  } else {
    draw_arrows(draw, t, layout, cache.scene);
    for (const scene_mark& mark : cache.scene.marks) draw_mark(draw, t, mark, !cache.scene.merged);
  }
  draw_vlines(draw, layout, cache.scene);
  draw_cursor_and_flights(draw, layout, cache, state.cursor_ns);
  draw->PopClipRect();
  // Lane labels are drawn outside the plot clip.
  for (const lane_layout& lane : layout.lanes) {
    const ImU32 color = lane.actor == no_index ? colors::lane_label : colors::ruler_text;
    draw->AddText({layout.left + 6, lane.y - 7}, color, lane.label.c_str());
  }
  if (cache.scene.merged) {
    const std::string note = std::to_string(cache.scene.visible_messages) +
                             " messages in view (merged; zoom in for detail)";
    draw->AddText({layout.plot_right - 8 - ImGui::CalcTextSize(note.c_str()).x, layout.bottom - 18},
                  colors::ruler_text, note.c_str());
  }
  draw->PopClipRect();
}

}  // namespace troupe::viz
