// Byte codec: the bytes-in, bytes-out layer under frames, handshake and envelopes.
//
// Layout (docs/wire-protocol.md, section "Values"): fixed-width integers are little-endian,
// varints are LEB128 of at most 10 bytes in their shortest form, strings and containers are a
// varint count followed by the elements. The encoding of a value is canonical: one value has
// exactly one byte sequence, and the decoder refuses every other one. The simulator relies on
// this (the same run produces the same bytes), and the fuzz targets check it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace troupe::wire {

/// Largest string `byte_reader::get_string` accepts unless the caller passes another bound.
inline constexpr std::size_t max_string_length_default = std::size_t{1} << 20;
/// Largest element count the generic `decode` accepts for any container (vector, map, string
/// inside a container keeps its own bound). Checked before any allocation.
inline constexpr std::size_t max_container_elements = std::size_t{1} << 20;
/// Longest LEB128 varint: 10 bytes carry 64 bits (9 x 7 bits + 1 bit).
inline constexpr std::size_t max_varint_bytes = 10;

/// Appends encoded values to a buffer it owns. Not thread-safe; one owner at a time.
class byte_writer {
 public:
  byte_writer() = default;
  /// Starts with `capacity_bytes` reserved (a hint; the buffer grows as needed).
  explicit byte_writer(std::size_t capacity_bytes);
  /// Writes into `reuse`, emptied first; its capacity is kept (a recycled buffer).
  explicit byte_writer(std::vector<std::byte>&& reuse) : buffer_(std::move(reuse)) {
    buffer_.clear();
  }

  /// Appends one byte.
  void put_u8(std::uint8_t value) { buffer_.push_back(static_cast<std::byte>(value)); }
  /// Appends 2 bytes, little-endian.
  void put_u16(std::uint16_t value);
  /// Appends 4 bytes, little-endian.
  void put_u32(std::uint32_t value);
  /// Appends 8 bytes, little-endian.
  void put_u64(std::uint64_t value) { store_u64(extend(8), value); }
  /// Appends 8 bytes: the two's complement bit pattern, little-endian.
  void put_i64(std::int64_t value);
  /// Appends 1 to 10 bytes: unsigned LEB128, shortest form.
  void put_varint(std::uint64_t value) {
    if (value < 0x80U) {  // lengths and counts are mostly short: one byte
      put_u8(static_cast<std::uint8_t>(value));
      return;
    }
    put_long_varint(value);
  }
  /// Appends one byte, 0 or 1.
  void put_bool(bool value);
  /// Appends the 8-byte IEEE 754 bit pattern, little-endian (NaN payloads are kept).
  void put_f64(double value);
  /// Appends a varint byte count, then the bytes (no terminator, no encoding check).
  void put_string(std::string_view value) {
    put_varint(value.size());
    put_bytes(std::as_bytes(std::span{value.data(), value.size()}));
  }
  /// Appends the bytes as they are, with no length.
  void put_bytes(std::span<const std::byte> bytes) {
    if (!bytes.empty()) std::memcpy(extend(bytes.size()), bytes.data(), bytes.size());
  }
  /// Appends `count` bytes for the caller to fill and returns the first; the pointer is
  /// valid until the next append. For encoders that know a value's size ahead.
  std::byte* extend(std::size_t count) {
    const std::size_t old_size = buffer_.size();
    buffer_.resize(old_size + count);
    return buffer_.data() + old_size;
  }
  /// Stores `value` little-endian in the 8 bytes at `out`.
  static void store_u64(std::byte* out, std::uint64_t value) {
    for (std::size_t i = 0; i < 8; ++i) {  // one store on little-endian machines
      out[i] = static_cast<std::byte>(value & 0xffU);
      value >>= 8U;
    }
  }

  /// The bytes written so far. The caller may move them out; the writer stays usable.
  std::vector<std::byte>& buffer() { return buffer_; }
  /// The bytes written so far.
  const std::vector<std::byte>& buffer() const { return buffer_; }
  /// Number of bytes written so far.
  std::size_t size() const { return buffer_.size(); }
  /// Forgets the bytes written (keeps the capacity).
  void clear() { buffer_.clear(); }

 private:
  void put_long_varint(std::uint64_t value);

  std::vector<std::byte> buffer_;
};

