#include "troupe/wire/handshake.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <cassert>
#include <utility>

namespace troupe::wire {

namespace {

// Domain separation: these bytes start every transcript, so a proof computed for this
// protocol can never be valid for another use of the same secret.
constexpr std::string_view transcript_label = "troupe-handshake-v1";
constexpr std::string_view client_to_server = "c2s";
constexpr std::string_view server_to_client = "s2c";

bool valid_node_name(const std::string& name) {
  return !name.empty() && name.size() <= max_node_name_bytes;
}

std::string describe_reject(const reject_message& reject) {
  return "peer rejected the handshake: " + reject.reason;
}

}  // namespace

std::string_view to_string(handshake_error error) {
  switch (error) {
    case handshake_error::none:
      return "none";
    case handshake_error::timeout:
      return "timeout";
    case handshake_error::incompatible_version:
      return "incompatible_version";
    case handshake_error::authentication_failed:
      return "authentication_failed";
    case handshake_error::rejected_by_peer:
      return "rejected_by_peer";
    case handshake_error::malformed_frame:
      return "malformed_frame";
    case handshake_error::unexpected_frame:
      return "unexpected_frame";
    case handshake_error::unexpected_peer:
      return "unexpected_peer";
  }
  return "unknown";
}

bool decode_reject(std::span<const std::byte> payload, reject_message& out) {
  return from_bytes(payload, out) && out.reason.size() <= max_reject_reason_bytes;
}

std::vector<std::byte> encode_reject_frame(reject_code code, std::string_view reason) {
  reject_message reject{code, std::string(reason.substr(0, max_reject_reason_bytes))};
  return encode_frame(frame_type::reject, to_bytes(reject));
}

bool random_nonce(nonce& out) {
  return RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(out.size())) ==
         1;
}

handshake::handshake(role side, handshake_config config, const nonce& own_nonce,
                     std::int64_t now_ns)
    : config_(std::move(config)),
      step_(side == role::client ? step::expect_challenge : step::expect_hello),
      deadline_ns_(now_ns + config_.timeout_ns) {
  // A node without a name or a secret is a configuration bug the caller must catch earlier.
  assert(valid_node_name(config_.node_name));
  assert(!config_.secret.empty());
  assert(config_.timeout_ns > 0);
  if (side == role::client) {
    hello_ = {config_.protocol_version, config_.node_name, config_.incarnation, own_nonce};
  } else {
    challenge_ = {config_.node_name, config_.incarnation, own_nonce};
  }
}

handshake handshake::client(handshake_config config, const nonce& client_nonce,
                            std::int64_t now_ns) {
  handshake result(role::client, std::move(config), client_nonce, now_ns);
  result.send(frame_type::hello, to_bytes(result.hello_));
  return result;
}

handshake handshake::server(handshake_config config, const nonce& server_nonce,
                            std::int64_t now_ns) {
  return handshake(role::server, std::move(config), server_nonce, now_ns);
}

handshake_error handshake::on_frame(const frame& received) {
  assert(outcome_.status == handshake_status::in_progress);
  if (received.type == frame_type::reject) return on_reject(received);
  switch (step_) {
    case step::expect_hello:
      if (received.type == frame_type::hello) return on_hello(received);
      break;
    case step::expect_challenge:
      if (received.type == frame_type::challenge) return on_challenge(received);
      break;
    case step::expect_response:
      if (received.type == frame_type::challenge_response) return on_response(received);
      break;
    case step::expect_welcome:
      if (received.type == frame_type::welcome) return on_welcome(received);
      break;
    case step::done:
      break;
  }
  return fail(handshake_error::unexpected_frame,
              "unexpected " + std::string(to_string(received.type)) + " frame during handshake",
              reject_code::malformed);
}

handshake_error handshake::on_tick(std::int64_t now_ns) {
  if (outcome_.status != handshake_status::in_progress || now_ns < deadline_ns_) {
    return handshake_error::none;
  }
  return fail(
      handshake_error::timeout,
      "handshake not completed within " + std::to_string(config_.timeout_ns / 1'000'000) + " ms",
      reject_code::timeout);
}

handshake_error handshake::on_hello(const frame& received) {
  if (!from_bytes(received.payload, hello_) || !valid_node_name(hello_.node_name)) {
    return fail(handshake_error::malformed_frame, "malformed hello", reject_code::malformed);
  }
  if (hello_.protocol_version != config_.protocol_version) {
    const std::string reason = "incompatible protocol version: peer " + hello_.node_name +
                               " speaks version " + std::to_string(hello_.protocol_version) +
                               ", this node (" + config_.node_name + ") speaks version " +
                               std::to_string(config_.protocol_version);
    return fail(handshake_error::incompatible_version, reason, reject_code::incompatible_version);
  }
  // A peer echoing our own nonce is reflecting our challenge; refuse it outright.
  if (hello_.client_nonce == challenge_.server_nonce) {
    return fail(handshake_error::malformed_frame, "hello reuses the server's nonce",
                reject_code::malformed);
  }
  send(frame_type::challenge, to_bytes(challenge_));
  step_ = step::expect_response;
  return handshake_error::none;
}

