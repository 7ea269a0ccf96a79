// Goal: the management endpoint answers Kubernetes-style probes over real loopback sockets
// with the node's readiness as it changes, and whatever else a client sends (garbage, huge
// heads, wrong methods, nothing at all, too many connections) gets an error status or a
// closed connection, never a crash or a stuck server: a good probe is answered afterwards.

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <asio.hpp>
#include <atomic>
#include <chrono>
#include <random>
#include <thread>

#include "troupe/net/management_server.hpp"

namespace {

using namespace std::chrono_literals;
using troupe::net::management_config;
using troupe::net::management_server;
using troupe::net::probe_answer;

/// A blocking client socket with a receive timeout, so a broken server fails the test
/// instead of hanging it.
class client {
 public:
  explicit client(std::uint16_t port) {
    asio::error_code error;
    socket_.connect({asio::ip::make_address("127.0.0.1"), port}, error);
    EXPECT_FALSE(error) << error.message();
    timeval limit{.tv_sec = 10, .tv_usec = 0};
    setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof(limit));
  }
  void send(std::string_view bytes) {
    asio::error_code error;
    asio::write(socket_, asio::buffer(bytes.data(), bytes.size()), error);
  }
  /// Everything the server sends until it closes; `closed` tells whether it did close
  /// (false: the receive timeout).
  std::string read_all(bool* closed = nullptr) {
    std::string out;
    std::array<char, 4096> buffer{};
    for (;;) {
      asio::error_code error;
      const std::size_t n = socket_.read_some(asio::buffer(buffer), error);
      out.append(buffer.data(), n);
      if (error) {
        if (closed != nullptr)
          *closed = error == asio::error::eof || error == asio::error::connection_reset;
        return out;
      }
    }
  }

 private:
  asio::io_context io_;
  asio::ip::tcp::socket socket_{io_};
};

std::string get(std::uint16_t port, std::string_view request) {
  client c(port);
  c.send(request);
  return c.read_all();
}

std::string status_line(const std::string& response) { return response.substr(0, response.find("\r\n")); }

std::string body(const std::string& response) {
  const auto at = response.find("\r\n\r\n");
  return at == std::string::npos ? "" : response.substr(at + 4);
}

struct fixture {
  std::atomic<bool> ready{false};
  management_server server;
  explicit fixture(management_config config = {})
      : server([&] {
          config.alive = [] { return probe_answer{true, "alive"}; };
          config.ready = [this] {
            return ready.load() ? probe_answer{true, "up"} : probe_answer{false, "joining"};
          };
          return config;
        }()) {
    EXPECT_EQ(server.start(), "");
  }
  std::uint16_t port() const { return server.local_port(); }
  bool serves_probes() {
    return status_line(get(port(), "GET /alive HTTP/1.1\r\nHost: x\r\n\r\n")) == "HTTP/1.1 200 OK";
  }
};

management_config with_timeout(std::int64_t timeout_ns, std::size_t connections_max = 64) {
  management_config config;
  config.request_timeout_ns = timeout_ns;
  config.connections_max = connections_max;
  return config;
}

