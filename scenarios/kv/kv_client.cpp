#include "kv/kv_client.hpp"

#include "replication/client.hpp"

namespace troupe::apps::kv {

planned_operation kv_driver::plan(const operation_context& context) {
  client_ = context.client;
  op_ = context.op;
  target_draw_ = context.random >> 32;
  planned_operation operation;
  operation.f = pick_function(context.load->mix, context.draw);
  const auto keys = static_cast<std::uint64_t>(std::max(context.load->keys, 1));
  operation.key = "k" + std::to_string((context.random & 0xffffffffu) % keys);
  // Every written value is the op id: unique in the run, so checkers tell writes apart.
  operation.argument = static_cast<std::int64_t>(context.op);
  if (operation.f == "write") {
    operation.invoke_value = operation.argument;
  } else if (operation.f == "cas") {
    auto seen = last_seen_.find(operation.key);
    if (seen != last_seen_.end()) operation.expected = seen->second;
    operation.invoke_value = nlohmann::json::array(
        {operation.expected ? nlohmann::json(*operation.expected) : nlohmann::json(nullptr),
         operation.argument});
  } else {
    operation.f = "read";
  }
  return operation;
}

void kv_driver::issue(actor_base& self, const planned_operation& operation,
                      std::chrono::nanoseconds timeout, std::function<void(completion)> done) {
  replication::request message{client_,       op_,          operation.f,
                               operation.key, std::nullopt, operation.expected};
  if (operation.f != "read") message.value = operation.argument;
  const bool anywhere = stale_reads_ && operation.f == "read";
  const std::string& target = servers_[anywhere ? target_draw_ % servers_.size() : 0];
  replication::ask_replica(
      self, target, std::move(message), timeout,
      [this, operation, done = std::move(done)](result<replication::response> answer) {
        completion end{replication::phase_of(answer), operation.invoke_value};
        if (end.phase == "ok") {
          if (operation.f == "read") {
            const auto& value = answer.value().value;
            end.value = value ? nlohmann::json(*value) : nlohmann::json(nullptr);
            last_seen_[operation.key] = value;
          } else {
            last_seen_[operation.key] = operation.argument;
          }
        } else if (operation.f == "cas" && answer.ok() &&
                   answer.value().outcome == replication::status::rejected) {
          last_seen_[operation.key] = answer.value().value;  // the value that was there
        }
        done(std::move(end));
      });
}

}  // namespace troupe::apps::kv