/// Reads encoded values from a span it does not own (the span must outlive the reader).
/// Every get is bounds-checked. Once a get fails, `ok()` is false, the position stays where
/// the failed value started, and every later get fails without reading.
class byte_reader {
 public:
  explicit byte_reader(std::span<const std::byte> input) : input_(input) {}

  /// Reads one byte.
  [[nodiscard]] bool get_u8(std::uint8_t& value);
  /// Reads 2 bytes, little-endian.
  [[nodiscard]] bool get_u16(std::uint16_t& value);
  /// Reads 4 bytes, little-endian.
  [[nodiscard]] bool get_u32(std::uint32_t& value);
  /// Reads 8 bytes, little-endian.
  [[nodiscard]] bool get_u64(std::uint64_t& value) {
    const std::byte* first = nullptr;
    if (!take(8, first)) return false;
    std::uint64_t loaded = 0;
    for (std::size_t i = 8; i > 0; --i)  // one load on little-endian machines
      loaded = (loaded << 8U) | std::to_integer<std::uint64_t>(first[i - 1]);
    value = loaded;
    return true;
  }
  /// Reads 8 bytes as a two's complement integer.
  [[nodiscard]] bool get_i64(std::int64_t& value);
  /// Reads an unsigned LEB128 varint. Fails on more than 10 bytes, on bits beyond 64, and on
  /// a longer form than necessary (a final 0x00 byte after the first), so the form is unique.
  [[nodiscard]] bool get_varint(std::uint64_t& value);
  /// Reads one byte that must be 0 or 1.
  [[nodiscard]] bool get_bool(bool& value);
  /// Reads an 8-byte IEEE 754 bit pattern.
  [[nodiscard]] bool get_f64(double& value);
  /// Reads a varint length then that many bytes. Fails, before allocating, if the length
  /// exceeds `max_length` or the remaining input.
  [[nodiscard]] bool get_string(std::string& value,
                                std::size_t max_length = max_string_length_default);
  /// Reads exactly `out.size()` bytes into `out`.
  [[nodiscard]] bool get_bytes(std::span<std::byte> out);
  /// Like get_string, but without a copy: `value` points into the input (valid as long as
  /// the input is).
  [[nodiscard]] bool get_string_view(std::string_view& value,
                                     std::size_t max_length = max_string_length_default);
  /// Points `out` at the next `count` bytes of the input, without a copy.
  [[nodiscard]] bool get_span(std::size_t count, std::span<const std::byte>& out);

  /// Marks the reader failed, for decoders that find a well-formed but invalid value (an
  /// unknown variant index, a duplicate map key). Always returns false.
  bool fail() {
    ok_ = false;
    return false;
  }

  /// False once any get failed.
  bool ok() const { return ok_; }
  /// Bytes not yet read (0 once failed: nothing more can be read).
  std::size_t remaining() const { return ok_ ? input_.size() - position_ : 0; }
  /// Bytes read successfully so far.
  std::size_t position() const { return position_; }

 private:
  // Points `first` at the next `count` bytes and advances past them; fails the reader, and
  // returns false, if it is already failed or the input is shorter. `count` may be 0.
  bool take(std::size_t count, const std::byte*& first) {
    if (!ok_ || count > input_.size() - position_) return fail();
    first = input_.data() + position_;
    position_ += count;
    return true;
  }

  std::span<const std::byte> input_;
  std::size_t position_ = 0;
  bool ok_ = true;
};

template <class T>
void encode(byte_writer& writer, const T& value);
template <class T>
[[nodiscard]] bool decode(byte_reader& reader, T& value);

namespace detail {

template <class T>
struct is_vector : std::false_type {};
template <class T, class A>
struct is_vector<std::vector<T, A>> : std::true_type {};

template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};

template <class T>
struct is_pair : std::false_type {};
template <class A, class B>
struct is_pair<std::pair<A, B>> : std::true_type {};

template <class T>
struct is_tuple : std::false_type {};
template <class... Ts>
struct is_tuple<std::tuple<Ts...>> : std::true_type {};

template <class T>
struct is_map : std::false_type {};
template <class K, class V, class C, class A>
struct is_map<std::map<K, V, C, A>> : std::true_type {};

template <class T>
struct is_array : std::false_type {};
template <class T, std::size_t N>
struct is_array<std::array<T, N>> : std::true_type {};

