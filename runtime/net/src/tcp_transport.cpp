// The TCP transport (tcp_transport.hpp, docs/transport.md).
//
// Threads: one I/O thread runs the io_context: accepting, dialing, handshakes, reading,
// writing, the periodic tick (timeouts, heartbeats, reconnects, failure detection) and the
// delivery of inbound envelopes to the actor system. Senders on any thread encode their
// envelope into a frame and append it to the peer's outbound buffer under `mutex_`; the I/O
// thread swaps that buffer out and writes it as one batch, so a burst of sends costs one
// system call.

#include "troupe/net/tcp_transport.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "connection.hpp"
#include "troupe/runtime/assert.hpp"
#include "troupe/runtime/system.hpp"
#include "troupe/wire/envelope.hpp"

namespace troupe::net {

using detail::connection;
using detail::connection_state;
using detail::dial_slot;
using detail::peer;
using connection_ptr = std::shared_ptr<connection>;
using peer_ptr = std::shared_ptr<peer>;

namespace {

std::int64_t steady_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string endpoint_text(const asio::ip::tcp::socket& socket, bool remote) {
  asio::error_code error;
  const auto endpoint = remote ? socket.remote_endpoint(error) : socket.local_endpoint(error);
  if (error) return "?";
  return address{endpoint.address().to_string(), endpoint.port()}.to_string();
}

std::uint32_t header_payload_length(const std::array<std::byte, wire::frame_header_bytes>& h) {
  std::uint32_t length = 0;
  for (int i = 3; i >= 0; --i) length = (length << 8) | std::to_integer<std::uint32_t>(h[10 + i]);
  return length;
}

std::uint64_t fresh_incarnation() {
  wire::nonce bytes{};
  TROUPE_ASSERT(wire::random_nonce(bytes));
  std::uint64_t value = 0;
  for (int i = 0; i < 8; ++i) value = (value << 8) | std::to_integer<std::uint64_t>(bytes[i]);
  return value == 0 ? 1 : value;
}

std::string milliseconds_text(std::int64_t ns) { return std::to_string(ns / 1'000'000) + " ms"; }

}  // namespace

class tcp_transport::impl {
 public:
  impl(tcp_transport& outer, tcp_transport_config config)
      : outer_(outer), config_(std::move(config)), incarnation_(fresh_incarnation()) {
    TROUPE_ASSERT(!config_.node_name.empty() &&
                  config_.node_name.size() <= wire::max_node_name_bytes);
    TROUPE_ASSERT(!config_.secret.empty());
    TROUPE_ASSERT(config_.tick_interval_ns > 0);
    for (const auto& seed : config_.seeds) slots_.push_back(dial_slot{.target = seed, .name = {}});
  }

  std::string start(actor_system& system);
  std::uint16_t local_port() const { return port_; }
  /// Encodes `envelope` as a frame at the end of the peer's queue. Any thread.
  template <class Envelope>
  send_result send(std::string_view node, wire::frame_type type, const Envelope& envelope);
  bool connected(std::string_view node) const;
  std::vector<std::string> connected_nodes() const;
  transport_counters counters() const;
  bool stop(std::chrono::nanoseconds grace);
  void abort();

  const tcp_transport_config& config() const { return config_; }
  /// Posts the new addresses to the I/O thread, which dials them like seeds. Any thread.
  void add_seeds(std::vector<address> seeds) {
    asio::post(io_, [this, seeds = std::move(seeds)] {
      for (const auto& seed : seeds) {
        const bool known = std::any_of(slots_.begin(), slots_.end(),
                                       [&](const dial_slot& slot) { return slot.target == seed; });
        if (known || stopping_) continue;
        // Bounded like the connections: discovery of a huge service does not grow the table.
        if (slots_.size() >= config_.connections_max) {
          log("not dialling " + seed.to_string() + ": " +
              std::to_string(config_.connections_max) + " addresses are dialled already");
          continue;
        }
        slots_.push_back(dial_slot{.target = seed, .name = {}});
        dial(slots_.size() - 1);
      }
    });
  }
  /// A watch for `node` could not be sent: tells the system the node is down. Any thread.
  void unreachable(std::string_view node) {
    if (system_ != nullptr) system_->node_down(node);
  }

 private:
  // -- logging and lifecycle ---------------------------------------------------------------
  void log(const std::string& line) const;
  void log_connection(const connection& c, const std::string& what) const;
  void join_io_thread();
  void run_io();

  // -- accepting and dialing ------------------------------------------------------------------
  void accept_next();
  void on_accepted(const connection_ptr& c);
  void dial(std::size_t slot_index);
  void on_dialled(const connection_ptr& c, std::size_t slot_index);
  void schedule_redial(std::size_t slot_index, bool success);

