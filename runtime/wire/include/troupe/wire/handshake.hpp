// Handshake: mutual authentication of two nodes with a shared cluster secret.
//
//   client                                   server
//     hello(version, name, incarnation, Nc) ->
//                                          <- challenge(name, incarnation, Ns)
//                                             or reject(incompatible version)
//     challenge_response(HMAC(K, "c2s" T)) ->
//                                          <- welcome(HMAC(K, "s2c" T))
//                                             or reject("authentication failed")
//
// T is the transcript: both versions, names, incarnations and nonces (docs/wire-protocol.md,
// "Handshake"). The secret K never goes on the wire; each side proves it knows K over nonces
// the other side chose fresh, so a recorded exchange cannot be replayed.
//
// This is a pure state machine: no sockets, no clocks, no randomness. The caller passes
// received frames, the current time in nanoseconds and a fresh nonce, and sends the bytes
// `take_output()` returns. The same code runs under simnet and on TCP.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "troupe/wire/frame.hpp"

namespace troupe::wire {

/// Bytes in a handshake nonce and in an HMAC-SHA256 proof.
inline constexpr std::size_t nonce_bytes = 32;
inline constexpr std::size_t proof_bytes = 32;
/// Longest node name accepted in hello and challenge.
inline constexpr std::size_t max_node_name_bytes = 255;
/// Longest reason accepted in a reject frame.
inline constexpr std::size_t max_reject_reason_bytes = 1024;
/// Every handshake frame is far smaller; a transport keeps its frame_decoder at this bound
/// until the handshake succeeds, so an unauthenticated peer cannot make it buffer 4 MiB.
inline constexpr std::size_t handshake_max_frame_bytes = 4096;
/// Default time a handshake may take from the connection to welcome: 5 s.
inline constexpr std::int64_t default_handshake_timeout_ns = 5'000'000'000;

using nonce = std::array<std::byte, nonce_bytes>;
using proof = std::array<std::byte, proof_bytes>;

/// Why a reject frame was sent. Values are part of the wire format.
enum class reject_code : std::uint16_t {
  incompatible_version = 1,
  authentication_failed = 2,
  malformed = 3,        ///< a handshake frame that does not decode, or arrives out of order
  timeout = 4,          ///< the handshake deadline passed
  unexpected_peer = 5,  ///< the peer is not the node the client meant to reach
};

/// hello payload (client -> server).
struct hello_message {
  std::uint16_t protocol_version = wire::protocol_version;
  std::string node_name;
  std::uint64_t incarnation = 0;
  nonce client_nonce{};
  template <class Archive>
  void fields(Archive& archive) {
    archive(protocol_version, node_name, incarnation, client_nonce);
  }
};

/// challenge payload (server -> client).
struct challenge_message {
  std::string node_name;
  std::uint64_t incarnation = 0;
  nonce server_nonce{};
  template <class Archive>
  void fields(Archive& archive) {
    archive(node_name, incarnation, server_nonce);
  }
};

/// challenge_response payload (client -> server) and welcome payload (server -> client).
struct proof_message {
  proof value{};
  template <class Archive>
  void fields(Archive& archive) {
    archive(value);
  }
};

/// reject payload (either way).
struct reject_message {
  reject_code code = reject_code::malformed;
  std::string reason;
  template <class Archive>
  void fields(Archive& archive) {
    archive(code, reason);
  }
};

/// Decodes a reject payload, refusing a reason longer than max_reject_reason_bytes.
[[nodiscard]] bool decode_reject(std::span<const std::byte> payload, reject_message& out);
/// One reject frame, for a transport that must refuse a peer outside a handshake (a frame
/// decoder error before or during the handshake).
[[nodiscard]] std::vector<std::byte> encode_reject_frame(reject_code code, std::string_view reason);

/// A node's identity as the handshake proves it.
struct peer_identity {
  std::string node_name;
  std::uint64_t incarnation = 0;
  bool operator==(const peer_identity&) const = default;
};

/// How a handshake ended badly. The outcome's reason says more, in English, for the log.
enum class handshake_error : std::uint8_t {
  none = 0,
  timeout,                ///< the deadline passed before welcome
  incompatible_version,   ///< the peers speak different protocol versions
  authentication_failed,  ///< a proof did not match: the peer does not know the secret
  rejected_by_peer,       ///< the peer sent reject (its reason is in the outcome)
  malformed_frame,        ///< a payload that does not decode
  unexpected_frame,       ///< a frame type the current step does not expect
  unexpected_peer,        ///< the server is not the node the client meant to reach
};

/// A short name for logs ("timeout", "authentication_failed").
[[nodiscard]] std::string_view to_string(handshake_error error);

/// Where a handshake stands.
enum class handshake_status : std::uint8_t { in_progress, authenticated, failed };

/// The result: the authenticated peer, or an error with its reason.
struct handshake_outcome {
  handshake_status status = handshake_status::in_progress;
  std::optional<peer_identity> peer;  ///< set once authenticated
  handshake_error error = handshake_error::none;
  std::string reason;  ///< set once failed
};

/// One side's settings.
struct handshake_config {
  std::string node_name;          ///< at most max_node_name_bytes
  std::uint64_t incarnation = 0;  ///< distinguishes restarts of the same node name
  std::vector<std::byte> secret;  ///< the cluster secret; must not be empty
  std::int64_t timeout_ns = default_handshake_timeout_ns;
  std::uint16_t protocol_version = wire::protocol_version;
  /// Client only: the node the client means to reach; another name fails the handshake.
  std::optional<std::string> expected_peer_name;
};

/// One handshake, as client or server. Owned by one connection and used by one thread at a
/// time. Frames go in through on_frame, time through on_tick, bytes to send come out of
/// take_output. Once failed or authenticated, the status never changes.
class handshake {
 public:
  /// A client handshake, with hello already queued for sending. `client_nonce` must be fresh
  /// random bytes (the caller's platform randomness). `now_ns` starts the deadline.
  [[nodiscard]] static handshake client(handshake_config config, const nonce& client_nonce,
                                        std::int64_t now_ns);
  /// A server handshake for one accepted connection, waiting for hello. `server_nonce` must
  /// be fresh random bytes, new for every connection.
  [[nodiscard]] static handshake server(handshake_config config, const nonce& server_nonce,
                                        std::int64_t now_ns);

