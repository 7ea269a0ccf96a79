#pragma once
/// Lanes (show/hide, expand to actors, reorder), event kinds, message types and an actor
/// filter. Every change bumps the state's generations so caches rebuild. UI thread only.

#include "viewer_state.hpp"

namespace troupe::viz {

void draw_filters_panel(const trace& t, viewer_state& state);

}  // namespace troupe::viz
