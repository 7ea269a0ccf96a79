// Goal: clicking an event highlights exactly its happens-before past and future.
#include "troupe/trace_model/causal.hpp"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <set>

#include "test_traces.hpp"

namespace troupe::trace_model {
namespace {

std::set<std::uint32_t> past_seqs(const trace& t, const causal_cone& cone) {
  std::set<std::uint32_t> result;
  for (std::uint32_t i = 0; i < t.events.size(); ++i) {
    if (cone.in_past(t, i)) result.insert(t.events[i].seq);
  }
  return result;
}

std::set<std::uint32_t> future_seqs(const trace& t, const causal_cone& cone) {
  std::set<std::uint32_t> result;
  for (std::uint32_t i = 0; i < t.events.size(); ++i) {
    if (cone.in_future(t, i)) result.insert(t.events[i].seq);
  }
  return result;
}

TEST(causal, past_of_a_delivery_follows_messages_back) {
  const auto t = testing::load_small_trace();
  // seq 20: kv-2 receives the slow replicate sent by kv-1 at seq 17, which kv-1 sent after
  // receiving the client's put (seq 5, sent by kv-0 at seq 3).
  const causal_cone cone = compute_causal_cone(*t, 20);
  EXPECT_EQ(past_seqs(*t, cone), (std::set<std::uint32_t>{0, 3, 1, 5, 6, 7, 13, 16, 17, 2, 8}));
  EXPECT_EQ(cone.past_count(), 11u);
}

TEST(causal, future_of_a_send_reaches_pods_it_influenced) {
  const auto t = testing::load_small_trace();
  const causal_cone cone = compute_causal_cone(*t, 3);
  const auto future = future_seqs(*t, cone);
  EXPECT_TRUE(future.count(4)) << "program order on kv-0";
  EXPECT_TRUE(future.count(5)) << "the delivery";
  EXPECT_TRUE(future.count(8)) << "kv-1 forwarded to kv-2";
  EXPECT_FALSE(future.count(2)) << "kv-2's spawn came before";
  EXPECT_FALSE(future.count(28)) << "kv-3 hears from kv-0 only at seq 38";
  EXPECT_TRUE(future.count(38));
  EXPECT_FALSE(future.count(14)) << "cluster-wide faults are on no pod";
  EXPECT_EQ(future.size(), cone.future_count(*t));
}

TEST(causal, drops_carry_no_causality) {
  const auto t = testing::load_small_trace();
  const causal_cone cone = compute_causal_cone(*t, 15);  // the send of message 5, dropped
  EXPECT_FALSE(future_seqs(*t, cone).count(16) && !future_seqs(*t, cone).count(13))
      << "kv-1's events reach the future only through deliveries";
  EXPECT_FALSE(future_seqs(*t, cone).count(17));
}

// A random trace of three pods: sends, deliveries of pending sends, local logs.
std::string random_trace(const std::vector<std::uint8_t>& steps) {
  std::string text = testing::header_v1;
  text.replace(text.find("[\"a\",\"b\"]"), 9, "[\"a\",\"b\",\"c\"]");
  text += '\n';
  const char* pods[] = {"a", "b", "c"};
  std::vector<std::pair<int, int>> pending;  // id, receiver
  int seq = 0;
  int id = 0;
  for (const std::uint8_t step : steps) {
    const int pod = step % 3;
    const int other = (step / 3) % 3;
    const std::string head = "{\"seq\":" + std::to_string(seq) + ",\"t\":" + std::to_string(seq);
    switch ((step / 9) % 3) {
      case 0:
        text += head + ",\"ev\":\"send\",\"pod\":\"" + pods[pod] + "\",\"id\":" +
                std::to_string(id) + ",\"from\":\"/x\",\"to_pod\":\"" + pods[other] +
                "\",\"to\":\"/x\",\"type\":\"m\"}\n";
        pending.emplace_back(id++, other);
        break;
      case 1: {
        if (pending.empty()) continue;
        const auto [message, receiver] = pending[step % pending.size()];
        pending.erase(pending.begin() + static_cast<std::ptrdiff_t>(step % pending.size()));
        text += head + ",\"ev\":\"deliver\",\"pod\":\"" + pods[receiver] + "\",\"id\":" +
                std::to_string(message) + ",\"from_pod\":\"?\",\"from\":\"/x\",\"to\":\"/x\"," +
                "\"type\":\"m\"}\n";
        break;
      }
      default:
        text += head + ",\"ev\":\"log\",\"pod\":\"" + pods[pod] + "\",\"text\":\"x\"}\n";
    }
    ++seq;
  }
  return text;
}

// Vector clocks computed independently: a happens before b iff clock(a) <= clock(b), a != b.
std::vector<std::vector<int>> vector_clocks(const trace& t) {
  std::vector<std::vector<int>> clocks(t.events.size());
  std::vector<std::vector<int>> pod_clock(t.pods.size(), std::vector<int>(t.pods.size(), 0));
  for (std::uint32_t i = 0; i < t.events.size(); ++i) {
    const event& e = t.events[i];
    auto& clock = pod_clock[e.pod];
    if (e.kind == event_kind::deliver) {
      const auto& sent = clocks[t.messages[e.record].send_event];
      for (std::size_t p = 0; p < clock.size(); ++p) clock[p] = std::max(clock[p], sent[p]);
    }
    ++clock[e.pod];
    clocks[i] = clock;
  }
  return clocks;
}

bool clock_before(const std::vector<int>& a, const std::vector<int>& b) {
  for (std::size_t p = 0; p < a.size(); ++p) {
    if (a[p] > b[p]) return false;
  }
  return a != b;
}

RC_GTEST_PROP(causal, cone_agrees_with_vector_clocks, (const std::vector<std::uint8_t>& steps)) {
  auto loaded = load_trace_text(random_trace(steps));
  RC_ASSERT(loaded.ok());
  const trace& t = loaded.value();
  RC_PRE(!t.events.empty());
  const auto clocks = vector_clocks(t);
  const auto origin = *rc::gen::inRange<std::uint32_t>(0, static_cast<std::uint32_t>(t.events.size()));
  const causal_cone cone = compute_causal_cone(t, origin);
  for (std::uint32_t i = 0; i < t.events.size(); ++i) {
    RC_ASSERT(cone.in_past(t, i) == clock_before(clocks[i], clocks[origin]));
    RC_ASSERT(cone.in_future(t, i) == clock_before(clocks[origin], clocks[i]));
  }
}

}  // namespace
}  // namespace troupe::trace_model
