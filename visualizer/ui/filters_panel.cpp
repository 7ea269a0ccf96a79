#include "filters_panel.hpp"

#include <imgui.h>

#include <string>

#include "colors.hpp"

namespace troupe::viz {

namespace {

bool checkbox_byte(const char* label, std::uint8_t& hidden) {
  bool shown = hidden == 0;
  if (!ImGui::Checkbox(label, &shown)) return false;
  hidden = shown ? 0 : 1;
  return true;
}

void lanes_section(const trace& t, viewer_state& state) {
  for (std::size_t position = 0; position < state.lane_order.size(); ++position) {
    const pod_index pod = state.lane_order[position];
    ImGui::PushID(static_cast<int>(pod));
    if (ImGui::ArrowButton("up", ImGuiDir_Up)) state.move_lane(position, -1);
    ImGui::SameLine(0, 2);
    if (ImGui::ArrowButton("down", ImGuiDir_Down)) state.move_lane(position, +1);
    ImGui::SameLine();
    if (checkbox_byte(std::string(t.pod_name(pod)).c_str(), state.filter.pod_hidden[pod])) {
      state.filter_changed();
    }
    ImGui::SameLine();
    bool expanded = state.pod_expanded[pod] != 0;
    if (ImGui::Checkbox("actors", &expanded)) {
      state.pod_expanded[pod] = expanded ? 1 : 0;
      ++state.lanes_generation;
    }
    ImGui::PopID();
  }
}

void kinds_section(viewer_state& state) {
  for (std::size_t k = 0; k + 1 < trace_model::event_kind_count; ++k) {
    const auto kind = static_cast<trace_model::event_kind>(k);
    if (checkbox_byte(std::string(to_string(kind)).c_str(), state.filter.kind_hidden[k])) {
      state.filter_changed();
    }
    if (k % 3 != 2) ImGui::SameLine(static_cast<float>((k % 3 + 1) * 85));
  }
  ImGui::NewLine();
}

void types_section(const trace& t, viewer_state& state) {
  for (std::size_t i = 0; i < t.message_types.size(); ++i) {
    const trace_model::string_id type = t.message_types[i];
    ImGui::PushStyleColor(ImGuiCol_Text, colors::message_color(static_cast<std::uint32_t>(i)));
    if (checkbox_byte(std::string(t.name(type)).c_str(), state.filter.type_hidden[type])) {
      state.filter_changed();
    }
    ImGui::PopStyleColor();
  }
}

}  // namespace

void draw_filters_panel(const trace& t, viewer_state& state) {
  if (ImGui::CollapsingHeader("Lanes", ImGuiTreeNodeFlags_DefaultOpen)) lanes_section(t, state);
  if (ImGui::CollapsingHeader("Event kinds", ImGuiTreeNodeFlags_DefaultOpen)) kinds_section(state);
  if (ImGui::CollapsingHeader("Message types", ImGuiTreeNodeFlags_DefaultOpen)) {
    types_section(t, state);
  }
  if (ImGui::CollapsingHeader("Actor", ImGuiTreeNodeFlags_DefaultOpen)) {
    ImGui::SetNextItemWidth(-1);
    if (ImGui::InputTextWithHint("##actor", "pod or actor path contains...",
                                 state.actor_text.data(), state.actor_text.size())) {
      state.filter.actor_contains = state.actor_text.data();
      state.filter_changed();
    }
  }
}

}  // namespace troupe::viz
