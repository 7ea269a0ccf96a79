// Envelopes: the payloads of user_message and system_message frames, that is, what one node's
// actors say to another node's actors (docs/wire-protocol.md, "Envelopes").
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "troupe/wire/codec.hpp"

namespace troupe::wire {

/// Longest actor path accepted ("/user/kv/shard-3" style; the runtime defines the syntax).
inline constexpr std::size_t max_actor_path_bytes = 1024;
/// Longest message type name accepted.
inline constexpr std::size_t max_type_name_bytes = 256;
/// Longest termination reason accepted.
inline constexpr std::size_t max_reason_bytes = 4096;
/// Longest sender node name accepted (the handshake's bound on node names).
inline constexpr std::size_t max_sender_node_bytes = 255;

/// A user message between actors on two nodes. `payload` is the message itself, encoded by
/// the runtime (usually with troupe::wire::encode); this layer does not look inside.
struct user_envelope {
  std::uint64_t message_id = 0;  ///< unique per sending node, for traces and dedup
  std::uint64_t lamport = 0;     ///< the sender's Lamport clock after the send
  std::string sender_path;       ///< may be empty: a message from outside any actor
  std::string receiver_path;     ///< not empty
  std::string type_name;         ///< not empty
  std::vector<std::byte> payload;
  /// The node the sender lives on, when it is not the node that sends the envelope: a
  /// message forwarded with its original sender (a shard region passing a client's request
  /// on to the entity's node). Empty (the usual case, one byte on the wire): the sender
  /// lives on the sending node. Not empty only with a sender_path.
  std::string sender_node;

  bool operator==(const user_envelope&) const = default;
};

/// A user envelope decoded in place: the strings and the payload point into the bytes it
/// was decoded from, which must outlive it. Same fields and bounds as user_envelope; for a
/// receiver that only looks the fields up and decodes the payload (no copy of either).
struct user_envelope_view {
  std::uint64_t message_id = 0;
  std::uint64_t lamport = 0;
  std::string_view sender_path;
  std::string_view receiver_path;
  std::string_view type_name;
  std::span<const std::byte> payload;
  std::string_view sender_node;
};

/// What a system envelope asks or announces. Values are part of the wire format.
enum class system_kind : std::uint8_t {
  watch = 1,       ///< watcher (on the sending node) watches watched (on the receiving node)
  unwatch = 2,     ///< the watcher no longer watches
  terminated = 3,  ///< watched (on the sending node) stopped; `reason` says why
};

/// A name for logs ("watch"); "unknown" for other values.
[[nodiscard]] std::string_view to_string(system_kind kind);

/// A runtime-to-runtime message about actors: death watch.
struct system_envelope {
  system_kind kind = system_kind::watch;
  std::uint64_t message_id = 0;
  std::uint64_t lamport = 0;
  std::string watcher_path;  ///< not empty
  std::string watched_path;  ///< not empty
  std::string reason;        ///< terminated only (empty otherwise); at most max_reason_bytes

  bool operator==(const system_envelope&) const = default;
};

/// Why an envelope payload was refused.
enum class envelope_error : std::uint8_t {
  none = 0,
  malformed,       ///< truncated, non-canonical, or trailing bytes after the envelope
  field_too_long,  ///< a path, type name or reason above its bound
  missing_field,   ///< a required path or type name is empty (or a sender node without a path)
  unknown_kind,    ///< a system_kind this build does not know
};

/// A short English description, for the log line of a dropped message.
[[nodiscard]] std::string_view to_string(envelope_error error);

/// Appends the envelope's encoding. Precondition (asserted): the envelope is valid (paths
/// and names within bounds, required ones not empty), so that every sent envelope decodes.
void encode(byte_writer& writer, const user_envelope& envelope);
/// The same bytes from views of the fields, for a sender that has them elsewhere (no copy into
/// an owning envelope first).
void encode(byte_writer& writer, const user_envelope_view& envelope);
void encode(byte_writer& writer, const system_envelope& envelope);
/// Reads an envelope, enforcing every bound and required field; false leaves the reader
/// failed. These overloads take part in the generic decode of containers of envelopes.
[[nodiscard]] bool decode(byte_reader& reader, user_envelope& envelope);
[[nodiscard]] bool decode(byte_reader& reader, system_envelope& envelope);

/// The payload of a user_message or system_message frame.
[[nodiscard]] std::vector<std::byte> encode_envelope(const user_envelope& envelope);
[[nodiscard]] std::vector<std::byte> encode_envelope(const system_envelope& envelope);
/// Decodes a whole frame payload (trailing bytes are an error), saying why it failed.
[[nodiscard]] envelope_error decode_envelope(std::span<const std::byte> payload,
                                             user_envelope& envelope);
[[nodiscard]] envelope_error decode_envelope(std::span<const std::byte> payload,
                                             system_envelope& envelope);
/// Decodes a whole user_message payload in place, with the checks of the owning decoder
/// (the two accept and refuse the same inputs); `envelope` points into `payload`.
[[nodiscard]] envelope_error decode_envelope(std::span<const std::byte> payload,
                                             user_envelope_view& envelope);

/// Checks bounds and required fields without encoding: a sender calls it on envelopes built
/// from user input, before encode (whose precondition it is).
[[nodiscard]] envelope_error validate(const user_envelope& envelope);
[[nodiscard]] envelope_error validate(const user_envelope_view& envelope);
[[nodiscard]] envelope_error validate(const system_envelope& envelope);
/// A view of an owning envelope's fields (valid while it lives and does not change).
[[nodiscard]] inline user_envelope_view view_of(const user_envelope& envelope) {
  return {envelope.message_id, envelope.lamport, envelope.sender_path, envelope.receiver_path,
          envelope.type_name,  envelope.payload, envelope.sender_node};
}

}  // namespace troupe::wire
