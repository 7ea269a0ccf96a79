// Frames: the unit a byte stream (TCP, or a simulated link) carries between two nodes.
//
// Every frame is a 14-byte header followed by its payload (docs/wire-protocol.md, "Frames"):
//
//   offset  size  field
//   0       4     magic "TRPW"
//   4       2     version (u16 LE)
//   6       2     frame type (u16 LE)
//   8       2     flags (u16 LE, must be 0 in version 1)
//   10      4     payload length in bytes (u32 LE)
//   14      n     payload
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "troupe/wire/codec.hpp"

namespace troupe::wire {

/// The four bytes every frame starts with: "TRPW".
inline constexpr std::array<std::byte, 4> frame_magic = {std::byte{'T'}, std::byte{'R'},
                                                         std::byte{'P'}, std::byte{'W'}};
/// The wire protocol version this build speaks: the header version of every frame after
/// the handshake, and the version a hello announces. Version 2 added the sender's node to
/// user envelopes (docs/wire-protocol.md, "Versions").
inline constexpr std::uint16_t protocol_version = 2;
/// The header version handshake frames always carry, whatever version the peers speak, so
/// that any two builds can at least tell each other that they are incompatible.
inline constexpr std::uint16_t handshake_frame_version = 1;
/// Bytes in a frame header.
inline constexpr std::size_t frame_header_bytes = 14;
/// Default bound on a whole frame (header + payload): 4 MiB. Checked before allocation.
inline constexpr std::size_t default_max_frame_bytes = std::size_t{4} << 20;
/// Flag bits defined by this version (none). Any other bit makes the frame invalid.
inline constexpr std::uint16_t known_frame_flags = 0;

/// What a frame carries. Values are part of the wire format; never renumber. Ids 0-15 are
/// the handshake, 16 and up the connection after it; new types take unused ids.
enum class frame_type : std::uint16_t {
  hello = 1,               ///< client -> server: hello_message
  challenge = 2,           ///< server -> client: challenge_message
  challenge_response = 3,  ///< client -> server: challenge_response_message
  welcome = 4,             ///< server -> client: welcome_message
  reject = 5,              ///< either way: reject_message, then the sender closes
  user_message = 16,       ///< user_envelope
  system_message = 17,     ///< system_envelope
  heartbeat = 18,          ///< empty payload
  goodbye = 19,            ///< a string: why the sender leaves; then it closes
};

/// True for the ids listed in frame_type.
[[nodiscard]] bool is_known_frame_type(std::uint16_t id);
/// True for the frames of the handshake (hello .. reject).
[[nodiscard]] bool is_handshake_frame_type(frame_type type);
/// The header version this build writes for frames of `type`: handshake_frame_version for
/// the handshake's, protocol_version for the others.
[[nodiscard]] std::uint16_t header_version(frame_type type);
/// The name of a frame type, for logs ("hello", "user_message"); "unknown" otherwise.
[[nodiscard]] std::string_view to_string(frame_type type);

/// One decoded frame.
struct frame {
  frame_type type = frame_type::heartbeat;
  std::uint16_t version = protocol_version;
  std::uint16_t flags = 0;
  std::vector<std::byte> payload;

