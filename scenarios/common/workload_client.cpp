#include "common/workload_client.hpp"

namespace troupe::apps {

std::string pick_function(const std::map<std::string, double>& mix, double draw) {
  TROUPE_ASSERT(!mix.empty());
  double total = 0;
  for (const auto& [f, weight] : mix) total += weight;
  double point = draw * total;
  for (const auto& [f, weight] : mix) {
    if (point < weight) return f;
    point -= weight;
  }
  return mix.rbegin()->first;
}

std::uint64_t client_id(const node_context& node, int index) {
  // Up to 1000 clients per node and 1000 client nodes; the incarnation keeps the ids of a
  // restarted client pod apart from those of its earlier life.
  return (node.incarnation - 1) * 1'000'000 + static_cast<std::uint64_t>(node.ordinal) * 1000 +
         static_cast<std::uint64_t>(index) + 1;
}

}  // namespace troupe::apps
