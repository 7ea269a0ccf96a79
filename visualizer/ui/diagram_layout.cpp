#include "diagram_layout.hpp"

#include <algorithm>
#include <cmath>

namespace troupe::viz {

std::int64_t diagram_layout::t_of(float x) const {
  const double fraction = (x - plot_left) / std::max(1.0f, plot_right - plot_left);
  return view.t0_ns + static_cast<std::int64_t>(std::llround(fraction * view.span_ns()));
}

int diagram_layout::lane_for(pod_index pod, std::uint32_t actor) const {
  if (pod == trace_model::no_pod || pod >= lane_of_pod.size()) return -1;
  if (actor != trace_model::no_index && actor < lane_of_actor.size() && lane_of_actor[actor] >= 0) {
    return lane_of_actor[actor];
  }
  return lane_of_pod[pod];
}

diagram_layout compute_diagram_layout(const trace& t, const viewer_state& state, float left,
                                      float top, float right, float bottom) {
  diagram_layout layout;
  layout.left = left;
  layout.top = top;
  layout.right = right;
  layout.bottom = bottom;
  layout.plot_left = left + lane_label_width;
  layout.plot_right = std::max(layout.plot_left + 1.0f, right - 8.0f);
  layout.lanes_top = top + ruler_height;
  layout.view = state.view;
  layout.pixels_per_ns = (layout.plot_right - layout.plot_left) /
                         static_cast<double>(std::max<std::int64_t>(1, state.view.span_ns()));
  layout.lane_of_pod.assign(t.pods.size(), -1);
  layout.lane_of_actor.assign(t.actors.size(), -1);
  for (const pod_index pod : state.lane_order) {
    if (!state.filter.pod_visible(pod)) continue;
    if (!t.pod_present_during(pod, state.view.t0_ns, state.view.t1_ns)) continue;
    layout.lane_of_pod[pod] = static_cast<int>(layout.lanes.size());
    layout.lanes.push_back({pod, trace_model::no_index, 0, std::string(t.pod_name(pod))});
    if (pod < state.pod_expanded.size() && state.pod_expanded[pod] != 0) {
      for (const std::uint32_t actor : t.pods[pod].actors) {
        layout.lane_of_actor[actor] = static_cast<int>(layout.lanes.size());
        layout.lanes.push_back({pod, actor, 0, "  " + std::string(t.actor_path(actor))});
      }
    }
  }
  const float available = std::max(1.0f, bottom - layout.lanes_top);
  const auto count = static_cast<float>(std::max<std::size_t>(1, layout.lanes.size()));
  layout.lane_pitch = std::clamp(available / count, lane_pitch_min, lane_pitch_max);
  for (std::size_t i = 0; i < layout.lanes.size(); ++i) {
    layout.lanes[i].y = layout.lanes_top + layout.lane_pitch * (static_cast<float>(i) + 0.5f);
  }
  return layout;
}

}  // namespace troupe::viz
