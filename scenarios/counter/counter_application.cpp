#include "counter/counter_application.hpp"

#include "counter/counter_client.hpp"
#include "counter/counter_model.hpp"
#include "replication/options.hpp"

namespace troupe::apps::counter {

replication::applied apply(const std::optional<std::int64_t>& current,
                           const replication::request& operation) {
  using replication::status;
  const std::int64_t count = current.value_or(0);
  if (operation.f == "add") {
    const std::int64_t next = count + operation.value.value_or(0);
    return {true, next, status::ok, next};
  }
  return {false, {}, status::ok, count};  // read
}

std::size_t shard_of(const std::string& key, std::size_t servers) {
  TROUPE_ASSERT(servers > 0);
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (char c : key) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  return static_cast<std::size_t>(hash % servers);
}

void counter_application::boot_server(actor_system& system, const node_context& node) {
  replication::replica_config config;
  config.self = node.name;
  config.servers = node.servers;
  config.incarnation = node.incarnation;
  const std::size_t servers = node.servers.size();
  config.primary_of = [servers](const std::string& key) { return shard_of(key, servers); };
  config.machine = apply;
  config.bugs = bugs_;
  auto spawned = system.spawn_with<replication::replica>({replication::replica_name, {}}, config);
  TROUPE_ASSERT(spawned.ok());
}

void counter_application::boot_client(actor_system& system, const node_context& node,
                                      const workload& load) {
  const auto servers = node.servers;
  const bool stale_reads = bugs_.stale_reads;
  spawn_clients<counter_driver>(system, node, load,
                                [&](int) { return counter_driver(servers, stale_reads); });
}

std::vector<std::string> counter_application::supported_properties() const {
  return {"linearizable"};
}

std::shared_ptr<const checkers::model> counter_application::linearizability_model() const {
  return std::make_shared<counter_model>();
}

std::unique_ptr<application> make(const nlohmann::json& options, std::string& error) {
  auto bugs = replication::parse_bug_options(options, error);
  if (!bugs) return nullptr;
  return std::make_unique<counter_application>(*bugs);
}

}  // namespace troupe::apps::counter
