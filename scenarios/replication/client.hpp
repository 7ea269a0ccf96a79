#pragma once
// Sending a request to a replica from a client actor, and what its answer means for the
// client's history.

#include <chrono>
#include <functional>
#include <string>

#include "replication/messages.hpp"
#include "troupe/runtime.hpp"

namespace troupe::apps::replication {

/// The phase a client records for an answer: ok; fail when the request certainly did not
/// take effect (rejected cas, refused by the replica, or never delivered); info when the
/// outcome is unknown (timeout: it may have been applied).
std::string phase_of(const result<response>& answer);

/// Asks the replica on `pod` to perform `operation`; `done` runs in `self`'s turn.
void ask_replica(actor_base& self, const std::string& pod, request operation,
                 std::chrono::nanoseconds timeout, std::function<void(result<response>)> done);

}  // namespace troupe::apps::replication
