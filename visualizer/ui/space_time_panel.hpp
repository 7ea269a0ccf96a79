#pragma once
/// The space-time diagram: one lane per pod (or actor), time left to right, messages as
/// arrows, faults, drops and verdicts as marks, the cursor with messages in flight.
/// Mouse: wheel zooms around the pointer, drag pans, drag in the ruler moves the cursor,
/// click selects the nearest event. UI thread only.

#include <imgui.h>

#include <cstdint>
#include <functional>
#include <vector>

#include "diagram_scene.hpp"
#include "overview_raster.hpp"

namespace troupe::viz {

/// Keeps the last scene so frames that change nothing but the cursor do not rebuild it.
struct space_time_cache {
  diagram_layout layout;
  diagram_scene scene;
  std::vector<scene_flight> flights;
  std::vector<std::uint32_t> palette;
  // What the cached scene was built from.
  time_window view;
  float left = -1, top = -1, right = -1, bottom = -1;
  std::uint64_t filter_generation = ~0ull;
  std::uint64_t lanes_generation = ~0ull;
  std::uint32_t selected_event = ~0u;
  std::uint64_t rebuilds = 0;
  /// Pre-counted messages for zoomed-out views, rebuilt when the filter changes.
  message_pyramid pyramid;
  std::uint64_t pyramid_filter_generation = ~0ull;
  /// Uploads an image as a texture (replacing `previous` when not null) and returns it. Set
  /// by the app, which owns the graphics API; without it, merged scenes are drawn as lines.
  std::function<ImTextureID(ImTextureID previous, const overview_image& image)> upload;
  ImTextureID overview_texture = nullptr;
  std::uint64_t overview_rebuild = ~0ull;  ///< the `rebuilds` value the texture shows
  bool dragging_cursor = false;
  float drag_distance = 0;
};

/// Draws the diagram into the current ImGui window's remaining content region.
void draw_space_time_panel(const trace& t, viewer_state& state, space_time_cache& cache);

/// Recomputes the layout and (if anything changed) the scene for the given diagram area.
/// Separate from drawing so screenshot runs and tests can inspect what a frame shows.
void update_space_time_cache(const trace& t, const viewer_state& state, space_time_cache& cache,
                             float left, float top, float right, float bottom);

}  // namespace troupe::viz
