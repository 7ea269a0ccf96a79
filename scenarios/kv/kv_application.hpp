#pragma once
// `kv`: a replicated key-value store of integers with read, write and compare-and-set
// (docs/applications.md, "kv"). Every server pod runs a replica; servers[0] is the primary
// of every key.

#include <memory>
#include <string>
#include <vector>

#include "replication/replica.hpp"
#include "troupe/apps/application.hpp"

namespace troupe::apps::kv {

/// The kv register: read returns the value (absent: missing), write sets it, cas sets it
/// when the value is the expected one and is rejected otherwise.
replication::applied apply(const std::optional<std::int64_t>& current,
                           const replication::request& operation);

class kv_application final : public application {
 public:
  explicit kv_application(replication::bug_switches bugs) : bugs_(bugs) {}
  void boot_server(actor_system& system, const node_context& node) override;
  void boot_client(actor_system& system, const node_context& node,
                   const workload& load) override;
  std::vector<std::string> supported_properties() const override;

 private:
  replication::bug_switches bugs_;
};

/// Creates the application from its scenario options ({"bug": ...}); nullptr and `error`
/// naming the option when they are wrong.
std::unique_ptr<application> make(const nlohmann::json& options, std::string& error);

}  // namespace troupe::apps::kv
