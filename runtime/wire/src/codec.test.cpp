// Goal: every value the codec supports comes back identical after encode then decode, the
// bytes are the documented layout, and malformed or truncated input is refused without
// allocating more than the input can justify.
#include "troupe/wire/codec.hpp"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <bit>
#include <cmath>
#include <limits>

namespace troupe::wire {
namespace {

std::vector<std::byte> bytes_of(std::initializer_list<int> values) {
  std::vector<std::byte> out;
  for (int value : values) out.push_back(static_cast<std::byte>(value));
  return out;
}

enum class color : std::uint16_t { red = 1, green = 2, blue = 0x1234 };

struct point {
  std::int32_t x = 0;
  std::int32_t y = 0;
  template <class Archive>
  void fields(Archive& archive) {
    archive(x, y);
  }
  bool operator==(const point&) const = default;
};

struct sample {
  std::uint8_t a = 0;
  std::int16_t b = 0;
  std::uint32_t c = 0;
  std::int64_t d = 0;
  bool e = false;
  double f = 0;
  std::string g;
  std::vector<std::int32_t> h;
  std::optional<std::string> i;
  std::pair<std::uint64_t, bool> j;
  std::tuple<std::int8_t, std::string, std::uint16_t> k;
  std::map<std::string, std::int64_t> l;
  std::array<std::uint32_t, 3> m{};
  std::variant<std::int32_t, std::string, std::vector<std::byte>> n;
  color o = color::red;
  std::vector<point> p;
  std::vector<std::byte> q;
  std::vector<bool> r;

