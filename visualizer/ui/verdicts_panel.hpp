#pragma once
/// The property verdicts of the trace; a failed property with an `at_seq` has a button that
/// selects that event and brings it into view. UI thread only.

#include "viewer_state.hpp"

namespace troupe::viz {

void draw_verdicts_panel(const trace& t, viewer_state& state);

/// Selects the event where verdict `index` failed and zooms the view around it.
void jump_to_verdict(const trace& t, viewer_state& state, std::size_t index);

}  // namespace troupe::viz
