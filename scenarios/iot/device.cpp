#include "iot/device.hpp"

namespace troupe::apps::iot {

void device::on_message(protocol& message) {
  if (auto* reading = std::get_if<telemetry>(&message)) {
    auto& last = last_op_[reading->client];
    // A duplicate (the network may deliver a message twice) must not write again: a late
    // copy would bring an overwritten value back.
    if (reading->op > last) {
      last = reading->op;
      last_value_ = reading->value;
    }
    if (last_op_.size() > clients_max_) last_op_.erase(last_op_.begin());
    reply(answer{true, last_value_});
    return;
  }
  reply(answer{true, last_value_});
}

}  // namespace troupe::apps::iot
