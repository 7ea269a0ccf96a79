#include <algorithm>

#include "troupe/k8s/discovery.hpp"

namespace troupe::k8s {

cluster_bootstrap::cluster_bootstrap(peer self, bootstrap_config config)
    : self_(std::move(self)), config_(config) {}

bootstrap_decision cluster_bootstrap::observe(std::int64_t now_ns, std::vector<peer> discovered,
                                              std::vector<peer> members) {
  using action = bootstrap_decision::action;
  if (!members.empty()) {
    sort_and_dedupe(members);
    return {action::join_existing, members.front(),
            "a cluster exists: " + members.front().name + " (" + members.front().address() + ") is a member"};
  }
  sort_and_dedupe(discovered);
  auto same_address = [](const peer& a, const peer& b) { return a.host == b.host && a.port == b.port; };
  bool changed = discovered.size() != last_.size() ||
                 !std::equal(discovered.begin(), discovered.end(), last_.begin(), same_address);
  if (changed || !stable_since_) {
    stable_since_ = now_ns;
    last_ = discovered;
  }
  if (discovered.size() < config_.required_contact_points) {
    return {action::wait, std::nullopt,
            "discovered " + std::to_string(discovered.size()) + " of " +
                std::to_string(config_.required_contact_points) + " required contact points"};
  }
  bool self_seen = std::any_of(discovered.begin(), discovered.end(),
                               [&](const peer& p) { return same_address(p, self_); });
  if (!self_seen) {
    return {action::wait, std::nullopt,
            "this node (" + self_.address() + ") is not among the discovered contact points yet"};
  }
  const std::int64_t stable_for = now_ns - *stable_since_;
  if (stable_for < config_.stable_margin_ns) {
    return {action::wait, std::nullopt,
            "contact points stable for " + std::to_string(stable_for / 1'000'000) + " ms of " +
                std::to_string(config_.stable_margin_ns / 1'000'000) + " ms"};
  }
  const peer& lowest = discovered.front();
  if (same_address(lowest, self_)) {
    return {action::form_new_cluster, self_,
            "this node has the lowest address of " + std::to_string(discovered.size()) + " stable contact points"};
  }
  return {action::join_lowest, lowest,
          lowest.name + " (" + lowest.address() + ") has the lowest address and forms the cluster"};
}

}  // namespace troupe::k8s
