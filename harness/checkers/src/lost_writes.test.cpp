// Goal: no_lost_acknowledged_writes reports exactly the reads that return a value an
// acknowledged write had already overwritten, naming the write and the read.

#include "troupe/checkers/lost_writes.hpp"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "kv_history_generator.hpp"
#include "troupe/checkers/trace.hpp"

namespace troupe::checkers {
namespace {

// Traces written by hand: each op line is "seq client op phase f key value".
history from_trace(const std::vector<std::string>& events) {
  std::vector<std::string> lines = {
      R"({"format":"troupe-trace","version":1,"seed":1,"scenario":"kv","build":"x","platform":"simnet","pods":["kv-0"]})"};
  lines.insert(lines.end(), events.begin(), events.end());
  auto read = read_trace_lines(lines);
  EXPECT_TRUE(read) << read.failure().to_string();
  return read ? read->operations : history{};
}

std::string event(int seq, int op, const char* phase, const char* f, const char* value) {
  return std::string(R"({"seq":)") + std::to_string(seq) + R"(,"t":)" + std::to_string(seq) +
         R"(,"ev":"op","pod":"kv-0","client":)" + std::to_string(op) + R"(,"op":)" +
         std::to_string(op) + R"(,"phase":")" + phase + R"(","f":")" + f +
         R"(","key":"k1","value":)" + value + "}";
}

lost_writes_report check(const history& operations) {
  auto report = check_no_lost_acknowledged_writes(operations);
  EXPECT_TRUE(report) << report.failure().to_string();
  return report ? *report : lost_writes_report{};
}

TEST(lost_writes, a_read_of_an_overwritten_value_after_the_ack_is_reported) {
  const auto report = check(from_trace({
      event(0, 1, "invoke", "write", "1"),
      event(1, 1, "ok", "write", "1"),
      event(2, 2, "invoke", "write", "2"),
      event(3, 2, "ok", "write", "2"),
      event(4, 3, "invoke", "read", "null"),
      event(5, 3, "ok", "read", "1"),
  }));
  ASSERT_EQ(report.violations.size(), 1u);
  const lost_write& lost = report.violations[0];
  EXPECT_EQ(lost.key, "k1");
  EXPECT_EQ(lost.acknowledged.id, 2u);
  EXPECT_EQ(lost.read.id, 3u);
  ASSERT_TRUE(lost.overwritten);
  EXPECT_EQ(lost.overwritten->id, 1u);
  const verdict result = to_verdict(report);
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.at_seq, 5u);
  EXPECT_EQ(result.message,
            "key k1: read op 3 returned 1 after write op 2 of 2 was acknowledged (seq 3), but "
            "that value was written by op 1, completed before the acknowledged write began");
}

TEST(lost_writes, a_read_of_the_missing_initial_state_after_an_ack_is_reported) {
  const auto report = check(from_trace({
      event(0, 1, "invoke", "cas", "[null,4]"),
      event(1, 1, "ok", "cas", "[null,4]"),
      event(2, 3, "invoke", "read", "null"),
      event(3, 3, "ok", "read", "null"),
  }));
  ASSERT_EQ(report.violations.size(), 1u);
  EXPECT_FALSE(report.violations[0].overwritten);
}

TEST(lost_writes, reads_that_may_be_concurrent_with_the_newer_write_are_not_reported) {
  // The read begins before the second write is acknowledged.
  EXPECT_TRUE(check(from_trace({
                        event(0, 1, "invoke", "write", "1"),
                        event(1, 1, "ok", "write", "1"),
                        event(2, 2, "invoke", "write", "2"),
                        event(3, 3, "invoke", "read", "null"),
                        event(4, 2, "ok", "write", "2"),
                        event(5, 3, "ok", "read", "1"),
                    }))
                  .violations.empty());
  // The older write overlaps the newer one, so it may have taken effect after it.
  EXPECT_TRUE(check(from_trace({
                        event(0, 1, "invoke", "write", "1"),
                        event(1, 2, "invoke", "write", "2"),
                        event(2, 1, "ok", "write", "1"),
                        event(3, 2, "ok", "write", "2"),
                        event(4, 3, "invoke", "read", "null"),
                        event(5, 3, "ok", "read", "1"),
                    }))
                  .violations.empty());
}

TEST(lost_writes, a_value_from_an_info_write_may_arrive_late) {
  EXPECT_TRUE(check(from_trace({
                        event(0, 1, "invoke", "write", "1"),
                        event(1, 1, "info", "write", "1"),
                        event(2, 2, "invoke", "write", "2"),
                        event(3, 2, "ok", "write", "2"),
                        event(4, 3, "invoke", "read", "null"),
                        event(5, 3, "ok", "read", "1"),
                    }))
                  .violations.empty());
}

TEST(lost_writes, a_failed_write_is_not_an_acknowledged_one) {
  EXPECT_TRUE(check(from_trace({
                        event(0, 1, "invoke", "write", "1"),
                        event(1, 1, "ok", "write", "1"),
                        event(2, 2, "invoke", "cas", "[5,2]"),
                        event(3, 2, "fail", "cas", "[5,2]"),
                        event(4, 3, "invoke", "read", "null"),
                        event(5, 3, "ok", "read", "1"),
                    }))
                  .violations.empty());
}

TEST(lost_writes, a_malformed_kv_value_is_an_error) {
  auto report = check_no_lost_acknowledged_writes(
      from_trace({event(0, 1, "invoke", "write", "\"seven\""), event(1, 1, "ok", "write", "1")}));
  ASSERT_FALSE(report);
  EXPECT_EQ(report.failure().to_string(),
            "op 1 (invoked at seq 0): a write's value must be an integer");
}

RC_GTEST_PROP(lost_writes, linearizable_histories_lose_no_write_and_a_stale_read_is_caught,
              (std::uint64_t seed, unsigned choice)) {
  const int clients = *rc::gen::inRange(1, 9);
  const int keys = *rc::gen::inRange(1, 4);
  const auto size = *rc::gen::inRange<std::size_t>(1, 300);
  history operations =
      generator::generate(generator::random_specs(seed, size, clients, keys, 20), clients, keys);
  auto clean = check_no_lost_acknowledged_writes(operations);
  RC_ASSERT(clean.ok());
  RC_ASSERT(clean->violations.empty());
  const auto stale = generator::inject_stale_read(operations, choice);
  RC_PRE(stale.has_value());
  auto caught = check_no_lost_acknowledged_writes(operations);
  RC_ASSERT(caught.ok());
  RC_ASSERT(caught->violations.size() == 1u);
  RC_ASSERT(caught->violations[0].read.id == *stale);
}

}  // namespace
}  // namespace troupe::checkers
