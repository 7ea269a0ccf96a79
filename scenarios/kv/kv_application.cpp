#include "kv/kv_application.hpp"

#include "kv/kv_client.hpp"
#include "replication/options.hpp"

namespace troupe::apps::kv {

replication::applied apply(const std::optional<std::int64_t>& current,
                           const replication::request& operation) {
  using replication::status;
  if (operation.f == "write") return {true, operation.value, status::ok, operation.value};
  if (operation.f == "cas") {
    if (current != operation.expected) return {false, {}, status::rejected, current};
    return {true, operation.value, status::ok, operation.value};
  }
  return {false, {}, status::ok, current};  // read
}

void kv_application::boot_server(actor_system& system, const node_context& node) {
  replication::replica_config config;
  config.self = node.name;
  config.servers = node.servers;
  config.incarnation = node.incarnation;
  config.primary_of = [](const std::string&) -> std::size_t { return 0; };
  config.machine = apply;
  config.bugs = bugs_;
  auto spawned = system.spawn_with<replication::replica>({replication::replica_name, {}}, config);
  TROUPE_ASSERT(spawned.ok());
}

void kv_application::boot_client(actor_system& system, const node_context& node,
                                 const workload& load) {
  const auto bugs = bugs_;
  const auto servers = node.servers;
  spawn_clients<kv_driver>(system, node, load,
                           [&](int) { return kv_driver(servers, bugs.stale_reads); });
}

std::vector<std::string> kv_application::supported_properties() const {
  return {"linearizable", "no_lost_acknowledged_writes"};
}

std::unique_ptr<application> make(const nlohmann::json& options, std::string& error) {
  auto bugs = replication::parse_bug_options(options, error);
  if (!bugs) return nullptr;
  return std::make_unique<kv_application>(*bugs);
}

}  // namespace troupe::apps::kv
