#include "troupe/wire/envelope.hpp"

#include <cassert>
#include <cstring>
#include <tuple>

namespace troupe::wire {

namespace {

envelope_error check_text(std::string_view text, std::size_t max_bytes, bool required) {
  if (text.size() > max_bytes) return envelope_error::field_too_long;
  if (required && text.empty()) return envelope_error::missing_field;
  return envelope_error::none;
}

bool known_kind(system_kind kind) {
  return kind == system_kind::watch || kind == system_kind::unwatch ||
         kind == system_kind::terminated;
}

// Reads a string whose bound is checked after reading, so that a too-long field is reported
// as such; the read itself is bounded by the remaining input (one frame at most).
envelope_error read_text(byte_reader& reader, std::string& text, std::size_t max_bytes,
                         bool required) {
  if (!reader.get_string(text, max_container_elements)) return envelope_error::malformed;
  return check_text(text, max_bytes, required);
}

envelope_error read_text(byte_reader& reader, std::string_view& text, std::size_t max_bytes,
                         bool required) {
  if (!reader.get_string_view(text, max_container_elements)) return envelope_error::malformed;
  return check_text(text, max_bytes, required);
}

// A sender node names where sender_path lives; without a path it names nobody.
envelope_error check_sender_node(std::string_view node, std::string_view sender_path) {
  const auto error = check_text(node, max_sender_node_bytes, false);
  if (error != envelope_error::none) return error;
  return !node.empty() && sender_path.empty() ? envelope_error::missing_field
                                              : envelope_error::none;
}

envelope_error read_sender_node(byte_reader& reader, std::string_view& node,
                                std::string_view sender_path) {
  if (!reader.get_string_view(node, max_container_elements)) return envelope_error::malformed;
  return check_sender_node(node, sender_path);
}

// The one decoder of user envelopes: the owning one copies what this one points at.
envelope_error read_user_view(byte_reader& reader, user_envelope_view& envelope) {
  if (!reader.get_u64(envelope.message_id) || !reader.get_u64(envelope.lamport)) {
    return envelope_error::malformed;
  }
  for (auto [text, max_bytes, required] :
       {std::tuple{&envelope.sender_path, max_actor_path_bytes, false},
        std::tuple{&envelope.receiver_path, max_actor_path_bytes, true},
        std::tuple{&envelope.type_name, max_type_name_bytes, true}}) {
    const auto error = read_text(reader, *text, max_bytes, required);
    if (error != envelope_error::none) return error;
  }
  // The payload's only bound is the input: the frame that carries it was bounded already
  // (so a payload may use all of a 4 MiB frame, unlike a generic vector's 1 Mi elements).
  std::uint64_t length = 0;
  if (!reader.get_varint(length)) return envelope_error::malformed;
  if (length > reader.remaining()) return envelope_error::malformed;
  if (!reader.get_span(static_cast<std::size_t>(length), envelope.payload)) {
    return envelope_error::malformed;
  }
  return read_sender_node(reader, envelope.sender_node, envelope.sender_path);
}

envelope_error read_user(byte_reader& reader, user_envelope& envelope) {
  user_envelope_view view;
  const auto error = read_user_view(reader, view);
  if (error != envelope_error::none) return error;
  envelope.message_id = view.message_id;
  envelope.lamport = view.lamport;
  envelope.sender_path.assign(view.sender_path);
  envelope.receiver_path.assign(view.receiver_path);
  envelope.type_name.assign(view.type_name);
  envelope.payload.assign(view.payload.begin(), view.payload.end());
  envelope.sender_node.assign(view.sender_node);
  return envelope_error::none;
}

envelope_error read_system(byte_reader& reader, system_envelope& envelope) {
  std::uint8_t kind = 0;
  if (!reader.get_u8(kind)) return envelope_error::malformed;
  envelope.kind = static_cast<system_kind>(kind);
  if (!known_kind(envelope.kind)) return envelope_error::unknown_kind;
  if (!reader.get_u64(envelope.message_id) || !reader.get_u64(envelope.lamport)) {
    return envelope_error::malformed;
  }
  for (auto [text, max_bytes, required] :
       {std::tuple{&envelope.watcher_path, max_actor_path_bytes, true},
        std::tuple{&envelope.watched_path, max_actor_path_bytes, true},
        std::tuple{&envelope.reason, max_reason_bytes, false}}) {
    const auto error = read_text(reader, *text, max_bytes, required);
    if (error != envelope_error::none) return error;
  }
  return envelope_error::none;
}

std::size_t varint_bytes(std::uint64_t value) {
  std::size_t count = 1;
  for (; value >= 0x80U; value >>= 7U) ++count;
  return count;
}

// Bytes of a length-prefixed field of `length` bytes.
std::size_t text_bytes(std::size_t length) { return varint_bytes(length) + length; }

// Writes a varint length and the bytes at `out` (room reserved); returns the end.
std::byte* put_text(std::byte* out, std::span<const std::byte> bytes) {
  std::uint64_t length = bytes.size();
  for (; length >= 0x80U; length >>= 7U) *out++ = static_cast<std::byte>((length & 0x7fU) | 0x80U);
  *out++ = static_cast<std::byte>(length);
  if (!bytes.empty()) std::memcpy(out, bytes.data(), bytes.size());
  return out + bytes.size();
}

template <class Envelope, class Reader>
envelope_error decode_whole(std::span<const std::byte> payload, Envelope& envelope, Reader read) {
  byte_reader reader(payload);
  const auto error = read(reader, envelope);
  if (error != envelope_error::none) return error;
  return reader.remaining() == 0 ? envelope_error::none : envelope_error::malformed;
}

}  // namespace

std::string_view to_string(system_kind kind) {
  switch (kind) {
    case system_kind::watch:
      return "watch";
    case system_kind::unwatch:
      return "unwatch";
    case system_kind::terminated:
      return "terminated";
  }
  return "unknown";
}

std::string_view to_string(envelope_error error) {
  switch (error) {
    case envelope_error::none:
      return "no error";
    case envelope_error::malformed:
      return "malformed envelope";
    case envelope_error::field_too_long:
      return "envelope field longer than its limit";
    case envelope_error::missing_field:
      return "envelope lacks a required path or type name";
    case envelope_error::unknown_kind:
      return "unknown system message kind";
  }
  return "unknown envelope error";
}

envelope_error validate(const user_envelope& envelope) { return validate(view_of(envelope)); }

envelope_error validate(const user_envelope_view& envelope) {
  for (auto error : {check_text(envelope.sender_path, max_actor_path_bytes, false),
                     check_text(envelope.receiver_path, max_actor_path_bytes, true),
                     check_text(envelope.type_name, max_type_name_bytes, true),
                     check_sender_node(envelope.sender_node, envelope.sender_path)}) {
    if (error != envelope_error::none) return error;
  }
  return envelope_error::none;
}

envelope_error validate(const system_envelope& envelope) {
  if (!known_kind(envelope.kind)) return envelope_error::unknown_kind;
  for (auto error : {check_text(envelope.watcher_path, max_actor_path_bytes, true),
                     check_text(envelope.watched_path, max_actor_path_bytes, true),
                     check_text(envelope.reason, max_reason_bytes, false)}) {
    if (error != envelope_error::none) return error;
  }
  return envelope_error::none;
}

void encode(byte_writer& writer, const user_envelope& envelope) {
  encode(writer, view_of(envelope));
}

void encode(byte_writer& writer, const user_envelope_view& envelope) {
  assert(validate(envelope) == envelope_error::none);
  // Every message between nodes is one of these: the size is computed first and the bytes
  // written in one piece, instead of growing the buffer field by field.
  const std::size_t size = 16 + text_bytes(envelope.sender_path.size()) +
                           text_bytes(envelope.receiver_path.size()) +
                           text_bytes(envelope.type_name.size()) +
                           text_bytes(envelope.payload.size()) +
                           text_bytes(envelope.sender_node.size());
  std::byte* out = writer.extend(size);
  std::byte* const end = out + size;
  byte_writer::store_u64(out, envelope.message_id);
  byte_writer::store_u64(out + 8, envelope.lamport);
  out += 16;
  out = put_text(out, std::as_bytes(std::span{envelope.sender_path}));
  out = put_text(out, std::as_bytes(std::span{envelope.receiver_path}));
  out = put_text(out, std::as_bytes(std::span{envelope.type_name}));
  out = put_text(out, envelope.payload);
  out = put_text(out, std::as_bytes(std::span{envelope.sender_node}));
  assert(out == end);
  (void)end;
}

void encode(byte_writer& writer, const system_envelope& envelope) {
  assert(validate(envelope) == envelope_error::none);
  writer.put_u8(static_cast<std::uint8_t>(envelope.kind));
  writer.put_u64(envelope.message_id);
  writer.put_u64(envelope.lamport);
  writer.put_string(envelope.watcher_path);
  writer.put_string(envelope.watched_path);
  writer.put_string(envelope.reason);
}

bool decode(byte_reader& reader, user_envelope& envelope) {
  return read_user(reader, envelope) == envelope_error::none || reader.fail();
}

bool decode(byte_reader& reader, system_envelope& envelope) {
  return read_system(reader, envelope) == envelope_error::none || reader.fail();
}

std::vector<std::byte> encode_envelope(const user_envelope& envelope) {
  byte_writer writer;  // encode sizes the buffer exactly
  encode(writer, envelope);
  return std::move(writer.buffer());
}

std::vector<std::byte> encode_envelope(const system_envelope& envelope) {
  byte_writer writer;
  encode(writer, envelope);
  return std::move(writer.buffer());
}

envelope_error decode_envelope(std::span<const std::byte> payload, user_envelope& envelope) {
  return decode_whole(payload, envelope, read_user);
}

envelope_error decode_envelope(std::span<const std::byte> payload, system_envelope& envelope) {
  return decode_whole(payload, envelope, read_system);
}

envelope_error decode_envelope(std::span<const std::byte> payload, user_envelope_view& envelope) {
  return decode_whole(payload, envelope, read_user_view);
}

}  // namespace troupe::wire
