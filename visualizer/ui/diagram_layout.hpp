#pragma once
/// Where lanes and times fall on screen in the space-time diagram. Pure geometry, no ImGui,
/// so tests check it without a window and screenshots can be compared with it.

#include <cstdint>
#include <string>
#include <vector>

#include "viewer_state.hpp"

namespace troupe::viz {

struct lane_layout {
  pod_index pod = trace_model::no_pod;
  std::uint32_t actor = trace_model::no_index;  ///< no_index: the pod's own lane
  float y = 0;                                  ///< centre line, pixels
  std::string label;
};

/// Width of the lane label column, in pixels.
inline constexpr float lane_label_width = 120.0f;
/// Height of the time ruler above the lanes, in pixels.
inline constexpr float ruler_height = 24.0f;
/// Bounds on the distance between lane centres, in pixels.
inline constexpr float lane_pitch_min = 14.0f;
inline constexpr float lane_pitch_max = 56.0f;

struct diagram_layout {
  float left = 0, top = 0, right = 0, bottom = 0;  ///< the whole diagram area
  float plot_left = 0, plot_right = 0;            ///< x range of the time axis
  float lanes_top = 0;                            ///< below the ruler
  float lane_pitch = lane_pitch_max;
  time_window view;
  std::vector<lane_layout> lanes;
  std::vector<int> lane_of_pod;    ///< pod -> index in lanes, -1 when not shown
  std::vector<int> lane_of_actor;  ///< actor -> its own lane (pod expanded), else -1

  double pixels_per_ns = 0;

  /// The x of time t; times far outside the view are clamped a few widths away, so float
  /// conversions stay finite.
  [[nodiscard]] float x_of(std::int64_t t_ns) const {
    const double width = plot_right - plot_left;
    double x = (static_cast<double>(t_ns) - static_cast<double>(view.t0_ns)) * pixels_per_ns;
    x = x < -4 * width ? -4 * width : (x > 5 * width ? 5 * width : x);
    return static_cast<float>(plot_left + x);
  }
  [[nodiscard]] std::int64_t t_of(float x) const;
  /// The lane of an actor: its own when its pod is expanded, else its pod's; -1 if hidden.
  [[nodiscard]] int lane_for(pod_index pod, std::uint32_t actor) const;
};

/// Lanes shown: pods in lane order that are not hidden and whose lane exists at some time in
/// the view (a pod scaled away before the view starts has no lane); an expanded pod adds one
/// lane per actor under its own.
[[nodiscard]] diagram_layout compute_diagram_layout(const trace& t, const viewer_state& state,
                                                    float left, float top, float right,
                                                    float bottom);

}  // namespace troupe::viz
