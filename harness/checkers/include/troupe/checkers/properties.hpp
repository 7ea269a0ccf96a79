#pragma once
/// \file properties.hpp
/// Runs checkers by property name, as a scenario file lists them: the one entry point the
/// scenario runner and the `troupe` command need. Any thread may call these functions.

#include <string>
#include <string_view>
#include <vector>

#include "troupe/checkers/delivery.hpp"
#include "troupe/checkers/entity_delivery.hpp"
#include "troupe/checkers/linearizability.hpp"
#include "troupe/checkers/membership.hpp"
#include "troupe/checkers/model.hpp"
#include "troupe/checkers/result.hpp"
#include "troupe/checkers/trace.hpp"
#include "troupe/checkers/verdict.hpp"

namespace troupe::checkers {

/// Options of every checker, by checker.
struct property_options {
  linearizability_options linearizability;
  /// The model "linearizable" checks against; nullptr: the kv application's register.
  /// Not owned; it must outlive the call.
  const model* linearizability_model = nullptr;
  delivery_options delivery;
  membership_options membership;
  entity_delivery_options entity_delivery;
};

/// The property names `check_property` knows, in a fixed order: linearizable,
/// no_lost_acknowledged_writes, deliver_after_send, at_most_once_delivery,
/// exactly_once_delivery, membership_converges, singleton_unique, entity_unique,
/// entity_delivery.
[[nodiscard]] const std::vector<std::string>& property_names();

/// Checks property `name` on `events`. Errors: an unknown name (the message lists the known
/// ones), or operations the model cannot read.
[[nodiscard]] result<verdict> check_property(const trace& events, std::string_view name,
                                             const property_options& options = {});

}  // namespace troupe::checkers
