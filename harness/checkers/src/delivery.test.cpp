// Goal: the delivery checkers find deliveries without sends, duplicate deliveries and
// silent losses in send/deliver/drop events, and name the message.

#include "troupe/checkers/delivery.hpp"

#include <gtest/gtest.h>

namespace troupe::checkers {
namespace {

// A trace from event bodies; seq is the position, t = 1000 * seq.
trace make_trace(const std::vector<std::string>& bodies) {
  std::vector<std::string> lines = {
      R"({"format":"troupe-trace","version":1,"seed":1,"scenario":"d","build":"x","platform":"simnet","pods":["a","b"]})"};
  for (std::size_t seq = 0; seq < bodies.size(); ++seq) {
    lines.push_back(R"({"seq":)" + std::to_string(seq) + R"(,"t":)" + std::to_string(seq * 1000) +
                    "," + bodies[seq] + "}");
  }
  auto read = read_trace_lines(lines);
  EXPECT_TRUE(read) << read.failure().to_string();
  return read ? *read : trace{};
}

std::string send(int id) {
  return R"("ev":"send","pod":"a","id":)" + std::to_string(id) +
         R"(,"from":"/user/x","to_pod":"b","to":"/user/y","type":"ping","lamport":1,"size":1,"summary":"")";
}
std::string deliver(int id) {
  return R"("ev":"deliver","pod":"b","id":)" + std::to_string(id) +
         R"(,"from_pod":"a","from":"/user/x","to":"/user/y","type":"ping","lamport":2,"sent_t":0)";
}
std::string drop(int id, const char* reason) {
  return R"("ev":"drop","pod":"b","id":)" + std::to_string(id) +
         R"(,"from_pod":"a","from":"/user/x","to":"/user/y","type":"ping","reason":")" + reason +
         R"(","sent_t":0)";
}

TEST(delivery, a_clean_run_satisfies_every_delivery_property) {
  const trace events = make_trace({send(1), send(2), deliver(1), drop(2, "partition")});
  EXPECT_TRUE(check_deliver_after_send(events).ok);
  EXPECT_TRUE(check_at_most_once_delivery(events).ok);
  EXPECT_TRUE(check_exactly_once_delivery(events).ok);
}

TEST(delivery, a_deliver_without_send_is_reported_with_its_seq) {
  const verdict result = check_deliver_after_send(make_trace({send(1), deliver(1), deliver(9)}));
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.at_seq, 2u);
  EXPECT_EQ(result.message,
            "1 offence: message 9 (ping) delivered at seq 2 without an earlier send");
}

TEST(delivery, a_deliver_before_its_send_is_reported) {
  EXPECT_FALSE(check_deliver_after_send(make_trace({deliver(1), send(1)})).ok);
}

TEST(delivery, a_duplicate_delivery_breaks_at_most_once_and_exactly_once) {
  const trace events = make_trace({send(1), deliver(1), deliver(1)});
  const verdict at_most_once = check_at_most_once_delivery(events);
  EXPECT_FALSE(at_most_once.ok);
  EXPECT_EQ(at_most_once.at_seq, 2u);
  EXPECT_EQ(at_most_once.message, "1 offence: message 1 (ping) delivered 2 times, again at seq 2");
  EXPECT_FALSE(check_exactly_once_delivery(events).ok);
}

TEST(delivery, a_silent_loss_is_reported_unless_it_may_be_in_flight) {
  const trace events = make_trace({send(1), send(2), deliver(2), send(3), deliver(3)});
  const verdict lost = check_exactly_once_delivery(events);
  EXPECT_FALSE(lost.ok);
  EXPECT_EQ(lost.at_seq, 0u);
  EXPECT_EQ(lost.message,
            "1 offence: message 1 (ping) sent at seq 0 from a to b silently lost (neither "
            "delivered nor dropped)");
  delivery_options in_flight;
  in_flight.exclude_in_flight_at_end = true;
  EXPECT_TRUE(check_exactly_once_delivery(events, in_flight).ok);
  // With a window, only sends close to the end may still be in flight: message 1 was sent
  // at t=0 and the trace ends at t=4000.
  in_flight.in_flight_window_ns = 3000;
  EXPECT_FALSE(check_exactly_once_delivery(events, in_flight).ok);
  in_flight.in_flight_window_ns = 4000;
  EXPECT_TRUE(check_exactly_once_delivery(events, in_flight).ok);
}

TEST(delivery, delivered_and_dropped_is_not_exactly_once) {
  const verdict result =
      check_exactly_once_delivery(make_trace({send(1), deliver(1), drop(1, "loss")}));
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.message, "1 offence: message 1 (ping) both delivered and dropped (loss)");
}

TEST(delivery, the_message_names_at_most_the_configured_examples) {
  delivery_options options;
  options.examples_max = 2;
  const verdict result =
      check_exactly_once_delivery(make_trace({send(1), send(2), send(3), send(4)}), options);
  EXPECT_EQ(result.message.rfind("4 offences: message 1", 0), 0u);
  EXPECT_NE(result.message.find("message 2"), std::string::npos);
  EXPECT_EQ(result.message.find("message 3"), std::string::npos);
}

}  // namespace
}  // namespace troupe::checkers