  bool operator==(const frame&) const = default;
};

/// Why a byte stream is not a valid frame stream. Once a decoder reports one, the connection
/// is beyond repair (frame boundaries are lost) and must be closed.
enum class frame_error : std::uint8_t {
  none = 0,
  bad_magic,            ///< the first 4 bytes of a header are not "TRPW"
  unsupported_version,  ///< a header version outside the decoder's range
  unknown_frame_type,   ///< a type id this build does not know
  unknown_flags,        ///< a flag bit this version does not define
  frame_too_large,      ///< header + payload length above the decoder's max_frame_bytes
};

/// A short English description, for the log line that explains a closed connection.
[[nodiscard]] std::string_view to_string(frame_error error);

/// Largest payload that fits a frame of at most `max_frame_bytes`.
[[nodiscard]] constexpr std::size_t max_payload_bytes(std::size_t max_frame_bytes) {
  return max_frame_bytes < frame_header_bytes ? 0 : max_frame_bytes - frame_header_bytes;
}

/// Appends one frame (header then payload) to `out`. Precondition (asserted): the payload
/// fits a u32 length; callers check it against the peer's limit with max_payload_bytes first.
void append_frame(std::vector<std::byte>& out, frame_type type, std::span<const std::byte> payload);
/// One frame as a new buffer (see append_frame).
[[nodiscard]] std::vector<std::byte> encode_frame(frame_type type,
                                                  std::span<const std::byte> payload);
/// Appends a frame header with every field given explicitly, valid or not. For tests and
/// tools that must produce malformed streams; protocol code uses append_frame.
void append_raw_frame_header(std::vector<std::byte>& out, std::uint16_t version,
                             std::uint16_t type_id, std::uint16_t flags,
                             std::uint32_t payload_length);

/// Limits of one frame_decoder.
struct frame_decoder_options {
  /// Largest frame (header + payload) accepted; a larger length is an error, found from the
  /// header alone, before any payload byte is buffered.
  std::size_t max_frame_bytes = default_max_frame_bytes;
  /// Header versions accepted for frames after the handshake (handshake frames must carry
  /// handshake_frame_version).
  std::uint16_t min_version = protocol_version;
  std::uint16_t max_version = protocol_version;
};

/// The fields of one frame header.
struct frame_header {
  frame_type type = frame_type::heartbeat;
  std::uint16_t version = protocol_version;
  std::uint16_t flags = 0;
  std::uint32_t payload_length = 0;
};

/// Reads one complete header (the first frame_header_bytes of `bytes`) into `out` and checks
/// it against `options`: magic, version, type, flags, then length, the first failure being
/// the error. frame_decoder checks its headers with it; a reader that keeps whole frames in
/// its own buffer cuts them in place with it, without copying payloads (the TCP transport
/// after its handshake). Precondition: `bytes.size() >= frame_header_bytes`. Pure; any thread.
[[nodiscard]] frame_error decode_frame_header(std::span<const std::byte> bytes,
                                              const frame_decoder_options& options,
                                              frame_header& out);

/// Cuts a byte stream, fed in chunks of any size as they arrive, into frames. One decoder per
/// connection and direction; used by one thread at a time. Memory held between calls is at
/// most one partial frame, and grows only with bytes actually received (a header announcing
/// 4 MiB does not allocate 4 MiB). After an error the decoder stays failed.
class frame_decoder {
 public:
  explicit frame_decoder(frame_decoder_options options = {});

  /// Consumes all of `chunk`, appending every frame it completes to `out` in stream order.
  /// Returns the decoder's error: none while the stream is valid so far. Frames completed
  /// before an error in the same chunk are still appended.
  [[nodiscard]] frame_error feed(std::span<const std::byte> chunk, std::vector<frame>& out);

  /// Changes the frame size bound for frames whose header has not been read yet (a transport
  /// keeps it small during the handshake, then raises it).
  void set_max_frame_bytes(std::size_t max_frame_bytes) {
    options_.max_frame_bytes = max_frame_bytes;
  }

  /// The error that stopped the decoder, or none.
  [[nodiscard]] frame_error error() const { return error_; }
  /// Bytes held for the frame being assembled (header and payload so far).
  [[nodiscard]] std::size_t buffered_bytes() const {
    return header_filled_ + current_.payload.size();
  }

 private:
  // Consumes header bytes from the front of `chunk`; returns how many.
  std::size_t take_header(std::span<const std::byte> chunk);
  frame_error check_header();

  frame_decoder_options options_;
  frame_error error_ = frame_error::none;
  std::array<std::byte, frame_header_bytes> header_{};
  std::size_t header_filled_ = 0;
  frame current_;
  std::size_t payload_length_ = 0;
};

}  // namespace troupe::wire
