// Goal: envelopes cross the wire unchanged, and an envelope a sender could not have produced
// (truncated, trailing bytes, over-long or missing path, unknown kind) is refused with a
// reason a log line can name.
#include "troupe/wire/envelope.hpp"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

namespace troupe::wire {
namespace {

rc::Gen<std::string> gen_text(std::size_t max_bytes, bool required) {
  return rc::gen::suchThat(rc::gen::arbitrary<std::string>(), [=](const std::string& text) {
    return text.size() <= max_bytes && (!required || !text.empty());
  });
}

rc::Gen<user_envelope> gen_user_envelope() {
  return rc::gen::exec([] {
    user_envelope envelope;
    envelope.message_id = *rc::gen::arbitrary<std::uint64_t>();
    envelope.lamport = *rc::gen::arbitrary<std::uint64_t>();
    envelope.sender_path = *gen_text(max_actor_path_bytes, false);
    envelope.receiver_path = *gen_text(max_actor_path_bytes, true);
    envelope.type_name = *gen_text(max_type_name_bytes, true);
    for (auto value : *rc::gen::arbitrary<std::vector<std::uint8_t>>()) {
      envelope.payload.push_back(static_cast<std::byte>(value));
    }
    if (!envelope.sender_path.empty()) envelope.sender_node = *gen_text(max_sender_node_bytes, false);
    return envelope;
  });
}

rc::Gen<system_envelope> gen_system_envelope() {
  return rc::gen::exec([] {
    system_envelope envelope;
    envelope.kind =
        *rc::gen::element(system_kind::watch, system_kind::unwatch, system_kind::terminated);
    envelope.message_id = *rc::gen::arbitrary<std::uint64_t>();
    envelope.lamport = *rc::gen::arbitrary<std::uint64_t>();
    envelope.watcher_path = *gen_text(max_actor_path_bytes, true);
    envelope.watched_path = *gen_text(max_actor_path_bytes, true);
    envelope.reason = *gen_text(max_reason_bytes, false);
    return envelope;
  });
}

user_envelope sample_user() {
  return {.message_id = 42,
          .lamport = 7,
          .sender_path = "/user/client",
          .receiver_path = "/user/kv",
          .type_name = "kv.put",
          .payload = {std::byte{1}, std::byte{2}},
          .sender_node = ""};
}

RC_GTEST_PROP(envelope, user_envelope_round_trips, ()) {
  const auto original = *gen_user_envelope();
  const auto bytes = encode_envelope(original);
  user_envelope decoded;
  RC_ASSERT(decode_envelope(bytes, decoded) == envelope_error::none);
  RC_ASSERT(decoded == original);
}

RC_GTEST_PROP(envelope, encoding_a_view_gives_the_owning_envelopes_bytes, ()) {
  const auto original = *gen_user_envelope();
  byte_writer writer;
  encode(writer, view_of(original));
  RC_ASSERT(writer.buffer() == encode_envelope(original));
  RC_ASSERT(validate(view_of(original)) == validate(original));
}

RC_GTEST_PROP(envelope, the_in_place_decoder_reads_what_the_owning_one_reads, ()) {
  const auto original = *gen_user_envelope();
  auto bytes = encode_envelope(original);
  user_envelope_view view;
  RC_ASSERT(decode_envelope(bytes, view) == envelope_error::none);
  RC_ASSERT(view.message_id == original.message_id);
  RC_ASSERT(view.lamport == original.lamport);
  RC_ASSERT(view.sender_path == original.sender_path);
  RC_ASSERT(view.receiver_path == original.receiver_path);
  RC_ASSERT(view.type_name == original.type_name);
  RC_ASSERT(view.sender_node == original.sender_node);
  RC_ASSERT(std::equal(view.payload.begin(), view.payload.end(), original.payload.begin(),
                       original.payload.end()));
  // Damaged bytes: both decoders give the same verdict.
  const auto at = *rc::gen::inRange<std::size_t>(0, bytes.size());
  bytes[at] = static_cast<std::byte>(*rc::gen::arbitrary<std::uint8_t>());
  const auto cut = *rc::gen::inRange<std::size_t>(0, bytes.size() + 1);
  const auto damaged = std::span<const std::byte>(bytes).first(cut);
  user_envelope owned;
  RC_ASSERT(decode_envelope(damaged, view) == decode_envelope(damaged, owned));
}

RC_GTEST_PROP(envelope, system_envelope_round_trips, ()) {
  const auto original = *gen_system_envelope();
  const auto bytes = encode_envelope(original);
  system_envelope decoded;
  RC_ASSERT(decode_envelope(bytes, decoded) == envelope_error::none);
  RC_ASSERT(decoded == original);
}

RC_GTEST_PROP(envelope, every_truncation_is_refused, ()) {
  const auto bytes = encode_envelope(*gen_user_envelope());
  const auto cut = *rc::gen::inRange<std::size_t>(0, bytes.size());
  user_envelope decoded;
  RC_ASSERT(decode_envelope(std::span<const std::byte>(bytes).first(cut), decoded) ==
            envelope_error::malformed);
}

TEST(envelope, user_envelope_layout_is_the_documented_one) {
  const auto bytes = encode_envelope(sample_user());
  byte_writer expected;
  expected.put_u64(42);
  expected.put_u64(7);
  expected.put_string("/user/client");
  expected.put_string("/user/kv");
  expected.put_string("kv.put");
  expected.put_varint(2);
  expected.put_u8(1);
  expected.put_u8(2);
  expected.put_string("");  // sender_node (version 2): the sending node's own actor
  EXPECT_EQ(bytes, expected.buffer());
}

TEST(envelope, a_forwarded_senders_node_crosses_the_wire) {
  auto forwarded = sample_user();
  forwarded.sender_node = "client-0";
  const auto bytes = encode_envelope(forwarded);
  byte_writer expected;
  expected.put_u64(42);
  expected.put_u64(7);
  expected.put_string("/user/client");
  expected.put_string("/user/kv");
  expected.put_string("kv.put");
  expected.put_varint(2);
  expected.put_u8(1);
  expected.put_u8(2);
  expected.put_string("client-0");
  EXPECT_EQ(bytes, expected.buffer());
  user_envelope decoded;
  ASSERT_EQ(decode_envelope(bytes, decoded), envelope_error::none);
  EXPECT_EQ(decoded.sender_node, "client-0");
  user_envelope_view view;
  ASSERT_EQ(decode_envelope(bytes, view), envelope_error::none);
  EXPECT_EQ(view.sender_node, "client-0");
}

TEST(envelope, a_version_1_envelope_without_the_sender_node_is_refused) {
  auto bytes = encode_envelope(sample_user());
  bytes.pop_back();  // the empty sender node's length byte
  user_envelope decoded;
  EXPECT_EQ(decode_envelope(bytes, decoded), envelope_error::malformed);
}

TEST(envelope, an_over_long_sender_node_is_refused_on_both_sides) {
  auto envelope = sample_user();
  envelope.sender_node = std::string(max_sender_node_bytes + 1, 'n');
  EXPECT_EQ(validate(envelope), envelope_error::field_too_long);
  envelope.sender_node.pop_back();
  EXPECT_EQ(validate(envelope), envelope_error::none);
  auto bytes = encode_envelope(envelope);
  // Grow the node by one byte on the wire: its length 255 -> 256 is one more varint byte.
  bytes.resize(bytes.size() - max_sender_node_bytes - 2);
  byte_writer tail;
  tail.put_string(std::string(max_sender_node_bytes + 1, 'n'));
  bytes.insert(bytes.end(), tail.buffer().begin(), tail.buffer().end());
  user_envelope decoded;
  user_envelope_view view;
  EXPECT_EQ(decode_envelope(bytes, decoded), envelope_error::field_too_long);
  EXPECT_EQ(decode_envelope(bytes, view), envelope_error::field_too_long);
}

TEST(envelope, a_sender_node_without_a_sender_path_is_refused_on_both_sides) {
  auto envelope = sample_user();
  envelope.sender_path.clear();
  envelope.sender_node = "client-0";
  EXPECT_EQ(validate(envelope), envelope_error::missing_field);
  byte_writer writer;
  writer.put_u64(1);
  writer.put_u64(1);
  writer.put_string("");
  writer.put_string("/user/kv");
  writer.put_string("t");
  writer.put_varint(0);
  writer.put_string("client-0");
  user_envelope decoded;
  EXPECT_EQ(decode_envelope(writer.buffer(), decoded), envelope_error::missing_field);
}

TEST(envelope, a_payload_larger_than_a_generic_vector_bound_still_fits_a_frame) {
  auto big = sample_user();
  big.payload.resize(3 << 20, std::byte{0x5a});
  user_envelope decoded;
  EXPECT_EQ(decode_envelope(encode_envelope(big), decoded), envelope_error::none);
  EXPECT_EQ(decoded.payload.size(), big.payload.size());
}

TEST(envelope, trailing_bytes_are_refused) {
  auto bytes = encode_envelope(sample_user());
  bytes.push_back(std::byte{0});
  user_envelope decoded;
  EXPECT_EQ(decode_envelope(bytes, decoded), envelope_error::malformed);
}

TEST(envelope, an_over_long_path_is_refused) {
  byte_writer writer;
  writer.put_u64(1);
  writer.put_u64(1);
  writer.put_string("");
  writer.put_string(std::string(max_actor_path_bytes + 1, 'a'));
  writer.put_string("t");
  writer.put_varint(0);
  writer.put_string("");
  user_envelope decoded;
  EXPECT_EQ(decode_envelope(writer.buffer(), decoded), envelope_error::field_too_long);
}

TEST(envelope, a_missing_receiver_is_refused_on_both_sides) {
  auto envelope = sample_user();
  envelope.receiver_path.clear();
  EXPECT_EQ(validate(envelope), envelope_error::missing_field);
  byte_writer writer;
  writer.put_u64(1);
  writer.put_u64(1);
  writer.put_string("/a");
  writer.put_string("");
  writer.put_string("t");
  writer.put_varint(0);
  writer.put_string("");
  user_envelope decoded;
  EXPECT_EQ(decode_envelope(writer.buffer(), decoded), envelope_error::missing_field);
}

TEST(envelope, an_unknown_system_kind_is_refused) {
  system_envelope envelope{.kind = system_kind::terminated,
                           .message_id = 1,
                           .lamport = 2,
                           .watcher_path = "/user/a",
                           .watched_path = "/user/b",
                           .reason = "stopped"};
  auto bytes = encode_envelope(envelope);
  bytes[0] = std::byte{9};
  system_envelope decoded;
  EXPECT_EQ(decode_envelope(bytes, decoded), envelope_error::unknown_kind);
}

TEST(envelope, vectors_of_envelopes_use_the_validating_decoder) {
  // The generic container decoder must pick the envelope overload, which enforces bounds.
  std::vector<user_envelope> batch = {sample_user(), sample_user()};
  const auto bytes = to_bytes(batch);
  std::vector<user_envelope> decoded;
  ASSERT_TRUE(from_bytes(bytes, decoded));
  EXPECT_EQ(decoded, batch);

  byte_writer bad;
  bad.put_varint(1);
  bad.put_u64(1);
  bad.put_u64(1);
  bad.put_string("");
  bad.put_string("");  // missing receiver
  bad.put_string("t");
  bad.put_varint(0);
  bad.put_string("");
  EXPECT_FALSE(from_bytes(bad.buffer(), decoded));
}

}  // namespace
}  // namespace troupe::wire
