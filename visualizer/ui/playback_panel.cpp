#include "playback_panel.hpp"

#include <imgui.h>

#include <string>

#include "troupe/trace_model/duration.hpp"
#include "verdicts_panel.hpp"

namespace troupe::viz {

void handle_playback_keys(const trace& t, viewer_state& state) {
  const ImGuiIO& io = ImGui::GetIO();
  if (io.WantTextInput) return;
  if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Space), false)) state.playing = !state.playing;
  if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_RightArrow))) state.step(t, +1);
  if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_LeftArrow))) state.step(t, -1);
  if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Home), false)) state.cursor_ns = t.start_ns;
  if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_End), false)) state.cursor_ns = t.end_ns;
  for (const ImWchar c : io.InputQueueCharacters) {
    if (c == 'f' || c == 'F') state.fit_all(t);
    if (c == '+' || c == '=') state.zoom_around(state.cursor_ns, 0.5);
    if (c == '-' || c == '_') state.zoom_around(state.cursor_ns, 2.0);
  }
}

void draw_playback_panel(const trace& t, viewer_state& state) {
  if (ImGui::Button("|<")) state.cursor_ns = t.start_ns;
  ImGui::SameLine();
  if (ImGui::Button("< prev")) state.step(t, -1);
  ImGui::SameLine();
  if (ImGui::Button(state.playing ? "Pause" : "Play", {60, 0})) {
    if (!state.playing && state.cursor_ns >= t.end_ns) state.cursor_ns = t.start_ns;
    state.playing = !state.playing;
  }
  ImGui::SameLine();
  if (ImGui::Button("next >")) state.step(t, +1);
  ImGui::SameLine();
  if (ImGui::Button(">|")) state.cursor_ns = t.end_ns;
  ImGui::SameLine();
  ImGui::SetNextItemWidth(150);
  float speed = static_cast<float>(state.speed);
  if (ImGui::SliderFloat("speed", &speed, 1e-6f, 100.0f, "%.6f x", ImGuiSliderFlags_Logarithmic)) {
    state.speed = speed;
  }
  ImGui::SameLine();
  if (ImGui::Button("Fit (F)")) state.fit_all(t);
  ImGui::SameLine();
  ImGui::Text("cursor %s", trace_model::format_duration(state.cursor_ns).c_str());
  ImGui::SameLine();
  ImGui::TextDisabled("view %s", trace_model::format_duration(state.view.span_ns()).c_str());

  ImGui::SetNextItemWidth(260);
  if (ImGui::InputTextWithHint("##search", "search type, summary, actor, id...",
                               state.search_text.data(), state.search_text.size())) {
    state.filter.search = state.search_text.data();
    state.filter_changed();
  }
  ImGui::SameLine();
  ImGui::TextDisabled("%s  seed %llu  %s  %zu events", t.header.scenario.c_str(),
                      static_cast<unsigned long long>(t.header.seed), t.header.platform.c_str(),
                      t.events.size());
  for (std::size_t i = 0; i < t.verdicts.size(); ++i) {
    if (t.verdicts[i].ok) continue;
    ImGui::SameLine();
    ImGui::PushID(static_cast<int>(i));
    ImGui::PushStyleColor(ImGuiCol_Button, ImVec4(0.7f, 0.15f, 0.2f, 1.0f));
    const std::string label = std::string(t.name(t.verdicts[i].property)) + " FAILED: jump";
    if (ImGui::SmallButton(label.c_str())) jump_to_verdict(t, state, i);
    ImGui::PopStyleColor();
    ImGui::PopID();
  }
}

}  // namespace troupe::viz
