#include "iot/iot_application.hpp"

#include <algorithm>

#include "iot/device.hpp"
#include "iot/iot_client.hpp"
#include "iot/registry.hpp"
#include "kv/kv_application.hpp"
#include "replication/replica.hpp"
#include "troupe/cluster/sharding.hpp"

namespace troupe::apps::iot {

namespace {

/// How long a device waits for the store (the client has usually given up by then).
constexpr std::int64_t store_timeout_ns = 2'000'000'000;
/// Clients a device remembers for deduplication (memory mode).
constexpr std::size_t clients_max = 1024;

/// The shadows' store: one replica per pod of the initial server list. Placed by hash, a
/// device's home pod is its key's primary; sharded, devices move, so one pod that a
/// scale-down keeps (servers[0]) orders every shadow.
void start_store(actor_system& system, const node_context& node, bool sharded) {
  replication::replica_config config;
  config.self = node.name;
  config.servers = node.servers;
  config.incarnation = node.incarnation;
  const std::size_t servers = node.servers.size();
  if (sharded)
    config.primary_of = [](const std::string&) { return std::size_t{0}; };
  else
    config.primary_of = [servers](const std::string& device) { return home_of(device, servers); };
  config.machine = kv::apply;  // a shadow is a register: write a reading, read the last
  auto store = system.spawn_with<replication::replica>({replication::replica_name, {}}, config);
  TROUPE_ASSERT(store.ok());
}

/// The sharded registry: this pod's region of the device entities ("/user/sharding-device"),
/// which routes each message to the device's actor wherever its shard lives.
void start_region(actor_system& system, const node_context& node, bool durable) {
  TROUPE_ASSERT_MSG(node.cluster, "iot with sharded: true runs only with cluster membership");
  cluster::entity_extractor<protocol> extractor;
  extractor.entity_id = [](const protocol& message) {
    return std::visit([](const auto& m) { return m.device; }, message);
  };
  // A message the region cannot keep (buffer full, region stopping) never reached its
  // device: refused, so the client records `fail` instead of waiting for its timeout.
  extractor.on_dropped = [](const any_ref& sender, const protocol&) {
    sender.tell_any(answer{false, std::nullopt});
  };
  cluster::sharding_settings settings;
  settings.type_name = sharded_type_name;
  auto region = cluster::start_sharding<device>(system, settings, extractor, durable,
                                                store_timeout_ns, clients_max,
                                                node.servers.front());
  TROUPE_ASSERT(region.ok());
}

}  // namespace

void iot_application::boot_server(actor_system& system, const node_context& node) {
  // Pods added by a scale-up are not in the initial list: they host devices, not replicas.
  const bool store_pod =
      std::find(node.servers.begin(), node.servers.end(), node.name) != node.servers.end();
  if (options_.durable && store_pod) start_store(system, node, options_.sharded);
  if (options_.sharded) return start_region(system, node, options_.durable);
  auto spawned = system.spawn_with<registry>({registry_name, {}}, node.name, node.servers,
                                             options_.durable);
  TROUPE_ASSERT(spawned.ok());
}

void iot_application::boot_client(actor_system& system, const node_context& node,
                                  const workload& load) {
  const auto servers = node.servers;
  auto entries = servers;
  if (options_.entry_pods > 0 && entries.size() > static_cast<std::size_t>(options_.entry_pods))
    entries.resize(static_cast<std::size_t>(options_.entry_pods));
  const bool sharded = options_.sharded;
  spawn_clients<iot_driver>(system, node, load, [&](int) {
    return sharded ? iot_driver::through_regions(entries) : iot_driver::to_home_pods(servers);
  });
}

std::vector<std::string> iot_application::supported_properties() const {
  return {"linearizable", "no_lost_acknowledged_writes"};
}

std::unique_ptr<application> make(const nlohmann::json& options, std::string& error) {
  if (options.is_null()) return std::make_unique<iot_application>(iot_options{});
  if (!options.is_object()) {
    error = "options: expected an object, e.g. {\"durable\": true}";
    return nullptr;
  }
  iot_options chosen;
  for (const auto& [name, value] : options.items()) {
    if (name == "durable" || name == "sharded") {
      if (!value.is_boolean()) {
        error = "options." + name + ": expected true or false";
        return nullptr;
      }
      (name == "durable" ? chosen.durable : chosen.sharded) = value.get<bool>();
    } else if (name == "entry_pods") {
      if (!value.is_number_integer() || value.get<std::int64_t>() < 0 ||
          value.get<std::int64_t>() > 1000) {
        error = "options.entry_pods: expected an integer from 0 to 1000";
        return nullptr;
      }
      chosen.entry_pods = value.get<int>();
    } else {
      error = "options." + name + ": unknown option (known: durable, sharded, entry_pods)";
      return nullptr;
    }
  }
  if (chosen.entry_pods > 0 && !chosen.sharded) {
    error = "options.entry_pods: applies only to \"sharded\": true";
    return nullptr;
  }
  return std::make_unique<iot_application>(chosen);
}

}  // namespace troupe::apps::iot
