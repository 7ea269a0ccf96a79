// Goal: singleton_unique fails exactly when two pods run the same singleton at one moment,
// counting an instance as gone when its pod stops it, is killed, stopped or scaled away, and
// as still running while its pod is paused, unless another pod started it meanwhile: then it
// is stale and must stop within 250 ms of the resume.

#include "troupe/checkers/singleton.hpp"

#include <gtest/gtest.h>

#include "troupe/checkers/properties.hpp"

namespace troupe::checkers {
namespace {

constexpr std::int64_t second = 1'000'000'000;

trace make_trace(const std::vector<std::pair<std::int64_t, std::string>>& events) {
  std::vector<std::string> lines = {
      R"({"format":"troupe-trace","version":1,"seed":1,"scenario":"s","build":"x","platform":"simnet","pods":["a","b","c"]})"};
  for (std::size_t seq = 0; seq < events.size(); ++seq)
    lines.push_back(R"({"seq":)" + std::to_string(seq) + R"(,"t":)" +
                    std::to_string(events[seq].first) + "," + events[seq].second + "}");
  auto read = read_trace_lines(lines);
  EXPECT_TRUE(read) << read.failure().to_string();
  return read ? *read : trace{};
}

std::pair<std::int64_t, std::string> instance(std::int64_t t, const char* pod, const char* state,
                                              const char* name = "lock") {
  return {t, std::string(R"("ev":"singleton","pod":")") + pod + R"(","name":")" + name +
                 R"(","state":")" + state + "\""};
}
std::pair<std::int64_t, std::string> fault(std::int64_t t, const char* pod, const char* kind) {
  return {t, std::string(R"("ev":"fault","pod":")") + pod + R"(","kind":")" + kind + "\""};
}

TEST(singleton_unique, a_hand_over_after_the_stop_holds) {
  const auto v = check_singleton_unique(make_trace({instance(1 * second, "a", "started"),
                                                    instance(5 * second, "a", "stopped"),
                                                    instance(6 * second, "b", "started")}));
  EXPECT_TRUE(v.ok) << v.message;
}

TEST(singleton_unique, a_start_while_another_pod_runs_it_fails_and_names_both) {
  const auto v = check_singleton_unique(make_trace({instance(1 * second, "a", "started"),
                                                    instance(6 * second, "b", "started"),
                                                    instance(7 * second, "a", "stopped")}));
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.message,
            "singleton 'lock' runs on 2 pods at t=6000000000 ns: a (since t=1000000000), b "
            "(since t=6000000000)");
  EXPECT_EQ(v.at_seq, 1u);
}

TEST(singleton_unique, a_killed_or_stopped_pod_no_longer_runs_it) {
  EXPECT_TRUE(check_singleton_unique(make_trace({instance(1 * second, "a", "started"),
                                                 fault(4 * second, "a", "kill"),
                                                 instance(6 * second, "b", "started"),
                                                 fault(8 * second, "b", "stop"),
                                                 instance(9 * second, "c", "started")}))
                  .ok);
}

TEST(singleton_unique, a_restart_of_a_running_pod_ends_its_instance) {
  EXPECT_TRUE(check_singleton_unique(make_trace({instance(1 * second, "a", "started"),
                                                 fault(4 * second, "a", "restart"),
                                                 instance(6 * second, "a", "started")}))
                  .ok);
}

TEST(singleton_unique, a_scaled_away_pod_no_longer_runs_it) {
  const std::pair<std::int64_t, std::string> scale = {
      4 * second,
      R"("ev":"fault","pod":"","kind":"scale","deployment":"x","replicas":1,"added":[],"removed":["c"])"};
  EXPECT_TRUE(check_singleton_unique(make_trace({instance(1 * second, "c", "started"), scale,
                                                 instance(6 * second, "a", "started")}))
                  .ok);
}

TEST(singleton_unique, a_holder_paused_when_another_pod_starts_it_is_stale_until_its_resume) {
  EXPECT_TRUE(check_singleton_unique(make_trace({instance(1 * second, "a", "started"),
                                                 fault(2 * second, "a", "pause"),
                                                 instance(9 * second, "b", "started")}))
                  .ok);
}

TEST(singleton_unique, a_stale_instance_that_stops_within_the_grace_after_its_resume_holds) {
  EXPECT_TRUE(check_singleton_unique(make_trace({instance(1 * second, "a", "started"),
                                                 fault(2 * second, "a", "pause"),
                                                 instance(9 * second, "b", "started"),
                                                 fault(10 * second, "a", "resume"),
                                                 instance(10 * second + 200'000'000, "a", "stopped"),
                                                 instance(12 * second, "c", "stopped")}))
                  .ok);
}

TEST(singleton_unique, a_stale_instance_still_running_after_the_grace_fails_and_says_so) {
  const auto late = check_singleton_unique(make_trace({instance(1 * second, "a", "started"),
                                                       fault(2 * second, "a", "pause"),
                                                       instance(9 * second, "b", "started"),
                                                       fault(10 * second, "a", "resume"),
                                                       instance(10 * second + 400'000'000, "a", "stopped")}));
  EXPECT_FALSE(late.ok);
  EXPECT_EQ(late.message,
            "singleton 'lock' runs on 2 pods at t=10400000000 ns: a (since t=1000000000; paused "
            "when another pod started it, not stopped within 250 ms of its resume at "
            "t=10000000000), b (since t=9000000000)");
  EXPECT_EQ(late.at_seq, 4u);
  // Never stopped: the end of the trace judges it.
  EXPECT_FALSE(check_singleton_unique(make_trace({instance(1 * second, "a", "started"),
                                                  fault(2 * second, "a", "pause"),
                                                  instance(9 * second, "b", "started"),
                                                  fault(10 * second, "a", "resume"),
                                                  fault(11 * second, "c", "kill")}))
                   .ok);
}

TEST(singleton_unique, a_holder_paused_and_resumed_before_another_pod_starts_it_is_not_stale) {
  EXPECT_FALSE(check_singleton_unique(make_trace({instance(1 * second, "a", "started"),
                                                  fault(2 * second, "a", "pause"),
                                                  fault(3 * second, "a", "resume"),
                                                  instance(9 * second, "b", "started")}))
                   .ok);
}

TEST(singleton_unique, different_singletons_may_run_on_different_pods) {
  EXPECT_TRUE(check_singleton_unique(make_trace({instance(1 * second, "a", "started", "x"),
                                                 instance(1 * second, "b", "started", "y")}))
                  .ok);
}

TEST(singleton_unique, is_a_property_by_name_and_the_reader_refuses_a_bad_state) {
  auto v = check_property(make_trace({instance(1 * second, "a", "started")}), "singleton_unique");
  ASSERT_TRUE(v);
  EXPECT_TRUE(v->ok);
  auto bad = read_trace_lines(
      {R"({"format":"troupe-trace","version":1,"seed":1,"scenario":"s","build":"x","platform":"simnet","pods":["a"]})",
       R"({"seq":0,"t":0,"ev":"singleton","pod":"a","name":"lock","state":"running"})"});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.failure().line, 2u);
}

}  // namespace
}  // namespace troupe::checkers
