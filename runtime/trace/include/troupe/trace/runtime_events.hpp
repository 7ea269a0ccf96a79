#pragma once
/// The runtime's events (the calls of troupe::trace_sink) as trace lines of
/// docs/trace-format.md. One formatting for both sinks: a simulated pod's (simnet) and a real
/// node's (node_trace), so a trace reads the same whichever platform wrote it.

#include <cstdint>
#include <string_view>

#include "troupe/runtime/trace.hpp"
#include "troupe/trace/trace_writer.hpp"

namespace troupe::trace {

/// An event about one actor with one detail: `spawn` (parent), `stop`, `crash`, `restart`
/// (reason), `timer` (key).
void write_actor_event(trace_writer& writer, std::int64_t time_ns, std::string_view pod,
                       std::string_view kind, std::string_view actor,
                       std::string_view detail_key, std::string_view detail);

/// `send`: `message.trace_id` and `message.lamport` are already assigned.
void write_send(trace_writer& writer, std::int64_t time_ns, std::string_view pod,
                const envelope& message, std::string_view from, std::string_view to_pod,
                std::string_view to, std::string_view summary);

/// `deliver`, with the receiver's Lamport clock after the delivery.
void write_deliver(trace_writer& writer, std::int64_t time_ns, std::string_view pod,
                   const envelope& message, std::string_view from_pod, std::string_view from,
                   std::string_view to, std::uint64_t lamport);

/// `drop`, recorded on the intended receiver's pod.
void write_drop(trace_writer& writer, std::int64_t time_ns, const envelope& message,
                std::string_view from_pod, std::string_view from, std::string_view to_pod,
                std::string_view to, drop_reason reason);

void write_log(trace_writer& writer, std::int64_t time_ns, std::string_view pod,
               std::string_view actor, std::string_view level, std::string_view text);

/// An application event: `json_members` are its members as JSON text without braces.
void write_record(trace_writer& writer, std::int64_t time_ns, std::string_view pod,
                  std::string_view event, std::string_view json_members);

}  // namespace troupe::trace
