// Goal: one seed reproduces a run bit for bit (200 seeds, each run twice, with faults, loss
// and duplication), different seeds give different runs, and for any generated fault
// schedule the trace obeys the delivery rules of the network.

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "test_app.hpp"

namespace {

using troupe::sim::fault;
using troupe::sim::fault_kind;

constexpr std::int64_t ms = 1'000'000;
const std::vector<std::string> pods = {"kv-0", "kv-1", "kv-2"};

/// A fault schedule drawn from a seed (for the determinism check).
std::vector<fault> schedule_from(std::uint64_t seed) {
  troupe::random_generator random(seed ^ 0x5eed);
  std::vector<fault> faults;
  for (int i = 0; i < 4; ++i) {
    fault f;
    f.at_ns = random.between(0, 400) * ms;
    switch (random.below(5)) {
      case 0:
        f.kind = fault_kind::partition;
        f.groups = {{pods[random.below(3)]}, {}};
        for (auto& p : pods)
          if (p != f.groups[0][0]) f.groups[1].push_back(p);
        break;
      case 1: f.kind = fault_kind::heal; break;
      case 2: f.kind = fault_kind::kill; f.pod = pods[random.below(3)]; break;
      case 3: f.kind = fault_kind::restart; f.pod = pods[random.below(3)]; break;
      default: f.kind = fault_kind::pause; f.pod = pods[random.below(3)]; break;
    }
    faults.push_back(f);
  }
  fault resume_all;
  resume_all.at_ns = 450 * ms;
  resume_all.kind = fault_kind::resume;
  for (auto& p : pods) {
    resume_all.pod = p;
    faults.push_back(resume_all);
  }
  return faults;
}

struct outcome {
  std::uint64_t hash;
  std::string path;
};

outcome run(std::uint64_t seed, const std::vector<fault>& faults, double loss, double duplicate,
            const std::string& path = {}) {
  troupe::sim::simulation_config c;
  c.seed = seed;
  c.scenario = "determinism";
  c.trace_path = path;
  c.network.loss = loss;
  c.network.duplicate = duplicate;
  c.connection_loss_detection_ns = 30 * ms;
  c.initial_pods = pods;
  test_app::observations seen;
  troupe::sim::simulation sim(c);
  sim.add_deployment("kv", 3, test_app::boot("kv", 3, 20 * ms, &seen));
  auto problem = sim.validate(faults);
  if (problem) ADD_FAILURE() << *problem;
  sim.schedule(faults);
  sim.run_until(600 * ms);
  sim.trace().flush();
  return {sim.trace().hash(), path};
}

TEST(determinism, same_seed_same_trace_for_200_seeds) {
  std::set<std::uint64_t> distinct;
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    auto faults = schedule_from(seed);
    const auto first = run(seed, faults, 0.05, 0.05).hash;
    const auto second = run(seed, faults, 0.05, 0.05).hash;
    ASSERT_EQ(first, second) << "seed " << seed << " is not deterministic";
    distinct.insert(first);
  }
  EXPECT_EQ(distinct.size(), 200u) << "different seeds should give different runs";
}

/// Generated fault schedules for the properties below.
rc::Gen<std::vector<fault>> fault_schedules() {
  auto pod = rc::gen::elementOf(pods);
  auto one = rc::gen::apply(
      [](int kind, std::int64_t t, std::string p, std::string q) {
        fault f;
        f.at_ns = t * ms;
        f.pod = p;
        switch (kind) {
          case 0:
            f.kind = fault_kind::partition;
            if (p == q) {
              f.groups = {{p}, {}};
              for (auto& other : pods)
                if (other != p) f.groups[1].push_back(other);
            } else {
              f.groups = {{p}, {q}};  // the third pod bridges
            }
            break;
          case 1:
            f.kind = fault_kind::partition;
            f.one_way = true;
            f.from = {p};
            f.to = {q};
            break;
          case 2: f.kind = fault_kind::heal; break;
          case 3: f.kind = fault_kind::kill; break;
          case 4: f.kind = fault_kind::restart; break;
          case 5: f.kind = fault_kind::pause; break;
          case 6: f.kind = fault_kind::resume; break;
          default: f.kind = fault_kind::stop; break;
        }
        return f;
      },
      rc::gen::inRange(0, 8), rc::gen::inRange<std::int64_t>(0, 500), pod, pod);
  return rc::gen::container<std::vector<fault>>(one);
}

/// Checks the trace against the network's rules. Returns the first violation.
std::string violations(const std::vector<nlohmann::json>& trace) {
  std::set<std::uint64_t> sent;
  std::vector<nlohmann::json> partitions;  // active cuts, from fault events in order
  auto cut = [&](const std::string& a, const std::string& b) {
    for (auto& p : partitions) {
      if (p.value("one_way", false)) {
        auto from = p["from"].get<std::vector<std::string>>();
        auto to = p["to"].get<std::vector<std::string>>();
        if (std::count(from.begin(), from.end(), a) && std::count(to.begin(), to.end(), b)) return true;
      } else {
        int ga = -1, gb = -1;
        for (std::size_t g = 0; g < p["groups"].size(); ++g) {
          auto group = p["groups"][g].get<std::vector<std::string>>();
          if (std::count(group.begin(), group.end(), a)) ga = static_cast<int>(g);
          if (std::count(group.begin(), group.end(), b)) gb = static_cast<int>(g);
        }
        if (ga >= 0 && gb >= 0 && ga != gb) return true;
      }
    }
    return false;
  };
  for (auto& l : trace) {
    const std::string ev = l.value("ev", "");
    if (ev == "send") sent.insert(l["id"].get<std::uint64_t>());
    if (ev == "fault" && l["kind"] == "partition") partitions.push_back(l);
    if (ev == "fault" && l["kind"] == "heal") partitions.clear();
    if (ev != "deliver") continue;
    if (!sent.count(l["id"].get<std::uint64_t>())) return "deliver without an earlier send: " + l.dump();
    if (cut(l["from_pod"], l["pod"])) return "delivery across an active partition: " + l.dump();
  }
  return "";
}

RC_GTEST_PROP(simnet_properties, deliveries_follow_sends_and_respect_partitions, ()) {
  const auto faults = *fault_schedules();
  const auto seed = *rc::gen::inRange<std::uint64_t>(1, 1'000'000);
  const std::string path = test_app::temp_trace("property");
  run(seed, faults, 0.1, 0.1, path);
  const auto problem = violations(test_app::read_trace(path));
  RC_ASSERT(problem == "");
}

RC_GTEST_PROP(simnet_properties, without_loss_or_faults_every_message_arrives_exactly_once, ()) {
  const auto seed = *rc::gen::inRange<std::uint64_t>(1, 1'000'000);
  const std::string path = test_app::temp_trace("exactly-once");
  run(seed, {}, 0.0, 0.0, path);
  std::map<std::uint64_t, int> deliveries;
  std::set<std::uint64_t> sent_early;
  for (auto& l : test_app::read_trace(path)) {
    const std::string ev = l.value("ev", "");
    // Messages sent in the last 50 ms may still be in flight when the run ends.
    if (ev == "send" && l["t"].get<std::int64_t>() < 550 * ms) sent_early.insert(l["id"].get<std::uint64_t>());
    if (ev == "deliver") ++deliveries[l["id"].get<std::uint64_t>()];
    RC_ASSERT(ev != "drop");
  }
  for (auto id : sent_early) RC_ASSERT(deliveries[id] == 1);
  for (auto& [id, count] : deliveries) RC_ASSERT(count == 1);
}

}  // namespace
