#pragma once
/// The viewer's colours, in one place so panels agree.

#include <imgui.h>

#include <cstdint>

namespace troupe::viz::colors {

inline constexpr ImU32 rgba(int r, int g, int b, int a = 255) {
  return IM_COL32(r, g, b, a);
}

inline constexpr ImU32 background = rgba(22, 24, 30);
inline constexpr ImU32 lane_alive = rgba(150, 155, 175);
inline constexpr ImU32 lane_down = rgba(210, 60, 60, 200);
inline constexpr ImU32 lane_paused = rgba(90, 140, 255, 200);
inline constexpr ImU32 lane_label = rgba(220, 220, 230);
inline constexpr ImU32 ruler_text = rgba(170, 170, 185);
inline constexpr ImU32 grid = rgba(60, 62, 75);
inline constexpr ImU32 cursor = rgba(255, 220, 60);
inline constexpr ImU32 partition_band = rgba(255, 60, 60, 60);
inline constexpr ImU32 partition_edge = rgba(255, 80, 80, 160);
inline constexpr ImU32 one_way_band = rgba(255, 150, 40, 60);
inline constexpr ImU32 drop_mark = rgba(255, 70, 70);
inline constexpr ImU32 kill_mark = rgba(255, 50, 50);
inline constexpr ImU32 restart_mark = rgba(80, 220, 110);
inline constexpr ImU32 stop_mark = rgba(170, 170, 170);
inline constexpr ImU32 skew_mark = rgba(255, 210, 60);
inline constexpr ImU32 scale_line = rgba(110, 190, 255, 200);
inline constexpr ImU32 failed_verdict = rgba(255, 60, 90);
inline constexpr ImU32 past = rgba(80, 160, 255);
inline constexpr ImU32 future = rgba(255, 150, 40);
inline constexpr ImU32 selected = rgba(255, 255, 255);
inline constexpr ImU32 unrelated_alpha_mask = 0x30FFFFFF;  // keeps rgb, alpha 0x30
inline constexpr ImU32 flight_outline = rgba(255, 255, 255);

/// Message type colours; type i uses message_palette[i % size].
inline constexpr ImU32 message_palette[] = {
    rgba(102, 194, 165), rgba(252, 141, 98), rgba(141, 160, 203), rgba(231, 138, 195),
    rgba(166, 216, 84),  rgba(255, 217, 47), rgba(229, 196, 148), rgba(120, 200, 240),
    rgba(200, 130, 255), rgba(240, 240, 240)};
inline constexpr std::size_t message_palette_size = sizeof message_palette / sizeof(ImU32);

inline ImU32 message_color(std::uint32_t palette) {
  return message_palette[palette % message_palette_size];
}

inline ImVec4 to_vec4(ImU32 color) { return ImGui::ColorConvertU32ToFloat4(color); }

}  // namespace troupe::viz::colors
