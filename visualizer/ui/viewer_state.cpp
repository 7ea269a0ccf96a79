#include "viewer_state.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace troupe::viz {

using trace_model::no_index;

viewer_state::viewer_state(const trace& t) {
  for (std::size_t p = 0; p < t.pods.size(); ++p) lane_order.push_back(static_cast<pod_index>(p));
  pod_expanded.assign(t.pods.size(), 0);
  filter.pod_hidden.assign(t.pods.size(), 0);
  filter.type_hidden.assign(t.names.size(), 0);
  cursor_ns = t.start_ns;
  fit_all(t);
  // By default the whole trace plays in about 30 seconds.
  speed = std::max(1e-9, static_cast<double>(t.end_ns - t.start_ns) / 1e9 / 30.0);
}

void viewer_state::select_event(const trace& t, std::uint32_t event_index) {
  assert(event_index < t.events.size());
  selected_event = event_index;
  cone = trace_model::compute_causal_cone(t, event_index);
  cursor_ns = t.events[event_index].t_ns;
  scroll_to_message = t.events[event_index].record;
  const auto kind = t.events[event_index].kind;
  if (kind != trace_model::event_kind::send && kind != trace_model::event_kind::deliver &&
      kind != trace_model::event_kind::drop) {
    scroll_to_message = no_index;
  }
  if (cursor_ns < view.t0_ns || cursor_ns > view.t1_ns) centre_on(cursor_ns);
}

void viewer_state::clear_selection() {
  selected_event = no_index;
  cone = {};
}

void viewer_state::fit_all(const trace& t) {
  const std::int64_t span = std::max(view_span_ns_min, t.end_ns - t.start_ns);
  // A small margin so marks at the very ends are not cut.
  const std::int64_t margin = span / 50 + 1;
  view = {t.start_ns - margin, t.start_ns + span + margin};
}

void viewer_state::zoom_around(std::int64_t anchor_ns, double factor) {
  const double t0 = static_cast<double>(view.t0_ns);
  const double t1 = static_cast<double>(view.t1_ns);
  const double anchor = static_cast<double>(anchor_ns);
  double new_t0 = anchor - (anchor - t0) * factor;
  double new_t1 = anchor + (t1 - anchor) * factor;
  if (new_t1 - new_t0 < static_cast<double>(view_span_ns_min)) {
    const double middle = (new_t0 + new_t1) / 2;
    new_t0 = middle - view_span_ns_min / 2.0;
    new_t1 = middle + view_span_ns_min / 2.0;
  }
  view = {static_cast<std::int64_t>(std::llround(new_t0)),
          static_cast<std::int64_t>(std::llround(new_t1))};
}

void viewer_state::pan(std::int64_t delta_ns) {
  view.t0_ns += delta_ns;
  view.t1_ns += delta_ns;
}

void viewer_state::centre_on(std::int64_t t_ns) {
  const std::int64_t half = view.span_ns() / 2;
  view = {t_ns - half, t_ns - half + view.span_ns()};
}

void viewer_state::step(const trace& t, int direction) {
  std::uint32_t from = selected_event;
  if (from == no_index) {
    // Without a selection, step from the cursor.
    const std::size_t at = t.first_event_at_or_after(cursor_ns);
    from = direction > 0 ? (at == 0 ? no_index : static_cast<std::uint32_t>(at - 1))
                         : static_cast<std::uint32_t>(at);
  }
  const std::uint32_t next = direction > 0
                                 ? trace_model::next_visible_event(t, filter, from)
                                 : trace_model::previous_visible_event(t, filter, from);
  if (next != no_index) select_event(t, next);
}

void viewer_state::advance(const trace& t, double wall_seconds) {
  const auto delta = static_cast<std::int64_t>(wall_seconds * speed * 1e9);
  cursor_ns = std::min(t.end_ns, cursor_ns + std::max<std::int64_t>(1, delta));
  if (cursor_ns >= t.end_ns) playing = false;
  // Keep the cursor in view: jump a page when it leaves on the right.
  if (cursor_ns > view.t1_ns || cursor_ns < view.t0_ns) {
    const std::int64_t span = view.span_ns();
    view = {cursor_ns - span / 10, cursor_ns - span / 10 + span};
  }
}

void viewer_state::move_lane(std::size_t position, int direction) {
  const auto other = static_cast<std::ptrdiff_t>(position) + direction;
  if (other < 0 || other >= static_cast<std::ptrdiff_t>(lane_order.size())) return;
  std::swap(lane_order[position], lane_order[static_cast<std::size_t>(other)]);
  ++lanes_generation;
}

}  // namespace troupe::viz