template <class T>
struct is_variant : std::false_type {};
template <class... Ts>
struct is_variant<std::variant<Ts...>> : std::true_type {};

template <class T>
inline constexpr bool dependent_false = false;

// Accepts any arguments: used only to detect a `fields(Archive&)` member.
struct field_probe {
  template <class... Ts>
  void operator()(Ts&...) {}
};

template <class T>
concept has_fields = requires(T& value, field_probe& probe) {
  value.fields(probe);
};

// Element types whose vectors are copied as one block of raw bytes.
template <class T>
inline constexpr bool is_byte_like =
    std::is_same_v<T, std::byte> || std::is_same_v<T, std::uint8_t> ||
    std::is_same_v<T, std::int8_t> || std::is_same_v<T, char> || std::is_same_v<T, unsigned char>;

// Fewest bytes any value of T encodes to. Decoders use it to refuse, before allocating, a
// count the remaining input cannot hold. 0 means "may be empty" (structs are not inspected).
template <class T>
constexpr std::size_t min_encoded_size() {
  if constexpr (std::is_same_v<T, bool>) {
    return 1;
  } else if constexpr (std::is_enum_v<T> || std::is_integral_v<T>) {
    return sizeof(T);
  } else if constexpr (std::is_same_v<T, double>) {
    return 8;
  } else if constexpr (std::is_same_v<T, std::string> || is_vector<T>::value ||
                       is_optional<T>::value || is_map<T>::value || is_variant<T>::value) {
    return 1;
  } else if constexpr (is_pair<T>::value) {
    return min_encoded_size<typename T::first_type>() + min_encoded_size<typename T::second_type>();
  } else if constexpr (is_tuple<T>::value) {
    return []<std::size_t... I>(std::index_sequence<I...>) {
      return (std::size_t{0} + ... + min_encoded_size<std::tuple_element_t<I, T>>());
    }
    (std::make_index_sequence<std::tuple_size_v<T>>{});
  } else if constexpr (is_array<T>::value) {
    return std::tuple_size_v<T> * min_encoded_size<typename T::value_type>();
  } else {
    return 0;
  }
}

struct encode_archive {
  byte_writer& writer;
  template <class... Ts>
  void operator()(const Ts&... values) {
    (encode(writer, values), ...);
  }
};

struct decode_archive {
  byte_reader& reader;
  template <class... Ts>
  void operator()(Ts&... values) {
    // Stops at the first failure: the reader is failed and later fields stay untouched.
    (void)(decode(reader, values) && ...);
  }
};

// Reads a container's element count and refuses it, before any allocation, when it exceeds
// max_container_elements or what the remaining input can hold at `element_min_size` bytes each.
[[nodiscard]] bool get_count(byte_reader& reader, std::size_t element_min_size, std::size_t& count);

template <class T, std::size_t... I>
bool decode_variant_alternative(byte_reader& reader, std::size_t index, T& value,
                                std::index_sequence<I...>) {
  bool decoded = false;
  auto try_alternative = [&]<std::size_t J>(std::integral_constant<std::size_t, J>) {
    if (index != J) return false;
    std::variant_alternative_t<J, T> alternative{};
    decoded = decode(reader, alternative);
    if (decoded) value.template emplace<J>(std::move(alternative));
    return true;
  };
  (void)(try_alternative(std::integral_constant<std::size_t, I>{}) || ...);
  return decoded;
}

template <class T>
void encode_integral(byte_writer& writer, T value) {
  using unsigned_type = std::make_unsigned_t<T>;
  const auto bits = static_cast<unsigned_type>(value);
  if constexpr (sizeof(T) == 1) {
    writer.put_u8(static_cast<std::uint8_t>(bits));
  } else if constexpr (sizeof(T) == 2) {
    writer.put_u16(static_cast<std::uint16_t>(bits));
  } else if constexpr (sizeof(T) == 4) {
    writer.put_u32(static_cast<std::uint32_t>(bits));
  } else if constexpr (sizeof(T) == 8) {
    writer.put_u64(static_cast<std::uint64_t>(bits));
  } else {
    static_assert(dependent_false<T>, "integers of 1, 2, 4 or 8 bytes only");
  }
}

