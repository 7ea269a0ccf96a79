// Goal: filters hide exactly what the user unticked, and search finds messages by type,
// summary, actor or id.
#include "troupe/trace_model/filter.hpp"

#include <gtest/gtest.h>

#include "test_traces.hpp"

namespace troupe::trace_model {
namespace {

std::size_t visible_messages(const trace& t, const trace_filter& filter) {
  std::size_t count = 0;
  for (const message_record& m : t.messages) count += filter.message_visible(t, m) ? 1 : 0;
  return count;
}

TEST(filter, empty_filter_shows_everything) {
  const auto t = testing::load_small_trace();
  const trace_filter filter;
  EXPECT_EQ(visible_messages(*t, filter), t->messages.size());
  for (const event& e : t->events) EXPECT_TRUE(filter.event_visible(*t, e));
}

TEST(filter, hiding_a_pod_hides_its_messages_both_ways) {
  const auto t = testing::load_small_trace();
  trace_filter filter;
  filter.pod_hidden.assign(t->pods.size(), 0);
  filter.pod_hidden[t->find_pod("kv-2")] = 1;
  // Messages 2, 6 and 7 touch kv-2.
  EXPECT_EQ(visible_messages(*t, filter), t->messages.size() - 3);
  EXPECT_FALSE(filter.event_visible(*t, t->events[2]));
  EXPECT_TRUE(filter.event_visible(*t, t->events[14])) << "cluster-wide faults stay";
}

TEST(filter, by_type_kind_actor_and_search) {
  const auto t = testing::load_small_trace();
  trace_filter by_type;
  by_type.type_hidden.assign(t->names.size(), 0);
  by_type.type_hidden[t->names.find("kv.replicate")] = 1;
  EXPECT_EQ(visible_messages(*t, by_type), 4u) << "puts, put_ok and join remain";

  trace_filter by_kind;
  by_kind.kind_hidden[static_cast<std::size_t>(event_kind::drop)] = 1;
  EXPECT_EQ(visible_messages(*t, by_kind), t->messages.size() - 2);

  trace_filter by_actor;
  by_actor.actor_contains = "client-0";
  EXPECT_EQ(visible_messages(*t, by_actor), 3u) << "messages 1, 4 and 5";

  trace_filter by_search;
  by_search.search = "k2=1";
  EXPECT_EQ(visible_messages(*t, by_search), 4u) << "message 5, 7 and twice 9";
  by_search.search = "10";
  EXPECT_EQ(visible_messages(*t, by_search), 1u) << "an id matches exactly";
}

TEST(filter, stepping_skips_hidden_events) {
  const auto t = testing::load_small_trace();
  trace_filter filter;
  filter.search = "partition";
  const std::uint32_t first = next_visible_event(*t, filter, no_index);
  EXPECT_EQ(first, 14u);
  EXPECT_EQ(next_visible_event(*t, filter, first), 16u);
  EXPECT_EQ(previous_visible_event(*t, filter, 16), 14u);
  EXPECT_EQ(previous_visible_event(*t, filter, 14), no_index);
}

}  // namespace
}  // namespace troupe::trace_model
