// Goal: the statistics panel counts sends, deliveries and drops per type and reports latency
// percentiles a user can check by hand.
#include "troupe/trace_model/statistics.hpp"

#include <gtest/gtest.h>

#include "test_traces.hpp"

namespace troupe::trace_model {
namespace {

const type_statistics& find(const trace& t, const std::vector<type_statistics>& all,
                            std::string_view type) {
  for (const auto& s : all) {
    if (t.name(s.type) == type) return s;
  }
  throw std::runtime_error("no statistics for type");
}

TEST(statistics, counts_and_latencies_per_type) {
  const auto t = testing::load_small_trace();
  const auto all = compute_statistics(*t);
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(t->name(all[0].type), "kv.join") << "sorted by name";
  const auto& replicate = find(*t, all, "kv.replicate");
  EXPECT_EQ(replicate.sent, 6u);       // ids 2, 3, 6, 7, 9, 10
  EXPECT_EQ(replicate.delivered, 5u);  // 2, 3, 6, and 9 twice
  EXPECT_EQ(replicate.dropped, 1u);
  EXPECT_EQ(replicate.unfinished, 1u);
  ASSERT_EQ(replicate.drops_by_reason.size(), 1u);
  EXPECT_EQ(t->name(replicate.drops_by_reason[0].first), "dead_pod");
  // Latencies: 2ms, 3ms, 200ms, 2ms, 3ms -> p50 3ms, max 200ms.
  EXPECT_EQ(replicate.latency_p50_ns, 3'000'000);
  EXPECT_EQ(replicate.latency_max_ns, 200'000'000);
  const auto& put = find(*t, all, "kv.put");
  EXPECT_EQ(put.sent, 2u);
  EXPECT_EQ(put.dropped, 1u);
  EXPECT_EQ(put.latency_p99_ns, 2'000'000);
}

TEST(statistics, follow_the_filter) {
  const auto t = testing::load_small_trace();
  trace_filter filter;
  filter.search = "kv.join";
  const auto all = compute_statistics(*t, filter);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].sent, 1u);
}

TEST(statistics, nearest_rank_percentile) {
  std::vector<std::int64_t> values{5, 1, 4, 2, 3};
  EXPECT_EQ(percentile(values, 50), 3);
  EXPECT_EQ(percentile(values, 100), 5);
  EXPECT_EQ(percentile(values, 1), 1);
  std::vector<std::int64_t> none;
  EXPECT_EQ(percentile(none, 50), 0);
}

}  // namespace
}  // namespace troupe::trace_model
