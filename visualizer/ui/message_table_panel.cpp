#include "message_table_panel.hpp"

#include <imgui.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "troupe/trace_model/duration.hpp"

namespace troupe::viz {

using trace_model::message_record;
using trace_model::no_index;

namespace {

enum column : int { id, type, from, to, sent, ended, latency, status, column_count };

void rebuild_rows(const trace& t, const viewer_state& state, message_table_cache& cache) {
  cache.rows.clear();
  for (std::uint32_t i = 0; i < t.messages.size(); ++i) {
    if (state.filter.message_visible(t, t.messages[i])) cache.rows.push_back(i);
  }
}

void sort_rows(const trace& t, message_table_cache& cache) {
  if (cache.sort_column < 0) return;
  // Actor labels are built strings: make each once, not twice per comparison.
  if (cache.sort_column == from || cache.sort_column == to) {
    std::vector<std::pair<std::string, std::uint32_t>> keyed;
    keyed.reserve(cache.rows.size());
    for (const std::uint32_t row : cache.rows) {
      const message_record& m = t.messages[row];
      keyed.emplace_back(cache.sort_column == from ? t.actor_label(m.from_pod, m.from_actor)
                                                   : t.actor_label(m.to_pod, m.to_actor),
                         row);
    }
    const auto by_label = [&](const auto& a, const auto& b) {
      return cache.sort_descending ? b.first < a.first : a.first < b.first;
    };
    std::stable_sort(keyed.begin(), keyed.end(), by_label);
    for (std::size_t i = 0; i < keyed.size(); ++i) cache.rows[i] = keyed[i].second;
    return;
  }
  const auto key_less = [&](std::uint32_t a, std::uint32_t b) {
    const message_record& x = t.messages[a];
    const message_record& y = t.messages[b];
    switch (cache.sort_column) {
      case id: return x.message_id < y.message_id;
      case type: return t.name(x.type) < t.name(y.type);
      case sent: return x.send_t_ns < y.send_t_ns;
      case ended: return x.end_t_ns < y.end_t_ns;
      case latency: return x.latency_ns() < y.latency_ns();
      case status: return x.status < y.status;
      default: return a < b;
    }
  };
  // Stable, so equal keys keep send order; descending reverses the comparison only.
  if (cache.sort_descending) {
    std::stable_sort(cache.rows.begin(), cache.rows.end(),
                     [&](std::uint32_t a, std::uint32_t b) { return key_less(b, a); });
  } else {
    std::stable_sort(cache.rows.begin(), cache.rows.end(), key_less);
  }
}

void draw_row(const trace& t, viewer_state& state, std::uint32_t index) {
  const message_record& m = t.messages[index];
  ImGui::TableNextRow();
  ImGui::TableSetColumnIndex(0);
  const bool selected = state.selected_event != no_index &&
                        (state.selected_event == m.send_event || state.selected_event == m.end_event);
  const std::string label = std::to_string(m.message_id) + "##" + std::to_string(index);
  if (ImGui::Selectable(label.c_str(), selected, ImGuiSelectableFlags_SpanAllColumns)) {
    state.select_event(t, m.send_event);
    state.scroll_to_message = no_index;
  }
  ImGui::TableSetColumnIndex(1);
  ImGui::TextUnformatted(t.name(m.type).data(), t.name(m.type).data() + t.name(m.type).size());
  ImGui::TableSetColumnIndex(2);
  ImGui::TextUnformatted(t.actor_label(m.from_pod, m.from_actor).c_str());
  ImGui::TableSetColumnIndex(3);
  ImGui::TextUnformatted(t.actor_label(m.to_pod, m.to_actor).c_str());
  ImGui::TableSetColumnIndex(4);
  ImGui::TextUnformatted(trace_model::format_duration(m.send_t_ns).c_str());
  ImGui::TableSetColumnIndex(5);
  ImGui::TextUnformatted(trace_model::format_duration(m.end_t_ns).c_str());
  ImGui::TableSetColumnIndex(6);
  ImGui::TextUnformatted(trace_model::format_duration(m.latency_ns()).c_str());
  ImGui::TableSetColumnIndex(7);
  if (m.status == trace_model::message_status::dropped) {
    ImGui::TextColored({1.0f, 0.35f, 0.35f, 1.0f}, "dropped: %s", std::string(t.name(m.drop_reason)).c_str());
  } else {
    ImGui::TextUnformatted(std::string(to_string(m.status)).c_str());
  }
}

}  // namespace

void draw_message_table_panel(const trace& t, viewer_state& state, message_table_cache& cache) {
  const ImGuiTableFlags flags = ImGuiTableFlags_Sortable | ImGuiTableFlags_ScrollY |
                                ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersV |
                                ImGuiTableFlags_Resizable | ImGuiTableFlags_Reorderable;
  if (!ImGui::BeginTable("messages", column_count, flags)) return;
  ImGui::TableSetupScrollFreeze(0, 1);
  ImGui::TableSetupColumn("id", ImGuiTableColumnFlags_DefaultSort, 0, id);
  ImGui::TableSetupColumn("type", 0, 0, type);
  ImGui::TableSetupColumn("from", 0, 0, from);
  ImGui::TableSetupColumn("to", 0, 0, to);
  ImGui::TableSetupColumn("sent", 0, 0, sent);
  ImGui::TableSetupColumn("delivered/dropped", 0, 0, ended);
  ImGui::TableSetupColumn("latency", 0, 0, latency);
  ImGui::TableSetupColumn("status", 0, 0, status);
  ImGui::TableHeadersRow();
  bool resort = false;
  if (cache.filter_generation != state.filter_generation) {
    rebuild_rows(t, state, cache);
    cache.filter_generation = state.filter_generation;
    resort = true;
  }
  if (ImGuiTableSortSpecs* specs = ImGui::TableGetSortSpecs(); specs && specs->SpecsDirty) {
    if (specs->SpecsCount > 0) {
      cache.sort_column = static_cast<int>(specs->Specs[0].ColumnUserID);
      cache.sort_descending = specs->Specs[0].SortDirection == ImGuiSortDirection_Descending;
    }
    specs->SpecsDirty = false;
    resort = true;
  }
  if (resort) sort_rows(t, cache);
  // Scroll to the selected message once when the selection came from elsewhere.
  int scroll_row = -1;
  if (state.scroll_to_message != no_index) {
    const auto found = std::find(cache.rows.begin(), cache.rows.end(), state.scroll_to_message);
    if (found != cache.rows.end()) scroll_row = static_cast<int>(found - cache.rows.begin());
    state.scroll_to_message = no_index;
  }
  ImGuiListClipper clipper;
  clipper.Begin(static_cast<int>(cache.rows.size()));
  if (scroll_row >= 0) clipper.ForceDisplayRangeByIndices(scroll_row, scroll_row + 1);
  while (clipper.Step()) {
    for (int row = clipper.DisplayStart; row < clipper.DisplayEnd; ++row) {
      draw_row(t, state, cache.rows[static_cast<std::size_t>(row)]);
      if (row == scroll_row) ImGui::SetScrollHereY(0.3f);
    }
  }
  ImGui::EndTable();
}

}  // namespace troupe::viz
