#pragma once
/// What the viewer shows: cursor, visible time window, selection, filters, lane order.
/// Owned and changed by the UI thread only. Knows nothing of ImGui.

#include <array>
#include <cstdint>
#include <vector>

#include "troupe/trace_model/causal.hpp"
#include "troupe/trace_model/filter.hpp"
#include "troupe/trace_model/trace.hpp"

namespace troupe::viz {

using trace_model::pod_index;
using trace_model::trace;

/// A visible time window [t0, t1], t1 > t0.
struct time_window {
  std::int64_t t0_ns = 0;
  std::int64_t t1_ns = 1;
  [[nodiscard]] std::int64_t span_ns() const { return t1_ns - t0_ns; }
  bool operator==(const time_window&) const = default;
};

/// Smallest visible span: zooming stops at 100 ns across the diagram.
inline constexpr std::int64_t view_span_ns_min = 100;
/// Bound on the search and actor text boxes.
inline constexpr std::size_t filter_text_bytes_max = 128;

struct viewer_state {
  /// Sets up the state for `t`: all lanes in trace order, whole trace in view, cursor at 0.
  explicit viewer_state(const trace& t);

  std::int64_t cursor_ns = 0;
  time_window view;
  bool playing = false;
  /// Playback speed: virtual seconds per wall-clock second.
  double speed = 1.0;
  /// Selected event (no_index: none) and its causal cone.
  std::uint32_t selected_event = trace_model::no_index;
  trace_model::causal_cone cone;
  trace_model::trace_filter filter;
  /// Bumped whenever `filter` changes, so caches know to rebuild.
  std::uint64_t filter_generation = 0;
  /// Bumped whenever lane order or expansion changes.
  std::uint64_t lanes_generation = 0;
  std::vector<pod_index> lane_order;
  std::vector<std::uint8_t> pod_expanded;
  std::array<char, filter_text_bytes_max> search_text{};
  std::array<char, filter_text_bytes_max> actor_text{};
  /// The message table scrolls to this message once (no_index: no request).
  std::uint32_t scroll_to_message = trace_model::no_index;

  /// Selects an event: computes its causal cone and puts the cursor on it.
  void select_event(const trace& t, std::uint32_t event_index);
  void clear_selection();
  /// Shows the whole trace.
  void fit_all(const trace& t);
  /// Zooms by `factor` (< 1 zooms in) keeping time `anchor_ns` at the same place.
  void zoom_around(std::int64_t anchor_ns, double factor);
  /// Moves the view by `delta_ns`.
  void pan(std::int64_t delta_ns);
  /// Centres the view on `t_ns` keeping its span.
  void centre_on(std::int64_t t_ns);
  /// Moves the cursor to the next (direction > 0) or previous visible event and selects it.
  void step(const trace& t, int direction);
  /// Playback: advances the cursor by `wall_seconds * speed`; stops at the end of the trace.
  void advance(const trace& t, double wall_seconds);
  /// Call after changing `filter`.
  void filter_changed() { ++filter_generation; }
  /// Swaps the lane at `position` with its neighbour (direction -1 up, +1 down).
  void move_lane(std::size_t position, int direction);
};

}  // namespace troupe::viz
