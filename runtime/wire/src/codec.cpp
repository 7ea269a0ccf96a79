#include "troupe/wire/codec.hpp"

#include <bit>
#include <cassert>
#include <cstring>

namespace troupe::wire {

namespace {

template <class T>
void append_little_endian(std::vector<std::byte>& buffer, T value) {
  static_assert(std::is_unsigned_v<T>);
  // Built in a local array and appended at once: one capacity check instead of one per
  // byte (the compiler turns the loop into a single store on little-endian machines).
  std::byte bytes[sizeof(T)];
  for (std::size_t i = 0; i < sizeof(T); ++i) {
    bytes[i] = static_cast<std::byte>(value & 0xffU);
    value = static_cast<T>(value >> 8U);
  }
  buffer.insert(buffer.end(), bytes, bytes + sizeof(T));
}

template <class T>
T load_little_endian(const std::byte* first) {
  static_assert(std::is_unsigned_v<T>);
  T value = 0;
  for (std::size_t i = sizeof(T); i > 0; --i) {
    value = static_cast<T>((value << 8U) | std::to_integer<T>(first[i - 1]));
  }
  return value;
}

}  // namespace

byte_writer::byte_writer(std::size_t capacity_bytes) {
  buffer_.reserve(capacity_bytes);
}

void byte_writer::put_u16(std::uint16_t value) {
  append_little_endian(buffer_, value);
}
void byte_writer::put_u32(std::uint32_t value) {
  append_little_endian(buffer_, value);
}
void byte_writer::put_i64(std::int64_t value) {
  put_u64(static_cast<std::uint64_t>(value));
}
void byte_writer::put_bool(bool value) {
  put_u8(value ? 1 : 0);
}
void byte_writer::put_f64(double value) {
  put_u64(std::bit_cast<std::uint64_t>(value));
}

void byte_writer::put_long_varint(std::uint64_t value) {
  while (value >= 0x80U) {
    put_u8(static_cast<std::uint8_t>((value & 0x7fU) | 0x80U));
    value >>= 7U;
  }
  put_u8(static_cast<std::uint8_t>(value));
}


bool byte_reader::get_u8(std::uint8_t& value) {
  const std::byte* first = nullptr;
  if (!take(1, first)) return false;
  value = std::to_integer<std::uint8_t>(*first);
  return true;
}

bool byte_reader::get_u16(std::uint16_t& value) {
  const std::byte* first = nullptr;
  if (!take(2, first)) return false;
  value = load_little_endian<std::uint16_t>(first);
  return true;
}

bool byte_reader::get_u32(std::uint32_t& value) {
  const std::byte* first = nullptr;
  if (!take(4, first)) return false;
  value = load_little_endian<std::uint32_t>(first);
  return true;
}

bool byte_reader::get_i64(std::int64_t& value) {
  std::uint64_t bits = 0;
  if (!get_u64(bits)) return false;
  value = static_cast<std::int64_t>(bits);
  return true;
}

bool byte_reader::get_varint(std::uint64_t& value) {
  if (!ok_) return false;
  // Most varints are lengths and counts below 128: one byte, always in its shortest form.
  if (position_ < input_.size()) {
    const auto first = std::to_integer<std::uint8_t>(input_[position_]);
    if (first < 0x80U) {
      ++position_;
      value = first;
      return true;
    }
  }
  std::uint64_t result = 0;
  for (std::size_t i = 0; i < max_varint_bytes; ++i) {
    if (position_ + i >= input_.size()) return fail();
    const auto byte = std::to_integer<std::uint8_t>(input_[position_ + i]);
    const auto payload = static_cast<std::uint64_t>(byte & 0x7fU);
    // The 10th byte holds bit 63 only; anything more does not fit 64 bits.
    if (i == max_varint_bytes - 1 && byte > 1U) return fail();
    result |= payload << (7U * i);
    if ((byte & 0x80U) == 0) {
      // A zero final byte after the first means a shorter form existed: refuse it.
      if (i > 0 && byte == 0) return fail();
      position_ += i + 1;
      value = result;
      return true;
    }
  }
  return fail();
}

bool byte_reader::get_bool(bool& value) {
  if (!ok_ || remaining() < 1) return fail();
  const auto byte = std::to_integer<std::uint8_t>(input_[position_]);
  if (byte > 1U) return fail();
  ++position_;
  value = byte == 1U;
  return true;
}

bool byte_reader::get_f64(double& value) {
  std::uint64_t bits = 0;
  if (!get_u64(bits)) return false;
  value = std::bit_cast<double>(bits);
  return true;
}

bool byte_reader::get_string(std::string& value, std::size_t max_length) {
  std::string_view view;
  if (!get_string_view(view, max_length)) return false;
  value.assign(view.data(), view.size());
  return true;
}

bool byte_reader::get_string_view(std::string_view& value, std::size_t max_length) {
  if (!ok_) return false;
  const std::size_t start = position_;
  std::uint64_t length = 0;
  if (!get_varint(length)) return false;
  if (length > max_length || length > remaining()) {
    position_ = start;
    return fail();
  }
  const std::byte* first = nullptr;
  const bool taken = take(static_cast<std::size_t>(length), first);
  assert(taken);
  value = std::string_view(reinterpret_cast<const char*>(first), static_cast<std::size_t>(length));
  return true;
}

bool byte_reader::get_span(std::size_t count, std::span<const std::byte>& out) {
  const std::byte* first = nullptr;
  if (!take(count, first)) return false;
  out = std::span<const std::byte>(first, count);
  return true;
}

bool byte_reader::get_bytes(std::span<std::byte> out) {
  const std::byte* first = nullptr;
  if (!take(out.size(), first)) return false;
  if (!out.empty()) std::memcpy(out.data(), first, out.size());
  return true;
}

namespace detail {

bool get_count(byte_reader& reader, std::size_t element_min_size, std::size_t& count) {
  std::uint64_t value = 0;
  if (!reader.get_varint(value)) return false;
  if (value > max_container_elements) return reader.fail();
  if (element_min_size > 0 && value > reader.remaining() / element_min_size) {
    return reader.fail();
  }
  count = static_cast<std::size_t>(value);
  return true;
}

}  // namespace detail

}  // namespace troupe::wire