template <class T>
bool decode_integral(byte_reader& reader, T& value) {
  using unsigned_type = std::make_unsigned_t<T>;
  if constexpr (sizeof(T) == 1) {
    std::uint8_t bits = 0;
    if (!reader.get_u8(bits)) return false;
    value = static_cast<T>(static_cast<unsigned_type>(bits));
  } else if constexpr (sizeof(T) == 2) {
    std::uint16_t bits = 0;
    if (!reader.get_u16(bits)) return false;
    value = static_cast<T>(static_cast<unsigned_type>(bits));
  } else if constexpr (sizeof(T) == 4) {
    std::uint32_t bits = 0;
    if (!reader.get_u32(bits)) return false;
    value = static_cast<T>(static_cast<unsigned_type>(bits));
  } else {
    static_assert(sizeof(T) == 8, "integers of 1, 2, 4 or 8 bytes only");
    std::uint64_t bits = 0;
    if (!reader.get_u64(bits)) return false;
    value = static_cast<T>(static_cast<unsigned_type>(bits));
  }
  return true;
}

}  // namespace detail

/// Appends the canonical encoding of `value` (docs/wire-protocol.md, "Values"). Supported:
/// integers (fixed width by size, little-endian), enums (as their underlying integer), bool,
/// double, std::string, std::vector, std::optional, std::pair, std::tuple, std::map,
/// std::array, std::variant (varint index then the value), and any class with a member
/// `template <class Archive> void fields(Archive& a) { a(x, y, z); }` (fields in that order,
/// no count or tag: adding a field changes the format, see "Evolving messages" in the doc).
template <class T>
void encode(byte_writer& writer, const T& value) {
  if constexpr (std::is_same_v<T, bool>) {
    writer.put_bool(value);
  } else if constexpr (std::is_enum_v<T>) {
    detail::encode_integral(writer, static_cast<std::underlying_type_t<T>>(value));
  } else if constexpr (std::is_integral_v<T>) {
    detail::encode_integral(writer, value);
  } else if constexpr (std::is_same_v<T, double>) {
    writer.put_f64(value);
  } else if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, std::string_view>) {
    writer.put_string(value);
  } else if constexpr (detail::is_vector<T>::value) {
    using element = typename T::value_type;
    writer.put_varint(value.size());
    if constexpr (detail::is_byte_like<element>) {
      writer.put_bytes(std::as_bytes(std::span{value.data(), value.size()}));
    } else {
      // `const element&` also turns std::vector<bool>'s proxy references into bools.
      for (const element& item : value) encode(writer, item);
    }
  } else if constexpr (detail::is_optional<T>::value) {
    writer.put_bool(value.has_value());
    if (value.has_value()) encode(writer, *value);
  } else if constexpr (detail::is_pair<T>::value) {
    encode(writer, value.first);
    encode(writer, value.second);
  } else if constexpr (detail::is_tuple<T>::value) {
    std::apply([&](const auto&... items) { (encode(writer, items), ...); }, value);
  } else if constexpr (detail::is_map<T>::value) {
    writer.put_varint(value.size());
    for (const auto& [key, mapped] : value) {
      encode(writer, key);
      encode(writer, mapped);
    }
  } else if constexpr (detail::is_array<T>::value) {
    for (const auto& item : value) encode(writer, item);
  } else if constexpr (detail::is_variant<T>::value) {
    writer.put_varint(value.index());
    std::visit([&](const auto& alternative) { encode(writer, alternative); }, value);
  } else if constexpr (detail::has_fields<T>) {
    // `fields` is one non-const member for both directions; the encode archive only reads,
    // so calling it through a const_cast never modifies the value.
    detail::encode_archive archive{writer};
    const_cast<T&>(value).fields(archive);
  } else {
    static_assert(detail::dependent_false<T>, "troupe::wire::encode: unsupported type");
  }
}

