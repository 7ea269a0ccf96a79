#pragma once
/// \file trace.hpp
/// Reads a trace (docs/trace-format.md, version 1) into the events the checkers need:
/// the operation history, messages, faults, membership views and singleton lives. Other event kinds are
/// skipped. Any thread may call these functions; they share no state.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "troupe/checkers/history.hpp"
#include "troupe/checkers/result.hpp"

namespace troupe::checkers {

/// The highest trace format version this reader understands.
inline constexpr int trace_version_max = 1;

/// Line 1 of a trace.
struct trace_header {
  int version = 0;                ///< format version, 1..trace_version_max.
  std::uint64_t seed = 0;         ///< the run's seed (0 for real runs).
  std::string scenario;           ///< the scenario's name.
  std::string build;              ///< version and git revision of the writer.
  std::string platform;           ///< "simnet", "pods" or "tcp".
  std::vector<std::string> pods;  ///< pods that exist at time 0.
};

/// A `send`, `deliver` or `drop` event.
struct message_event {
  /// Which of the three events this is.
  enum class kind { send, deliver, drop };
  kind what = kind::send;
  std::uint64_t seq = 0;  ///< the event's seq.
  std::int64_t t = 0;     ///< the event's virtual time, nanoseconds.
  std::string pod;        ///< sender's pod for send; receiver's pod for deliver and drop.
  std::uint64_t id = 0;   ///< message id.
  std::string from;       ///< sending actor path ("" when not an actor).
  std::string to;         ///< receiving actor path.
  std::string peer_pod;   ///< `to_pod` of a send, `from_pod` of a deliver or drop.
  std::string type;       ///< message type name.
  std::string reason;     ///< drop reason ("" for send and deliver).
};

/// A `fault` event. Fields absent from the event stay empty.
struct fault_event {
  std::uint64_t seq = 0;  ///< the event's seq.
  std::int64_t t = 0;     ///< the event's virtual time, nanoseconds.
  std::string pod;        ///< "" when the fault concerns no single pod.
  std::string kind;       ///< partition, heal, kill, restart, stop, scale, skew, pause, ...
  std::vector<std::string> added;    ///< `scale` only.
  std::vector<std::string> removed;  ///< `scale` only.
  nlohmann::json raw;                ///< the whole event, for fields not listed here.
};

/// A `member` event: `pod` saw `member` move to `status`.
struct member_event {
  std::uint64_t seq = 0;  ///< the event's seq.
  std::int64_t t = 0;     ///< the event's virtual time, nanoseconds.
  std::string pod;        ///< the pod whose view changed.
  std::string member;     ///< the member it changed about.
  std::string status;     ///< joining, up, leaving, exiting, removed, unreachable, reachable, down.
};

/// A `singleton` event: `pod` started or stopped its instance of the cluster singleton `name`.
struct singleton_event {
  std::uint64_t seq = 0;  ///< the event's seq.
  std::int64_t t = 0;     ///< the event's virtual time, nanoseconds.
  std::string pod;        ///< the pod whose instance started or stopped.
  std::string name;       ///< the singleton's name (one cluster may run several).
  bool started = false;   ///< true: `state` "started"; false: "stopped".
};

/// An `entity_start` or `entity_stop` event of a shard region (cluster sharding).
struct entity_event {
  std::uint64_t seq = 0;       ///< the event's seq.
  std::int64_t t = 0;          ///< the event's virtual time, nanoseconds.
  std::string pod;             ///< the pod whose region started or stopped the instance.
  std::string type;            ///< the entity type (the sharding's type name).
  std::string entity;          ///< the entity id.
  std::uint64_t instance = 0;  ///< the instance number, unique per pod incarnation.
  bool started = false;        ///< true: entity_start; false: entity_stop.
};

/// A `shard_start` or `shard_stop` event of a shard region: `pod` began or ended hosting
/// `shard` of the entity type `type`.
struct shard_event {
  std::uint64_t seq = 0;    ///< the event's seq.
  std::int64_t t = 0;       ///< the event's virtual time, nanoseconds.
  std::string pod;          ///< the pod whose region started or stopped hosting the shard.
  std::string type;         ///< the entity type (the sharding's type name).
  std::uint64_t shard = 0;  ///< the shard number.
  bool started = false;     ///< true: shard_start; false: shard_stop.
};

/// An `entity_route` event of a shard region: one step of one message to an entity
/// (docs/trace-format.md). Optional members absent from the event stay empty or 0.
struct entity_route_event {
  std::uint64_t seq = 0;       ///< the event's seq.
  std::int64_t t = 0;          ///< the event's virtual time, nanoseconds.
  std::string pod;             ///< the pod whose region took the step.
  std::string type;            ///< the entity type (the sharding's type name).
  std::string entity;          ///< the entity id.
  std::string message;         ///< `entity_message`: the message's identity, e.g. "kv-0/0/17".
  std::string step;            ///< accepted, received, buffered, forwarded, delivered, dropped.
  std::string reason;          ///< `dropped` only.
  std::string to_pod;          ///< `forwarded` only: the region it was sent to.
  std::uint64_t message_id = 0;  ///< the runtime message (`send` id) the step links to; 0: none.
  std::uint64_t instance = 0;    ///< `delivered` only: the entity instance.
};

/// The parts of one trace the checkers read.
struct trace {
  trace_header header;                  ///< line 1.
  history operations;                   ///< in invoke order.
  std::vector<message_event> messages;  ///< in trace order.
  std::vector<fault_event> faults;      ///< in trace order.
  std::vector<member_event> members;    ///< in trace order.
  std::vector<singleton_event> singletons;  ///< in trace order.
  std::vector<entity_event> entities;       ///< in trace order.
  std::vector<shard_event> shards;          ///< in trace order.
  std::vector<entity_route_event> routes;   ///< in trace order.
  std::uint64_t last_seq = 0;           ///< `seq` of the last event (0 when there is none).
  std::int64_t last_t = 0;              ///< `t` of the last event (0 when there is none).
  std::size_t event_count = 0;          ///< events after the header, of every kind.
};

/// Parses trace lines (line 1 is the header; no trailing '\n' needed on each). Errors name
/// the 1-based line: invalid JSON, a missing or mistyped required field, a version greater
/// than `trace_version_max`, `seq` not increasing by one, `t` decreasing, an operation
/// completed twice or without an invoke. An invoke without a completion becomes `info`.
[[nodiscard]] result<trace> read_trace_lines(const std::vector<std::string>& lines);

/// Reads and parses the trace file at `path` (see `read_trace_lines`).
[[nodiscard]] result<trace> read_trace_file(const std::string& path);

}  // namespace troupe::checkers
