// libFuzzer target: envelope and generic codec decoding of random bytes.
//
// Checks, beyond "no crash, no sanitizer report": whatever decodes is valid and re-encodes to
// exactly the input bytes (the encoding is canonical: one value, one byte sequence), and the
// in-place user envelope decoder agrees with the owning one.
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <variant>

#include "troupe/wire/envelope.hpp"

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

// A composite type that exercises every generic decoder.
struct composite {
  std::uint16_t small = 0;
  std::int64_t big = 0;
  bool flag = false;
  double real = 0;
  std::optional<std::string> text;
  std::vector<std::pair<std::uint32_t, std::string>> pairs;
  std::map<std::string, std::vector<std::uint8_t>> table;
  std::array<std::int8_t, 3> triple{};
  std::variant<std::uint64_t, std::string, std::vector<user_envelope>> choice;
  template <class Archive>
  void fields(Archive& archive) {
    archive(small, big, flag, real, text, pairs, table, triple, choice);
  }
};

template <class Envelope>
void check_envelope(std::span<const std::byte> input) {
  Envelope envelope;
  if (decode_envelope(input, envelope) != envelope_error::none) return;
  check(validate(envelope) == envelope_error::none);
  const auto bytes = encode_envelope(envelope);
  check(std::equal(bytes.begin(), bytes.end(), input.begin(), input.end()));
}

// The in-place decoder accepts and refuses exactly what the owning one does, with the same
// error and the same fields.
void check_view(std::span<const std::byte> input) {
  user_envelope owned;
  user_envelope_view view;
  const auto owned_error = decode_envelope(input, owned);
  check(decode_envelope(input, view) == owned_error);
  if (owned_error != envelope_error::none) return;
  check(view.message_id == owned.message_id && view.lamport == owned.lamport);
  check(view.sender_path == owned.sender_path && view.receiver_path == owned.receiver_path);
  check(view.type_name == owned.type_name && view.sender_node == owned.sender_node);
  check(std::equal(view.payload.begin(), view.payload.end(), owned.payload.begin(),
                   owned.payload.end()));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto input = std::as_bytes(std::span{data, size});
  check_envelope<user_envelope>(input);
  check_envelope<system_envelope>(input);
  check_view(input);

  composite value;
  byte_reader reader(input);
  if (decode(reader, value)) {
    const auto bytes = to_bytes(value);
    check(bytes.size() == reader.position());
    check(std::equal(bytes.begin(), bytes.end(), input.begin()));
  } else {
    check(!reader.ok());
  }
  return 0;
}
