#pragma once
// `counter`: named integer counters ("c0".."c{n-1}") with add and read, sharded across the
// server pods by a stable hash of the name, each shard replicated on every server pod
// (docs/applications.md, "counter").

#include <memory>
#include <string>
#include <vector>

#include "replication/replica.hpp"
#include "troupe/apps/application.hpp"

namespace troupe::apps::counter {

/// A counter: add increments it (answering the new count), read answers the count.
replication::applied apply(const std::optional<std::int64_t>& current,
                           const replication::request& operation);

/// The index of the server that is primary for counter `key`: FNV-1a of the name modulo the
/// server count, the same on every pod and in every run.
std::size_t shard_of(const std::string& key, std::size_t servers);

class counter_application final : public application {
 public:
  explicit counter_application(replication::bug_switches bugs) : bugs_(bugs) {}
  void boot_server(actor_system& system, const node_context& node) override;
  void boot_client(actor_system& system, const node_context& node, const workload& load) override;
  std::vector<std::string> supported_properties() const override;
  std::shared_ptr<const checkers::model> linearizability_model() const override;

 private:
  replication::bug_switches bugs_;
};

/// Creates the application from its scenario options ({"bug": ...}).
std::unique_ptr<application> make(const nlohmann::json& options, std::string& error);

}  // namespace troupe::apps::counter
