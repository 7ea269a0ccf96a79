#include "stats_panel.hpp"

#include <imgui.h>

#include <string>

#include "troupe/trace_model/duration.hpp"

namespace troupe::viz {

void draw_stats_panel(const trace& t, const viewer_state& state, stats_cache& cache) {
  if (cache.filter_generation != state.filter_generation) {
    cache.rows = trace_model::compute_statistics(t, state.filter);
    cache.filter_generation = state.filter_generation;
  }
  const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersV |
                                ImGuiTableFlags_ScrollY | ImGuiTableFlags_Resizable;
  if (!ImGui::BeginTable("statistics", 9, flags)) return;
  ImGui::TableSetupScrollFreeze(0, 1);
  for (const char* name : {"type", "sent", "delivered", "dropped", "in flight at end", "p50",
                           "p90", "p99", "max"}) {
    ImGui::TableSetupColumn(name);
  }
  ImGui::TableHeadersRow();
  for (const auto& row : cache.rows) {
    ImGui::TableNextRow();
    ImGui::TableSetColumnIndex(0);
    ImGui::TextUnformatted(std::string(t.name(row.type)).c_str());
    ImGui::TableSetColumnIndex(1);
    ImGui::Text("%llu", static_cast<unsigned long long>(row.sent));
    ImGui::TableSetColumnIndex(2);
    ImGui::Text("%llu", static_cast<unsigned long long>(row.delivered));
    ImGui::TableSetColumnIndex(3);
    ImGui::Text("%llu", static_cast<unsigned long long>(row.dropped));
    if (!row.drops_by_reason.empty() && ImGui::IsItemHovered()) {
      std::string reasons;
      for (const auto& [reason, count] : row.drops_by_reason) {
        reasons += std::string(t.name(reason)) + ": " + std::to_string(count) + "\n";
      }
      ImGui::SetTooltip("%s", reasons.c_str());
    }
    ImGui::TableSetColumnIndex(4);
    ImGui::Text("%llu", static_cast<unsigned long long>(row.unfinished));
    const std::int64_t latencies[] = {row.latency_p50_ns, row.latency_p90_ns, row.latency_p99_ns,
                                      row.latency_max_ns};
    for (int i = 0; i < 4; ++i) {
      ImGui::TableSetColumnIndex(5 + i);
      ImGui::TextUnformatted(trace_model::format_duration(latencies[i]).c_str());
    }
  }
  ImGui::EndTable();
  ImGui::TextDisabled("Latency: delivery time minus send time, nearest-rank percentiles. Hover "
                      "'dropped' for reasons.");
}

}  // namespace troupe::viz
