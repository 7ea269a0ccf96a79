// The management endpoint (management_server.hpp). Everything but start/stop runs on the
// server's own I/O thread: accepting, reading request heads, calling the probe functions,
// writing answers, and the deadlines. A connection's life: read until the end of the head
// (or the bound, or the deadline), answer once, close.

#include "troupe/net/management_server.hpp"

#include <array>
#include <atomic>
#include <mutex>
#include <set>
#include <string_view>
#include <thread>

#include <asio.hpp>

#include "http_request.hpp"
#include "troupe/runtime/assert.hpp"

namespace troupe::net {

class management_server::impl {
 public:
  explicit impl(management_config config) : config_(std::move(config)) {}

  std::string start();
  void stop();
  std::uint16_t local_port() const { return port_; }
  management_counters counters() const {
    return {answered_.load(), bad_.load(), timeouts_.load(), refused_.load()};
  }

 private:
  struct session;
  using session_ptr = std::shared_ptr<session>;

  void accept_next();
  void read_more(const session_ptr& s);
  void on_head(const session_ptr& s);
  void answer(const session_ptr& s, int status, std::string_view reason, std::string body,
              bool with_body = true);
  void drain(const session_ptr& s);
  void close(session& s);
  void log(const std::string& line) const {
    if (config_.log) config_.log(line);
  }