  // -- handshake ----------------------------------------------------------------------------
  void begin_handshake(const connection_ptr& c);
  void read_handshake_header(const connection_ptr& c);
  void read_handshake_payload(const connection_ptr& c, std::uint32_t length);
  void on_handshake_frame(const connection_ptr& c);
  void after_handshake_step(const connection_ptr& c);
  void write_direct(const connection_ptr& c, std::vector<std::byte> bytes);
  void on_direct_written(const connection_ptr& c, const asio::error_code& error);
  std::optional<std::string> refusal(const connection_ptr& c);
  void reserve(const connection_ptr& c);
  void on_authenticated(const connection_ptr& c);
  void activate(const connection_ptr& c);

  // -- established connections ----------------------------------------------------------------
  void read_established(const connection_ptr& c);
  void on_frame(const connection_ptr& c, const detail::frame_view& frame);
  void flush(const peer_ptr& p);
  void on_written(const connection_ptr& c, const asio::error_code& error);
  void close(const connection_ptr& c, const std::string& reason);
  void declare_down(const peer_ptr& p, const std::string& reason);

  // -- the tick -------------------------------------------------------------------------------
  void arm_tick();
  void on_tick();
  void tick_connection(const connection_ptr& c, std::int64_t now);
  void queue_heartbeat(const connection_ptr& c);
  void begin_stop();

  peer_ptr find_or_create_peer(const std::string& name);  // caller holds mutex_

  tcp_transport& outer_;
  const tcp_transport_config config_;
  const std::uint64_t incarnation_;
  actor_system* system_ = nullptr;

  asio::io_context io_;
  asio::ip::tcp::acceptor acceptor_{io_};
  asio::steady_timer tick_timer_{io_};
  std::thread io_thread_;
  std::uint16_t port_ = 0;
  asio::error_code ignored_;

  // I/O thread only.
  std::map<std::uint64_t, connection_ptr> connections_;
  std::vector<dial_slot> slots_;
  std::uint64_t next_connection_id_ = 1;
  bool stopping_ = false;

  // Guarded by mutex_: the peer table and every peer's outbound queue.
  mutable std::mutex mutex_;
  std::map<std::string, peer_ptr, std::less<>> peers_;
  bool accepting_sends_ = false;

  std::mutex stop_mutex_;  // serialises stop() and abort()
  bool started_ = false;
  bool stopped_ = false;
  std::mutex drained_mutex_;
  std::condition_variable drained_;
  bool all_closed_ = false;  // guarded by drained_mutex_