  /// Handles one frame from the peer. Returns the error if this frame failed the handshake
  /// (a reject for the peer may then be queued), none otherwise. Precondition: the status is
  /// in_progress (asserted): frames after welcome belong to the connection, not to us.
  [[nodiscard]] handshake_error on_frame(const frame& received);
  /// Advances time. Returns handshake_error::timeout (and queues a reject) the first time it
  /// is called at or after the deadline while still in progress; none otherwise.
  [[nodiscard]] handshake_error on_tick(std::int64_t now_ns);

  /// Encoded frames to send, in order, and forgets them. After a failure, send them, then
  /// close the connection.
  [[nodiscard]] std::vector<std::byte> take_output();

  [[nodiscard]] handshake_status status() const { return outcome_.status; }
  [[nodiscard]] const handshake_outcome& outcome() const { return outcome_; }
  /// When on_tick will fail the handshake, in the caller's nanoseconds.
  [[nodiscard]] std::int64_t deadline_ns() const { return deadline_ns_; }

 private:
  enum class role : std::uint8_t { client, server };
  enum class step : std::uint8_t {
    expect_hello,
    expect_challenge,
    expect_response,
    expect_welcome,
    done
  };

  handshake(role side, handshake_config config, const nonce& own_nonce, std::int64_t now_ns);

  handshake_error on_hello(const frame& received);
  handshake_error on_challenge(const frame& received);
  handshake_error on_response(const frame& received);
  handshake_error on_welcome(const frame& received);
  handshake_error on_reject(const frame& received);

  // Computes the proof that the side named by `direction` sends ("c2s" or "s2c").
  proof compute_proof(std::string_view direction) const;
  handshake_error fail(handshake_error error, std::string reason,
                       std::optional<reject_code> tell_peer);
  void succeed(peer_identity peer);
  void send(frame_type type, std::vector<std::byte> payload);

  handshake_config config_;
  step step_;
  std::int64_t deadline_ns_;
  hello_message hello_;          // the client's hello (sent or received)
  challenge_message challenge_;  // the server's challenge (sent or received)
  std::vector<std::byte> output_;
  handshake_outcome outcome_;
};

/// Fills `out` with random bytes from OpenSSL's CSPRNG, for the TCP platform (the simulator
/// uses its seeded generator instead). Returns false if the generator failed.
[[nodiscard]] bool random_nonce(nonce& out);

}  // namespace troupe::wire
