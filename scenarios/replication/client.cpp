#include "replication/client.hpp"

#include "replication/replica.hpp"

namespace troupe::apps::replication {

std::string phase_of(const result<response>& answer) {
  if (!answer.ok()) {
    // A timeout or an answer of the wrong type leaves the outcome unknown. The other errors
    // say the request itself was not delivered (the ask's question was dropped), so it
    // cannot have been applied.
    const auto code = answer.failure().code;
    return code == error_code::timeout || code == error_code::unexpected_type ? "info" : "fail";
  }
  return answer.value().outcome == status::ok ? "ok" : "fail";
}

void ask_replica(actor_base& self, const std::string& pod, request operation,
                 std::chrono::nanoseconds timeout, std::function<void(result<response>)> done) {
  auto target = self.system().remote_ref<protocol>(pod, std::string("/user/") + replica_name);
  self.ask<response>(target, std::move(operation), timeout, std::move(done));
}

}  // namespace troupe::apps::replication