  std::atomic<std::uint64_t> messages_sent_{0};
  std::atomic<std::uint64_t> messages_received_{0};
  std::atomic<std::uint64_t> queue_full_{0};
  std::atomic<std::uint64_t> connections_accepted_{0};
  std::atomic<std::uint64_t> connections_authenticated_{0};
  std::atomic<std::uint64_t> connections_closed_{0};
};

// -- lifecycle ------------------------------------------------------------------------------

std::string tcp_transport::impl::start(actor_system& system) {
  std::lock_guard stop_lock(stop_mutex_);
  TROUPE_ASSERT_MSG(!started_, "tcp_transport::start called twice");
  asio::error_code error;
  auto host = asio::ip::make_address(config_.listen.host, error);
  if (error) {
    asio::ip::tcp::resolver resolver(io_);
    auto found = resolver.resolve(config_.listen.host, "", error);
    if (error || found.empty())
      return "cannot resolve listen host '" + config_.listen.host + "': " + error.message();
    host = found.begin()->endpoint().address();
  }
  const asio::ip::tcp::endpoint endpoint(host, config_.listen.port);
  acceptor_.open(endpoint.protocol(), error);
  if (!error) acceptor_.set_option(asio::socket_base::reuse_address(true), error);
  if (!error) acceptor_.bind(endpoint, error);
  if (!error) acceptor_.listen(asio::socket_base::max_listen_connections, error);
  if (error) {
    acceptor_.close(ignored_);
    return "cannot listen on " + config_.listen.to_string() + ": " + error.message();
  }
  port_ = acceptor_.local_endpoint(error).port();
  system_ = &system;
  system.attach_transport(outer_);
  {
    std::lock_guard lock(mutex_);
    accepting_sends_ = true;
  }
  started_ = true;
  accept_next();
  arm_tick();
  asio::post(io_, [this] { on_tick(); });  // dial the seeds at once
  io_thread_ = std::thread([this] { run_io(); });
  return {};
}

bool tcp_transport::impl::stop(std::chrono::nanoseconds grace) {
  std::lock_guard stop_lock(stop_mutex_);
  if (!started_ || stopped_) return true;
  asio::post(io_, [this] { begin_stop(); });
  bool flushed = false;
  {
    std::unique_lock lock(drained_mutex_);
    flushed = drained_.wait_for(lock, grace, [this] { return all_closed_; });
  }
  {
    std::lock_guard lock(mutex_);
    accepting_sends_ = false;
  }
  io_.stop();
  join_io_thread();
  stopped_ = true;
  return flushed;
}

void tcp_transport::impl::abort() {
  std::lock_guard stop_lock(stop_mutex_);
  if (!started_ || stopped_) return;
  {
    std::lock_guard lock(mutex_);
    accepting_sends_ = false;
  }
  io_.stop();
  // The I/O thread is gone after this: closing here races with nothing. No goodbye, no flush.
  join_io_thread();
  asio::error_code ignored;
  acceptor_.close(ignored);
  for (auto& [id, c] : connections_) c->socket.close(ignored);
  connections_.clear();
  stopped_ = true;
}

void tcp_transport::impl::run_io() {
  // After each piece of work the thread polls (without blocking) for up to io_spin_ns before
  // it blocks in epoll: in a burst the next bytes or the next flush usually come within
  // microseconds, and waking a blocked thread costs tens of microseconds on a virtual
  // machine, paid at every turn of a conversation. Yielding while polling leaves the core to
  // any other runnable thread.
  if (config_.io_spin_ns <= 0) {
    io_.run();
    return;
  }
  std::int64_t last_work_ns = steady_now_ns();
  while (!io_.stopped()) {
    if (io_.poll() > 0) {
      last_work_ns = steady_now_ns();
      continue;
    }
    if (steady_now_ns() - last_work_ns < config_.io_spin_ns) {
      std::this_thread::yield();
      continue;
    }
    if (io_.run_one() > 0) last_work_ns = steady_now_ns();
  }
}

void tcp_transport::impl::join_io_thread() {
  if (io_thread_.joinable()) io_thread_.join();
  // The I/O thread is gone. Break the peer <-> connection cycles so that what is left is
  // freed with the transport (connections still open are closed by their destructors).
  std::lock_guard lock(mutex_);
  for (auto& [name, p] : peers_) {
    p->active.reset();
    p->current.reset();
  }
  for (auto& [id, c] : connections_) {
    c->owner.reset();
    c->inbound.clear();  // the system may be destroyed after stop: drop its cells now
  }
}

void tcp_transport::impl::begin_stop() {
  stopping_ = true;
  {
    // Nothing may follow the goodbye frames queued below.
    std::lock_guard lock(mutex_);
    accepting_sends_ = false;
  }
  asio::error_code ignored;
  acceptor_.close(ignored);
  std::vector<connection_ptr> all;
  for (auto& [id, c] : connections_) all.push_back(c);
  for (auto& c : all) {
    if (c->state != connection_state::established) {
      close(c, "this node is stopping");
      continue;
    }
    const peer_ptr p = c->owner;
    const auto goodbye = wire::to_bytes(std::string("node is shutting down"));
    bool active = false;
    {
      std::lock_guard lock(mutex_);
      active = p->active == c;
      if (active) wire::append_frame(p->pending, wire::frame_type::goodbye, goodbye);
    }
    if (!active) {
      close(c, "this node is stopping");
      continue;
    }
    c->close_when_flushed = true;
    flush(p);
  }
  if (connections_.empty()) {
    std::lock_guard lock(drained_mutex_);
    all_closed_ = true;
    drained_.notify_all();
  }
}

void tcp_transport::impl::log(const std::string& line) const {
  if (config_.log) {
    config_.log(line);
    return;
  }
  std::fprintf(stderr, "troupe-net %s: %s\n", config_.node_name.c_str(), line.c_str());
}

void tcp_transport::impl::log_connection(const connection& c, const std::string& what) const {
  std::string line = "peer " + c.remote;
  if (!c.peer_name.empty()) line += " (" + c.peer_name + ")";
  log(line + ": " + what);
}

// -- sending (any thread) ------------------------------------------------------------------------

template <class Envelope>
send_result tcp_transport::impl::send(std::string_view node, wire::frame_type type,
                                      const Envelope& envelope) {
  peer_ptr to_flush;
  {
    std::lock_guard lock(mutex_);
    if (!accepting_sends_) return send_result::unreachable;
    auto found = peers_.find(node);
    if (found == peers_.end() || found->second->down) return send_result::unreachable;
    peer& p = *found->second;
    if (p.pending_messages >= config_.outbound_queue_messages) {
      queue_full_.fetch_add(1, std::memory_order_relaxed);
      return send_result::queue_full;
    }
    // Encode straight into the queue (one copy of the payload, not two); a frame that
    // breaks a bound is cut off again.
    const std::size_t start = p.pending.size();
    wire::byte_writer writer;
    writer.buffer().swap(p.pending);
    wire::append_raw_frame_header(writer.buffer(), wire::protocol_version,
                                  static_cast<std::uint16_t>(type), 0, 0);
    wire::encode(writer, envelope);
    writer.buffer().swap(p.pending);
    const std::size_t frame_bytes = p.pending.size() - start;
    if (frame_bytes > config_.max_frame_bytes || p.pending.size() > config_.outbound_queue_bytes) {
      p.pending.resize(start);
      if (frame_bytes > config_.max_frame_bytes) return send_result::unreachable;
      queue_full_.fetch_add(1, std::memory_order_relaxed);
      return send_result::queue_full;
    }
    auto length = static_cast<std::uint32_t>(frame_bytes - wire::frame_header_bytes);
    for (std::size_t i = 0; i < 4; ++i, length >>= 8)
      p.pending[start + 10 + i] = static_cast<std::byte>(length & 0xff);
    ++p.pending_messages;
    if (p.active && !p.active->write_in_flight && !p.flush_posted) {
      p.flush_posted = true;
      to_flush = found->second;
    }
  }
  messages_sent_.fetch_add(1, std::memory_order_relaxed);
  if (to_flush) asio::post(io_, [this, to_flush] { flush(to_flush); });
  return send_result::queued;
}

bool tcp_transport::impl::connected(std::string_view node) const {
  std::lock_guard lock(mutex_);
  auto found = peers_.find(node);
  return found != peers_.end() && found->second->active != nullptr;
}

std::vector<std::string> tcp_transport::impl::connected_nodes() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> names;
  for (const auto& [name, p] : peers_)
    if (p->active) names.push_back(name);
  return names;
}

