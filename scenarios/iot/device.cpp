#include "iot/device.hpp"

#include <chrono>

#include "replication/replica.hpp"

namespace troupe::apps::iot {

void device::on_message(protocol& message) {
  if (durable_)
    through_replica(message);
  else
    in_memory(message);
}

void device::in_memory(protocol& message) {
  if (auto* reading = std::get_if<telemetry>(&message)) {
    auto& last = last_op_[reading->client];
    // A duplicate (the network may deliver a message twice) must not write again: a late
    // copy would bring an overwritten value back.
    if (reading->op > last) {
      last = reading->op;
      last_value_ = reading->value;
    }
    if (last_op_.size() > clients_max_) last_op_.erase(last_op_.begin());
  }
  reply(answer{true, last_value_});
}

void device::through_replica(protocol& message) {
  replication::request stored;
  if (auto* reading = std::get_if<telemetry>(&message)) {
    stored = {reading->client, reading->op, "write", reading->device, reading->value, {}};
  } else {
    const auto& question = std::get<query>(message);
    stored = {question.client, question.op, "read", question.device, {}, {}};
  }
  auto replica = system().remote_ref<replication::protocol>(
      store_node_.empty() ? system().node_name() : store_node_,
      std::string("/user/") + replication::replica_name);
  ask<replication::response>(
      replica, std::move(stored), std::chrono::nanoseconds(store_timeout_ns_),
      [client = sender()](result<replication::response> outcome) {
        // No answer from the replica: say nothing, the client's timeout makes it `info`.
        if (!outcome.ok()) return;
        const auto& stored_answer = outcome.value();
        client.tell_any(
            answer{stored_answer.outcome == replication::status::ok, stored_answer.value});
      });
}

}  // namespace troupe::apps::iot
