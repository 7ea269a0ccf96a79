#pragma once
/// Playback and navigation bar: step to previous/next event, play/pause, speed, the cursor
/// time, fit, search, and a shortcut to the first failed verdict. UI thread only.

#include "viewer_state.hpp"

namespace troupe::viz {

void draw_playback_panel(const trace& t, viewer_state& state);

/// Keyboard shortcuts (ignored while a text box has focus): Space play/pause, Left/Right step,
/// F fit all, +/- zoom around the cursor, Home/End jump to the ends.
void handle_playback_keys(const trace& t, viewer_state& state);

}  // namespace troupe::viz
