#pragma once
/// The contract between an example application and the platforms that run it: the
/// simulator (harness), real processes (`troupe node`) and Kubernetes. An application
/// starts its actors on a node; it never knows which platform it runs on.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "troupe/runtime/system.hpp"

namespace troupe::checkers {
class model;  // harness/checkers/include/troupe/checkers/model.hpp
}  // namespace troupe::checkers

namespace troupe::apps {

/// What a node (pod) of the application is and who its peers are.
struct node_context {
  std::string name;        ///< this node, e.g. "kv-1"
  std::string deployment;  ///< its deployment, e.g. "kv"
  int ordinal = 0;
  std::uint64_t incarnation = 1;
  /// The server nodes of the application at start (pod names, StatefulSet order). Nodes
  /// added later by scaling are announced by the platform through `on_membership`.
  std::vector<std::string> servers;
  /// True when the platform runs cluster membership on this node: the cluster actor
  /// (troupe::cluster, registered as "cluster", path /user/cluster) was started before
  /// `boot_server`, so the application may subscribe to it (a scenario's `cluster` object).
  bool cluster = false;
};

/// The client workload a scenario asks for (docs/scenario-format.md, "workload").
struct workload {
  int clients = 3;                 ///< concurrent client actors
  double rate_per_s = 20;          ///< operations per second per client
  std::map<std::string, double> mix = {{"read", 0.5}, {"write", 0.4}, {"cas", 0.1}};
  int keys = 3;                    ///< keys (or devices, counters) the operations touch
  std::int64_t start_ns = 0;       ///< when clients start
  std::int64_t stop_ns = 0;        ///< when clients stop issuing operations (0: never)
  std::int64_t timeout_ns = 1'000'000'000;  ///< a request without answer in time is `info`
};

/// An example application. One instance per run; boot functions may be called many times
/// (every pod start and restart) and must only spawn actors.
class application {
 public:
  virtual ~application() = default;
  /// Starts the server actors of one node. Called at its start and at every restart.
  virtual void boot_server(actor_system& system, const node_context& node) = 0;
  /// Starts the client actors of one client node. They issue the workload's operations to
  /// the servers and record each operation as trace `op` events (docs/trace-format.md):
  /// `invoke` when sent, then `ok`, `fail` or `info` (timeout: outcome unknown).
  virtual void boot_client(actor_system& system, const node_context& node,
                           const workload& load) = 0;
  /// The properties this application's history can be checked for, e.g. "linearizable",
  /// "no_lost_acknowledged_writes"; the harness refuses others for this app.
  virtual std::vector<std::string> supported_properties() const = 0;
  /// True when the application's servers need cluster membership (the scenario's `cluster`
  /// object), e.g. because they run cluster sharding; a scenario without it is refused.
  virtual bool needs_cluster() const { return false; }
  /// The sequential model property "linearizable" checks this application's history
  /// against; nullptr (the default): the kv register (troupe::checkers::kv_register_model).
  /// Pass it as checkers::property_options::linearizability_model.
  virtual std::shared_ptr<const checkers::model> linearizability_model() const {
    return nullptr;
  }
};

/// Creates the application `name` ("kv", "iot", "counter") with its scenario options.
/// Returns nullptr and sets `error` (naming the option at fault) for an unknown name or bad
/// options.
std::unique_ptr<application> make_application(const std::string& name,
                                              const nlohmann::json& options, std::string& error);

/// The names make_application knows.
std::vector<std::string> application_names();

}  // namespace troupe::apps
