#pragma once
// The kv workload's driver (common/workload_client.hpp): reads, writes of values unique in
// the run, and compare-and-sets that expect the value this client saw last.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/workload_client.hpp"

namespace troupe::apps::kv {

class kv_driver {
 public:
  /// `servers`: the replicas, servers[0] the primary. With `stale_reads` (the bug), reads go
  /// to a random replica.
  kv_driver(std::vector<std::string> servers, bool stale_reads)
      : servers_(std::move(servers)), stale_reads_(stale_reads) {}

  planned_operation plan(const operation_context& context);
  void issue(actor_base& self, const planned_operation& operation, std::chrono::nanoseconds timeout,
             std::function<void(completion)> done);

 private:
  std::vector<std::string> servers_;
  bool stale_reads_;
  std::uint64_t client_ = 0;
  std::uint64_t op_ = 0;
  std::uint64_t target_draw_ = 0;
  std::map<std::string, std::optional<std::int64_t>> last_seen_;  ///< per key
};

}  // namespace troupe::apps::kv