transport_counters tcp_transport::impl::counters() const {
  return {messages_sent_.load(), messages_received_.load(), queue_full_.load(),
          connections_accepted_.load(), connections_authenticated_.load(),
          connections_closed_.load()};
}

peer_ptr tcp_transport::impl::find_or_create_peer(const std::string& name) {
  auto found = peers_.find(name);
  if (found != peers_.end()) return found->second;
  auto created = std::make_shared<peer>(name);
  peers_.emplace(name, created);
  return created;
}

// -- accepting and dialing (I/O thread) ------------------------------------------------------------

void tcp_transport::impl::accept_next() {
  auto c = std::make_shared<connection>(io_, next_connection_id_++, false);
  acceptor_.async_accept(c->socket, [this, c](const asio::error_code& error) {
    if (error == asio::error::operation_aborted || stopping_) return;
    if (error) {
      log("accept failed: " + error.message());
      // Out of descriptors, say: try again at the next tick rather than spin.
      auto retry = std::make_shared<asio::steady_timer>(io_);
      retry->expires_after(std::chrono::nanoseconds(config_.tick_interval_ns));
      retry->async_wait([this, retry](const asio::error_code& e) {
        if (!e && !stopping_) accept_next();
      });
      return;
    }
    on_accepted(c);
    accept_next();
  });
}

void tcp_transport::impl::on_accepted(const connection_ptr& c) {
  connections_accepted_.fetch_add(1, std::memory_order_relaxed);
  c->remote = endpoint_text(c->socket, true);
  if (connections_.size() >= config_.connections_max) {
    log_connection(*c, "closed: too many connections (" +
                           std::to_string(config_.connections_max) + ")");
    asio::error_code ignored;
    c->socket.close(ignored);
    return;
  }
  connections_.emplace(c->id, c);
  wire::nonce server_nonce{};
  TROUPE_ASSERT(wire::random_nonce(server_nonce));
  const auto now = steady_now_ns();
  c->handshake.emplace(wire::handshake::server(
      {.node_name = config_.node_name, .incarnation = incarnation_, .secret = config_.secret,
       .timeout_ns = config_.handshake_timeout_ns, .protocol_version = wire::protocol_version,
       .expected_peer_name = std::nullopt},
      server_nonce, now));
  c->deadline_ns = c->handshake->deadline_ns();
  begin_handshake(c);
}

void tcp_transport::impl::dial(std::size_t slot_index) {
  dial_slot& slot = slots_[slot_index];
  slot.dialing = true;
  auto c = std::make_shared<connection>(io_, next_connection_id_++, true);
  c->slot = slot_index;
  c->remote = slot.target.to_string();
  c->peer_name = slot.name;
  c->deadline_ns = steady_now_ns() + config_.handshake_timeout_ns;
  connections_.emplace(c->id, c);
  asio::error_code error;
  const auto host = asio::ip::make_address(slot.target.host, error);
  if (!error) {
    c->socket.async_connect({host, slot.target.port}, [this, c, slot_index](const asio::error_code& e) {
      if (c->state == connection_state::closed) return;
      if (e) return close(c, "connect failed: " + e.message());
      on_dialled(c, slot_index);
    });
    return;
  }
  auto resolver = std::make_shared<asio::ip::tcp::resolver>(io_);
  resolver->async_resolve(
      slot.target.host, std::to_string(slot.target.port),
      [this, c, slot_index, resolver](const asio::error_code& e, auto results) {
        if (c->state == connection_state::closed) return;
        if (e) return close(c, "cannot resolve: " + e.message());
        asio::async_connect(c->socket, results,
                            [this, c, slot_index](const asio::error_code& e2, const auto&) {
                              if (c->state == connection_state::closed) return;
                              if (e2) return close(c, "connect failed: " + e2.message());
                              on_dialled(c, slot_index);
                            });
      });
}

void tcp_transport::impl::on_dialled(const connection_ptr& c, std::size_t slot_index) {
  c->remote = endpoint_text(c->socket, true);
  wire::nonce client_nonce{};
  TROUPE_ASSERT(wire::random_nonce(client_nonce));
  c->handshake.emplace(wire::handshake::client(
      {.node_name = config_.node_name, .incarnation = incarnation_, .secret = config_.secret,
       .timeout_ns = config_.handshake_timeout_ns, .protocol_version = wire::protocol_version,
       .expected_peer_name = std::nullopt},
      client_nonce, steady_now_ns()));
  c->deadline_ns = c->handshake->deadline_ns();
  (void)slot_index;
  begin_handshake(c);
}

