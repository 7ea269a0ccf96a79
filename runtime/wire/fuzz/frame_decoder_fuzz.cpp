// libFuzzer target: a frame_decoder fed random bytes in random chunks.
//
// Checks, beyond "no crash, no sanitizer report":
// - the decoder never holds more than one frame's worth of bytes;
// - every frame it yields respects the configured limit and re-encodes to the bytes it came
//   from (decoded frames are exactly a prefix of the input);
// - chunking does not matter: the same bytes fed in one piece give the same frames and error;
// - once failed, it stays failed.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdio>
#include <cstdlib>

#include "troupe/wire/frame.hpp"

using namespace troupe::wire;

namespace {

// Like assert, but never compiled out, and says which property broke.
#define check(condition)                                                                      \
  do {                                                                                        \
    if (!(condition)) {                                                                       \
      std::fprintf(stderr, "%s:%d: property violated: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                           \
    }                                                                                         \
  } while (false)

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider provider(data, size);
  // Small limits too, so that the fuzzer reaches frame_too_large cheaply.
  const std::size_t max_frame_bytes = provider.ConsumeBool()
                                          ? default_max_frame_bytes
                                          : provider.ConsumeIntegralInRange<std::size_t>(0, 256);
  const frame_decoder_options options{.max_frame_bytes = max_frame_bytes};
  frame_decoder chunked(options);
  std::vector<frame> frames;
  std::vector<std::byte> stream;
  frame_error error = frame_error::none;
  while (provider.remaining_bytes() > 0) {
    const auto length = provider.ConsumeIntegralInRange<std::size_t>(0, 64);
    const auto raw = provider.ConsumeBytes<std::uint8_t>(length);
    const auto chunk = std::as_bytes(std::span{raw.data(), raw.size()});
    stream.insert(stream.end(), chunk.begin(), chunk.end());
    const auto before = error;
    error = chunked.feed(chunk, frames);
    check(before == frame_error::none || error == before);
    check(chunked.buffered_bytes() <= std::max(max_frame_bytes, frame_header_bytes));
  }

  std::vector<std::byte> reencoded;
  for (const auto& f : frames) {
    check(f.payload.size() <= max_payload_bytes(max_frame_bytes));
    append_frame(reencoded, f.type, f.payload);
  }
  check(reencoded.size() <= stream.size());
  check(std::equal(reencoded.begin(), reencoded.end(), stream.begin()));

  frame_decoder whole(options);
  std::vector<frame> whole_frames;
  check(whole.feed(stream, whole_frames) == error);
  check(whole_frames == frames);
  return 0;
}
