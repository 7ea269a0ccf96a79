// Goal: whatever a raw socket sends to a running node (random bytes, a truncated frame, a
// 4 GiB length prefix, an unknown frame type, nothing at all, or an authenticated peer that
// stops reading or talking), the node closes that one connection with a logged reason naming
// the peer's address, keeps its memory bounded, and keeps serving its legitimate peers.

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <asio.hpp>
#include <random>

#include "test_node.hpp"
#include "troupe/wire/frame.hpp"
#include "troupe/wire/handshake.hpp"

namespace {

using namespace std::chrono_literals;
using troupe::net::testing::fast_config;
using troupe::net::testing::secret_bytes;
using troupe::net::testing::test_node;
using troupe::net::testing::wait_until;
namespace wire = troupe::wire;

/// A plain blocking TCP client that speaks as much of the protocol as a test wants.
class raw_peer {
 public:
  explicit raw_peer(std::uint16_t port) {
    asio::error_code error;
    socket_.connect({asio::ip::make_address("127.0.0.1"), port}, error);
    EXPECT_FALSE(error) << error.message();
    // Reads give up after a while instead of hanging a broken test forever.
    timeval limit{.tv_sec = 20, .tv_usec = 0};
    setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof(limit));
    local_ = std::to_string(socket_.local_endpoint(error).port());
  }

  /// "127.0.0.1:<our port>": how the node's log lines name this client.
  std::string address_text() const { return "127.0.0.1:" + local_; }

  void send(std::span<const std::byte> bytes) {
    asio::error_code error;
    asio::write(socket_, asio::buffer(bytes.data(), bytes.size()), error);
  }

  /// Reads (and discards) until the node closes the connection; false if it stays open.
  bool closed_by_node() {
    std::array<std::byte, 4096> buffer{};
    for (;;) {
      asio::error_code error;
      socket_.read_some(asio::buffer(buffer), error);
      if (error == asio::error::eof || error == asio::error::connection_reset) return true;
      if (error) return false;  // the receive timeout
    }
  }

  /// Runs the client side of the handshake as node `name` and sends one heartbeat (the
  /// client's confirmation, docs/transport.md); true once authenticated.
  bool authenticate(const std::string& name, std::string_view secret) {
    wire::nonce nonce{};
    EXPECT_TRUE(wire::random_nonce(nonce));
    auto handshake = wire::handshake::client(
        {.node_name = name, .incarnation = 7, .secret = secret_bytes(secret),
         .timeout_ns = 10'000'000'000, .protocol_version = wire::protocol_version,
         .expected_peer_name = std::nullopt},
        nonce, 0);
    wire::frame_decoder decoder;
    std::vector<wire::frame> frames;
    std::array<std::byte, 4096> buffer{};
    while (handshake.status() == wire::handshake_status::in_progress) {
      send(handshake.take_output());
      asio::error_code error;
      const std::size_t n = socket_.read_some(asio::buffer(buffer), error);
      if (error) return false;
      frames.clear();
      if (decoder.feed(std::span(buffer.data(), n), frames) != wire::frame_error::none) return false;
      for (auto& frame : frames)
        if (handshake.status() == wire::handshake_status::in_progress)
          (void)handshake.on_frame(frame);
    }
    send(handshake.take_output());
    if (handshake.status() != wire::handshake_status::authenticated) return false;
    // Like a real client: a first frame tells the server we keep this connection.
    send(wire::encode_frame(wire::frame_type::heartbeat, {}));
    return true;
  }

 private:
  asio::io_context io_;
  asio::ip::tcp::socket socket_{io_};
  std::string local_;
};

struct echo final : troupe::actor<std::string> {
  void on_message(std::string& text) override { reply(text); }
};

/// b runs an echo actor; a is a legitimate peer of b.
struct cluster {
  test_node b{fast_config("b")};
  test_node a{fast_config("a", {b.where()})};
  cluster() {
    EXPECT_TRUE(b.system->spawn_with<echo>({"echo", {}}).ok());
    EXPECT_TRUE(wait_until([&] { return a.transport->connected("b"); }));
  }
  /// The legitimate peer still gets its answers.
  bool a_still_served() {
    auto ref = a.system->remote_ref<std::string>("b", "/user/echo");
    auto answer = a.system->ask<std::string>(ref, std::string("still there?"), 20s).get();
    return answer.ok() && answer.value() == "still there?";
  }
  bool b_logged(const raw_peer& peer, std::string_view reason) {
    return wait_until([&] {
      return b.logs.contains("peer " + peer.address_text()) && b.logs.contains(reason);
    });
  }
};

