#pragma once
// The client actor every application's workload uses: it issues one operation at a time at
// the workload's rate, and records each as `op` events (invoke, then ok, fail or info).
// What an operation is and where it goes is the application's `Driver`:
//
//   struct driver {
//     planned_operation plan(operation_context& context);     // what to do next
//     void issue(actor_base& self, const planned_operation& operation, duration timeout,
//                std::function<void(completion)> done);       // send it, call done once
//   };

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "common/op_event.hpp"
#include "troupe/apps/application.hpp"
#include "troupe/runtime.hpp"

namespace troupe::apps {

/// An operation a driver chose: its function, key, and the `value` of its invoke event
/// (discarded for a read), plus the driver's own arguments.
struct planned_operation {
  std::string f;
  std::string key;
  nlohmann::json invoke_value = nlohmann::json::value_t::discarded;
  std::int64_t argument = 0;             ///< e.g. the value written
  std::optional<std::int64_t> expected;  ///< a cas's expected value (absent: missing)
};

/// How an operation ended: `phase` ok, fail or info and the completion event's value.
struct completion {
  std::string phase;
  nlohmann::json value = nlohmann::json::value_t::discarded;
};

/// What a driver may use to choose an operation.
struct operation_context {
  std::uint64_t client = 0;  ///< this client's id in the trace
  std::uint64_t op = 0;      ///< the id the operation will have (unique in the trace)
  double draw = 0;           ///< uniform in [0, 1): picks the function from the mix
  std::uint64_t random = 0;  ///< another random number: picks the key, a target ...
  const workload* load = nullptr;
};

/// Picks a function from the workload's mix with `draw` in [0, 1).
std::string pick_function(const std::map<std::string, double>& mix, double draw);

/// Client ids unique in a run: one per client actor, stable across nothing (a restarted
/// client pod gets new ids, so op ids never repeat).
std::uint64_t client_id(const node_context& node, int index);

struct next_operation {};

/// One client actor.
template <class Driver>
class workload_client final : public actor<next_operation> {
 public:
  workload_client(std::uint64_t id, workload load, Driver driver)
      : id_(id), load_(std::move(load)), driver_(std::move(driver)) {}

  void pre_start() override { schedule_next(std::max<std::int64_t>(load_.start_ns - now_ns(), 0)); }

  void on_message(next_operation&) override {
    if (load_.stop_ns > 0 && now_ns() >= load_.stop_ns) return;
    operation_context context{id_, id_ * 1'000'000 + ++counter_, uniform(), random_u64(), &load_};
    planned_operation operation = driver_.plan(context);
    const std::uint64_t op = context.op;
    record("op",
           op_event_members(id_, op, "invoke", operation.f, operation.key, operation.invoke_value));
    driver_.issue(
        *this, operation, std::chrono::nanoseconds(load_.timeout_ns),
        [this, op, operation](completion done) {
          record("op",
                 op_event_members(id_, op, done.phase, operation.f, operation.key, done.value));
          schedule_next(period_ns() / 2 + static_cast<std::int64_t>(uniform() * period_ns()));
        });
  }

 private:
  double uniform() { return static_cast<double>(random_u64() >> 11) * 0x1.0p-53; }
  std::int64_t period_ns() const {
    return load_.rate_per_s > 0 ? static_cast<std::int64_t>(1e9 / load_.rate_per_s) : 1'000'000'000;
  }
  void schedule_next(std::int64_t delay_ns) {
    start_single_timer("next", next_operation{}, std::chrono::nanoseconds(delay_ns));
  }

  std::uint64_t id_;
  workload load_;
  Driver driver_;
  std::uint64_t counter_ = 0;
};

/// Spawns `load.clients` clients of `Driver` on a client node, as /user/client-<i>.
template <class Driver>
void spawn_clients(actor_system& system, const node_context& node, const workload& load,
                   const std::function<Driver(int index)>& make_driver) {
  for (int i = 0; i < load.clients; ++i) {
    auto spawned = system.spawn_with<workload_client<Driver>>(
        {"client-" + std::to_string(i), {}}, client_id(node, i), load, make_driver(i));
    TROUPE_ASSERT(spawned.ok());
  }
}

}  // namespace troupe::apps
