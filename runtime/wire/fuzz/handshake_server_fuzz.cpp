// libFuzzer target: the server side of the handshake fed random frames.
//
// Two modes, chosen by the first input byte:
// - raw: the input is the byte stream a client sends (cut by a frame_decoder, as the
//   transport does), with clock ticks in between. The server must never authenticate a peer
//   that does not know the secret, and never put the secret on the wire.
// - tampered: a real client with the secret talks to the server, and the fuzzer flips bytes
//   of what the client sends. The server authenticates if and only if nothing was flipped.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "troupe/wire/handshake.hpp"

using namespace troupe::wire;

namespace {

// Like assert, but never compiled out, and says which property broke.
#define check(condition)                                                                      \
  do {                                                                                        \
    if (!(condition)) {                                                                       \
      std::fprintf(stderr, "%s:%d: property violated: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                           \
    }                                                                                         \
  } while (false)

const std::vector<std::byte>& secret() {
  static const std::vector<std::byte> bytes = [] {
    std::vector<std::byte> out;
    for (char c : std::string_view("fuzzing-secret-0123456789abcdef")) {
      out.push_back(static_cast<std::byte>(c));
    }
    return out;
  }();
  return bytes;
}

handshake_config config_of(std::string name) {
  handshake_config config;
  config.node_name = std::move(name);
  config.incarnation = 3;
  config.secret = secret();
  return config;
}

nonce nonce_from(FuzzedDataProvider& provider) {
  nonce result{};
  for (auto& byte : result) byte = static_cast<std::byte>(provider.ConsumeIntegral<std::uint8_t>());
  return result;
}

void check_output(const std::vector<std::byte>& bytes) {
  const auto& needle = secret();
  check(std::search(bytes.begin(), bytes.end(), needle.begin(), needle.end()) == bytes.end());
  frame_decoder decoder;
  std::vector<frame> frames;
  check(decoder.feed(bytes, frames) == frame_error::none && decoder.buffered_bytes() == 0);
}

// Feeds `bytes` to the server through a decoder; returns false once the stream is invalid.
bool feed(handshake& server, frame_decoder& decoder, std::span<const std::byte> bytes) {
  std::vector<frame> frames;
  const bool valid = decoder.feed(bytes, frames) == frame_error::none;
  for (const auto& f : frames) {
    if (server.status() != handshake_status::in_progress) break;
    (void)server.on_frame(f);
  }
  return valid;
}

void raw_mode(FuzzedDataProvider& provider) {
  auto server = handshake::server(config_of("server"), nonce_from(provider), 0);
  frame_decoder decoder({.max_frame_bytes = handshake_max_frame_bytes});
  std::int64_t now_ns = 0;
  while (provider.remaining_bytes() > 0 && server.status() == handshake_status::in_progress) {
    const auto length = provider.ConsumeIntegralInRange<std::size_t>(0, 128);
    const auto raw = provider.ConsumeBytes<std::uint8_t>(length);
    if (!feed(server, decoder, std::as_bytes(std::span{raw.data(), raw.size()}))) break;
    now_ns += provider.ConsumeIntegralInRange<std::int64_t>(0, 2'000'000'000);
    (void)server.on_tick(now_ns);
    check_output(server.take_output());
  }
  check(server.status() != handshake_status::authenticated);
}

void tampered_mode(FuzzedDataProvider& provider) {
  const nonce client_nonce = nonce_from(provider);
  const nonce server_nonce = nonce_from(provider);
  // Equal nonces are refused as a reflection, tampered or not.
  const bool same_nonce = client_nonce == server_nonce;
  auto client = handshake::client(config_of("client"), client_nonce, 0);
  auto server = handshake::server(config_of("server"), server_nonce, 0);
  frame_decoder server_decoder({.max_frame_bytes = handshake_max_frame_bytes});
  frame_decoder client_decoder({.max_frame_bytes = handshake_max_frame_bytes});
  bool tampered = false;
  for (int round = 0; round < 3; ++round) {
    const auto sent = client.take_output();
    auto to_server = sent;
    // Flip bits in up to 3 bytes of what the client sends. Two flips may cancel out, so what
    // counts is whether the bytes that arrive differ from the bytes sent.
    for (int flip = provider.ConsumeIntegralInRange(0, 3); flip > 0 && !to_server.empty(); --flip) {
      const auto at = provider.ConsumeIntegralInRange<std::size_t>(0, to_server.size() - 1);
      to_server[at] ^= static_cast<std::byte>(provider.ConsumeIntegral<std::uint8_t>());
    }
    tampered = tampered || to_server != sent;
    if (server.status() == handshake_status::in_progress) {
      (void)feed(server, server_decoder, to_server);
    }
    const auto to_client = server.take_output();
    check_output(to_client);
    std::vector<frame> frames;
    (void)client_decoder.feed(to_client, frames);
    for (const auto& f : frames) {
      if (client.status() == handshake_status::in_progress) (void)client.on_frame(f);
    }
  }
  const bool authenticated = server.status() == handshake_status::authenticated;
  check(authenticated == (!tampered && !same_nonce));
  if (authenticated) {
    check(client.status() == handshake_status::authenticated);
    check(server.outcome().peer == (peer_identity{"client", 3}));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider provider(data, size);
  if (provider.ConsumeBool()) {
    tampered_mode(provider);
  } else {
    raw_mode(provider);
  }
  return 0;
}
