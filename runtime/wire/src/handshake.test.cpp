// Goal: two nodes that share the cluster secret authenticate each other, and a node that does
// not know it, speaks another version, replays an old exchange, or says nothing, is refused
// with a clear reason, without the secret ever crossing the wire.
#include "troupe/wire/handshake.hpp"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>

namespace troupe::wire {
namespace {

constexpr std::int64_t second_ns = 1'000'000'000;

std::vector<std::byte> bytes_of(std::string_view text) {
  const auto raw = std::as_bytes(std::span{text.data(), text.size()});
  return {raw.begin(), raw.end()};
}

nonce nonce_of(std::uint8_t seed) {
  nonce result{};
  for (std::size_t i = 0; i < result.size(); ++i) {
    result[i] = static_cast<std::byte>(seed * 31 + i);
  }
  return result;
}

handshake_config config_of(std::string name, std::uint64_t incarnation,
                           std::string_view secret = "correct horse battery staple 42") {
  handshake_config config;
  config.node_name = std::move(name);
  config.incarnation = incarnation;
  config.secret = bytes_of(secret);
  return config;
}

std::vector<frame> frames_of(const std::vector<std::byte>& bytes) {
  frame_decoder decoder({.max_frame_bytes = handshake_max_frame_bytes});
  std::vector<frame> frames;
  EXPECT_EQ(decoder.feed(bytes, frames), frame_error::none);
  EXPECT_EQ(decoder.buffered_bytes(), 0u);
  return frames;
}

// Delivers everything `from` has queued to `to`; returns the bytes, for wire inspection.
std::vector<std::byte> deliver(handshake& from, handshake& to) {
  auto bytes = from.take_output();
  for (const auto& f : frames_of(bytes)) {
    if (to.status() != handshake_status::in_progress) break;
    (void)to.on_frame(f);
  }
  return bytes;
}

// Runs the exchange to its end; returns every byte sent either way.
std::vector<std::byte> run(handshake& client, handshake& server) {
  std::vector<std::byte> wire;
  for (int round = 0; round < 4; ++round) {
    auto sent = deliver(client, server);
    wire.insert(wire.end(), sent.begin(), sent.end());
    sent = deliver(server, client);
    wire.insert(wire.end(), sent.begin(), sent.end());
  }
  return wire;
}

std::optional<reject_message> reject_in(const std::vector<std::byte>& bytes) {
  for (const auto& f : frames_of(bytes)) {
    reject_message reject;
    if (f.type == frame_type::reject && decode_reject(f.payload, reject)) return reject;
  }
  return std::nullopt;
}

TEST(handshake, nodes_sharing_the_secret_authenticate_each_other) {
  auto client = handshake::client(config_of("kv-0", 7), nonce_of(1), 0);
  auto server = handshake::server(config_of("kv-1", 9), nonce_of(2), 0);
  run(client, server);
  ASSERT_EQ(client.status(), handshake_status::authenticated) << client.outcome().reason;
  ASSERT_EQ(server.status(), handshake_status::authenticated) << server.outcome().reason;
  EXPECT_EQ(client.outcome().peer, (peer_identity{"kv-1", 9}));
  EXPECT_EQ(server.outcome().peer, (peer_identity{"kv-0", 7}));
  EXPECT_EQ(client.outcome().error, handshake_error::none);
}

TEST(handshake, the_secret_never_crosses_the_wire) {
  const std::string secret = "s3cr3t-that-must-stay-home";
  auto client = handshake::client(config_of("kv-0", 1, secret), nonce_of(1), 0);
  auto server = handshake::server(config_of("kv-1", 1, secret), nonce_of(2), 0);
  const auto wire = run(client, server);
  ASSERT_EQ(server.status(), handshake_status::authenticated);
  const auto needle = bytes_of(secret);
  EXPECT_EQ(std::search(wire.begin(), wire.end(), needle.begin(), needle.end()), wire.end());
}

TEST(handshake, a_client_with_the_wrong_secret_is_rejected) {
  auto client = handshake::client(config_of("intruder", 1, "guess"), nonce_of(1), 0);
  auto server = handshake::server(config_of("kv-1", 1), nonce_of(2), 0);
  deliver(client, server);  // hello
  deliver(server, client);  // challenge
  deliver(client, server);  // response with the wrong proof
  EXPECT_EQ(server.status(), handshake_status::failed);
  EXPECT_EQ(server.outcome().error, handshake_error::authentication_failed);
  EXPECT_FALSE(server.outcome().peer.has_value());
  const auto to_client = server.take_output();
  const auto reject = reject_in(to_client);
  ASSERT_TRUE(reject.has_value());
  EXPECT_EQ(reject->code, reject_code::authentication_failed);
  EXPECT_EQ(reject->reason, "authentication failed");
  // No welcome was sent: the intruder learns nothing but the refusal.
  for (const auto& f : frames_of(to_client)) EXPECT_NE(f.type, frame_type::welcome);
  for (const auto& f : frames_of(to_client)) (void)client.on_frame(f);
  EXPECT_EQ(client.outcome().error, handshake_error::rejected_by_peer);
  EXPECT_NE(client.outcome().reason.find("authentication failed"), std::string::npos);
}

TEST(handshake, a_server_that_cannot_prove_the_secret_is_not_trusted) {
  auto client = handshake::client(config_of("kv-0", 1), nonce_of(1), 0);
  auto server = handshake::server(config_of("kv-1", 1), nonce_of(2), 0);
  deliver(client, server);
  deliver(server, client);
  (void)client.take_output();
  // An impostor that passed the challenge along but cannot compute the server proof.
  const auto forged = encode_frame(frame_type::welcome, to_bytes(proof_message{}));
  EXPECT_EQ(client.on_frame(frames_of(forged).at(0)), handshake_error::authentication_failed);
  EXPECT_EQ(client.status(), handshake_status::failed);
  EXPECT_FALSE(client.outcome().peer.has_value());
}

TEST(handshake, a_version_mismatch_is_refused_with_a_clear_reason) {
  auto newer_client_config = config_of("kv-0", 1);
  newer_client_config.protocol_version = protocol_version + 1;
  auto client = handshake::client(newer_client_config, nonce_of(1), 0);
  auto server = handshake::server(config_of("kv-1", 1), nonce_of(2), 0);
  deliver(client, server);
  EXPECT_EQ(server.outcome().error, handshake_error::incompatible_version);
  const std::string newer = "version " + std::to_string(protocol_version + 1);
  const std::string ours = "speaks version " + std::to_string(protocol_version);
  EXPECT_NE(server.outcome().reason.find(newer), std::string::npos);
  deliver(server, client);
  EXPECT_EQ(client.outcome().error, handshake_error::incompatible_version);
  EXPECT_NE(client.outcome().reason.find(ours), std::string::npos)
      << client.outcome().reason;
}

TEST(handshake, a_peer_that_sends_nothing_times_out) {
  auto server = handshake::server(config_of("kv-1", 1), nonce_of(2), 10 * second_ns);
  EXPECT_EQ(server.deadline_ns(), 10 * second_ns + default_handshake_timeout_ns);
  EXPECT_EQ(server.on_tick(15 * second_ns - 1), handshake_error::none);
  EXPECT_EQ(server.status(), handshake_status::in_progress);
  EXPECT_EQ(server.on_tick(15 * second_ns), handshake_error::timeout);
  EXPECT_EQ(server.status(), handshake_status::failed);
  const auto reject = reject_in(server.take_output());
  ASSERT_TRUE(reject.has_value());
  EXPECT_EQ(reject->code, reject_code::timeout);
  // Failing once is enough: later ticks report nothing new.
  EXPECT_EQ(server.on_tick(20 * second_ns), handshake_error::none);
  EXPECT_EQ(server.outcome().error, handshake_error::timeout);
}

TEST(handshake, a_client_whose_server_goes_quiet_times_out) {
  handshake_config config = config_of("kv-0", 1);
  config.timeout_ns = 250'000'000;
  auto client = handshake::client(config, nonce_of(1), 0);
  EXPECT_EQ(client.on_tick(249'999'999), handshake_error::none);
  EXPECT_EQ(client.on_tick(250'000'000), handshake_error::timeout);
}

TEST(handshake, a_replayed_challenge_response_fails_against_a_fresh_server_nonce) {
  auto client = handshake::client(config_of("kv-0", 1), nonce_of(1), 0);
  auto server = handshake::server(config_of("kv-1", 1), nonce_of(2), 0);
  const auto hello = client.take_output();
  for (const auto& f : frames_of(hello)) ASSERT_EQ(server.on_frame(f), handshake_error::none);
  deliver(server, client);
  const auto response = client.take_output();
  for (const auto& f : frames_of(response)) ASSERT_EQ(server.on_frame(f), handshake_error::none);
  ASSERT_EQ(server.status(), handshake_status::authenticated);

  // An eavesdropper replays the recorded hello and response to a new connection.
  auto next_server = handshake::server(config_of("kv-1", 1), nonce_of(3), 0);
  for (const auto& f : frames_of(hello)) ASSERT_EQ(next_server.on_frame(f), handshake_error::none);
  (void)next_server.take_output();
  for (const auto& f : frames_of(response)) (void)next_server.on_frame(f);
  EXPECT_EQ(next_server.outcome().error, handshake_error::authentication_failed);
}

TEST(handshake, a_stale_welcome_fails_against_a_fresh_client_nonce) {
  auto client = handshake::client(config_of("kv-0", 1), nonce_of(1), 0);
  auto server = handshake::server(config_of("kv-1", 1), nonce_of(2), 0);
  deliver(client, server);
  const auto challenge = server.take_output();
  for (const auto& f : frames_of(challenge)) ASSERT_EQ(client.on_frame(f), handshake_error::none);
  deliver(client, server);
  const auto welcome = server.take_output();
  ASSERT_EQ(server.status(), handshake_status::authenticated);

  // An impostor server replays the recorded challenge and welcome to a new client.
  auto next_client = handshake::client(config_of("kv-0", 1), nonce_of(4), 0);
  for (const auto& f : frames_of(challenge)) {
    ASSERT_EQ(next_client.on_frame(f), handshake_error::none);
  }
  for (const auto& f : frames_of(welcome)) (void)next_client.on_frame(f);
  EXPECT_EQ(next_client.outcome().error, handshake_error::authentication_failed);
}

TEST(handshake, a_hello_reflecting_the_server_nonce_is_refused) {
  auto server = handshake::server(config_of("kv-1", 1), nonce_of(2), 0);
  hello_message hello{protocol_version, "kv-0", 1, nonce_of(2)};
  const auto bytes = encode_frame(frame_type::hello, to_bytes(hello));
  EXPECT_EQ(server.on_frame(frames_of(bytes).at(0)), handshake_error::malformed_frame);
}

TEST(handshake, frames_out_of_order_are_refused) {
  auto server = handshake::server(config_of("kv-1", 1), nonce_of(2), 0);
  const auto bytes = encode_frame(frame_type::user_message, bytes_of("hi"));
  EXPECT_EQ(server.on_frame(frames_of(bytes).at(0)), handshake_error::unexpected_frame);
  EXPECT_TRUE(reject_in(server.take_output()).has_value());

  auto client = handshake::client(config_of("kv-0", 1), nonce_of(1), 0);
  const auto welcome = encode_frame(frame_type::welcome, to_bytes(proof_message{}));
  EXPECT_EQ(client.on_frame(frames_of(welcome).at(0)), handshake_error::unexpected_frame);
}

TEST(handshake, a_malformed_hello_is_refused) {
  for (const auto& payload : {bytes_of(""), bytes_of("garbage"), to_bytes(hello_message{})}) {
    auto server = handshake::server(config_of("kv-1", 1), nonce_of(2), 0);
    const auto bytes = encode_frame(frame_type::hello, payload);
    EXPECT_EQ(server.on_frame(frames_of(bytes).at(0)), handshake_error::malformed_frame);
  }
}

TEST(handshake, a_client_refuses_a_server_other_than_the_one_it_dialed) {
  auto config = config_of("kv-0", 1);
  config.expected_peer_name = "kv-2";
  auto client = handshake::client(config, nonce_of(1), 0);
  auto server = handshake::server(config_of("kv-1", 1), nonce_of(2), 0);
  run(client, server);
  EXPECT_EQ(client.outcome().error, handshake_error::unexpected_peer);
  EXPECT_NE(server.status(), handshake_status::authenticated);
}

TEST(handshake, random_nonces_differ_between_connections) {
  nonce first{};
  nonce second{};
  ASSERT_TRUE(random_nonce(first));
  ASSERT_TRUE(random_nonce(second));
  EXPECT_NE(first, second);
  EXPECT_NE(first, nonce{});
}

// Without the secret, no sequence of frames authenticates a client to the server.
RC_GTEST_PROP(handshake, random_frames_never_authenticate_a_client, ()) {
  auto server = handshake::server(config_of("kv-1", 1), nonce_of(2), 0);
  const auto count = *rc::gen::inRange(1, 6);
  for (int i = 0; i < count && server.status() == handshake_status::in_progress; ++i) {
    frame f;
    f.type = *rc::gen::element(frame_type::hello, frame_type::challenge_response,
                               frame_type::reject, frame_type::heartbeat);
    if (f.type == frame_type::hello && *rc::gen::arbitrary<bool>()) {
      f.payload = to_bytes(hello_message{protocol_version, "kv-0", 1, nonce_of(9)});
    } else {
      for (auto value : *rc::gen::arbitrary<std::vector<std::uint8_t>>()) {
        f.payload.push_back(static_cast<std::byte>(value));
      }
    }
    (void)server.on_frame(f);
  }
  RC_ASSERT(server.status() != handshake_status::authenticated);
}

}  // namespace
}  // namespace troupe::wire