void tcp_transport::impl::schedule_redial(std::size_t slot_index, bool success) {
  dial_slot& slot = slots_[slot_index];
  slot.dialing = false;
  slot.failures = success ? 0 : slot.failures + 1;
  if (success) {
    slot.backoff_ns = config_.reconnect_backoff_min_ns;
    slot.next_dial_ns = steady_now_ns();
    return;
  }
  if (slot.backoff_ns == 0) slot.backoff_ns = config_.reconnect_backoff_min_ns;
  slot.next_dial_ns = steady_now_ns() + slot.backoff_ns;
  slot.backoff_ns = std::min(slot.backoff_ns * 2, config_.reconnect_backoff_max_ns);
}

// -- handshake (I/O thread) ------------------------------------------------------------------------

void tcp_transport::impl::begin_handshake(const connection_ptr& c) {
  c->state = connection_state::handshaking;
  asio::error_code ignored;
  c->socket.set_option(asio::ip::tcp::no_delay(true), ignored);
  c->last_receive_ns = steady_now_ns();
  auto first = c->handshake->take_output();  // a client's hello; nothing for a server
  if (!first.empty()) write_direct(c, std::move(first));
  read_handshake_header(c);
}

void tcp_transport::impl::read_handshake_header(const connection_ptr& c) {
  asio::async_read(c->socket, asio::buffer(c->header),
                   [this, c](const asio::error_code& error, std::size_t) {
                     if (c->state != connection_state::handshaking) return;
                     if (error) return close(c, "during the handshake: " + error.message());
                     c->frames.clear();
                     const auto status = c->decoder.feed(c->header, c->frames);
                     if (status != wire::frame_error::none) {
                       // Tell the peer why (a reject), then close.
                       const std::string reason(wire::to_string(status));
                       c->close_after_direct_write = "during the handshake: " + reason;
                       c->handshake.reset();
                       c->deadline_ns = steady_now_ns();
                       return write_direct(c, wire::encode_reject_frame(
                                                  wire::reject_code::malformed, reason));
                     }
                     const std::uint32_t length = header_payload_length(c->header);
                     if (length == 0) return on_handshake_frame(c);
                     read_handshake_payload(c, length);
                   });
}

void tcp_transport::impl::read_handshake_payload(const connection_ptr& c, std::uint32_t length) {
  // The decoder accepted the header, so the length is within handshake_max_frame_bytes.
  c->read_buffer.resize(length);
  asio::async_read(c->socket, asio::buffer(c->read_buffer),
                   [this, c](const asio::error_code& error, std::size_t) {
                     if (c->state != connection_state::handshaking) return;
                     if (error) return close(c, "during the handshake: " + error.message());
                     c->frames.clear();
                     const auto status = c->decoder.feed(c->read_buffer, c->frames);
                     TROUPE_ASSERT(status == wire::frame_error::none);
                     on_handshake_frame(c);
                   });
}

void tcp_transport::impl::on_handshake_frame(const connection_ptr& c) {
  TROUPE_ASSERT(c->frames.size() == 1);
  c->last_receive_ns = steady_now_ns();
  const wire::frame& frame = c->frames.front();
  if (c->slot && frame.type == wire::frame_type::challenge) {
    // The server's name, before authentication: enough to stop redialing a seed that turns
    // out to be a node we are already connected to (see refusal()).
    wire::challenge_message challenge;
    if (wire::from_bytes(frame.payload, challenge)) slots_[*c->slot].name = challenge.node_name;
  }
  (void)c->handshake->on_frame(frame);
  after_handshake_step(c);
}

void tcp_transport::impl::after_handshake_step(const connection_ptr& c) {
  auto output = c->handshake->take_output();
  switch (c->handshake->status()) {
    case wire::handshake_status::in_progress:
      if (!output.empty()) write_direct(c, std::move(output));
      read_handshake_header(c);
      return;
    case wire::handshake_status::failed: {
      const auto& outcome = c->handshake->outcome();
      std::string reason = "handshake failed (" + std::string(wire::to_string(outcome.error)) +
                           "): " + outcome.reason;
      if (output.empty()) return close(c, reason);
      c->close_after_direct_write = std::move(reason);
      write_direct(c, std::move(output));
      return;
    }
    case wire::handshake_status::authenticated:
      if (auto why = refusal(c)) {
        if (!c->outgoing) {
          // Instead of welcome: the client sent nothing but handshake frames yet.
          c->close_after_direct_write = "refused: " + *why;
          write_direct(c, wire::encode_reject_frame(wire::reject_code::unexpected_peer, *why));
          return;
        }
        return close(c, "refused: " + *why);
      }
      if (!c->outgoing) reserve(c);
      if (output.empty() && !c->direct_write_in_flight) return on_authenticated(c);
      c->establish_after_direct_write = true;
      if (!output.empty()) write_direct(c, std::move(output));
      return;
  }
}

