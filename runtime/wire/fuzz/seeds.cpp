// Writes a small seed corpus for the fuzz targets: valid inputs the fuzzer then mutates, so
// that it starts past the magic and the handshake's first step instead of finding them.
// Usage: troupe_wire_fuzz_seeds OUT_DIR  (creates OUT_DIR/<target>/seed-N files)
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "troupe/wire/envelope.hpp"
#include "troupe/wire/handshake.hpp"

using namespace troupe::wire;

namespace {

void write(const std::filesystem::path& file, std::span<const std::byte> bytes) {
  std::ofstream out(file, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
}

std::vector<std::byte> with_suffix(std::span<const std::byte> bytes,
                                   const std::vector<std::uint8_t>& suffix) {
  std::vector<std::byte> out(bytes.begin(), bytes.end());
  for (auto byte : suffix) out.push_back(static_cast<std::byte>(byte));
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUT_DIR\n", argv[0]);
    return 2;
  }
  const std::filesystem::path root = argv[1];
  for (const char* target :
       {"frame_decoder_fuzz", "handshake_server_fuzz", "envelope_decode_fuzz"}) {
    std::filesystem::create_directories(root / target);
  }
  const user_envelope user{1, 2, "/user/a", "/user/b", "kv.put", {std::byte{7}}};
  const system_envelope system{system_kind::terminated, 3, 4, "/user/a", "/user/b", "stopped"};
  const auto user_bytes = encode_envelope(user);
  write(root / "envelope_decode_fuzz" / "seed-0", user_bytes);
  write(root / "envelope_decode_fuzz" / "seed-1", encode_envelope(system));
  user_envelope forwarded = user;
  forwarded.sender_node = "client-0";
  write(root / "envelope_decode_fuzz" / "seed-2", encode_envelope(forwarded));

  // FuzzedDataProvider takes integers from the END of the input and bytes from the front: each
  // seed below puts valid frames at the front and the choices, read backwards, at the end.
  std::vector<std::byte> stream;
  append_frame(stream, frame_type::user_message, user_bytes);
  append_frame(stream, frame_type::heartbeat, {});
  // Choices from the end: default frame limit (1), then chunks of 64 bytes.
  write(root / "frame_decoder_fuzz" / "seed-0", with_suffix(stream, {64, 64, 64, 1}));

  const hello_message hello{protocol_version, "client", 3, nonce{std::byte{1}}};
  const auto hello_frame = encode_frame(frame_type::hello, to_bytes(hello));
  // Raw mode (0), server nonce, one chunk of the hello's length, a tick of 0.
  std::vector<std::uint8_t> raw_choices = {0, 0, 0, 0,
                                           static_cast<std::uint8_t>(hello_frame.size())};
  raw_choices.insert(raw_choices.end(), nonce_bytes, 9);
  raw_choices.push_back(0);
  write(root / "handshake_server_fuzz" / "seed-0", with_suffix(hello_frame, raw_choices));
  // Tampered mode (1), client nonce of 1s, server nonce of 2s, no flips in three rounds.
  std::vector<std::uint8_t> tampered_choices = {0, 0, 0};
  tampered_choices.insert(tampered_choices.end(), nonce_bytes, 2);
  tampered_choices.insert(tampered_choices.end(), nonce_bytes, 1);
  tampered_choices.push_back(1);
  write(root / "handshake_server_fuzz" / "seed-1", with_suffix({}, tampered_choices));
  return 0;
}