  template <class Archive>
  void fields(Archive& archive) {
    archive(a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p, q, r);
  }
  bool operator==(const sample&) const = default;
};

template <class T>
rc::Gen<std::optional<T>> gen_optional(rc::Gen<T> inner) {
  return rc::gen::oneOf(rc::gen::just(std::optional<T>{}),
                        rc::gen::map(inner, [](T value) { return std::optional<T>(value); }));
}

rc::Gen<std::vector<std::byte>> gen_bytes() {
  return rc::gen::map(rc::gen::arbitrary<std::vector<std::uint8_t>>(), [](const auto& raw) {
    std::vector<std::byte> out;
    for (auto value : raw) out.push_back(static_cast<std::byte>(value));
    return out;
  });
}

rc::Gen<sample> gen_sample() {
  return rc::gen::exec([] {
    sample s;
    s.a = *rc::gen::arbitrary<std::uint8_t>();
    s.b = *rc::gen::arbitrary<std::int16_t>();
    s.c = *rc::gen::arbitrary<std::uint32_t>();
    s.d = *rc::gen::arbitrary<std::int64_t>();
    s.e = *rc::gen::arbitrary<bool>();
    // Finite doubles only, so that operator== can compare them (NaN != NaN); NaN payloads are
    // covered by the bit-exact test below.
    s.f = *rc::gen::suchThat(rc::gen::arbitrary<double>(), [](double v) { return !std::isnan(v); });
    s.g = *rc::gen::arbitrary<std::string>();
    s.h = *rc::gen::arbitrary<std::vector<std::int32_t>>();
    s.i = *gen_optional(rc::gen::arbitrary<std::string>());
    s.j = *rc::gen::arbitrary<std::pair<std::uint64_t, bool>>();
    s.k = *rc::gen::arbitrary<std::tuple<std::int8_t, std::string, std::uint16_t>>();
    s.l = *rc::gen::arbitrary<std::map<std::string, std::int64_t>>();
    s.m = *rc::gen::arbitrary<std::array<std::uint32_t, 3>>();
    switch (*rc::gen::inRange(0, 3)) {
      case 0:
        s.n = *rc::gen::arbitrary<std::int32_t>();
        break;
      case 1:
        s.n = *rc::gen::arbitrary<std::string>();
        break;
      default:
        s.n = *gen_bytes();
        break;
    }
    s.o = *rc::gen::element(color::red, color::green, color::blue);
    s.p = *rc::gen::container<std::vector<point>>(
        rc::gen::build<point>(rc::gen::set(&point::x), rc::gen::set(&point::y)));
    s.q = *gen_bytes();
    s.r = *rc::gen::arbitrary<std::vector<bool>>();
    return s;
  });
}

RC_GTEST_PROP(codec, round_trip_of_generated_values_is_identity, ()) {
  const sample original = *gen_sample();
  const auto bytes = to_bytes(original);
  sample decoded;
  RC_ASSERT(from_bytes(bytes, decoded));
  RC_ASSERT(decoded == original);
  // Canonical: encoding the decoded value gives the same bytes.
  RC_ASSERT(to_bytes(decoded) == bytes);
}

RC_GTEST_PROP(codec, every_truncation_of_an_encoding_is_refused, ()) {
  const sample original = *gen_sample();
  const auto bytes = to_bytes(original);
  const auto cut = *rc::gen::inRange<std::size_t>(0, bytes.size());
  sample decoded;
  byte_reader reader(std::span<const std::byte>(bytes).first(cut));
  RC_ASSERT(!decode(reader, decoded));
  RC_ASSERT(!reader.ok());
}

RC_GTEST_PROP(codec, varint_round_trips_in_shortest_form, (std::uint64_t value)) {
  byte_writer writer;
  writer.put_varint(value);
  std::size_t expected_length = 1;
  for (std::uint64_t rest = value >> 7U; rest != 0; rest >>= 7U) ++expected_length;
  RC_ASSERT(writer.size() == expected_length);
  byte_reader reader(writer.buffer());
  std::uint64_t decoded = 0;
  RC_ASSERT(reader.get_varint(decoded));
  RC_ASSERT(decoded == value);
  RC_ASSERT(reader.remaining() == 0u);
}

TEST(codec, integers_are_little_endian_fixed_width) {
  byte_writer writer;
  writer.put_u16(0x0102);
  writer.put_u32(0x03040506);
  writer.put_u64(0x0708090a0b0c0d0eULL);
  writer.put_i64(-2);
  EXPECT_EQ(writer.buffer(),
            bytes_of({0x02, 0x01, 0x06, 0x05, 0x04, 0x03, 0x0e, 0x0d, 0x0c, 0x0b, 0x0a,
                      0x09, 0x08, 0x07, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}));
}

TEST(codec, varint_layout_matches_leb128) {
  byte_writer writer;
  writer.put_varint(0);
  writer.put_varint(127);
  writer.put_varint(128);
  writer.put_varint(300);
  writer.put_varint(std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(writer.buffer(), bytes_of({0x00, 0x7f, 0x80, 0x01, 0xac, 0x02, 0xff, 0xff, 0xff, 0xff,
                                       0xff, 0xff, 0xff, 0xff, 0xff, 0x01}));
}

TEST(codec, overlong_varints_are_refused) {
  const std::vector<std::vector<std::byte>> refused = {
      bytes_of({0x80, 0x00}),  // 0 in two bytes
      bytes_of({0xff, 0x80, 0x00}),
      // 11 bytes.
      bytes_of({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01}),
      // 10 bytes whose last carries bits above 63.
      bytes_of({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02}),
      bytes_of({0x80}),  // truncated
  };
  for (const auto& input : refused) {
    byte_reader reader(input);
    std::uint64_t value = 0;
    EXPECT_FALSE(reader.get_varint(value));
    EXPECT_FALSE(reader.ok());
    EXPECT_EQ(reader.position(), 0u);
  }
}

TEST(codec, a_failed_get_makes_every_later_get_fail) {
  const auto input = bytes_of({0x01, 0x02, 0x03});
  byte_reader reader(input);
  std::uint32_t wide = 0;
  EXPECT_FALSE(reader.get_u32(wide));
  std::uint8_t narrow = 0;
  EXPECT_FALSE(reader.get_u8(narrow));
  EXPECT_FALSE(reader.ok());
  EXPECT_EQ(reader.remaining(), 0u);
  EXPECT_EQ(reader.position(), 0u);
}

TEST(codec, bool_other_than_zero_or_one_is_refused) {
  const auto input = bytes_of({0x02});
  bool value = false;
  EXPECT_FALSE(from_bytes(input, value));
}

TEST(codec, string_longer_than_its_bound_is_refused_before_reading) {
  byte_writer writer;
  writer.put_string("hello");
  std::string value;
  byte_reader reader(writer.buffer());
  EXPECT_FALSE(reader.get_string(value, 4));
  byte_reader again(writer.buffer());
  EXPECT_TRUE(again.get_string(value, 5));
  EXPECT_EQ(value, "hello");
}

TEST(codec, huge_counts_are_refused_before_allocation) {
  // A vector claiming 2^60 elements with 3 bytes of input: refused, nothing allocated.
  byte_writer writer;
  writer.put_varint(std::uint64_t{1} << 60U);
  writer.put_bytes(bytes_of({1, 2, 3}));
  std::vector<std::uint64_t> numbers;
  EXPECT_FALSE(from_bytes(writer.buffer(), numbers));
  std::vector<std::byte> raw;
  EXPECT_FALSE(from_bytes(writer.buffer(), raw));
  std::map<std::uint32_t, std::uint32_t> table;
  EXPECT_FALSE(from_bytes(writer.buffer(), table));
  std::string text;
  EXPECT_FALSE(from_bytes(writer.buffer(), text));
  // A count the input could hold byte-wise but that exceeds max_container_elements.
  byte_writer big;
  big.put_varint(max_container_elements + 1);
  big.buffer().resize(big.size() + max_container_elements + 1);
  EXPECT_FALSE(from_bytes(big.buffer(), raw));
}

TEST(codec, count_larger_than_remaining_input_over_element_size_is_refused) {
  // 4 elements of 8 bytes need 32 bytes; 31 are there.
  byte_writer writer;
  writer.put_varint(4);
  writer.buffer().resize(writer.size() + 31);
  std::vector<std::uint64_t> numbers;
  EXPECT_FALSE(from_bytes(writer.buffer(), numbers));
}

TEST(codec, variant_index_out_of_range_is_refused) {
  byte_writer writer;
  writer.put_varint(2);
  writer.put_u32(7);
  std::variant<std::uint32_t, std::string> value;
  EXPECT_FALSE(from_bytes(writer.buffer(), value));
}

TEST(codec, map_keys_out_of_order_or_duplicated_are_refused) {
  for (auto [first, second] : {std::pair{2, 1}, std::pair{1, 1}}) {
    byte_writer writer;
    writer.put_varint(2);
    writer.put_u8(static_cast<std::uint8_t>(first));
    writer.put_u8(0);
    writer.put_u8(static_cast<std::uint8_t>(second));
    writer.put_u8(0);
    std::map<std::uint8_t, std::uint8_t> value;
    EXPECT_FALSE(from_bytes(writer.buffer(), value));
  }
}

TEST(codec, trailing_bytes_are_refused_by_from_bytes) {
  const auto input = bytes_of({0x01, 0x00});
  std::uint8_t value = 0;
  EXPECT_FALSE(from_bytes(input, value));
}

TEST(codec, nan_payload_survives_bit_exact) {
  const double nan = std::bit_cast<double>(std::uint64_t{0x7ff8'0000'dead'beefULL});
  const auto bytes = to_bytes(nan);
  double decoded = 0;
  ASSERT_TRUE(from_bytes(bytes, decoded));
  EXPECT_EQ(std::bit_cast<std::uint64_t>(decoded), 0x7ff8'0000'dead'beefULL);
}

TEST(codec, struct_fields_are_encoded_in_order_without_tags) {
  const point value{.x = 1, .y = -1};
  EXPECT_EQ(to_bytes(value), bytes_of({0x01, 0, 0, 0, 0xff, 0xff, 0xff, 0xff}));
}

TEST(codec, enum_is_encoded_as_its_underlying_integer) {
  EXPECT_EQ(to_bytes(color::blue), bytes_of({0x34, 0x12}));
}

}  // namespace
}  // namespace troupe::wire
