#pragma once
// `iot`: a device registry as in an IoT platform (docs/applications.md, "iot"). Simulated
// devices (the client actors) send telemetry readings, acknowledged by the device's actor,
// and query devices' last values. A device's shadow lives in memory on its home pod only:
// a kill of that pod loses it (see the guarantees in docs/applications.md).

#include <memory>
#include <string>
#include <vector>

#include "troupe/apps/application.hpp"

namespace troupe::apps::iot {

class iot_application final : public application {
 public:
  void boot_server(actor_system& system, const node_context& node) override;
  void boot_client(actor_system& system, const node_context& node,
                   const workload& load) override;
  std::vector<std::string> supported_properties() const override;
};

/// Creates the application; it has no options (an empty object or null).
std::unique_ptr<application> make(const nlohmann::json& options, std::string& error);

}  // namespace troupe::apps::iot
