#pragma once
/// \file delivery.hpp
/// Message delivery properties read from `send`, `deliver` and `drop` events
/// (docs/checkers.md). Each returns one verdict whose message names up to
/// `delivery_options::examples_max` offending message ids and counts them all.

#include <cstddef>
#include <cstdint>
#include <limits>

#include "troupe/checkers/trace.hpp"
#include "troupe/checkers/verdict.hpp"

namespace troupe::checkers {

/// Options of the delivery checkers.
struct delivery_options {
  /// When true, a send with neither deliver nor drop is not reported if it may still have
  /// been in flight when the trace ended: if it was sent within `in_flight_window_ns` of the
  /// last event's `t`. The default window excludes every unresolved send.
  bool exclude_in_flight_at_end = false;
  std::int64_t in_flight_window_ns = std::numeric_limits<std::int64_t>::max();
  /// Offending ids named in a verdict's message.
  std::size_t examples_max = 5;
};

/// "deliver_after_send": every deliver and drop has an earlier send with the same id, and
/// no id is sent twice.
[[nodiscard]] verdict check_deliver_after_send(const trace& events,
                                               const delivery_options& options = {});

/// "at_most_once_delivery": no message id is delivered more than once.
[[nodiscard]] verdict check_at_most_once_delivery(const trace& events,
                                                  const delivery_options& options = {});

/// "exactly_once_delivery": every sent message is delivered exactly once or dropped with a
/// reason, and not both. Sends with neither are silent losses. Meant for runs without
/// duplication; drops are allowed, so runs with partitions and kills may use it too.
[[nodiscard]] verdict check_exactly_once_delivery(const trace& events,
                                                  const delivery_options& options = {});

}  // namespace troupe::checkers
