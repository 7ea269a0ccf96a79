#pragma once
/// The trace of one real node process (`troupe node --trace FILE`): the runtime's events of
/// its actor system as JSON Lines (docs/trace-format.md), on the real clock. Several nodes'
/// files are merged by time into one trace (`troupe pods`), so times share an origin (the
/// epoch) and message ids carry the node's prefix.

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "troupe/runtime/trace.hpp"
#include "troupe/trace/trace_writer.hpp"

namespace troupe::trace {

/// Bits of a message id below the node's prefix: a node numbers its messages 1 .. 2^40 - 1.
inline constexpr int message_id_counter_bits = 40;
/// Prefixes are below 2^24, so that prefix and counter fit 64 bits.
inline constexpr std::uint64_t message_id_prefix_max = (std::uint64_t{1} << 24) - 1;

/// A message id prefix unique per (node number, incarnation) as long as node numbers are
/// unique in the run and below 2^16: `node_number << 8 | incarnation % 256`.
[[nodiscard]] std::uint64_t message_id_prefix(std::uint32_t node_number, std::uint64_t incarnation);

/// What a node's trace says about the node in its header, and where it goes.
struct node_trace_config {
  std::string path;               ///< the trace file (created or truncated)
  std::string pod;                ///< this node's name, the `pod` of its events
  std::string scenario;           ///< the scenario's name ("" when the node runs none)
  std::vector<std::string> pods;  ///< the header's `pods`: the run's pods at time 0
  std::string platform = "tcp";   ///< the header's `platform`
  /// Time 0 of the trace as Unix time in nanoseconds (the same for every node of a run);
  /// 0: the moment the trace is opened.
  std::int64_t epoch_ns = 0;
  std::uint64_t incarnation = 1;  ///< this process's incarnation of the pod (1, 2, ...)
  /// The high bits of every message id this node assigns (message_id_prefix()); at most
  /// message_id_prefix_max.
  std::uint64_t message_id_prefix = 0;
};

/// A trace_sink for a node whose actors run on a thread pool: every event is written under
/// one mutex, so lines are whole, `seq` increases by one and `t` never decreases. `t` is the
/// steady clock's time since the epoch (the wall clock is read once, at the start, so a
/// clock step does not reorder the file). Lines are buffered; flush() writes them (the
/// node calls it periodically and at exit), so a killed node's file ends at a line
/// boundary, missing at most the events since the last flush. Thread-safe.
class node_trace final : public trace_sink {
 public:
  /// Opens the file and writes the header; see ok().
  explicit node_trace(node_trace_config config);
  ~node_trace() override;
  node_trace(const node_trace&) = delete;
  node_trace& operator=(const node_trace&) = delete;

  /// False when the file could not be opened or a write failed.
  [[nodiscard]] bool ok() const;
  /// Writes the buffered lines to the file. Any thread.
  void flush();
  /// The trace time of now: nanoseconds since the epoch. Any thread.
  [[nodiscard]] std::int64_t now_ns() const;
  /// Events written so far (the header not counted).
  [[nodiscard]] std::uint64_t events() const;
  /// Writes a `log` event of the node itself (not an actor's): actor "", e.g. a transport
  /// line "authenticated kv-1". Any thread.
  void log(std::string_view actor, std::string_view level, std::string_view text);

  void on_spawn(std::string_view actor, std::string_view parent) override;
  void on_stop(std::string_view actor, std::string_view reason) override;
  void on_crash(std::string_view actor, std::string_view reason) override;
  void on_restart(std::string_view actor, std::string_view reason) override;
  void on_send(envelope& message, std::string_view from, std::string_view to_node,
               std::string_view to) override;
  void on_deliver(const envelope& message, std::string_view from_node, std::string_view from,
                  std::string_view to) override;
  void on_drop(const envelope& message, std::string_view from_node, std::string_view from,
               std::string_view to_node, std::string_view to, drop_reason reason) override;
  void on_timer(std::string_view actor, std::string_view key) override;
  void on_log(std::string_view actor, std::string_view level, std::string_view text) override;
  void on_record(std::string_view event, std::string_view json_members) override;

 private:
  /// Time since the epoch; called with mutex_ held, so that times follow file order.
  std::int64_t time_locked();

  node_trace_config config_;
  std::chrono::steady_clock::time_point origin_;  ///< steady time of `offset_ns_`
  std::int64_t offset_ns_ = 0;                    ///< trace time at `origin_`
  mutable std::mutex mutex_;
  trace_writer writer_;           // guarded by mutex_
  std::int64_t last_t_ = 0;       // guarded by mutex_
  std::uint64_t lamport_ = 0;     // guarded by mutex_
  std::uint64_t last_message_ = 0;  // guarded by mutex_
};

}  // namespace troupe::trace
