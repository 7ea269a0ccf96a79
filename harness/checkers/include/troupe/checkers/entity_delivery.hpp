#pragma once
/// \file entity_delivery.hpp
/// "entity_delivery" (docs/checkers.md): every message to a sharded entity that a shard
/// region accepted is delivered to the entity or its failure is reported, never silently
/// lost. Follows each message by its `entity_message` identity through the regions'
/// `entity_route` steps (accepted, received, buffered, forwarded, delivered, dropped), links
/// a forward and a delivery to the runtime message they sent (`send` id) and its `deliver`
/// or `drop`, and reads `fault` events for pods that died holding a copy.

#include <cstddef>
#include <cstdint>

#include "troupe/checkers/trace.hpp"
#include "troupe/checkers/verdict.hpp"

namespace troupe::checkers {

/// Options of the entity_delivery checker.
struct entity_delivery_options {
  /// A copy whose last step is within this of the trace's last event (a forward or a
  /// delivery to the entity's mailbox not yet arrived) is in flight, not lost. Nanoseconds.
  std::int64_t in_flight_window_ns = 2'000'000'000;
  /// A copy still waiting in a region's buffer is waiting, not lost, while it was buffered
  /// within this of the trace's last event: the regions' `buffer_timeout_ns` (10 s by
  /// default) plus a tick and a margin. Nanoseconds.
  std::int64_t buffered_window_ns = 11'000'000'000;
  /// Offending messages named in a failing verdict's message.
  std::size_t examples_max = 5;
};

/// Checks "entity_delivery" on `events`. Each accepted message has copies (one, plus one
/// per extra arrival of a forward the network duplicated); each copy must end in exactly one
/// of: delivered (the runtime `deliver` of the message the region sent to the entity),
/// dropped with a reason (a region's `dropped` step, or a runtime `drop` of the forward or of
/// the message to the entity), or held by a pod that was then killed, stopped or scaled away
/// (the `fault` event reports it). A copy with none of these is silently lost unless it may
/// still be in flight or waiting at the end (see the options), or its pod is paused at the
/// end. Also fails: a message accepted twice, a step of a message never accepted or on a pod
/// that does not hold it, a forward received that was never sent, and more deliveries than
/// copies.
[[nodiscard]] verdict check_entity_delivery(const trace& events,
                                            const entity_delivery_options& options = {});

}  // namespace troupe::checkers
