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
  explicit iot_driver(std::vector<std::string> servers) : servers_(std::move(servers)) {}

  planned_operation plan(const operation_context& context);
  void issue(actor_base& self, const planned_operation& operation, std::chrono::nanoseconds timeout,
             std::function<void(completion)> done);

 private:
  std::vector<std::string> servers_;
  std::uint64_t client_ = 0;
  std::uint64_t op_ = 0;
};

}  // namespace troupe::apps::iot
