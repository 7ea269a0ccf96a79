#pragma once
/// The whole viewer: tiles the panels over the window and runs playback. The app calls
/// draw_viewer once per frame between ImGui::NewFrame() and ImGui::Render(). UI thread only.

#include <string>

#include "message_table_panel.hpp"
#include "space_time_panel.hpp"
#include "stats_panel.hpp"
#include "viewer_state.hpp"

namespace troupe::viz {

struct viewer_caches {
  space_time_cache diagram;
  message_table_cache table;
  stats_cache stats;
};

/// Draws one frame filling `width` x `height` pixels over a frame cleared to
/// colors::background (the diagram draws no background of its own). `wall_seconds` is the
/// time since the previous frame (advances playback).
void draw_viewer(const trace& t, viewer_state& state, viewer_caches& caches, float width,
                 float height, double wall_seconds);

/// Draws a centred error window for a trace that could not be opened.
void draw_load_error(const std::string& path, const std::string& message, float width,
                     float height);

}  // namespace troupe::viz
