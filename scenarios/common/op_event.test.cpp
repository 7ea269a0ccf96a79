// Goal: op events carry exactly the members docs/trace-format.md names, in its order, with
// null for a missing read value and no value on a read's invoke.

#include "common/op_event.hpp"

#include <gtest/gtest.h>

namespace {

TEST(op_event, members_follow_the_trace_format) {
  EXPECT_EQ(troupe::apps::op_event_members(3, 41, "invoke", "write", "k1", 7),
            R"("client":3,"op":41,"phase":"invoke","f":"write","key":"k1","value":7)");
  EXPECT_EQ(troupe::apps::op_event_members(4, 42, "fail", "cas", "k1", {7, 8}),
            R"("client":4,"op":42,"phase":"fail","f":"cas","key":"k1","value":[7,8])");
  EXPECT_EQ(troupe::apps::op_event_members(5, 43, "ok", "read", "k1", nullptr),
            R"("client":5,"op":43,"phase":"ok","f":"read","key":"k1","value":null)");
  EXPECT_EQ(troupe::apps::op_event_members(5, 44, "invoke", "read", "k1",
                                           nlohmann::json::value_t::discarded),
            R"("client":5,"op":44,"phase":"invoke","f":"read","key":"k1")");
}

}  // namespace
