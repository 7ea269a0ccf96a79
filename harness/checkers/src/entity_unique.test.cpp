// Goal: entity_unique passes a trace where each entity's instances follow one another
// (stop before start, a killed or scaled-away pod ending its instances) and names the entity,
// the pods and the seq when two instances of one entity are active at once.

#include "troupe/checkers/entity_unique.hpp"

#include <gtest/gtest.h>

namespace troupe::checkers {
namespace {

struct line {
  std::string body;
};

std::vector<std::string> lines_of(const std::vector<line>& events) {
  std::vector<std::string> lines = {
      R"({"format":"troupe-trace","version":1,"seed":1,"scenario":"e","build":"x","platform":"simnet","pods":["a","b","c"]})"};
  for (std::size_t seq = 0; seq < events.size(); ++seq)
    lines.push_back(R"({"seq":)" + std::to_string(seq) + R"(,"t":)" + std::to_string(seq * 1000) +
                    "," + events[seq].body + "}");
  return lines;
}

line start(const char* pod, const char* id, int instance, const char* type = "device") {
  return {std::string(R"("ev":"entity_start","pod":")") + pod + R"(","type":")" + type +
          R"(","entity":")" + id + R"(","shard":1,"instance":)" + std::to_string(instance)};
}
line stop(const char* pod, const char* id, int instance) {
  return {std::string(R"("ev":"entity_stop","pod":")") + pod + R"(","type":"device","entity":")" +
          id + R"(","shard":1,"instance":)" + std::to_string(instance) + R"(,"reason":"x")"};
}
line fault(const char* pod, const char* kind) {
  return {std::string(R"("ev":"fault","pod":")") + pod + R"(","kind":")" + kind + "\""};
}
line scale_down(const char* removed) {
  return {
      std::string(
          R"("ev":"fault","pod":"","kind":"scale","deployment":"kv","replicas":1,"added":[],"removed":[")") +
      removed + R"("])"};
}

verdict check(const std::vector<line>& events) {
  const auto lines = lines_of(events);
  auto parsed = read_trace_lines(lines);
  EXPECT_TRUE(parsed) << parsed.failure().to_string();
  if (!parsed) return {};
  return check_entity_unique(parsed->entities, parsed->faults);
}

// Over the whole trace (routes too), with a grace of 2 us after a resume.
verdict check_stale(const std::vector<line>& events) {
  auto parsed = read_trace_lines(lines_of(events));
  EXPECT_TRUE(parsed) << parsed.failure().to_string();
  if (!parsed) return {};
  return check_entity_unique(*parsed, 2'000);
}

TEST(entity_unique, a_hand_off_that_stops_before_it_starts_passes) {
  const auto result = check({start("a", "d1", 1), start("b", "d2", 1), stop("a", "d1", 1),
                             start("b", "d1", 2), stop("b", "d1", 2), start("c", "d1", 5)});
  EXPECT_TRUE(result.ok) << result.message;
  EXPECT_EQ(result.property, "entity_unique");
}

TEST(entity_unique, a_start_before_the_old_instance_stopped_fails_with_the_pods) {
  const auto result = check({start("a", "d1", 1), start("b", "d1", 3), stop("a", "d1", 1)});
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.at_seq, 1u);
  EXPECT_NE(result.message.find("device 'd1' has 2 active instances"), std::string::npos)
      << result.message;
  EXPECT_NE(result.message.find("a#1, b#3"), std::string::npos) << result.message;
}

TEST(entity_unique, a_kill_stop_or_scale_down_ends_the_pods_instances) {
  EXPECT_TRUE(check({start("a", "d1", 1), fault("a", "kill"), start("b", "d1", 1)}).ok);
  EXPECT_TRUE(check({start("a", "d1", 1), fault("a", "stop"), start("b", "d1", 1)}).ok);
  EXPECT_TRUE(check({start("c", "d1", 1), scale_down("c"), start("b", "d1", 1)}).ok);
}

// simnet restarts a running pod as a kill and a start: the old incarnation's instances end.
// (Found by troupe check with two quick restarts of one iot pod.)
TEST(entity_unique, a_restart_of_a_running_pod_ends_its_instances) {
  const auto result = check({start("a", "d1", 1), fault("a", "restart"), start("a", "d1", 2)});
  EXPECT_TRUE(result.ok) << result.message;
}

TEST(entity_unique, a_paused_pod_keeps_its_instances_until_another_starts) {
  // Paused, resumed, then a second start: the first instance still runs.
  const auto result = check({start("a", "d1", 1), fault("a", "pause"), fault("a", "resume"),
                             start("b", "d1", 1)});
  EXPECT_FALSE(result.ok);
}

// The pause rule: times are seq * 1 us here, so the 250 ms grace is 250,000 events; a grace
// of 2 us (2,000 ns) makes the cases short.
TEST(entity_unique, a_stale_instance_stopped_within_the_grace_after_its_resume_holds) {
  EXPECT_TRUE(check_stale({start("a", "d1", 1), fault("a", "pause"), start("b", "d1", 2),
                           fault("a", "resume"), stop("a", "d1", 1)})
                  .ok);
}

TEST(entity_unique, a_stale_instance_overdue_after_its_resume_fails_and_says_so) {
  const auto result = check_stale({start("a", "d1", 1), fault("a", "pause"), start("b", "d1", 2),
                                   fault("a", "resume"), start("c", "d2", 1), start("c", "d3", 1),
                                   stop("a", "d1", 1)});
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.message,
            "device 'd1' has 2 active instances at t=6000 (a#1 (stale, not stopped within 0 ms "
            "of its resume at t=3000), b#2)");
  EXPECT_EQ(result.at_seq, 6u);
}

TEST(entity_unique, a_stale_instance_that_gets_a_message_after_its_resume_fails) {
  const auto result =
      check_stale({start("a", "d1", 1), fault("a", "pause"), start("b", "d1", 2),
                   fault("a", "resume"),
                   {R"("ev":"entity_route","pod":"a","type":"device","entity":"d1","entity_message":"a/0/1","step":"delivered","message_id":0,"instance":1)"},
                   stop("a", "d1", 1)});
  EXPECT_FALSE(result.ok);
  EXPECT_NE(result.message.find("got message a/0/1 at t=4000, after its pod resumed at t=3000"),
            std::string::npos)
      << result.message;
}

TEST(entity_unique, entities_of_different_types_or_ids_do_not_collide) {
  EXPECT_TRUE(check({start("a", "d1", 1), start("b", "d2", 1), start("c", "d1", 1, "car")}).ok);
}

TEST(entity_unique, a_malformed_entity_event_names_its_line) {
  auto lines = lines_of({start("a", "d1", 1)});
  lines.push_back(R"({"seq":1,"t":5,"ev":"entity_start","pod":"a","type":"device","entity":"d1"})");
  auto parsed = read_trace_lines(lines);
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.failure().line, 3u);
  EXPECT_NE(parsed.failure().message.find("instance"), std::string::npos);
}

}  // namespace
}  // namespace troupe::checkers
