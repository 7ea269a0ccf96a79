#pragma once
// One TCP connection of a tcp_transport and the state per peer node (private to runtime/net).
// Everything here is touched by the transport's I/O thread only, except the fields marked
// "guarded by impl::mutex_", which senders on other threads read or write under that lock.

#include <asio.hpp>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "frame_reader.hpp"
#include "troupe/net/address.hpp"
#include "troupe/runtime/remote.hpp"
#include "troupe/wire/frame.hpp"
#include "troupe/wire/handshake.hpp"

namespace troupe::net::detail {

struct peer;

/// Where a connection stands.
enum class connection_state : std::uint8_t { connecting, handshaking, established, closed };

struct connection {
  connection(asio::io_context& io, std::uint64_t id, bool outgoing)
      : socket(io), id(id), outgoing(outgoing) {}

  asio::ip::tcp::socket socket;
  const std::uint64_t id;      // counter, for logs and the connection table
  const bool outgoing;         // true: we dialled
  std::optional<std::size_t> slot;  // the dial slot (seed) this outgoing connection serves
  std::string remote;          // "127.0.0.1:41234", for log lines
  connection_state state = connection_state::connecting;
  std::int64_t deadline_ns = 0;  // connect + handshake must finish by then

  // Handshake phase: exact reads of one header, then one payload, so that no byte after
  // the last handshake frame is read with the handshake's frame bound.
  std::optional<wire::handshake> handshake;
  wire::frame_decoder decoder{{.max_frame_bytes = wire::handshake_max_frame_bytes}};
  std::array<std::byte, wire::frame_header_bytes> header{};
  std::vector<std::byte> read_buffer;
  std::vector<wire::frame> frames;
  // Writes of the connection itself (handshake frames, a reject): one at a time.
  std::vector<std::byte> direct_writing;
  std::vector<std::byte> direct_pending;
  bool direct_write_in_flight = false;
  bool establish_after_direct_write = false;
  std::optional<std::string> close_after_direct_write;  // the reason to log then

  // Established phase.
  std::optional<frame_reader> reader;  // from authentication on: frames cut in place
  // The receiver and sender of the last user message delivered from this connection; holds
  // references to cells of the system: cleared when the connection closes and at stop.
  inbound_cache inbound;
  std::string peer_name;
  std::uint64_t peer_incarnation = 0;
  std::shared_ptr<peer> owner;
  std::int64_t last_receive_ns = 0;
  std::int64_t last_send_ns = 0;
  bool confirmed = false;  // in use for sending (a server waits for the client's first frame)
  bool goodbye_received = false;
  bool close_when_flushed = false;  // stopping: close once the goodbye is written
  std::vector<std::byte> write_buffer;  // the batch being written
  bool write_in_flight = false;         // guarded by impl::mutex_
};

/// What this node knows about one other node, by name.
struct peer {
  explicit peer(std::string name) : name(std::move(name)) {}
  const std::string name;

  // Guarded by impl::mutex_.
  std::vector<std::byte> pending;  // encoded frames not yet handed to the socket
  std::size_t pending_messages = 0;
  std::shared_ptr<connection> active;  // the one authenticated connection in use
  bool flush_posted = false;           // a flush of this peer is queued on the I/O thread
  bool down = false;                   // declared down; sends fail until it reconnects

  // I/O thread only.
  std::shared_ptr<connection> current;  // the chosen connection, confirmed or not yet
  std::uint64_t incarnation = 0;         // 0: never authenticated
  std::int64_t disconnected_since_ns = -1;  // >= 0: lost, not yet declared down
};

/// An address to dial (a seed), and its reconnect state. I/O thread only.
struct dial_slot {
  address target;
  std::string name;  // learned in the first handshake
  bool self = false;  // the address turned out to be this node
  bool dialing = false;
  std::int64_t next_dial_ns = 0;
  std::int64_t backoff_ns = 0;
  std::uint64_t failures = 0;  // dials in a row that did not authenticate
};

}  // namespace troupe::net::detail
