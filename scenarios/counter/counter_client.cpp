#include "counter/counter_client.hpp"

#include "counter/counter_application.hpp"
#include "replication/client.hpp"

namespace troupe::apps::counter {

planned_operation counter_driver::plan(const operation_context& context) {
  client_ = context.client;
  op_ = context.op;
  target_draw_ = context.random >> 32;
  planned_operation operation;
  const auto keys = static_cast<std::uint64_t>(std::max(context.load->keys, 1));
  operation.key = "c" + std::to_string((context.random & 0xffffffffu) % keys);
  const bool suspect = suspect_.count(shard_of(operation.key, servers_.size())) != 0;
  operation.f =
      suspect || pick_function(context.load->mix, context.draw) == "read" ? "read" : "add";
  if (operation.f == "add") {
    operation.argument = 1;
    operation.invoke_value = 1;
  }
  return operation;
}

void counter_driver::issue(actor_base& self, const planned_operation& operation,
                           std::chrono::nanoseconds timeout, std::function<void(completion)> done) {
  replication::request message{client_,       op_,          operation.f,
                               operation.key, std::nullopt, std::nullopt};
  if (operation.f == "add") message.value = operation.argument;
  const bool anywhere = stale_reads_ && operation.f == "read";
  const std::size_t target =
      anywhere ? target_draw_ % servers_.size() : shard_of(operation.key, servers_.size());
  replication::ask_replica(
      self, servers_[target], std::move(message), timeout,
      [this, operation, done = std::move(done)](result<replication::response> answer) {
        completion end{replication::phase_of(answer), operation.invoke_value};
        const std::size_t shard = shard_of(operation.key, servers_.size());
        if (end.phase == "info") suspect_.insert(shard);
        if (end.phase == "ok") suspect_.erase(shard);
        if (end.phase == "ok" && operation.f == "read")
          end.value = answer.value().value.value_or(0);
        done(std::move(end));
      });
}

}  // namespace troupe::apps::counter
