#pragma once
// `iot`: a device registry as in an IoT platform (docs/applications.md, "iot"). Simulated
// devices (the client actors) send telemetry readings, acknowledged by the device's actor,
// and query devices' last values. Device actors live on their home pod (a stable hash of the
// id). By default their shadows are stored through the replicated store on a majority of the
// server pods and survive kills; with {"durable": false} they live in memory only.

#include <memory>
#include <string>
#include <vector>

#include "troupe/apps/application.hpp"

namespace troupe::apps::iot {

class iot_application final : public application {
 public:
  explicit iot_application(bool durable) : durable_(durable) {}
  void boot_server(actor_system& system, const node_context& node) override;
  void boot_client(actor_system& system, const node_context& node,
                   const workload& load) override;
  std::vector<std::string> supported_properties() const override;

 private:
  bool durable_;
};

/// Creates the application from its options: {"durable": true (default) | false}.
std::unique_ptr<application> make(const nlohmann::json& options, std::string& error);

}  // namespace troupe::apps::iot