void tcp_transport::impl::write_direct(const connection_ptr& c, std::vector<std::byte> bytes) {
  c->direct_pending.insert(c->direct_pending.end(), bytes.begin(), bytes.end());
  if (c->direct_write_in_flight) return;
  c->direct_writing.swap(c->direct_pending);
  c->direct_pending.clear();
  c->direct_write_in_flight = true;
  asio::async_write(c->socket, asio::buffer(c->direct_writing),
                    [this, c](const asio::error_code& error, std::size_t) {
                      on_direct_written(c, error);
                    });
}

void tcp_transport::impl::on_direct_written(const connection_ptr& c, const asio::error_code& error) {
  c->direct_write_in_flight = false;
  c->direct_writing.clear();
  if (c->state == connection_state::closed) return;
  if (error) return close(c, c->close_after_direct_write.value_or("write failed: " + error.message()));
  if (!c->direct_pending.empty()) return write_direct(c, {});
  if (c->close_after_direct_write) return close(c, *c->close_after_direct_write);
  if (c->establish_after_direct_write) {
    c->establish_after_direct_write = false;
    on_authenticated(c);
  }
}

std::optional<std::string> tcp_transport::impl::refusal(const connection_ptr& c) {
  const auto& identity = *c->handshake->outcome().peer;
  if (identity.node_name == config_.node_name) {
    if (c->slot) slots_[*c->slot].self = true;
    return "this is this node's own address (or a node with the same name)";
  }
  // One connection per pair: of two nodes, the one with the smaller name decides which
  // connection they use (the first it accepts), and refuses any other while that one lives.
  // The other node follows: a server does not use a connection until the client's first
  // frame shows that the client kept it; a client uses it once welcomed.
  if (config_.node_name > identity.node_name) return std::nullopt;
  std::lock_guard lock(mutex_);
  auto found = peers_.find(identity.node_name);
  if (found == peers_.end()) return std::nullopt;
  const connection_ptr& current = found->second->current;
  if (!current || current->state == connection_state::closed ||
      current->peer_incarnation != identity.incarnation)
    return std::nullopt;
  return "already connected to " + identity.node_name;
}

void tcp_transport::impl::reserve(const connection_ptr& c) {
  const auto& identity = *c->handshake->outcome().peer;
  if (config_.node_name > identity.node_name) return;  // the peer decides
  c->peer_incarnation = identity.incarnation;
  std::lock_guard lock(mutex_);
  find_or_create_peer(identity.node_name)->current = c;
}

void tcp_transport::impl::on_authenticated(const connection_ptr& c) {
  const auto& peer_identity = *c->handshake->outcome().peer;
  c->peer_name = peer_identity.node_name;
  c->peer_incarnation = peer_identity.incarnation;
  if (c->slot) {
    slots_[*c->slot].name = c->peer_name;
    schedule_redial(*c->slot, true);
    slots_[*c->slot].dialing = true;  // until this connection closes
  }
  {
    std::lock_guard lock(mutex_);
    c->owner = find_or_create_peer(c->peer_name);
  }
  c->state = connection_state::established;
  c->handshake.reset();
  // From here on frames are cut in place from the bytes read, under the full frame bound;
  // the handshake's exact reads left no byte of them behind in the handshake decoder.
  c->reader.emplace(read_chunk_bytes,
                    wire::frame_decoder_options{.max_frame_bytes = config_.max_frame_bytes});
  std::vector<std::byte>().swap(c->read_buffer);
  c->last_receive_ns = c->last_send_ns = steady_now_ns();
  connections_authenticated_.fetch_add(1, std::memory_order_relaxed);
  log_connection(*c, std::string("authenticated (") + (c->outgoing ? "dialled" : "accepted") + ")");
  if (c->outgoing) {
    // Welcomed: use it at once, and tell the server with a first frame that we kept it.
    activate(c);
    queue_heartbeat(c);
  }
  read_established(c);
}

void tcp_transport::impl::activate(const connection_ptr& c) {
  const peer_ptr p = c->owner;
  c->confirmed = true;
  connection_ptr replaced = p->current == c ? nullptr : p->current;
  p->current = c;
  {
    std::lock_guard lock(mutex_);
    p->active = c;
    p->down = false;
  }
  if (replaced) close(replaced, "replaced by a newer connection to the same node");
  const bool restarted = p->incarnation != 0 && p->incarnation != c->peer_incarnation;
  p->incarnation = c->peer_incarnation;
  p->disconnected_since_ns = -1;
  if (restarted) {
    log("node " + p->name + " restarted: its former actors are gone");
    system_->node_down(p->name);
  }
  flush(p);
}

// -- established connections (I/O thread) ------------------------------------------------------------

