// Goal: the in-place frame reader of established connections cuts any byte stream into the
// same frames as wire::frame_decoder, whatever the read sizes, refuses what the decoder
// refuses (an oversized length from the header alone, before payload bytes arrive), and holds
// no more memory than one incomplete frame and one read.

#include "frame_reader.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>

namespace {

using troupe::net::detail::frame_reader;
using troupe::net::detail::frame_view;
namespace wire = troupe::wire;

constexpr std::size_t chunk = 256;

std::vector<std::byte> bytes_of(std::size_t count, unsigned seed) {
  std::vector<std::byte> out(count);
  for (std::size_t i = 0; i < count; ++i) out[i] = static_cast<std::byte>((i * 31 + seed) & 0xff);
  return out;
}

/// Feeds `stream` to a reader in reads of the given sizes (cycled); returns the frames and the
/// reader's final status.
struct outcome {
  std::vector<wire::frame> frames;
  wire::frame_error error = wire::frame_error::none;
  std::size_t capacity_max = 0;
};
outcome read_all(const std::vector<std::byte>& stream, const std::vector<std::size_t>& sizes,
                 wire::frame_decoder_options options = {}) {
  frame_reader reader(chunk, options);
  outcome result;
  std::size_t at = 0;
  for (std::size_t i = 0; at < stream.size(); ++i) {
    const auto space = reader.space();
    EXPECT_GE(space.size(), chunk);
    const std::size_t n = std::min({sizes[i % sizes.size()], space.size(), stream.size() - at});
    std::memcpy(space.data(), stream.data() + at, n);
    reader.commit(n);
    at += n;
    result.capacity_max = std::max(result.capacity_max, reader.capacity_bytes());
    frame_view view;
    for (;;) {
      const auto status = reader.next(view);
      if (status == frame_reader::status::need_more) break;
      if (status == frame_reader::status::error) {
        result.error = reader.error();
        return result;
      }
      result.frames.push_back(
          {view.type, wire::protocol_version, 0, {view.payload.begin(), view.payload.end()}});
    }
  }
  return result;
}

std::vector<wire::frame> decoder_frames(const std::vector<std::byte>& stream) {
  wire::frame_decoder decoder;
  std::vector<wire::frame> frames;
  EXPECT_EQ(decoder.feed(stream, frames), wire::frame_error::none);
  return frames;
}

TEST(frame_reader, cuts_the_same_frames_as_the_decoder_for_any_read_sizes) {
  std::vector<std::byte> stream;
  std::mt19937 random(7);
  for (unsigned i = 0; i < 200; ++i) {
    // Empty, small, and larger than a read (up to 3 chunks), mixed.
    const std::size_t size = i % 50 == 0 ? 3 * chunk + 5 : random() % 100;
    const auto type = i % 7 == 0 ? wire::frame_type::heartbeat : wire::frame_type::user_message;
    wire::append_frame(stream, type, type == wire::frame_type::heartbeat ? std::vector<std::byte>{}
                                                                          : bytes_of(size, i));
  }
  const auto expected = decoder_frames(stream);
  ASSERT_EQ(expected.size(), 200u);
  for (const auto& sizes : std::vector<std::vector<std::size_t>>{
           {1}, {13, 14, 15}, {chunk}, {chunk * 4}, {7, 300, 1, 1000}}) {
    const auto got = read_all(stream, sizes);
    EXPECT_EQ(got.error, wire::frame_error::none);
    EXPECT_EQ(got.frames, expected) << "reads of " << sizes.front() << " bytes";
  }
}

TEST(frame_reader, refuses_an_oversized_length_from_the_header_alone) {
  std::vector<std::byte> stream;
  wire::append_frame(stream, wire::frame_type::heartbeat, {});
  wire::append_raw_frame_header(stream, wire::protocol_version,
                                static_cast<std::uint16_t>(wire::frame_type::user_message), 0,
                                0xffffffffu);
  const auto got = read_all(stream, {chunk});
  EXPECT_EQ(got.frames.size(), 1u) << "the frame before the bad header is still handed out";
  EXPECT_EQ(got.error, wire::frame_error::frame_too_large);
  EXPECT_LE(got.capacity_max, 2 * chunk) << "nothing was reserved for the announced length";
}

TEST(frame_reader, refuses_what_the_decoder_refuses_and_stays_failed) {
  struct bad_case {
    std::uint16_t version, type, flags;
    wire::frame_error error;
  };
  const auto user = static_cast<std::uint16_t>(wire::frame_type::user_message);
  for (const bad_case& c : std::vector<bad_case>{
           {wire::protocol_version, 99, 0, wire::frame_error::unknown_frame_type},
           {wire::protocol_version, user, 1, wire::frame_error::unknown_flags},
           {wire::protocol_version + 1, user, 0, wire::frame_error::unsupported_version}}) {
    std::vector<std::byte> stream;
    wire::append_raw_frame_header(stream, c.version, c.type, c.flags, 0);
    const auto got = read_all(stream, {chunk});
    EXPECT_EQ(got.error, c.error);
    wire::frame_decoder decoder;
    std::vector<wire::frame> frames;
    EXPECT_EQ(decoder.feed(stream, frames), c.error) << "the decoder agrees";
  }
  frame_reader reader(chunk, {});
  auto space = reader.space();
  std::memcpy(space.data(), "garbage garbage garbage", 23);
  reader.commit(23);
  frame_view view;
  EXPECT_EQ(reader.next(view), frame_reader::status::error);
  EXPECT_EQ(reader.error(), wire::frame_error::bad_magic);
  EXPECT_EQ(reader.next(view), frame_reader::status::error);
}

TEST(frame_reader, memory_grows_with_a_large_frame_only_as_it_arrives_and_is_given_back) {
  std::vector<std::byte> stream;
  wire::append_frame(stream, wire::frame_type::user_message, bytes_of(40 * chunk, 1));
  wire::append_frame(stream, wire::frame_type::user_message, bytes_of(10, 2));
  frame_reader reader(chunk, {});
  std::size_t at = 0;
  std::vector<std::size_t> sizes;
  frame_view view;
  while (at < stream.size()) {
    auto space = reader.space();
    // Never more than what arrived plus two reads' room.
    EXPECT_LE(reader.capacity_bytes(), std::max(at, chunk) + 2 * chunk);
    const std::size_t n = std::min(space.size(), stream.size() - at);
    std::memcpy(space.data(), stream.data() + at, n);
    reader.commit(n);
    at += n;
    while (reader.next(view) == frame_reader::status::frame) sizes.push_back(view.payload.size());
  }
  EXPECT_EQ(sizes, (std::vector<std::size_t>{40 * chunk, 10}));
  (void)reader.space();
  EXPECT_LE(reader.capacity_bytes(), 2 * chunk) << "the large frame's memory went back";
}

}  // namespace
