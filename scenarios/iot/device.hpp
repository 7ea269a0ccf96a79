#pragma once
// One device's actor, created by the registry on the first message for the device. It
// answers the asking client directly.
//
// Durable (the default): the device's shadow (its last reading) is kept by the pod's
// replica (replication/replica.hpp), which stores it on a majority of the server pods before
// the device acknowledges; a query reads it through the replica the same way. The device
// actor orders and forwards, and a restarted pod's devices find their readings again.
//
// Not durable: the shadow lives in the actor's memory only, and a kill of its pod loses it.

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "iot/messages.hpp"
#include "replication/messages.hpp"

namespace troupe::apps::iot {

class device final : public actor<protocol> {
 public:
  /// `durable`: keep the shadow in the pod's replica. `store_timeout_ns`: how long to wait
  /// for the replica (the client has usually given up by then). `clients_max` bounds the
  /// clients remembered for deduplication (memory mode).
  explicit device(bool durable, std::int64_t store_timeout_ns = 2'000'000'000,
                  std::size_t clients_max = 1024)
      : durable_(durable), store_timeout_ns_(store_timeout_ns), clients_max_(clients_max) {}
  void on_message(protocol& message) override;

 private:
  void in_memory(protocol& message);
  void through_replica(protocol& message);

  bool durable_;
  std::int64_t store_timeout_ns_;
  std::size_t clients_max_;
  std::optional<std::int64_t> last_value_;
  std::map<std::uint64_t, std::uint64_t> last_op_;  ///< client -> highest op applied
};

}  // namespace troupe::apps::iot