void tcp_transport::impl::read_established(const connection_ptr& c) {
  const std::span<std::byte> space = c->reader->space();
  c->socket.async_read_some(
      asio::buffer(space.data(), space.size()), [this, c](const asio::error_code& error, std::size_t n) {
        if (c->state != connection_state::established) return;
        if (error == asio::error::eof) {
          return close(c, c->goodbye_received ? "closed after goodbye" : "connection closed by the peer");
        }
        if (error) return close(c, "read failed: " + error.message());
        c->last_receive_ns = steady_now_ns();
        if (!c->confirmed) activate(c);  // the client's first frame: it kept this connection
        c->reader->commit(n);
        detail::frame_view frame;
        for (;;) {
          const auto status = c->reader->next(frame);
          if (status == detail::frame_reader::status::need_more) break;
          if (status == detail::frame_reader::status::error)
            return close(c, "bad frame: " + std::string(wire::to_string(c->reader->error())));
          on_frame(c, frame);
          if (c->state != connection_state::established) return;
        }
        read_established(c);
      });
}

void tcp_transport::impl::on_frame(const connection_ptr& c, const detail::frame_view& frame) {
  switch (frame.type) {
    case wire::frame_type::user_message: {
      // Decoded in place: the runtime copies only what it keeps (the payload into the
      // message), so no strings or payload vector are allocated per message here.
      wire::user_envelope_view envelope;
      const auto error = wire::decode_envelope(frame.payload, envelope);
      if (error != wire::envelope_error::none)
        return log_connection(*c, "dropped a user message: " + std::string(wire::to_string(error)));
      messages_received_.fetch_add(1, std::memory_order_relaxed);
      system_->deliver_inbound(c->peer_name, envelope, c->inbound);
      return;
    }
    case wire::frame_type::system_message: {
      wire::system_envelope envelope;
      const auto error = wire::decode_envelope(frame.payload, envelope);
      if (error != wire::envelope_error::none)
        return log_connection(*c, "dropped a system message: " + std::string(wire::to_string(error)));
      messages_received_.fetch_add(1, std::memory_order_relaxed);
      system_->deliver_inbound_system(c->peer_name, std::move(envelope));
      return;
    }
    case wire::frame_type::heartbeat:
      return;
    case wire::frame_type::goodbye: {
      std::string reason;
      if (!wire::from_bytes(frame.payload, reason)) reason = "(unreadable reason)";
      c->goodbye_received = true;
      return close(c, "goodbye: " + reason.substr(0, 200));
    }
    default:
      return close(c, "unexpected " + std::string(wire::to_string(frame.type)) +
                          " frame after the handshake");
  }
}

void tcp_transport::impl::flush(const peer_ptr& p) {
  connection_ptr c;
  {
    std::lock_guard lock(mutex_);
    p->flush_posted = false;
    c = p->active;
    if (!c || c->write_in_flight) return;
    if (p->pending.empty()) {
      if (!c->close_when_flushed) return;
    } else {
      c->write_buffer.swap(p->pending);
      p->pending.clear();
      p->pending_messages = 0;
      c->write_in_flight = true;
    }
  }
  if (!c->write_in_flight) return close(c, "goodbye sent");
  c->last_send_ns = steady_now_ns();
  asio::async_write(c->socket, asio::buffer(c->write_buffer),
                    [this, c](const asio::error_code& error, std::size_t) { on_written(c, error); });
}

void tcp_transport::impl::on_written(const connection_ptr& c, const asio::error_code& error) {
  {
    std::lock_guard lock(mutex_);
    c->write_in_flight = false;
  }
  // Keep the capacity for the next batch unless a burst made it large.
  if (c->write_buffer.capacity() > 4 * read_chunk_bytes) std::vector<std::byte>().swap(c->write_buffer);
  c->write_buffer.clear();
  if (c->state != connection_state::established) return;
  if (error) return close(c, "write failed: " + error.message());
  flush(c->owner);
}

void tcp_transport::impl::close(const connection_ptr& c, const std::string& reason) {
  if (c->state == connection_state::closed) return;
  const bool was_established = c->state == connection_state::established;
  // A seed that stays away would log every redial: log the first failure and every tenth.
  const bool quiet = c->slot && !was_established && slots_[*c->slot].failures % 10 != 0;
  c->state = connection_state::closed;
  c->inbound.clear();
  if (!quiet) log_connection(*c, "closed: " + reason);
  asio::error_code ignored;
  c->socket.shutdown(asio::socket_base::shutdown_both, ignored);
  c->socket.close(ignored);
  connections_.erase(c->id);
  connections_closed_.fetch_add(1, std::memory_order_relaxed);
  if (c->slot && !stopping_) schedule_redial(*c->slot, false);
  if (c->owner && c->owner->current == c) c->owner->current = nullptr;
  if (was_established) {
    const peer_ptr p = c->owner;
    bool was_active = false;
    {
      std::lock_guard lock(mutex_);
      was_active = p->active == c;
      if (was_active) p->active = nullptr;
    }
    if (was_active && !stopping_) {
      if (c->goodbye_received) declare_down(p, "it said goodbye");
      else p->disconnected_since_ns = steady_now_ns();
    }
  }
  if (stopping_ && connections_.empty()) {
    std::lock_guard lock(drained_mutex_);
    all_closed_ = true;
    drained_.notify_all();
  }
}

