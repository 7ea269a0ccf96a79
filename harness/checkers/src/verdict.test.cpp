// Goal: a verdict renders as a trace-format `verdict` event line.

#include "troupe/checkers/verdict.hpp"

#include <gtest/gtest.h>

namespace troupe::checkers {
namespace {

TEST(verdict, renders_as_a_trace_verdict_event) {
  const verdict failed{"linearizable", false, "key k1: no linearization of ops 41 47", 44};
  EXPECT_EQ(to_trace_line(failed, 999, 60'000'000'000),
            R"({"seq":999,"t":60000000000,"ev":"verdict","pod":"","property":"linearizable",)"
            R"("ok":false,"message":"key k1: no linearization of ops 41 47","at_seq":44})");
}

TEST(verdict, leaves_out_at_seq_when_absent) {
  const verdict passed{"exactly_once_delivery", true, "", std::nullopt};
  EXPECT_EQ(to_trace_line(passed, 3, 0),
            R"({"seq":3,"t":0,"ev":"verdict","pod":"","property":"exactly_once_delivery",)"
            R"("ok":true,"message":""})");
}

}  // namespace
}  // namespace troupe::checkers
