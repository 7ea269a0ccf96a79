#pragma once
// The device registry of one server pod: it routes each message to the device's actor,
// creating the actor on the first message for the device. Devices live on their home pod,
// chosen by a stable hash of the device id.

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "iot/messages.hpp"

namespace troupe::apps::iot {

/// The index in `servers` of the home pod of `device` (FNV-1a of the id modulo the count).
std::size_t home_of(const std::string& device, std::size_t servers);

/// The path every registry is spawned at.
inline constexpr const char* registry_name = "devices";
/// The sharded registry's entity type: its regions are "/user/sharding-device" on every
/// server pod (iot_application.hpp, option "sharded").
inline constexpr const char* sharded_type_name = "device";

class registry final : public actor<protocol> {
 public:
  /// `durable`: devices keep their shadows in the pod's replica (device.hpp).
  registry(std::string self, std::vector<std::string> servers, bool durable,
           std::size_t devices_max = 10'000)
      : self_(std::move(self)),
        servers_(std::move(servers)),
        durable_(durable),
        devices_max_(devices_max) {}
  void on_message(protocol& message) override;

 private:
  std::string self_;
  std::vector<std::string> servers_;
  bool durable_;
  std::size_t devices_max_;
  std::map<std::string, actor_ref<protocol>> devices_;
};

}  // namespace troupe::apps::iot