handshake_error handshake::on_challenge(const frame& received) {
  if (!from_bytes(received.payload, challenge_) || !valid_node_name(challenge_.node_name)) {
    return fail(handshake_error::malformed_frame, "malformed challenge", reject_code::malformed);
  }
  if (challenge_.server_nonce == hello_.client_nonce) {
    return fail(handshake_error::malformed_frame, "challenge reuses the client's nonce",
                reject_code::malformed);
  }
  if (config_.expected_peer_name && *config_.expected_peer_name != challenge_.node_name) {
    return fail(
        handshake_error::unexpected_peer,
        "expected node " + *config_.expected_peer_name + " but reached " + challenge_.node_name,
        reject_code::unexpected_peer);
  }
  send(frame_type::challenge_response, to_bytes(proof_message{compute_proof(client_to_server)}));
  step_ = step::expect_welcome;
  return handshake_error::none;
}

handshake_error handshake::on_response(const frame& received) {
  proof_message response;
  if (!from_bytes(received.payload, response)) {
    return fail(handshake_error::malformed_frame, "malformed challenge_response",
                reject_code::malformed);
  }
  const proof expected = compute_proof(client_to_server);
  if (CRYPTO_memcmp(expected.data(), response.value.data(), proof_bytes) != 0) {
    return fail(handshake_error::authentication_failed,
                "authentication failed: " + hello_.node_name + " does not know the cluster secret",
                reject_code::authentication_failed);
  }
  send(frame_type::welcome, to_bytes(proof_message{compute_proof(server_to_client)}));
  succeed({hello_.node_name, hello_.incarnation});
  return handshake_error::none;
}

handshake_error handshake::on_welcome(const frame& received) {
  proof_message welcome;
  if (!from_bytes(received.payload, welcome)) {
    return fail(handshake_error::malformed_frame, "malformed welcome", reject_code::malformed);
  }
  const proof expected = compute_proof(server_to_client);
  if (CRYPTO_memcmp(expected.data(), welcome.value.data(), proof_bytes) != 0) {
    return fail(handshake_error::authentication_failed,
                "authentication failed: server " + challenge_.node_name +
                    " does not know the cluster secret",
                reject_code::authentication_failed);
  }
  succeed({challenge_.node_name, challenge_.incarnation});
  return handshake_error::none;
}

handshake_error handshake::on_reject(const frame& received) {
  reject_message reject;
  if (!decode_reject(received.payload, reject)) {
    return fail(handshake_error::rejected_by_peer, "peer rejected the handshake (malformed reason)",
                std::nullopt);
  }
  const auto error = reject.code == reject_code::incompatible_version
                         ? handshake_error::incompatible_version
                         : handshake_error::rejected_by_peer;
  return fail(error, describe_reject(reject), std::nullopt);
}

proof handshake::compute_proof(std::string_view direction) const {
  byte_writer transcript(256);
  transcript.put_string(transcript_label);
  transcript.put_string(direction);
  encode(transcript, hello_);
  encode(transcript, challenge_);
  proof result{};
  unsigned int length = 0;
  const unsigned char* digest =
      HMAC(EVP_sha256(), config_.secret.data(), static_cast<int>(config_.secret.size()),
           reinterpret_cast<const unsigned char*>(transcript.buffer().data()), transcript.size(),
           reinterpret_cast<unsigned char*>(result.data()), &length);
  // HMAC fails only on allocation failure or a broken OpenSSL; neither is a peer's doing.
  assert(digest != nullptr && length == proof_bytes);
  (void)digest;
  return result;
}

handshake_error handshake::fail(handshake_error error, std::string reason,
                                std::optional<reject_code> tell_peer) {
  assert(error != handshake_error::none);
  if (tell_peer) {
    // The peer learns only the category for authentication failures: what exactly failed
    // would help an attacker, and the local log has the details.
    const std::string peer_reason = *tell_peer == reject_code::authentication_failed
                                        ? std::string("authentication failed")
                                        : reason;
    const auto bytes = encode_reject_frame(*tell_peer, peer_reason);
    output_.insert(output_.end(), bytes.begin(), bytes.end());
  }
  step_ = step::done;
  outcome_.status = handshake_status::failed;
  outcome_.error = error;
  outcome_.reason = std::move(reason);
  return error;
}

void handshake::succeed(peer_identity peer) {
  step_ = step::done;
  outcome_.status = handshake_status::authenticated;
  outcome_.peer = std::move(peer);
}

void handshake::send(frame_type type, std::vector<std::byte> payload) {
  append_frame(output_, type, payload);
}

std::vector<std::byte> handshake::take_output() {
  return std::exchange(output_, {});
}

}  // namespace troupe::wire
