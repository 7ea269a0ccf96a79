#pragma once
/// The TCP transport: actor systems on different processes (or machines) talk through it
/// (docs/transport.md). It implements the runtime's `transport` seam with Asio on a thread
/// of its own, the wire protocol of runtime/wire (frames, HMAC handshake, envelopes), one
/// connection per pair of nodes, bounded outbound queues, heartbeats, reconnects with
/// exponential backoff and goodbye on graceful shutdown.
///
/// Lifetime: construct the transport before the actor system and `start` it with the
/// system; before the system is destroyed, call `stop` (after the system's shutdown, so that
/// the death-watch notices of its actors still go out).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "troupe/net/address.hpp"
#include "troupe/runtime/remote.hpp"
#include "troupe/wire/frame.hpp"
#include "troupe/wire/handshake.hpp"

namespace troupe {
class actor_system;
}

namespace troupe::net {

/// Receives one log line (no trailing newline) per notable connection event: a peer
/// authenticated, a connection closed with its reason, a message dropped. Called on the
/// transport's I/O thread; must be thread-safe with respect to the caller's own threads.
using log_function = std::function<void(std::string_view line)>;

/// Default bound on messages waiting in one peer's outbound queue (not yet written to the
/// socket). A send beyond it returns send_result::queue_full.
inline constexpr std::size_t default_outbound_queue_messages = 65'536;
/// Default bound on bytes (frames) waiting in one peer's outbound queue. A peer's memory is at
/// most twice this: the queue plus the batch being written.
inline constexpr std::size_t default_outbound_queue_bytes = std::size_t{32} << 20;
/// Default bound on open connections (authenticated or not); more are closed at accept.
inline constexpr std::size_t default_connections_max = 1024;
/// Default time the I/O thread polls after work before it blocks (tcp_transport_config).
inline constexpr std::int64_t default_io_spin_ns = 50'000;
/// Bytes read from a socket at once after the handshake.
inline constexpr std::size_t read_chunk_bytes = 64 * 1024;

/// Settings of one transport. Durations are nanoseconds.
struct tcp_transport_config {
  std::string node_name;  ///< this node's name, 1 to 255 bytes ("kv-0")
  address listen{"127.0.0.1", 0};  ///< where to accept peers; port 0: the kernel picks
  std::vector<address> seeds;      ///< peers to dial at start (their names come from the handshake)
  std::vector<std::byte> secret;   ///< the cluster secret, not empty
  std::int64_t handshake_timeout_ns = wire::default_handshake_timeout_ns;
  std::int64_t heartbeat_interval_ns = 1'000'000'000;  ///< a heartbeat frame when idle this long
  std::int64_t peer_timeout_ns = 5'000'000'000;  ///< silence that closes an established connection
  std::int64_t down_after_ns = 5'000'000'000;    ///< disconnected this long: node_down
  std::int64_t reconnect_backoff_min_ns = 100'000'000;   ///< first reconnect delay
  std::int64_t reconnect_backoff_max_ns = 5'000'000'000; ///< the delay doubles up to this
  std::int64_t tick_interval_ns = 50'000'000;  ///< granularity of the timeouts above
  /// After work, the I/O thread polls its sockets (yielding the core between polls) this
  /// long before it blocks: 0 blocks at once (least CPU), more saves the wake-up of a
  /// blocked thread (tens of microseconds on a virtual machine) inside bursts.
  std::int64_t io_spin_ns = default_io_spin_ns;
  std::size_t outbound_queue_messages = default_outbound_queue_messages;
  std::size_t outbound_queue_bytes = default_outbound_queue_bytes;
  std::size_t max_frame_bytes = wire::default_max_frame_bytes;  ///< after the handshake
  std::size_t connections_max = default_connections_max;
  /// Where log lines go; empty: standard error, prefixed with "troupe-net <node>: ".
  log_function log;
};

/// Counters for tests and benchmarks; read with tcp_transport::counters().
struct transport_counters {
  std::uint64_t messages_sent = 0;      ///< user and system messages queued for a peer
  std::uint64_t messages_received = 0;  ///< user and system messages handed to the system
  std::uint64_t queue_full = 0;         ///< sends refused because a queue was full
  std::uint64_t connections_accepted = 0;
  std::uint64_t connections_authenticated = 0;
  std::uint64_t connections_closed = 0;
};

/// A TCP transport. Thread-safe: send_* from any thread; the rest from the owner's thread.
class tcp_transport final : public transport {
 public:
  explicit tcp_transport(tcp_transport_config config);
  /// Stops at once if still running (like stop with no grace).
  ~tcp_transport() override;
  tcp_transport(const tcp_transport&) = delete;
  tcp_transport& operator=(const tcp_transport&) = delete;

  /// Binds the listening socket, attaches to `system` (attach_transport), starts the I/O
  /// thread and dials the seeds. Returns an empty string, or why it failed (the address
  /// is in use ...). Call once.
  [[nodiscard]] std::string start(actor_system& system);
  /// The port accepting peers (the kernel's choice when the configured port was 0).
  [[nodiscard]] std::uint16_t local_port() const;

  send_result send_user(std::string_view node, wire::user_envelope&& message) override;
  /// Encodes the viewed fields straight into the peer's outbound queue (no owning copy).
  send_result send_user_view(std::string_view node,
                             const wire::user_envelope_view& message) override;
  send_result send_system(std::string_view node, wire::system_envelope&& message) override;

  /// Dials these addresses too, as it dials the seeds (reconnecting with backoff while the
  /// transport runs); addresses dialled already are skipped, and at most `connections_max`
  /// addresses are dialled in all (the rest are logged and dropped). For discovery, which
  /// finds peers after the start. Any thread, after `start`.
  void add_seeds(std::vector<address> seeds);
  /// True when an authenticated connection to `node` is open.
  [[nodiscard]] bool connected(std::string_view node) const;
  /// The names of the nodes connected now, sorted.
  [[nodiscard]] std::vector<std::string> connected_nodes() const;
  [[nodiscard]] transport_counters counters() const;

  /// Graceful stop: stops accepting and dialing, sends goodbye to every peer after what is
  /// queued for it, waits up to `grace` for those bytes to leave, then closes everything
  /// and joins the I/O thread. Nothing is delivered to the system afterwards and sends
  /// return unreachable. Returns true if every queue was flushed in time. Idempotent.
  bool stop(std::chrono::nanoseconds grace);
  /// Closes every connection at once without goodbye, as a crashed process would, and
  /// joins the I/O thread. For tests of failure detection.
  void abort();

  class impl;

 private:
  std::shared_ptr<impl> impl_;
};

}  // namespace troupe::net