TEST(management_server, ready_follows_the_node_and_alive_answers) {
  fixture f;
  auto before = get(f.port(), "GET /ready HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  EXPECT_EQ(status_line(before), "HTTP/1.1 503 Service Unavailable");
  EXPECT_EQ(body(before), "joining\n");
  f.ready = true;
  auto after = get(f.port(), "GET /ready HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: kube-probe/1.29\r\n\r\n");
  EXPECT_EQ(status_line(after), "HTTP/1.1 200 OK");
  EXPECT_NE(after.find("Content-Length: 3\r\n"), std::string::npos);
  EXPECT_NE(after.find("Connection: close\r\n"), std::string::npos);
  EXPECT_EQ(body(after), "up\n");
  EXPECT_EQ(body(get(f.port(), "GET /alive HTTP/1.1\r\n\r\n")), "alive\n");
  EXPECT_EQ(f.server.counters().requests_answered, 3u);
}

TEST(management_server, a_head_in_many_small_pieces_is_answered) {
  fixture f;
  client c(f.port());
  for (char byte : std::string("GET /alive HTTP/1.1\r\nHost: x\r\n\r\n")) {
    c.send(std::string_view(&byte, 1));
    std::this_thread::sleep_for(1ms);  // separate segments, not a timing assumption
  }
  EXPECT_EQ(status_line(c.read_all()), "HTTP/1.1 200 OK");
}

TEST(management_server, wrong_paths_methods_and_garbage_get_error_statuses) {
  fixture f;
  EXPECT_EQ(status_line(get(f.port(), "GET /metrics HTTP/1.1\r\n\r\n")), "HTTP/1.1 404 Not Found");
  EXPECT_EQ(status_line(get(f.port(), "POST /ready HTTP/1.1\r\nContent-Length: 0\r\n\r\n")),
            "HTTP/1.1 405 Method Not Allowed");
  const auto head = get(f.port(), "HEAD /alive HTTP/1.1\r\n\r\n");
  EXPECT_EQ(status_line(head), "HTTP/1.1 200 OK");
  EXPECT_EQ(body(head), "");
  EXPECT_EQ(status_line(get(f.port(), "hello\r\n\r\n")), "HTTP/1.1 400 Bad Request");
  EXPECT_EQ(status_line(get(f.port(), "GET /ready HTTP/9.9\r\n\r\n")), "HTTP/1.1 400 Bad Request");
  // Random bytes with blank lines in them, many times.
  std::mt19937 random(7);
  for (int round = 0; round < 50; ++round) {
    std::string bytes(1 + random() % 600, '\0');
    for (auto& b : bytes) b = static_cast<char>(random());
    bytes += "\r\n\r\n";
    const auto answer = get(f.port(), bytes);
    EXPECT_TRUE(answer.empty() || status_line(answer) == "HTTP/1.1 400 Bad Request" ||
                status_line(answer) == "HTTP/1.1 431 Request Header Fields Too Large")
        << status_line(answer);
  }
  EXPECT_GE(f.server.counters().bad_requests, 53u);
  EXPECT_TRUE(f.serves_probes());
}

TEST(management_server, a_head_over_the_bound_gets_431_without_being_read_to_its_end) {
  fixture f;
  client c(f.port());
  c.send("GET /ready HTTP/1.1\r\nX-Padding: ");
  c.send(std::string(troupe::net::management_request_bytes_max + 100, 'a'));
  // The client never finishes its head; the server answers as soon as the bound is passed.
  EXPECT_EQ(status_line(c.read_all()), "HTTP/1.1 431 Request Header Fields Too Large");
  EXPECT_TRUE(f.serves_probes());
}

TEST(management_server, a_silent_client_is_closed_at_the_deadline) {
  fixture f(with_timeout(200'000'000));
  client silent(f.port());
  silent.send("GET /ready HTTP/1.1\r\n");  // and never the blank line
  bool closed = false;
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(silent.read_all(&closed), "");
  EXPECT_TRUE(closed);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
  EXPECT_EQ(f.server.counters().timeouts, 1u);
  EXPECT_TRUE(f.serves_probes());
}

TEST(management_server, connections_beyond_the_bound_are_closed_at_once) {
  fixture f(with_timeout(1'000'000'000, 4));
  std::vector<std::unique_ptr<client>> idle;
  for (int i = 0; i < 4; ++i) idle.push_back(std::make_unique<client>(f.port()));
  // The fifth is refused once the four are accepted; poll with a deadline until it is.
  bool refused = false;
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!refused && std::chrono::steady_clock::now() < deadline) {
    client extra(f.port());
    extra.send("GET /alive HTTP/1.1\r\n\r\n");
    bool closed = false;
    refused = extra.read_all(&closed).empty() && closed;
  }
  EXPECT_TRUE(refused);
  EXPECT_GE(f.server.counters().refused, 1u);
  idle.clear();  // the idle four go; probes are served again
  bool served = false;
  while (!served && std::chrono::steady_clock::now() < deadline + 5s) served = f.serves_probes();
  EXPECT_TRUE(served);
}

TEST(management_server, stop_closes_open_connections_and_returns) {
  auto f = std::make_unique<fixture>();
  client idle(f->port());
  f->server.stop();
  bool closed = false;
  EXPECT_EQ(idle.read_all(&closed), "");
  EXPECT_TRUE(closed);
  f.reset();
}

TEST(management_server, a_taken_port_is_reported_not_fatal) {
  fixture f;
  management_config config;
  config.listen = {"127.0.0.1", f.port()};
  management_server second(config);
  EXPECT_NE(second.start().find("cannot listen"), std::string::npos);
}

}  // namespace