TEST(bad_input, random_bytes_close_the_connection_and_a_legitimate_peer_is_still_served) {
  cluster c;
  raw_peer garbage(c.b.transport->local_port());
  std::mt19937 random(42);  // fixed seed: the same garbage every run
  std::vector<std::byte> bytes(10'000);
  for (auto& b : bytes) b = static_cast<std::byte>(random());
  garbage.send(bytes);
  EXPECT_TRUE(garbage.closed_by_node());
  EXPECT_TRUE(c.b_logged(garbage, "bad magic")) << c.b.logs.all();
  EXPECT_TRUE(c.a_still_served());
}

TEST(bad_input, a_truncated_frame_then_silence_is_closed_by_the_handshake_timeout) {
  cluster c;
  raw_peer truncated(c.b.transport->local_port());
  auto hello = wire::encode_frame(wire::frame_type::hello, std::vector<std::byte>(40));
  truncated.send(std::span(hello).first(20));
  EXPECT_TRUE(truncated.closed_by_node());
  EXPECT_TRUE(c.b_logged(truncated, "timeout")) << c.b.logs.all();
  EXPECT_TRUE(c.a_still_served());
}

TEST(bad_input, a_4_gib_length_prefix_is_refused_from_the_header) {
  cluster c;
  raw_peer huge(c.b.transport->local_port());
  std::vector<std::byte> header;
  // Handshake frames carry header version 1 whatever the protocol version (wire protocol 2).
  wire::append_raw_frame_header(header, wire::handshake_frame_version,
                                static_cast<std::uint16_t>(wire::frame_type::hello), 0,
                                0xFFFF'FFFFu);
  huge.send(header);
  EXPECT_TRUE(huge.closed_by_node());
  EXPECT_TRUE(c.b_logged(huge, "larger than the maximum")) << c.b.logs.all();
  EXPECT_TRUE(c.a_still_served());
}

TEST(bad_input, a_4_gib_length_prefix_after_the_handshake_is_refused_too) {
  cluster c;
  raw_peer huge(c.b.transport->local_port());
  ASSERT_TRUE(huge.authenticate("raw", "test cluster secret")) << c.b.logs.all();
  std::vector<std::byte> header;
  wire::append_raw_frame_header(header, wire::protocol_version,
                                static_cast<std::uint16_t>(wire::frame_type::user_message), 0,
                                0xFFFF'FFFFu);
  huge.send(header);
  EXPECT_TRUE(huge.closed_by_node());
  EXPECT_TRUE(c.b_logged(huge, "bad frame")) << c.b.logs.all();
  EXPECT_TRUE(c.a_still_served());
}

TEST(bad_input, an_unknown_frame_type_is_refused) {
  cluster c;
  raw_peer unknown(c.b.transport->local_port());
  ASSERT_TRUE(unknown.authenticate("raw", "test cluster secret"));
  std::vector<std::byte> header;
  wire::append_raw_frame_header(header, wire::protocol_version, 999, 0, 0);
  unknown.send(header);
  EXPECT_TRUE(unknown.closed_by_node());
  EXPECT_TRUE(c.b_logged(unknown, "unknown frame type")) << c.b.logs.all();
  EXPECT_TRUE(c.a_still_served());
}

TEST(bad_input, a_wrong_secret_is_rejected) {
  cluster c;
  raw_peer intruder(c.b.transport->local_port());
  EXPECT_FALSE(intruder.authenticate("mallory", "not the secret"));
  EXPECT_TRUE(intruder.closed_by_node());
  EXPECT_TRUE(c.b_logged(intruder, "authentication_failed")) << c.b.logs.all();
  EXPECT_TRUE(c.a_still_served());
}

TEST(bad_input, a_silent_client_is_closed_after_the_handshake_timeout) {
  cluster c;
  raw_peer silent(c.b.transport->local_port());
  EXPECT_TRUE(silent.closed_by_node());  // handshake timeout: 1 s in fast_config
  EXPECT_TRUE(c.b_logged(silent, "timeout")) << c.b.logs.all();
  EXPECT_TRUE(c.a_still_served());
}

TEST(bad_input, an_authenticated_peer_that_goes_silent_is_closed_and_declared_down) {
  cluster c;
  raw_peer mute(c.b.transport->local_port());
  ASSERT_TRUE(mute.authenticate("mute", "test cluster secret"));
  ASSERT_TRUE(wait_until([&] { return c.b.transport->connected("mute"); }));
  // It never answers heartbeats: peer_timeout (3 s) closes it, down_after (1 s) follows.
  EXPECT_TRUE(mute.closed_by_node());
  EXPECT_TRUE(c.b_logged(mute, "heartbeat timeout")) << c.b.logs.all();
  EXPECT_TRUE(wait_until([&] { return c.b.logs.contains("node mute is down"); }));
  EXPECT_TRUE(c.a_still_served());
}

TEST(bad_input, a_peer_that_stops_reading_fills_a_bounded_queue_not_memory) {
  cluster c;
  raw_peer stuck(c.b.transport->local_port());
  ASSERT_TRUE(stuck.authenticate("stuck", "test cluster secret"));
  ASSERT_TRUE(wait_until([&] { return c.b.transport->connected("stuck"); }));
  // 1 MiB per message: the kernel's socket buffers fill after a few, then the queue's byte
  // bound (32 MiB by default) refuses the rest. The peer never reads.
  wire::user_envelope big{1, 1, "", "/user/x", "blob", std::vector<std::byte>(1 << 20), ""};
  int full = 0;
  for (int i = 0; i < 200 && full == 0; ++i) {
    auto copy = big;
    if (c.b.transport->send_user("stuck", std::move(copy)) == troupe::send_result::queue_full)
      ++full;
  }
  EXPECT_EQ(full, 1);
  EXPECT_GT(c.b.transport->counters().queue_full, 0u);
  EXPECT_TRUE(c.a_still_served());
}

}  // namespace
