#pragma once
// `iot`: a device registry as in an IoT platform (docs/applications.md, "iot"). Simulated
// devices (the client actors) send telemetry readings, acknowledged by the device's actor,
// and query devices' last values. By default a device's actor lives on its home pod (a
// stable hash of the id); with {"sharded": true} devices are cluster-sharded entities
// (troupe/cluster/sharding.hpp) that move between pods as pods come and go. By default their
// shadows are stored through the replicated store on a majority of the server pods and
// survive kills and moves; with {"durable": false} they live in the device actor's memory.

#include <memory>
#include <string>
#include <vector>

#include "troupe/apps/application.hpp"

namespace troupe::apps::iot {

/// The registry's options (scenario `app.options`).
struct iot_options {
  /// Shadows in the replicated store (they survive kills and moves); false: in memory.
  bool durable = true;
  /// Devices are entities of cluster sharding, type "device": they spread over every up
  /// server pod and move when pods join or leave. Needs the scenario's "cluster" object.
  bool sharded = false;
  /// Sharded: clients send each request to the region of one of the first `entry_pods`
  /// server pods, chosen per request (0: any initial server pod). A scenario that scales
  /// down names the pods it keeps.
  int entry_pods = 0;
};

class iot_application final : public application {
 public:
  explicit iot_application(iot_options options) : options_(options) {}
  void boot_server(actor_system& system, const node_context& node) override;
  void boot_client(actor_system& system, const node_context& node, const workload& load) override;
  std::vector<std::string> supported_properties() const override;
  bool needs_cluster() const override { return options_.sharded; }

 private:
  iot_options options_;
};

/// Creates the application from its options: {"durable": true (default) | false,
/// "sharded": false (default) | true, "entry_pods": 0 (default: all) .. }.
std::unique_ptr<application> make(const nlohmann::json& options, std::string& error);

}  // namespace troupe::apps::iot
