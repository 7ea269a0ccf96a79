#pragma once
/// The HTTP management endpoint of a node (`--management HOST:PORT`): `GET /alive` and
/// `GET /ready` for Kubernetes probes and `troupe pods` (docs/transport.md, "Management
/// endpoint"). A deliberately small HTTP/1.1 server on Asio: one request per connection,
/// a bounded request head, a deadline per connection, a bound on open connections; anything
/// else gets an error status and the connection is closed.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "troupe/net/address.hpp"
#include "troupe/net/tcp_transport.hpp"

namespace troupe::net {

/// The answer to a probe: 200 with `text` when `ok`, else 503 with `text`.
struct probe_answer {
  bool ok = false;
  std::string text;  ///< one line, e.g. "up" or "not ready: joining"
};

/// Answers a probe. Called on the server's I/O thread; must be quick and thread-safe with
/// respect to the node's other threads (read atomics or take a short lock).
using probe_function = std::function<probe_answer()>;

/// Largest request head (request line and headers) read; a longer one gets 431.
inline constexpr std::size_t management_request_bytes_max = 8 * 1024;
/// Connections open at once; more are closed at accept.
inline constexpr std::size_t management_connections_max = 64;

/// Settings of the management server. Durations are nanoseconds.
struct management_config {
  address listen{"127.0.0.1", 0};  ///< port 0: the kernel picks
  probe_function alive;            ///< answers GET /alive
  probe_function ready;            ///< answers GET /ready
  std::size_t request_bytes_max = management_request_bytes_max;
  std::size_t connections_max = management_connections_max;
  /// A connection that has not received its request head and written the answer within
  /// this time is closed.
  std::int64_t request_timeout_ns = 5'000'000'000;
  /// Where log lines go (bad requests, a full connection table); empty: nowhere.
  log_function log;
};

/// Counters for tests; read with management_server::counters().
struct management_counters {
  std::uint64_t requests_answered = 0;   ///< answers written, any status
  std::uint64_t bad_requests = 0;        ///< answers 400, 405, 414, 431
  std::uint64_t timeouts = 0;            ///< connections closed by the deadline
  std::uint64_t refused = 0;             ///< connections closed at accept (table full)
};

/// An HTTP/1.1 server for the probes, on an I/O thread of its own.
///
/// Routes: `GET /alive`, `GET /ready` (a query string is ignored; `HEAD` too, without a
/// body). Other paths: 404; other methods: 405; a request line or header that is not
/// HTTP/1.x: 400; a head over `request_bytes_max`: 431. Every answer carries
/// `Connection: close` and the server closes the connection after writing it.
class management_server {
 public:
  explicit management_server(management_config config);
  /// Stops if still running.
  ~management_server();
  management_server(const management_server&) = delete;
  management_server& operator=(const management_server&) = delete;

  /// Binds, listens and starts the I/O thread. Returns "" or why not (address in use ...).
  /// Call once, from the owner's thread.
  [[nodiscard]] std::string start();
  /// The bound port (the kernel's choice when the configured port was 0).
  [[nodiscard]] std::uint16_t local_port() const;
  /// Closes the listener and every connection and joins the I/O thread. Idempotent; from
  /// the owner's thread.
  void stop();
  [[nodiscard]] management_counters counters() const;

  class impl;

 private:
  std::shared_ptr<impl> impl_;
};

}  // namespace troupe::net
