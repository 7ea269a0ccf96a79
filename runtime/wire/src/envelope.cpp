#include "troupe/wire/envelope.hpp"

#include <cassert>
#include <tuple>

namespace troupe::wire {

namespace {

envelope_error check_text(const std::string& text, std::size_t max_bytes, bool required) {
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

envelope_error read_user(byte_reader& reader, user_envelope& envelope) {
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
  envelope.payload.resize(static_cast<std::size_t>(length));
  if (!reader.get_bytes(envelope.payload)) return envelope_error::malformed;
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

envelope_error validate(const user_envelope& envelope) {
  for (auto error : {check_text(envelope.sender_path, max_actor_path_bytes, false),
                     check_text(envelope.receiver_path, max_actor_path_bytes, true),
                     check_text(envelope.type_name, max_type_name_bytes, true)}) {
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
  assert(validate(envelope) == envelope_error::none);
  writer.put_u64(envelope.message_id);
  writer.put_u64(envelope.lamport);
  writer.put_string(envelope.sender_path);
  writer.put_string(envelope.receiver_path);
  writer.put_string(envelope.type_name);
  writer.put_varint(envelope.payload.size());
  writer.put_bytes(envelope.payload);
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
  byte_writer writer(48 + envelope.receiver_path.size() + envelope.sender_path.size() +
                     envelope.type_name.size() + envelope.payload.size());
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

}  // namespace troupe::wire
