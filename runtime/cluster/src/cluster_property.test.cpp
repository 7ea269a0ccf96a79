// Goal: for random fault schedules (partitions and heals, kills and restarts, pauses and
// resumes) on 3 or 5 pods and random seeds, membership converges to "every live pod sees
// every live pod up" within the liveness window after the faults stop, and at no moment do
// two disjoint sides both keep serving after a resolver decision. Judged from the trace.

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>

#include "cluster_sim.test.hpp"
#include "fault_schedule.test.hpp"

namespace {

using namespace cluster_sim;

/// One fault and its undoing (partition/heal, kill/restart, pause/resume).
struct episode {
  fault_kind kind;
  std::int64_t start_ns;
  std::int64_t length_ns;
  int pod;
  std::uint32_t mask;  // partition: which pods are in the first group
};

std::vector<fault> schedule_of(const std::vector<episode>& episodes, int pods) {
  std::vector<fault> faults;
  std::vector<std::int64_t> busy_until(static_cast<std::size_t>(pods), 0);
  for (const auto& e : episodes) {
    const std::int64_t end = e.start_ns + e.length_ns;
    const std::string pod = "kv-" + std::to_string(e.pod);
    if (e.kind == fault_kind::partition) {
      std::vector<std::vector<std::string>> groups(2);
      for (int i = 0; i < pods; ++i) groups[(e.mask >> i) & 1].push_back("kv-" + std::to_string(i));
      if (groups[0].empty() || groups[1].empty()) continue;
      faults.push_back(split(e.start_ns, groups));
      faults.push_back(at(end, fault_kind::heal));
      continue;
    }
    // A pod is killed or paused by one episode at a time (the simulator refuses a restart of
    // a live pod and a pause of a dead one).
    auto& busy = busy_until[static_cast<std::size_t>(e.pod)];
    if (e.start_ns <= busy) continue;
    busy = end;
    const bool kill = e.kind == fault_kind::kill;
    faults.push_back(at(e.start_ns, kill ? fault_kind::kill : fault_kind::pause, pod));
    faults.push_back(at(end, kill ? fault_kind::restart : fault_kind::resume, pod));
  }
  std::stable_sort(faults.begin(), faults.end(),
                   [](const fault& a, const fault& b) { return a.at_ns < b.at_ns; });
  return faults;
}

/// A random schedule of 1-5 episodes on 3 or 5 pods, with a random simulation seed.
run_options random_run(bool pauses = true) {
  const int pods = *rc::gen::element(3, 5);
  const auto count = *rc::gen::inRange(1, 6);
  std::vector<episode> episodes;
  for (int i = 0; i < count; ++i) {
    episode e;
    e.kind = pauses ? *rc::gen::element(fault_kind::partition, fault_kind::kill, fault_kind::pause)
                    : *rc::gen::element(fault_kind::partition, fault_kind::kill);
    e.start_ns = *rc::gen::inRange(20, 250) * 100 * ms;
    e.length_ns = *rc::gen::inRange(2, 120) * 100 * ms;
    e.pod = *rc::gen::inRange(0, pods);
    e.mask = *rc::gen::inRange<std::uint32_t>(1, (1u << pods) - 1);
    episodes.push_back(e);
  }
  run_options o;
  o.name = "cluster-property";
  o.pods = pods;
  o.seed = *rc::gen::inRange<std::uint64_t>(1, 1'000'000);
  o.faults = schedule_of(episodes, pods);
  std::int64_t last = 0;
  for (const auto& f : o.faults) last = std::max(last, f.at_ns);
  o.duration_ns = last + 15 * s;
  return o;
}

std::string describe(const run_options& o) {
  std::string schedule;
  for (const auto& f : o.faults) {
    schedule += std::string(troupe::sim::to_string(f.kind)) + "@" + std::to_string(f.at_ns / ms) +
                "ms" + (f.pod.empty() ? "" : ":" + f.pod);
    for (const auto& group : f.groups) {
      schedule += "[";
      for (const auto& p : group) schedule += p + " ";
      schedule += "]";
    }
    schedule += " ";
  }
  return "seed " + std::to_string(o.seed) + " pods " + std::to_string(o.pods) + " schedule " +
         schedule;
}

RC_GTEST_PROP(cluster_property, converges_after_random_faults_and_never_splits, ()) {
  const auto o = random_run();
  RC_TAG(o.pods, o.faults.size());
  const auto r = run(o);
  RC_LOG() << describe(o) << "\nmembership: " << r.membership.message
           << "\nsplit brain: " << r.split_brain << "\n";
  RC_ASSERT(r.split_brain == "");
  RC_ASSERT(r.membership.ok);
}

/// A run of the singleton under generated faults (fault_schedule.test.hpp): two-way,
/// non-transitive, one-way and flapping partitions, kills, clock skew, and pauses if asked.
run_options random_singleton_run(bool pauses) {
  run_options o;
  o.name = "singleton-property";
  o.pods = *rc::gen::element(3, 5);
  o.seed = *rc::gen::inRange<std::uint64_t>(1, 1'000'000);
  schedule_options schedule;
  schedule.pauses = pauses;
  o.faults = random_faults(o.pods, schedule);
  o.duration_ns = last_fault_ns(o.faults) + 15 * s;
  o.singleton = true;
  return o;
}

// The singleton runs on at most one pod at every moment, and on exactly one at the end,
// under partitions (including one-way and flapping ones), kills and clock skew.
RC_GTEST_PROP(cluster_property, the_singleton_never_runs_twice_under_partitions_and_kills, ()) {
  const auto o = random_singleton_run(false);
  const auto r = run(o);
  const auto report = check_singleton(r);
  RC_LOG() << describe(o) << " " << describe_faults(o.faults) << "\nsingleton: " << report.overlap
           << "\n";
  RC_ASSERT(report.overlap == "");
  RC_ASSERT(report.running_at_end.size() == 1u);
}

// With pauses too: a paused holder cannot stop its instance, so an instance on a pod paused
// when another pod starts one is stale; it must stop within 250 ms of the resume (the
// manager's tick checks the lease first). Nothing else may overlap.
RC_GTEST_PROP(cluster_property, a_paused_singleton_holder_stops_its_instance_at_resume, ()) {
  const auto o = random_singleton_run(true);
  const auto r = run(o);
  const auto report = check_singleton(r);
  RC_LOG() << describe(o) << " " << describe_faults(o.faults) << "\nsingleton: " << report.overlap
           << "\n";
  RC_ASSERT(report.overlap == "");
  RC_ASSERT(report.running_at_end.size() == 1u);
}

}  // namespace
