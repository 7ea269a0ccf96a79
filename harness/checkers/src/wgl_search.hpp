#pragma once
// The Wing & Gong / Lowe search over one key's operations (internal to troupe_checkers).

#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

#include "troupe/checkers/history.hpp"
#include "troupe/checkers/model.hpp"

namespace troupe::checkers::detail {

enum class search_outcome { linearizable, not_linearizable, budget_exceeded };

// Bounds shared by successive searches: `steps_left` is decremented as the search runs.
struct search_budget {
  std::uint64_t steps_left = 0;
  std::optional<std::chrono::steady_clock::time_point> deadline;
};

// Searches for a linearization of `operations` starting from `initial`. Every operation
// must be ok (it must be linearized) or info (complete_seq == never_seq: it may be
// linearized anywhere after its invoke, or not at all); fail operations and info reads must
// already be left out. `steps` receives the number of steps spent.
[[nodiscard]] search_outcome search_linearization(const std::vector<operation>& operations,
                                                  const model& object, const model_state& initial,
                                                  search_budget& budget, std::uint64_t& steps);

}  // namespace troupe::checkers::detail