  management_config config_;
  std::uint16_t port_ = 0;
  std::atomic<std::uint64_t> answered_{0};
  std::atomic<std::uint64_t> bad_{0};
  std::atomic<std::uint64_t> timeouts_{0};
  std::atomic<std::uint64_t> refused_{0};
  std::set<session*> sessions_;  // open connections; I/O thread only
  bool stopping_ = false;        // I/O thread only
  std::mutex owner_mutex_;       // start/stop
  bool started_ = false;
  asio::io_context io_;
  asio::ip::tcp::acceptor acceptor_{io_};
  std::thread thread_;
};

struct management_server::impl::session {
  session(impl& owner, asio::ip::tcp::socket s)
      : owner(owner), socket(std::move(s)), deadline(owner.io_) {
    owner.sessions_.insert(this);
  }
  ~session() { owner.sessions_.erase(this); }
  impl& owner;
  asio::ip::tcp::socket socket;
  asio::steady_timer deadline;
  std::string head;                // what arrived so far, at most request_bytes_max
  std::array<char, 1024> chunk{};  // one read
  std::string out;                 // the answer being written
  bool answered = false;
};

std::string management_server::impl::start() {
  std::lock_guard lock(owner_mutex_);
  TROUPE_ASSERT_MSG(!started_, "management_server::start called twice");
  asio::error_code error;
  auto host = asio::ip::make_address(config_.listen.host, error);
  if (error) {
    asio::ip::tcp::resolver resolver(io_);
    auto found = resolver.resolve(config_.listen.host, "", error);
    if (error || found.empty())
      return "cannot resolve management host '" + config_.listen.host + "'";
    host = found.begin()->endpoint().address();
  }
  const asio::ip::tcp::endpoint endpoint(host, config_.listen.port);
  acceptor_.open(endpoint.protocol(), error);
  if (!error) acceptor_.set_option(asio::socket_base::reuse_address(true), error);
  if (!error) acceptor_.bind(endpoint, error);
  if (!error) acceptor_.listen(asio::socket_base::max_listen_connections, error);
  if (error) {
    asio::error_code ignored;
    acceptor_.close(ignored);
    return "cannot listen on " + config_.listen.to_string() + " (management): " + error.message();
  }
  port_ = acceptor_.local_endpoint(error).port();
  started_ = true;
  accept_next();
  thread_ = std::thread([this] { io_.run(); });
  return {};
}

void management_server::impl::stop() {
  std::lock_guard lock(owner_mutex_);
  if (!started_) return;
  started_ = false;
  asio::post(io_, [this] {
    stopping_ = true;
    asio::error_code ignored;
    acceptor_.close(ignored);
    // Copy: closing cancels handlers, which may release sessions (and erase them) later.
    const std::set<session*> open = sessions_;
    for (auto* s : open) close(*s);
  });
  // With the acceptor and every socket and timer closed, run() returns once the cancelled
  // handlers have run.
  if (thread_.joinable()) thread_.join();
}

void management_server::impl::accept_next() {
  acceptor_.async_accept([this](asio::error_code error, asio::ip::tcp::socket socket) {
    if (stopping_ || error == asio::error::operation_aborted) return;
    if (!error) {
      if (sessions_.size() >= config_.connections_max) {
        refused_.fetch_add(1, std::memory_order_relaxed);
        asio::error_code ignored;
        socket.close(ignored);
      } else {
        auto s = std::make_shared<session>(*this, std::move(socket));
        s->deadline.expires_after(std::chrono::nanoseconds(config_.request_timeout_ns));
        s->deadline.async_wait([this, weak = std::weak_ptr<session>(s)](asio::error_code e) {
          auto alive = weak.lock();
          if (e == asio::error::operation_aborted || !alive) return;
          if (!alive->answered) timeouts_.fetch_add(1, std::memory_order_relaxed);
          close(*alive);
        });
        read_more(s);
      }
    }
    accept_next();
  });
}

void management_server::impl::read_more(const session_ptr& s) {
  s->socket.async_read_some(asio::buffer(s->chunk), [this, s](asio::error_code error,
                                                              std::size_t bytes) {
    if (error) {
      close(*s);  // the peer went away (or the deadline closed the socket) before a head
      return;
    }
    const std::size_t room = config_.request_bytes_max + 1 - s->head.size();
    s->head.append(s->chunk.data(), std::min(bytes, room));
    on_head(s);
  });
}

void management_server::impl::on_head(const session_ptr& s) {
  const auto parsed = detail::parse_http_head(s->head, config_.request_bytes_max);
  switch (parsed.state) {
    case detail::head_state::incomplete:
      read_more(s);
      return;
    case detail::head_state::too_large:
      bad_.fetch_add(1, std::memory_order_relaxed);
      answer(s, 431, "Request Header Fields Too Large", "request head too large\n");
      return;
    case detail::head_state::malformed:
      bad_.fetch_add(1, std::memory_order_relaxed);
      answer(s, 400, "Bad Request", "bad request\n");
      return;
    case detail::head_state::complete:
      break;
  }
  const bool head_only = parsed.method == "HEAD";
  if (parsed.method != "GET" && !head_only) {
    bad_.fetch_add(1, std::memory_order_relaxed);
    answer(s, 405, "Method Not Allowed", "only GET\n");
    return;
  }
  const probe_function* probe = nullptr;
  if (parsed.path == "/alive") probe = &config_.alive;
  if (parsed.path == "/ready") probe = &config_.ready;
  if (probe == nullptr || !*probe) {
    answer(s, 404, "Not Found", "not found (GET /alive, GET /ready)\n", !head_only);
    return;
  }
  probe_answer result = (*probe)();
  if (result.ok) answer(s, 200, "OK", result.text + "\n", !head_only);
  else answer(s, 503, "Service Unavailable", result.text + "\n", !head_only);
}

void management_server::impl::answer(const session_ptr& s, int status, std::string_view reason,
                                     std::string body, bool with_body) {
  TROUPE_ASSERT(!s->answered);
  s->answered = true;
  s->out = "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason) +
           "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\nConnection: close\r\nCache-Control: no-store\r\n\r\n";
  if (with_body) s->out += body;
  asio::async_write(s->socket, asio::buffer(s->out), [this, s](asio::error_code error, std::size_t) {
    if (error) {
      close(*s);
      return;
    }
    answered_.fetch_add(1, std::memory_order_relaxed);
    // Half-close, then read what the client still sends until it closes (or the deadline):
    // closing with unread bytes would reset the connection and could destroy the answer
    // before the client read it.
    asio::error_code ignored;
    s->socket.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
    drain(s);
  });
}

void management_server::impl::drain(const session_ptr& s) {
  s->socket.async_read_some(asio::buffer(s->chunk), [this, s](asio::error_code error, std::size_t) {
    if (error) {
      close(*s);
      return;
    }
    drain(s);
  });
}

void management_server::impl::close(session& s) {
  asio::error_code ignored;
  s.deadline.cancel();
  s.socket.close(ignored);
}

management_server::management_server(management_config config)
    : impl_(std::make_shared<impl>(std::move(config))) {}

management_server::~management_server() { impl_->stop(); }

std::string management_server::start() { return impl_->start(); }

std::uint16_t management_server::local_port() const { return impl_->local_port(); }

void management_server::stop() { impl_->stop(); }

management_counters management_server::counters() const { return impl_->counters(); }

}  // namespace troupe::net
