#include "troupe/checkers/properties.hpp"

#include "troupe/checkers/entity_delivery.hpp"
#include "troupe/checkers/entity_unique.hpp"
#include "troupe/checkers/kv_register_model.hpp"
#include "troupe/checkers/lost_writes.hpp"
#include "troupe/checkers/singleton.hpp"

namespace troupe::checkers {

const std::vector<std::string>& property_names() {
  static const std::vector<std::string> names = {
      "linearizable",          "no_lost_acknowledged_writes", "deliver_after_send",
      "at_most_once_delivery", "exactly_once_delivery",       "membership_converges",
      "singleton_unique",      "entity_unique",               "entity_delivery"};
  return names;
}

result<verdict> check_property(const trace& events, std::string_view name,
                               const property_options& options) {
  if (name == "linearizable") {
    const kv_register_model kv;
    const model& object =
        options.linearizability_model != nullptr ? *options.linearizability_model : kv;
    auto report = check_linearizable(events.operations, object, options.linearizability);
    if (!report) return report.failure();
    return to_verdict(*report);
  }
  if (name == "no_lost_acknowledged_writes") {
    auto report = check_no_lost_acknowledged_writes(events.operations);
    if (!report) return report.failure();
    return to_verdict(*report);
  }
  if (name == "deliver_after_send") return check_deliver_after_send(events, options.delivery);
  if (name == "at_most_once_delivery") {
    return check_at_most_once_delivery(events, options.delivery);
  }
  if (name == "exactly_once_delivery") {
    return check_exactly_once_delivery(events, options.delivery);
  }
  if (name == "membership_converges") {
    return check_membership_converges(events, options.membership);
  }
  if (name == "singleton_unique") return check_singleton_unique(events);
  if (name == "entity_unique") return check_entity_unique(events);
  if (name == "entity_delivery") return check_entity_delivery(events, options.entity_delivery);
  std::string known;
  for (const auto& each : property_names()) known += (known.empty() ? "" : ", ") + each;
  return error{0, "unknown property '" + std::string(name) + "' (known: " + known + ")"};
}

}  // namespace troupe::checkers
