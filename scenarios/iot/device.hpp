#pragma once
// One device's actor, created by the registry (or, sharded, by the shard region hosting the
// device's shard) on the first message for the device. It answers the asking client
// directly, wherever that client lives.
//
// Durable (the default): the device's shadow (its last reading) is kept by a replica
// (replication/replica.hpp), which stores it on a majority of the server pods before the
// device acknowledges; a query reads it through the replica the same way. The device actor
// orders and forwards, and a device restarted after a kill or a move finds its readings.
//
// Not durable: the shadow lives in the actor's memory only; a kill of its pod, or a move of
// its shard, loses it.

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
  /// clients remembered for deduplication (memory mode). `store_node`: the pod whose
  /// replica orders the shadow ("": this pod, the device's home; sharded devices move, so
  /// they name the one pod that orders every shadow).
  explicit device(bool durable, std::int64_t store_timeout_ns = 2'000'000'000,
                  std::size_t clients_max = 1024, std::string store_node = {})
      : durable_(durable),
        store_timeout_ns_(store_timeout_ns),
        clients_max_(clients_max),
        store_node_(std::move(store_node)) {}
  void on_message(protocol& message) override;

 private:
  void in_memory(protocol& message);
  void through_replica(protocol& message);

  bool durable_;
  std::int64_t store_timeout_ns_;
  std::size_t clients_max_;
  std::string store_node_;
  std::optional<std::int64_t> last_value_;
  std::map<std::uint64_t, std::uint64_t> last_op_;  ///< client -> highest op applied
};

}  // namespace troupe::apps::iot
