#pragma once
// The counter workload's driver (common/workload_client.hpp): `add` 1 to a counter or
// `read` it. The workload mix names "add" and "read"; other names count as "add".
//
// An add without answer is `info`: it may or may not have counted, and the linearizability
// search must try both, so its work doubles with every unknown add that overlaps the same
// reads. A client therefore treats a shard whose primary did not answer as suspect, and only
// reads from it (an unanswered read constrains nothing) until a read is answered again.

#include <set>
#include <string>
#include <vector>

#include "common/workload_client.hpp"

namespace troupe::apps::counter {

class counter_driver {
 public:
  counter_driver(std::vector<std::string> servers, bool stale_reads)
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
  std::set<std::size_t> suspect_;  ///< shards whose primary last left an operation unanswered
};

}  // namespace troupe::apps::counter
