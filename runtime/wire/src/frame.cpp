#include "troupe/wire/frame.hpp"

#include <algorithm>
#include <cassert>
#include <limits>

namespace troupe::wire {

bool is_known_frame_type(std::uint16_t id) {
  switch (static_cast<frame_type>(id)) {
    case frame_type::hello:
    case frame_type::challenge:
    case frame_type::challenge_response:
    case frame_type::welcome:
    case frame_type::reject:
    case frame_type::user_message:
    case frame_type::system_message:
    case frame_type::heartbeat:
    case frame_type::goodbye:
      return true;
  }
  return false;
}

bool is_handshake_frame_type(frame_type type) {
  return static_cast<std::uint16_t>(type) <= static_cast<std::uint16_t>(frame_type::reject);
}

std::uint16_t header_version(frame_type type) {
  return is_handshake_frame_type(type) ? handshake_frame_version : protocol_version;
}

std::string_view to_string(frame_type type) {
  switch (type) {
    case frame_type::hello:
      return "hello";
    case frame_type::challenge:
      return "challenge";
    case frame_type::challenge_response:
      return "challenge_response";
    case frame_type::welcome:
      return "welcome";
    case frame_type::reject:
      return "reject";
    case frame_type::user_message:
      return "user_message";
    case frame_type::system_message:
      return "system_message";
    case frame_type::heartbeat:
      return "heartbeat";
    case frame_type::goodbye:
      return "goodbye";
  }
  return "unknown";
}

std::string_view to_string(frame_error error) {
  switch (error) {
    case frame_error::none:
      return "no error";
    case frame_error::bad_magic:
      return "bad magic: not a troupe wire stream";
    case frame_error::unsupported_version:
      return "unsupported protocol version in frame header";
    case frame_error::unknown_frame_type:
      return "unknown frame type";
    case frame_error::unknown_flags:
      return "unknown frame flags";
    case frame_error::frame_too_large:
      return "frame larger than the maximum frame size";
  }
  return "unknown frame error";
}

void append_raw_frame_header(std::vector<std::byte>& out, std::uint16_t version,
                             std::uint16_t type_id, std::uint16_t flags,
                             std::uint32_t payload_length) {
  // Written in place (no temporary buffer): this runs once per frame sent.
  const std::size_t start = out.size();
  out.resize(start + frame_header_bytes);
  std::byte* header = out.data() + start;
  std::copy(frame_magic.begin(), frame_magic.end(), header);
  const auto store = [](std::byte* at, std::uint32_t value, std::size_t bytes) {
    for (std::size_t i = 0; i < bytes; ++i) at[i] = static_cast<std::byte>(value >> (8 * i));
  };
  store(header + 4, version, 2);
  store(header + 6, type_id, 2);
  store(header + 8, flags, 2);
  store(header + 10, payload_length, 4);
}

void append_frame(std::vector<std::byte>& out, frame_type type,
                  std::span<const std::byte> payload) {
  assert(is_known_frame_type(static_cast<std::uint16_t>(type)));
  assert(payload.size() <= std::numeric_limits<std::uint32_t>::max());
  out.reserve(out.size() + frame_header_bytes + payload.size());
  append_raw_frame_header(out, header_version(type), static_cast<std::uint16_t>(type), 0,
                          static_cast<std::uint32_t>(payload.size()));
  out.insert(out.end(), payload.begin(), payload.end());
}

std::vector<std::byte> encode_frame(frame_type type, std::span<const std::byte> payload) {
  std::vector<std::byte> out;
  append_frame(out, type, payload);
  return out;
}

frame_decoder::frame_decoder(frame_decoder_options options) : options_(options) {
  assert(options_.min_version <= options_.max_version);
}

std::size_t frame_decoder::take_header(std::span<const std::byte> chunk) {
  const std::size_t count = std::min(chunk.size(), frame_header_bytes - header_filled_);
  std::copy_n(chunk.begin(), count, header_.begin() + static_cast<std::ptrdiff_t>(header_filled_));
  header_filled_ += count;
  return count;
}

// Checks the complete header in header_ and, if valid, prepares current_ for its payload.
frame_error frame_decoder::check_header() {
  frame_header header;
  const frame_error error = decode_frame_header(header_, options_, header);
  if (error != frame_error::none) return error;
  current_.type = header.type;
  current_.version = header.version;
  current_.flags = header.flags;
  current_.payload.clear();
  payload_length_ = header.payload_length;
  return frame_error::none;
}

frame_error frame_decoder::feed(std::span<const std::byte> chunk, std::vector<frame>& out) {
  while (error_ == frame_error::none) {
    if (header_filled_ < frame_header_bytes) {
      if (chunk.empty()) break;
      chunk = chunk.subspan(take_header(chunk));
      if (header_filled_ < frame_header_bytes) break;
      error_ = check_header();
      if (error_ != frame_error::none) break;
    }
    // Payload bytes are appended as they arrive: the buffer never runs ahead of the input.
    const std::size_t count = std::min(chunk.size(), payload_length_ - current_.payload.size());
    current_.payload.insert(current_.payload.end(), chunk.begin(),
                            chunk.begin() + static_cast<std::ptrdiff_t>(count));
    chunk = chunk.subspan(count);
    if (current_.payload.size() < payload_length_) break;
    out.push_back(std::move(current_));
    current_ = frame{};
    header_filled_ = 0;
    payload_length_ = 0;
  }
  return error_;
}

frame_error decode_frame_header(std::span<const std::byte> bytes,
                                const frame_decoder_options& options, frame_header& out) {
  assert(bytes.size() >= frame_header_bytes);
  // Fixed offsets and little-endian loads: this runs once per frame received.
  const auto load = [&bytes](std::size_t at, std::size_t count) {
    std::uint32_t value = 0;
    for (std::size_t i = 0; i < count; ++i)
      value |= std::to_integer<std::uint32_t>(bytes[at + i]) << (8 * i);
    return value;
  };
  if (!std::equal(frame_magic.begin(), frame_magic.end(), bytes.begin()))
    return frame_error::bad_magic;
  const auto version = static_cast<std::uint16_t>(load(4, 2));
  const auto type_id = static_cast<std::uint16_t>(load(6, 2));
  const auto flags = static_cast<std::uint16_t>(load(8, 2));
  const std::uint32_t length = load(10, 4);
  // The order of the checks decides which error a garbage stream reports: magic first, so
  // that a stream that is not ours at all says so.
  const bool in_range = version >= options.min_version && version <= options.max_version;
  if (!in_range && version != handshake_frame_version) return frame_error::unsupported_version;
  if (!is_known_frame_type(type_id)) return frame_error::unknown_frame_type;
  const auto type = static_cast<frame_type>(type_id);
  // Handshake frames keep version 1 forever, so that peers of any version can refuse each
  // other with a reject frame both understand; other frames must be in the agreed range.
  if (is_handshake_frame_type(type) ? version != handshake_frame_version : !in_range)
    return frame_error::unsupported_version;
  if ((flags & ~known_frame_flags) != 0) return frame_error::unknown_flags;
  if (length > max_payload_bytes(options.max_frame_bytes)) return frame_error::frame_too_large;
  out = frame_header{type, version, flags, length};
  return frame_error::none;
}

}  // namespace troupe::wire
