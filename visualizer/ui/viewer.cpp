#include "viewer.hpp"

#include <imgui.h>

#include <algorithm>

#include "colors.hpp"
#include "details_panel.hpp"
#include "filters_panel.hpp"
#include "playback_panel.hpp"
#include "verdicts_panel.hpp"

namespace troupe::viz {

namespace {

// Tiles draw no background: the app clears the frame to colors::background, and a software
// rasteriser (llvmpipe) then shades only what the panels actually draw, not every pixel twice.
constexpr ImGuiWindowFlags tile_flags =
    ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoCollapse |
    ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoBringToFrontOnFocus |
    ImGuiWindowFlags_NoBackground;

bool begin_tile(const char* name, float x, float y, float w, float h,
                ImGuiWindowFlags extra = 0) {
  ImGui::SetNextWindowPos({x, y}, ImGuiCond_Always);
  ImGui::SetNextWindowSize({w, h}, ImGuiCond_Always);
  return ImGui::Begin(name, nullptr, tile_flags | extra);
}

}  // namespace

void draw_viewer(const trace& t, viewer_state& state, viewer_caches& caches, float width,
                 float height, double wall_seconds) {
  if (state.playing) state.advance(t, wall_seconds);
  handle_playback_keys(t, state);

  const float bar = 64;
  const float side = std::min(280.0f, width * 0.25f);
  const float main_width = width - side;
  const float diagram_height = (height - bar) * 0.62f;
  const float bottom_y = bar + diagram_height;
  const float bottom_height = height - bottom_y;
  const float tabs_width = main_width * 0.64f;

  if (begin_tile("Playback", 0, 0, width, bar, ImGuiWindowFlags_NoTitleBar)) {
    draw_playback_panel(t, state);
  }
  ImGui::End();
  if (begin_tile("Filters", 0, bar, side, height - bar)) draw_filters_panel(t, state);
  ImGui::End();
  ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, {0, 0});
  if (begin_tile("Space-time diagram", side, bar, main_width, diagram_height,
                 ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse)) {
    draw_space_time_panel(t, state, caches.diagram);
  }
  ImGui::End();
  ImGui::PopStyleVar();
  if (begin_tile("Messages, statistics, verdicts", side, bottom_y, tabs_width, bottom_height)) {
    if (ImGui::BeginTabBar("tabs")) {
      if (ImGui::BeginTabItem("Messages")) {
        draw_message_table_panel(t, state, caches.table);
        ImGui::EndTabItem();
      }
      if (ImGui::BeginTabItem("Statistics")) {
        draw_stats_panel(t, state, caches.stats);
        ImGui::EndTabItem();
      }
      if (ImGui::BeginTabItem("Verdicts")) {
        draw_verdicts_panel(t, state);
        ImGui::EndTabItem();
      }
      ImGui::EndTabBar();
    }
  }
  ImGui::End();
  if (begin_tile("Details", side + tabs_width, bottom_y, main_width - tabs_width, bottom_height)) {
    draw_details_panel(t, state);
  }
  ImGui::End();
}

void draw_load_error(const std::string& path, const std::string& message, float width,
                     float height) {
  const float w = std::min(700.0f, width - 40);
  ImGui::SetNextWindowPos({(width - w) / 2, height / 3}, ImGuiCond_Always);
  ImGui::SetNextWindowSize({w, 0}, ImGuiCond_Always);
  ImGui::Begin("Cannot open trace", nullptr,
               ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoCollapse |
                   ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoResize);
  ImGui::TextUnformatted(path.c_str());
  ImGui::Separator();
  ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1.0f, 0.45f, 0.45f, 1.0f));
  ImGui::TextWrapped("%s", message.c_str());
  ImGui::PopStyleColor();
  ImGui::Spacing();
  ImGui::TextDisabled("Close the window to quit.");
  ImGui::End();
}

}  // namespace troupe::viz
