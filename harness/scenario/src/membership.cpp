#include "troupe/scenario/membership.hpp"

#include "troupe/cluster/cluster.hpp"
#include "troupe/cluster/singleton.hpp"

namespace troupe::scenario {
namespace {

/// The singleton the harness runs when a scenario asks for one: it does nothing, its life
/// (the `singleton` trace events of its manager) is what `singleton_unique` checks.
struct idle_singleton final : actor<int> {
  void on_message(int&) override {}
};

}  // namespace

std::string start_membership(actor_system& system, const cluster_config& config) {
  auto cluster = cluster::start_cluster(system, config.settings);
  if (!cluster.ok()) return "the cluster actor could not be spawned: " + cluster.failure().message;
  if (!config.singleton) return {};
  auto manager = system.spawn_with<cluster::singleton_manager<idle_singleton>>(
      {"singleton-" + config.singleton->name, {}}, config.singleton->name,
      config.singleton->handover_margin_ns);
  if (!manager.ok())
    return "the singleton manager could not be spawned: " + manager.failure().message;
  return {};
}

}  // namespace troupe::scenario