void tcp_transport::impl::declare_down(const peer_ptr& p, const std::string& reason) {
  p->disconnected_since_ns = -1;
  std::size_t dropped = 0;
  {
    std::lock_guard lock(mutex_);
    if (p->active) return;  // it came back meanwhile
    p->down = true;
    dropped = p->pending_messages;
    p->pending.clear();
    p->pending.shrink_to_fit();
    p->pending_messages = 0;
  }
  log("node " + p->name + " is down: " + reason +
      (dropped ? "; " + std::to_string(dropped) + " queued messages dropped" : std::string()));
  system_->node_down(p->name);
}

// -- the tick (I/O thread) --------------------------------------------------------------------------

void tcp_transport::impl::arm_tick() {
  tick_timer_.expires_after(std::chrono::nanoseconds(config_.tick_interval_ns));
  tick_timer_.async_wait([this](const asio::error_code& error) {
    if (error) return;
    on_tick();
    arm_tick();
  });
}

void tcp_transport::impl::on_tick() {
  const auto now = steady_now_ns();
  std::vector<connection_ptr> all;
  all.reserve(connections_.size());
  for (auto& [id, c] : connections_) all.push_back(c);
  for (auto& c : all) tick_connection(c, now);
  if (stopping_) return;
  std::vector<peer_ptr> lost;
  {
    std::lock_guard lock(mutex_);
    for (auto& [name, p] : peers_)
      if (!p->active && p->disconnected_since_ns >= 0 &&
          now - p->disconnected_since_ns >= config_.down_after_ns)
        lost.push_back(p);
  }
  for (auto& p : lost)
    declare_down(p, "no connection for " + milliseconds_text(config_.down_after_ns));
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    const dial_slot& slot = slots_[i];
    if (slot.self || slot.dialing || now < slot.next_dial_ns) continue;
    if (!slot.name.empty() && connected(slot.name)) continue;
    dial(i);
  }
}

void tcp_transport::impl::tick_connection(const connection_ptr& c, std::int64_t now) {
  if (c->state == connection_state::connecting || c->state == connection_state::handshaking) {
    if (c->state == connection_state::handshaking && c->handshake && c->handshake->status() ==
                                                         wire::handshake_status::in_progress) {
      if (c->handshake->on_tick(now) != wire::handshake_error::none) return after_handshake_step(c);
    }
    // A peer that does not even read our reject is closed one handshake timeout later.
    if (now >= c->deadline_ns + (c->close_after_direct_write ? config_.handshake_timeout_ns : 0))
      close(c, c->close_after_direct_write.value_or("connect timed out"));
    return;
  }
  if (c->state != connection_state::established) return;
  if (now - c->last_receive_ns > config_.peer_timeout_ns)
    return close(c, "nothing received for " + milliseconds_text(now - c->last_receive_ns) +
                        " (heartbeat timeout)");
  if (now - c->last_send_ns >= config_.heartbeat_interval_ns) queue_heartbeat(c);
}

void tcp_transport::impl::queue_heartbeat(const connection_ptr& c) {
  const peer_ptr& p = c->owner;
  {
    std::lock_guard lock(mutex_);
    if (p->active != c || c->close_when_flushed) return;
    wire::append_frame(p->pending, wire::frame_type::heartbeat, {});
  }
  c->last_send_ns = steady_now_ns();
  flush(p);
}

// -- tcp_transport ------------------------------------------------------------------------------------

tcp_transport::tcp_transport(tcp_transport_config config)
    : impl_(std::make_shared<impl>(*this, std::move(config))) {}

tcp_transport::~tcp_transport() { impl_->stop(std::chrono::nanoseconds(0)); }

std::string tcp_transport::start(actor_system& system) { return impl_->start(system); }
std::uint16_t tcp_transport::local_port() const { return impl_->local_port(); }

send_result tcp_transport::send_user(std::string_view node, wire::user_envelope&& message) {
  return impl_->send(node, wire::frame_type::user_message, message);
}

send_result tcp_transport::send_user_view(std::string_view node,
                                          const wire::user_envelope_view& message) {
  return impl_->send(node, wire::frame_type::user_message, message);
}

send_result tcp_transport::send_system(std::string_view node, wire::system_envelope&& message) {
  const bool watch = message.kind == wire::system_kind::watch;
  const send_result sent = impl_->send(node, wire::frame_type::system_message, message);
  // A watch that cannot reach its node would never be answered: the node is unreachable,
  // so its watchers (this new one included) get `terminated` now.
  if (watch && sent == send_result::unreachable) impl_->unreachable(node);
  return sent;
}

bool tcp_transport::connected(std::string_view node) const { return impl_->connected(node); }
std::vector<std::string> tcp_transport::connected_nodes() const { return impl_->connected_nodes(); }
transport_counters tcp_transport::counters() const { return impl_->counters(); }
bool tcp_transport::stop(std::chrono::nanoseconds grace) { return impl_->stop(grace); }
void tcp_transport::abort() { impl_->abort(); }
void tcp_transport::add_seeds(std::vector<address> seeds) { impl_->add_seeds(std::move(seeds)); }

}  // namespace troupe::net
