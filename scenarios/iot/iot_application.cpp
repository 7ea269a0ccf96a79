#include "iot/iot_application.hpp"

#include "iot/iot_client.hpp"
#include "iot/registry.hpp"
#include "kv/kv_application.hpp"
#include "replication/replica.hpp"

namespace troupe::apps::iot {

void iot_application::boot_server(actor_system& system, const node_context& node) {
  if (durable_) {
    // The shadows' store: one replica per pod; a device's home pod is its key's primary.
    replication::replica_config config;
    config.self = node.name;
    config.servers = node.servers;
    config.incarnation = node.incarnation;
    const std::size_t servers = node.servers.size();
    config.primary_of = [servers](const std::string& device) { return home_of(device, servers); };
    config.machine = kv::apply;  // a shadow is a register: write a reading, read the last
    auto store = system.spawn_with<replication::replica>({replication::replica_name, {}}, config);
    TROUPE_ASSERT(store.ok());
  }
  auto spawned =
      system.spawn_with<registry>({registry_name, {}}, node.name, node.servers, durable_);
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
  if (options.is_null()) return std::make_unique<iot_application>(true);
  if (!options.is_object()) {
    error = "options: expected an object, e.g. {\"durable\": true}";
    return nullptr;
  }
  bool durable = true;
  for (const auto& [name, value] : options.items()) {
    if (name != "durable") {
      error = "options." + name + ": unknown option (known: durable)";
      return nullptr;
    }
    if (!value.is_boolean()) {
      error = "options.durable: expected true or false";
      return nullptr;
    }
    durable = value.get<bool>();
  }
  return std::make_unique<iot_application>(durable);
}

}  // namespace troupe::apps::iot
