#include "verdicts_panel.hpp"

#include <imgui.h>

#include <string>

#include "troupe/trace_model/duration.hpp"

namespace troupe::viz {

void jump_to_verdict(const trace& t, viewer_state& state, std::size_t index) {
  const trace_model::verdict_info& verdict = t.verdicts[index];
  const std::uint32_t target =
      verdict.at_event != trace_model::no_index ? verdict.at_event : verdict.event;
  state.select_event(t, target);
  // Show a tenth of the trace around the failure, enough to see its causes.
  const std::int64_t span = std::max<std::int64_t>(view_span_ns_min, (t.end_ns - t.start_ns) / 10);
  state.view = {t.events[target].t_ns - span / 2, t.events[target].t_ns - span / 2 + span};
}

void draw_verdicts_panel(const trace& t, viewer_state& state) {
  if (t.verdicts.empty()) {
    ImGui::TextDisabled("This trace has no property verdicts.");
    return;
  }
  for (std::size_t i = 0; i < t.verdicts.size(); ++i) {
    const auto& verdict = t.verdicts[i];
    ImGui::PushID(static_cast<int>(i));
    if (verdict.ok) {
      ImGui::TextColored({0.4f, 0.9f, 0.5f, 1.0f}, "HOLDS");
    } else {
      ImGui::TextColored({1.0f, 0.3f, 0.35f, 1.0f}, "FAILED");
    }
    ImGui::SameLine();
    ImGui::TextUnformatted(std::string(t.name(verdict.property)).c_str());
    if (!verdict.ok) {
      ImGui::SameLine();
      const std::string button = verdict.at_seq >= 0
                                     ? "Jump to seq " + std::to_string(verdict.at_seq)
                                     : std::string("Jump to verdict");
      if (ImGui::SmallButton(button.c_str())) jump_to_verdict(t, state, i);
    }
    const std::string_view message = t.text(verdict.message);
    if (!message.empty()) {
      ImGui::Indent();
      ImGui::TextWrapped("%s", std::string(message).c_str());
      ImGui::Unindent();
    }
    ImGui::PopID();
  }
}

}  // namespace troupe::viz
