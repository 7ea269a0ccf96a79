#include "iot/iot_application.hpp"

#include "iot/iot_client.hpp"
#include "iot/registry.hpp"

namespace troupe::apps::iot {

void iot_application::boot_server(actor_system& system, const node_context& node) {
  auto spawned = system.spawn_with<registry>({registry_name, {}}, node.name, node.servers);
  TROUPE_ASSERT(spawned.ok());
}

void iot_application::boot_client(actor_system& system, const node_context& node,
                                  const workload& load) {
  const auto servers = node.servers;
  spawn_clients<iot_driver>(system, node, load, [&](int) { return iot_driver(servers); });
}

std::vector<std::string> iot_application::supported_properties() const {
  return {"linearizable", "no_lost_acknowledged_writes"};
}

std::unique_ptr<application> make(const nlohmann::json& options, std::string& error) {
  if (!options.is_null() && !(options.is_object() && options.empty())) {
    error = "options: iot has no options (expected {})";
    return nullptr;
  }
  return std::make_unique<iot_application>();
}

}  // namespace troupe::apps::iot
