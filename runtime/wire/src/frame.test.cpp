// Goal: a frame stream decodes to the frames that were encoded however TCP chunks it, and a
// malformed stream (bad magic, unknown type, bad version, oversize or 4 GiB length) is refused
// from its header alone, with a clear error, after which the decoder stays failed.
#include "troupe/wire/frame.hpp"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

namespace troupe::wire {
namespace {

constexpr std::array all_types = {
    frame_type::hello,          frame_type::challenge, frame_type::challenge_response,
    frame_type::welcome,        frame_type::reject,    frame_type::user_message,
    frame_type::system_message, frame_type::heartbeat, frame_type::goodbye};

std::vector<std::byte> bytes_of(std::string_view text) {
  const auto raw = std::as_bytes(std::span{text.data(), text.size()});
  return {raw.begin(), raw.end()};
}

rc::Gen<frame> gen_frame() {
  return rc::gen::exec([] {
    frame f;
    f.type = *rc::gen::elementOf(all_types);
    f.version = header_version(f.type);  // handshake frames keep version 1
    const auto raw = *rc::gen::arbitrary<std::vector<std::uint8_t>>();
    for (auto value : raw) f.payload.push_back(static_cast<std::byte>(value));
    return f;
  });
}

std::vector<std::byte> encode_all(const std::vector<frame>& frames) {
  std::vector<std::byte> stream;
  for (const auto& f : frames) append_frame(stream, f.type, f.payload);
  return stream;
}

RC_GTEST_PROP(frame_decoder, yields_identical_frames_however_the_stream_is_chunked, ()) {
  const auto frames = *rc::gen::container<std::vector<frame>>(gen_frame());
  const auto stream = encode_all(frames);
  // Cut points anywhere in the stream, including empty chunks and single bytes.
  auto cuts = *rc::gen::container<std::vector<std::size_t>>(
      rc::gen::inRange<std::size_t>(0, stream.size() + 1));
  cuts.push_back(stream.size());
  std::sort(cuts.begin(), cuts.end());
  frame_decoder decoder;
  std::vector<frame> decoded;
  std::size_t start = 0;
  for (std::size_t cut : cuts) {
    const auto chunk = std::span<const std::byte>(stream).subspan(start, cut - start);
    RC_ASSERT(decoder.feed(chunk, decoded) == frame_error::none);
    start = cut;
  }
  RC_ASSERT(decoded == frames);
  RC_ASSERT(decoder.buffered_bytes() == 0u);
}

RC_GTEST_PROP(frame_decoder, a_truncated_stream_yields_only_complete_frames, ()) {
  const auto frames = *rc::gen::nonEmpty(rc::gen::container<std::vector<frame>>(gen_frame()));
  const auto stream = encode_all(frames);
  const auto cut = *rc::gen::inRange<std::size_t>(0, stream.size());
  frame_decoder decoder;
  std::vector<frame> decoded;
  RC_ASSERT(decoder.feed(std::span<const std::byte>(stream).first(cut), decoded) ==
            frame_error::none);
  RC_ASSERT(decoded.size() < frames.size());
  RC_ASSERT(std::equal(decoded.begin(), decoded.end(), frames.begin()));
  // What is held is exactly the partial frame, never more.
  RC_ASSERT(decoder.buffered_bytes() == cut - encode_all(decoded).size());
}

TEST(frame_decoder, header_layout_is_the_documented_one) {
  const auto bytes = encode_frame(frame_type::user_message, bytes_of("ab"));
  const std::vector<std::byte> expected = {
      std::byte{'T'}, std::byte{'R'}, std::byte{'P'}, std::byte{'W'},  // magic
      std::byte{2},   std::byte{0},                                    // version 2
      std::byte{16},  std::byte{0},                                    // user_message
      std::byte{0},   std::byte{0},                                    // flags
      std::byte{2},   std::byte{0},   std::byte{0},   std::byte{0},    // length 2
      std::byte{'a'}, std::byte{'b'}};
  EXPECT_EQ(bytes, expected);
}

TEST(frame_decoder, a_4_gib_length_prefix_is_refused_before_allocation) {
  std::vector<std::byte> stream;
  append_raw_frame_header(stream, protocol_version,
                          static_cast<std::uint16_t>(frame_type::user_message), 0, 0xffffffffU);
  stream.resize(stream.size() + 100, std::byte{0x41});
  frame_decoder decoder;
  std::vector<frame> decoded;
  EXPECT_EQ(decoder.feed(stream, decoded), frame_error::frame_too_large);
  EXPECT_TRUE(decoded.empty());
  EXPECT_LE(decoder.buffered_bytes(), frame_header_bytes);
}

TEST(frame_decoder, a_frame_one_byte_over_the_configured_limit_is_refused) {
  const std::size_t limit = 64;
  frame_decoder decoder({.max_frame_bytes = limit});
  std::vector<frame> decoded;
  const std::vector<std::byte> fits(max_payload_bytes(limit));
  EXPECT_EQ(decoder.feed(encode_frame(frame_type::user_message, fits), decoded), frame_error::none);
  ASSERT_EQ(decoded.size(), 1u);
  const std::vector<std::byte> over(max_payload_bytes(limit) + 1);
  EXPECT_EQ(decoder.feed(encode_frame(frame_type::user_message, over), decoded),
            frame_error::frame_too_large);
  EXPECT_EQ(decoded.size(), 1u);
}

TEST(frame_decoder, unknown_type_ids_are_refused) {
  for (std::uint16_t id : {0, 6, 15, 20, 0xffff}) {
    std::vector<std::byte> stream;
    append_raw_frame_header(stream, protocol_version, id, 0, 0);
    frame_decoder decoder;
    std::vector<frame> decoded;
    EXPECT_EQ(decoder.feed(stream, decoded), frame_error::unknown_frame_type) << id;
    EXPECT_TRUE(decoded.empty());
  }
}

TEST(frame_decoder, bad_magic_is_refused_as_soon_as_the_header_is_complete) {
  const auto garbage = bytes_of("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  frame_decoder decoder;
  std::vector<frame> decoded;
  EXPECT_EQ(decoder.feed(std::span(garbage).first(frame_header_bytes - 1), decoded),
            frame_error::none);
  EXPECT_EQ(decoder.feed(std::span(garbage).subspan(frame_header_bytes - 1), decoded),
            frame_error::bad_magic);
}

TEST(frame_decoder, unsupported_versions_are_refused) {
  // 1: a frame after the handshake in version 1 (only handshake frames keep version 1).
  for (std::uint16_t version : {0, 1, 3, 0xffff}) {
    std::vector<std::byte> stream;
    append_raw_frame_header(stream, version, static_cast<std::uint16_t>(frame_type::heartbeat), 0,
                            0);
    frame_decoder decoder;
    std::vector<frame> decoded;
    EXPECT_EQ(decoder.feed(stream, decoded), frame_error::unsupported_version) << version;
  }
}

TEST(frame_decoder, handshake_frames_must_carry_version_1_even_when_later_versions_are_accepted) {
  frame_decoder decoder({.min_version = 1, .max_version = 2});
  std::vector<frame> decoded;
  std::vector<std::byte> stream;
  append_raw_frame_header(stream, 2, static_cast<std::uint16_t>(frame_type::heartbeat), 0, 0);
  EXPECT_EQ(decoder.feed(stream, decoded), frame_error::none);
  EXPECT_EQ(decoded.size(), 1u);
  stream.clear();
  append_raw_frame_header(stream, 2, static_cast<std::uint16_t>(frame_type::hello), 0, 0);
  EXPECT_EQ(decoder.feed(stream, decoded), frame_error::unsupported_version);
}

TEST(frame_decoder, unknown_flags_are_refused) {
  std::vector<std::byte> stream;
  append_raw_frame_header(stream, protocol_version,
                          static_cast<std::uint16_t>(frame_type::heartbeat), 0x8000, 0);
  frame_decoder decoder;
  std::vector<frame> decoded;
  EXPECT_EQ(decoder.feed(stream, decoded), frame_error::unknown_flags);
}

TEST(frame_decoder, stays_failed_after_an_error) {
  std::vector<std::byte> stream = encode_frame(frame_type::heartbeat, {});
  stream[0] = std::byte{'X'};
  frame_decoder decoder;
  std::vector<frame> decoded;
  EXPECT_EQ(decoder.feed(stream, decoded), frame_error::bad_magic);
  EXPECT_EQ(decoder.feed(encode_frame(frame_type::heartbeat, {}), decoded), frame_error::bad_magic);
  EXPECT_TRUE(decoded.empty());
  EXPECT_EQ(decoder.error(), frame_error::bad_magic);
}

TEST(frame_decoder, frames_before_an_error_in_the_same_chunk_are_delivered) {
  auto stream = encode_frame(frame_type::goodbye, bytes_of("bye"));
  append_raw_frame_header(stream, protocol_version, 999, 0, 0);
  frame_decoder decoder;
  std::vector<frame> decoded;
  EXPECT_EQ(decoder.feed(stream, decoded), frame_error::unknown_frame_type);
  ASSERT_EQ(decoded.size(), 1u);
  EXPECT_EQ(decoded[0].type, frame_type::goodbye);
  EXPECT_EQ(decoded[0].payload, bytes_of("bye"));
}

TEST(frame_decoder, every_error_has_a_description) {
  for (auto error :
       {frame_error::bad_magic, frame_error::unsupported_version, frame_error::unknown_frame_type,
        frame_error::unknown_flags, frame_error::frame_too_large}) {
    EXPECT_NE(to_string(error), to_string(frame_error::none));
  }
}

}  // namespace
}  // namespace troupe::wire
