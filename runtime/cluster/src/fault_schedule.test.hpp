#pragma once
// Test support: random fault schedules for the cluster properties (RapidCheck generators).
// Episodes: two-way partitions (some pods may stay connected to both sides, a non-transitive
// cut), one-way partitions, flapping cuts (cut, a short heal of 0.1-1 s, the same cut again:
// the shape of the short-heal counterexample), kills with restarts, pauses with resumes, and
// clock skew set at time 0 within the documented bound (rate 0.99-1.01, any offset: a skew
// later in a run is a clock jump, which the fencing argument excludes; docs/cluster.md,
// "Fencing").

#include <rapidcheck.h>

#include <algorithm>
#include <string>
#include <vector>

#include "cluster_sim.test.hpp"

namespace cluster_sim {

struct schedule_options {
  bool pauses = false;
  bool kills = true;
  std::int64_t start_min_ns = 2 * s;
  std::int64_t start_max_ns = 25 * s;
  int episodes_max = 5;
};

inline std::string pod_name(int i) {
  return "kv-" + std::to_string(i);
}

/// Random faults for `pods` pods (sorted by time); a pod is killed or paused by one episode at
/// a time (the simulator refuses a restart of a live pod and a pause of a dead one).
inline std::vector<fault> random_faults(int pods, const schedule_options& options) {
  std::vector<fault> faults;
  std::vector<std::int64_t> busy_until(static_cast<std::size_t>(pods), 0);
  auto groups_of = [&](std::vector<int> side) {  // side[i]: 0 or 1, 2 = on neither side
    std::vector<std::vector<std::string>> groups(2);
    for (int i = 0; i < pods; ++i)
      if (side[static_cast<std::size_t>(i)] < 2)
        groups[static_cast<std::size_t>(side[static_cast<std::size_t>(i)])].push_back(pod_name(i));
    return groups;
  };
  const int count = *rc::gen::inRange(1, options.episodes_max + 1);
  for (int n = 0; n < count; ++n) {
    const int kind = *rc::gen::inRange(0, 7);
    const std::int64_t start =
        *rc::gen::inRange(options.start_min_ns / (100 * ms), options.start_max_ns / (100 * ms)) *
        100 * ms;
    const std::int64_t length = *rc::gen::inRange(2, 120) * 100 * ms;
    const int pod = *rc::gen::inRange(0, pods);
    if (kind <= 2) {  // two-way, possibly with bridging pods; 2: flapping
      auto side = *rc::gen::container<std::vector<int>>(static_cast<std::size_t>(pods),
                                                        rc::gen::inRange(0, 3));
      if (*rc::gen::inRange(0, 3) != 0)  // mostly a clean split
        for (auto& one : side) one = one % 2;
      const auto groups = groups_of(side);
      if (groups[0].empty() || groups[1].empty()) continue;
      faults.push_back(split(start, groups));
      faults.push_back(at(start + length, fault_kind::heal));
      if (kind == 2) {
        const std::int64_t again = start + length + *rc::gen::inRange(1, 11) * 100 * ms;
        faults.push_back(split(again, groups));
        faults.push_back(at(again + *rc::gen::inRange(2, 80) * 100 * ms, fault_kind::heal));
      }
    } else if (kind == 3) {  // one-way
      auto side = *rc::gen::container<std::vector<int>>(static_cast<std::size_t>(pods),
                                                        rc::gen::inRange(0, 3));
      fault f = at(start, fault_kind::partition);
      f.one_way = true;
      for (int i = 0; i < pods; ++i) {
        if (side[static_cast<std::size_t>(i)] == 0) f.from.push_back(pod_name(i));
        if (side[static_cast<std::size_t>(i)] == 1) f.to.push_back(pod_name(i));
      }
      if (f.from.empty() || f.to.empty()) continue;
      faults.push_back(f);
      faults.push_back(at(start + length, fault_kind::heal));
    } else if (kind == 4 || kind == 5) {  // kill / pause
      const bool kill = kind == 4 ? options.kills : !options.pauses;
      if (kind == 5 && !options.pauses && !options.kills) continue;
      auto& busy = busy_until[static_cast<std::size_t>(pod)];
      if (start <= busy) continue;
      busy = start + length;
      faults.push_back(at(start, kill ? fault_kind::kill : fault_kind::pause, pod_name(pod)));
      faults.push_back(
          at(start + length, kill ? fault_kind::restart : fault_kind::resume, pod_name(pod)));
    } else {  // clock skew from the start
      fault f = at(0, fault_kind::skew, pod_name(pod));
      f.offset_ns = *rc::gen::inRange(-1000, 1001) * ms;
      f.rate = 1.0 + static_cast<double>(*rc::gen::inRange(-100, 101)) / 10'000.0;
      faults.push_back(f);
    }
  }
  std::stable_sort(faults.begin(), faults.end(),
                   [](const fault& a, const fault& b) { return a.at_ns < b.at_ns; });
  return faults;
}

/// The schedule as one line: "partition@4500ms[kv-0 ][kv-1 kv-2 ] heal@7500ms ...".
inline std::string describe_faults(const std::vector<fault>& faults) {
  std::string text;
  for (const auto& f : faults) {
    text += std::string(troupe::sim::to_string(f.kind)) + "@" + std::to_string(f.at_ns / ms) +
            "ms" + (f.pod.empty() ? "" : ":" + f.pod);
    auto list = [&](const std::vector<std::string>& pods) {
      text += "[";
      for (const auto& p : pods) text += p + " ";
      text += "]";
    };
    for (const auto& group : f.groups) list(group);
    if (f.one_way) {
      list(f.from);
      text += "->";
      list(f.to);
    }
    if (f.kind == fault_kind::skew)
      text += "(" + std::to_string(f.offset_ns / ms) + "ms," + std::to_string(f.rate) + ")";
    text += " ";
  }
  return text;
}

inline std::int64_t last_fault_ns(const std::vector<fault>& faults) {
  std::int64_t last = 0;
  for (const auto& f : faults) last = std::max(last, f.at_ns);
  return last;
}

}  // namespace cluster_sim
