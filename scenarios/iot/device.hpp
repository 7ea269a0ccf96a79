#pragma once
// One device's actor: it keeps the device's last reading (its "shadow") in memory. It is
// created by the registry on the first message for the device and answers the asker
// directly.

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "iot/messages.hpp"

namespace troupe::apps::iot {

class device final : public actor<protocol> {
 public:
  /// `clients_max` bounds the clients remembered for deduplication.
  explicit device(std::size_t clients_max = 1024) : clients_max_(clients_max) {}
  void on_message(protocol& message) override;

 private:
  std::optional<std::int64_t> last_value_;
  std::map<std::uint64_t, std::uint64_t> last_op_;  ///< client -> highest op applied
  std::size_t clients_max_;
};

}  // namespace troupe::apps::iot
