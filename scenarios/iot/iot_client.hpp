#pragma once
// The iot workload's driver (common/workload_client.hpp): a simulated device fleet. Each
// operation is telemetry for a device ("write" in the history: the reading, unique in the
// run) or a query of a device's last value ("read"). Devices are "d0".."d{keys-1}".

#include <string>
#include <vector>

#include "common/workload_client.hpp"

namespace troupe::apps::iot {

class iot_driver {
 public:
  /// Sends each request to the registry of the device's home pod among `servers`.
  static iot_driver to_home_pods(std::vector<std::string> servers) {
    return iot_driver(std::move(servers), false);
  }
  /// Sends each request to the shard region of one pod of `entries` (not empty), chosen
  /// per request; the region routes it to the device wherever it lives, and the device
  /// answers this client directly.
  static iot_driver through_regions(std::vector<std::string> entries) {
    return iot_driver(std::move(entries), true);
  }

  planned_operation plan(const operation_context& context);
  void issue(actor_base& self, const planned_operation& operation, std::chrono::nanoseconds timeout,
             std::function<void(completion)> done);

 private:
  iot_driver(std::vector<std::string> pods, bool sharded)
      : pods_(std::move(pods)), sharded_(sharded) {}

  std::vector<std::string> pods_;  ///< the home pods, or the entry regions' pods
  bool sharded_;
  std::string target_pod_;  ///< where the planned operation goes
  std::uint64_t client_ = 0;
  std::uint64_t op_ = 0;
};

}  // namespace troupe::apps::iot
