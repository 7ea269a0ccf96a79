#include "details_panel.hpp"

#include <imgui.h>

#include <string>

#include "colors.hpp"
#include "troupe/trace_model/duration.hpp"
#include "troupe/trace_model/exporters.hpp"

namespace troupe::viz {

using trace_model::event_kind;
using trace_model::no_index;

namespace {

void field(const char* name, const std::string& value) {
  ImGui::TextDisabled("%s", name);
  ImGui::SameLine(110);
  ImGui::TextUnformatted(value.c_str());
}

void message_fields(const trace& t, viewer_state& state, const trace_model::event& e) {
  const auto& m = t.messages[e.record];
  field("message id", std::to_string(m.message_id));
  field("type", std::string(t.name(m.type)));
  field("from", t.actor_label(m.from_pod, m.from_actor));
  field("to", t.actor_label(m.to_pod, m.to_actor));
  field("sent at", trace_model::format_duration(m.send_t_ns));
  field("status", std::string(to_string(m.status)) +
                      (m.status == trace_model::message_status::dropped
                           ? " (" + std::string(t.name(m.drop_reason)) + ")"
                           : std::string()));
  if (m.status != trace_model::message_status::unfinished) {
    field("latency", trace_model::format_duration(m.latency_ns()));
  }
  const auto& send = t.events[m.send_event];
  if (send.text != no_index) field("summary", std::string(t.text(send.text)));
  if (send.size_bytes != 0) field("size", std::to_string(send.size_bytes) + " bytes");
  if (e.kind != event_kind::send && ImGui::SmallButton("Go to send")) {
    state.select_event(t, m.send_event);
  }
  if (e.kind == event_kind::send && m.end_event != no_index &&
      ImGui::SmallButton(m.status == trace_model::message_status::dropped ? "Go to drop"
                                                                          : "Go to delivery")) {
    state.select_event(t, m.end_event);
  }
}

}  // namespace

void draw_details_panel(const trace& t, viewer_state& state) {
  if (state.selected_event == no_index) {
    ImGui::TextDisabled("Click an event in the diagram or a row of the message table.");
    return;
  }
  const std::uint32_t index = state.selected_event;
  const auto& e = t.events[index];
  ImGui::TextWrapped("%s", trace_model::describe_event(t, index).c_str());
  ImGui::Separator();
  field("kind", std::string(to_string(e.kind)));
  field("seq", std::to_string(e.seq));
  field("time", trace_model::format_duration(e.t_ns) + "  (" + std::to_string(e.t_ns) + " ns)");
  field("pod", e.pod == trace_model::no_pod ? "(cluster)" : std::string(t.pod_name(e.pod)));
  if (e.actor != no_index) field("actor", std::string(t.actor_path(e.actor)));
  if (e.kind == event_kind::send || e.kind == event_kind::deliver) {
    field("lamport", std::to_string(e.lamport));
  }
  if (e.record != no_index &&
      (e.kind == event_kind::send || e.kind == event_kind::deliver || e.kind == event_kind::drop)) {
    message_fields(t, state, e);
  } else if (e.text != no_index) {
    field("text", std::string(t.text(e.text)));
  }
  ImGui::Separator();
  ImGui::TextColored(colors::to_vec4(colors::past), "causal past: %zu events",
                     state.cone.past_count());
  ImGui::SameLine();
  ImGui::TextColored(colors::to_vec4(colors::future), "  future: %zu events",
                     state.cone.future_count(t));
  if (ImGui::SmallButton("Clear selection")) state.clear_selection();
}

}  // namespace troupe::viz
