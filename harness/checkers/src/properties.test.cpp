// Goal: properties are checked by the names a scenario file uses, and an unknown name is
// an error that lists the known ones.

#include "troupe/checkers/properties.hpp"

#include <gtest/gtest.h>

namespace troupe::checkers {
namespace {

trace stale_read_trace() {
  auto read = read_trace_lines({
      R"({"format":"troupe-trace","version":1,"seed":1,"scenario":"kv","build":"x","platform":"simnet","pods":["kv-0"]})",
      R"({"seq":0,"t":0,"ev":"op","pod":"kv-0","client":1,"op":1,"phase":"invoke","f":"write","key":"k","value":1})",
      R"({"seq":1,"t":1,"ev":"op","pod":"kv-0","client":1,"op":1,"phase":"ok","f":"write","key":"k","value":1})",
      R"({"seq":2,"t":2,"ev":"op","pod":"kv-0","client":1,"op":2,"phase":"invoke","f":"read","key":"k","value":null})",
      R"({"seq":3,"t":3,"ev":"op","pod":"kv-0","client":1,"op":2,"phase":"ok","f":"read","key":"k","value":null})",
  });
  EXPECT_TRUE(read) << read.failure().to_string();
  return read ? *read : trace{};
}

TEST(properties, every_known_name_gives_a_verdict_of_that_name) {
  const trace events = stale_read_trace();
  for (const auto& name : property_names()) {
    auto result = check_property(events, name);
    ASSERT_TRUE(result) << name << ": " << result.failure().to_string();
    EXPECT_EQ(result->property, name);
  }
  EXPECT_FALSE(check_property(events, "linearizable")->ok);
  EXPECT_EQ(check_property(events, "linearizable")->at_seq, 3u);
  EXPECT_FALSE(check_property(events, "no_lost_acknowledged_writes")->ok);
  EXPECT_TRUE(check_property(events, "exactly_once_delivery")->ok);
}

TEST(properties, an_unknown_name_is_an_error_listing_the_known_ones) {
  auto result = check_property(stale_read_trace(), "linearisable");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.failure().to_string(),
            "unknown property 'linearisable' (known: linearizable, no_lost_acknowledged_writes, "
            "deliver_after_send, at_most_once_delivery, exactly_once_delivery, "
            "membership_converges, singleton_unique, entity_unique, entity_delivery)");
}

}  // namespace
}  // namespace troupe::checkers
