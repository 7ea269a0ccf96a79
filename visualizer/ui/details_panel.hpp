#pragma once
/// Everything about the selected event: kind, times, pods, actors, ids, Lamport clock,
/// payload summary or reason, the message's other end, and the size of its causal cone.
/// UI thread only.

#include "viewer_state.hpp"

namespace troupe::viz {

void draw_details_panel(const trace& t, viewer_state& state);

}  // namespace troupe::viz
