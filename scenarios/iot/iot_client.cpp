#include "iot/iot_client.hpp"

#include "iot/registry.hpp"
#include "troupe/cluster/sharding.hpp"

namespace troupe::apps::iot {

planned_operation iot_driver::plan(const operation_context& context) {
  client_ = context.client;
  op_ = context.op;
  planned_operation operation;
  // The mix names "telemetry" and "query" (or the kv names "write" and "read").
  const std::string f = pick_function(context.load->mix, context.draw);
  operation.f = f == "query" || f == "read" ? "read" : "write";
  const auto keys = static_cast<std::uint64_t>(std::max(context.load->keys, 1));
  operation.key = "d" + std::to_string(context.random % keys);
  target_pod_ = sharded_ ? pods_[(context.random / keys) % pods_.size()]
                         : pods_[home_of(operation.key, pods_.size())];
  if (operation.f == "write") {
    operation.argument = static_cast<std::int64_t>(context.op);  // unique reading
    operation.invoke_value = operation.argument;
  }
  return operation;
}

void iot_driver::issue(actor_base& self, const planned_operation& operation,
                       std::chrono::nanoseconds timeout, std::function<void(completion)> done) {
  const std::string path =
      "/user/" + (sharded_ ? cluster::region_name(sharded_type_name) : std::string(registry_name));
  auto target = self.system().remote_ref<protocol>(target_pod_, path);
  auto on_answer = [operation, done = std::move(done)](result<answer> outcome) {
    completion end{"info", operation.invoke_value};
    if (!outcome.ok()) {
      // Not delivered at all: not applied. Timed out: unknown.
      const auto code = outcome.failure().code;
      end.phase =
          code == error_code::timeout || code == error_code::unexpected_type ? "info" : "fail";
    } else if (!outcome.value().accepted) {
      end.phase = "fail";
    } else {
      end.phase = "ok";
      if (operation.f == "read") {
        const auto& value = outcome.value().value;
        end.value = value ? nlohmann::json(*value) : nlohmann::json(nullptr);
      }
    }
    done(std::move(end));
  };
  if (operation.f == "write") {
    self.ask<answer>(target, telemetry{operation.key, client_, op_, operation.argument}, timeout,
                     std::move(on_answer));
  } else {
    self.ask<answer>(target, query{operation.key, client_, op_}, timeout, std::move(on_answer));
  }
}

}  // namespace troupe::apps::iot
