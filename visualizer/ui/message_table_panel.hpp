#pragma once
/// The table of messages (one row per arrow): sortable by any column, filtered like the
/// diagram, and fast with a million rows because only visible rows are drawn
/// (ImGuiListClipper). Clicking a row selects the message's send. UI thread only.

#include <cstdint>
#include <vector>

#include "viewer_state.hpp"

namespace troupe::viz {

struct message_table_cache {
  std::vector<std::uint32_t> rows;  ///< message indices, filtered and sorted
  std::uint64_t filter_generation = ~0ull;
  int sort_column = -1;
  bool sort_descending = false;
};

void draw_message_table_panel(const trace& t, viewer_state& state, message_table_cache& cache);

}  // namespace troupe::viz