/// Reads a value written by `encode<T>` into `value`. Returns false (and leaves the reader
/// failed) on truncated or non-canonical input: a bool other than 0/1, an overlong varint, a
/// variant index out of range, map keys not strictly increasing, or a count above
/// max_container_elements or above what the remaining input can hold. Allocation is bounded
/// by the remaining input before it happens. On failure `value` holds an unspecified but
/// valid state. Enums accept any value of their underlying type.
template <class T>
[[nodiscard]] bool decode(byte_reader& reader, T& value) {
  if constexpr (std::is_same_v<T, bool>) {
    return reader.get_bool(value);
  } else if constexpr (std::is_enum_v<T>) {
    std::underlying_type_t<T> raw{};
    if (!detail::decode_integral(reader, raw)) return false;
    value = static_cast<T>(raw);
    return true;
  } else if constexpr (std::is_integral_v<T>) {
    return detail::decode_integral(reader, value);
  } else if constexpr (std::is_same_v<T, double>) {
    return reader.get_f64(value);
  } else if constexpr (std::is_same_v<T, std::string>) {
    return reader.get_string(value, max_container_elements);
  } else if constexpr (detail::is_vector<T>::value) {
    using element = typename T::value_type;
    constexpr std::size_t element_min = detail::min_encoded_size<element>();
    std::size_t count = 0;
    if (!detail::get_count(reader, element_min, count)) return false;
    value.clear();
    if constexpr (detail::is_byte_like<element>) {
      value.resize(count);
      return reader.get_bytes(std::as_writable_bytes(std::span{value.data(), value.size()}));
    } else {
      // Reserve only when each element costs input bytes; otherwise grow as elements decode.
      if constexpr (element_min > 0) value.reserve(count);
      for (std::size_t i = 0; i < count; ++i) {
        element item{};
        if (!decode(reader, item)) return false;
        value.push_back(std::move(item));
      }
      return true;
    }
  } else if constexpr (detail::is_optional<T>::value) {
    bool present = false;
    if (!reader.get_bool(present)) return false;
    if (!present) {
      value.reset();
      return true;
    }
    typename T::value_type inner{};
    if (!decode(reader, inner)) return false;
    value = std::move(inner);
    return true;
  } else if constexpr (detail::is_pair<T>::value) {
    return decode(reader, value.first) && decode(reader, value.second);
  } else if constexpr (detail::is_tuple<T>::value) {
    return std::apply([&](auto&... items) { return (decode(reader, items) && ...); }, value);
  } else if constexpr (detail::is_map<T>::value) {
    using key_type = typename T::key_type;
    using mapped_type = typename T::mapped_type;
    constexpr std::size_t pair_min =
        detail::min_encoded_size<key_type>() + detail::min_encoded_size<mapped_type>();
    std::size_t count = 0;
    if (!detail::get_count(reader, pair_min, count)) return false;
    value.clear();
    for (std::size_t i = 0; i < count; ++i) {
      key_type key{};
      mapped_type mapped{};
      if (!decode(reader, key) || !decode(reader, mapped)) return false;
      // Keys must arrive strictly increasing, as encode writes them: one map, one encoding.
      if (!value.empty() && !value.key_comp()(std::prev(value.end())->first, key)) {
        return reader.fail();
      }
      value.emplace_hint(value.end(), std::move(key), std::move(mapped));
    }
    return true;
  } else if constexpr (detail::is_array<T>::value) {
    for (auto& item : value) {
      if (!decode(reader, item)) return false;
    }
    return true;
  } else if constexpr (detail::is_variant<T>::value) {
    std::uint64_t index = 0;
    if (!reader.get_varint(index)) return false;
    if (index >= std::variant_size_v<T>) return reader.fail();
    return detail::decode_variant_alternative(reader, static_cast<std::size_t>(index), value,
                                              std::make_index_sequence<std::variant_size_v<T>>{});
  } else if constexpr (detail::has_fields<T>) {
    detail::decode_archive archive{reader};
    value.fields(archive);
    return reader.ok();
  } else {
    static_assert(detail::dependent_false<T>, "troupe::wire::decode: unsupported type");
  }
}

/// Encodes `value` into a new buffer.
template <class T>
std::vector<std::byte> to_bytes(const T& value) {
  byte_writer writer;
  encode(writer, value);
  return std::move(writer.buffer());
}

/// Decodes `value` from `bytes`, which must hold exactly one encoded value (trailing bytes
/// are an error: they would make two byte sequences for one value).
template <class T>
[[nodiscard]] bool from_bytes(std::span<const std::byte> bytes, T& value) {
  byte_reader reader(bytes);
  return decode(reader, value) && reader.remaining() == 0;
}

}  // namespace troupe::wire
