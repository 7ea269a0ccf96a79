// Generation of fault schedules with RapidCheck generators, and greedy shrinking along
// RapidCheck's shrink trees (search.hpp).

#include "troupe/harness/search.hpp"

#include <rapidcheck.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

namespace troupe::harness {
namespace {

using sim::fault;
using sim::fault_kind;
using clock_type = std::chrono::steady_clock;

double since(clock_type::time_point start) {
  return std::chrono::duration<double>(clock_type::now() - start).count();
}

/// One generated fault with its end: a partition and its heal, a kill and its restart...
struct episode {
  fault_kind kind = fault_kind::partition;
  std::int64_t at_ms = 0;
  std::int64_t length_ms = 0;
  std::size_t pod = 0;
  std::vector<bool> side;  // partition: which servers are on the first side
};

struct generated_case {
  std::vector<episode> episodes;
  int clients = 1;
};

rc::Gen<episode> episode_gen(const scenario::fault_generator& g, std::size_t servers) {
  const std::int64_t window_ms = std::max<std::int64_t>(1, (g.window_end_ns - g.window_start_ns) / 1'000'000);
  return rc::gen::apply(
      [](fault_kind kind, std::int64_t at, std::int64_t length, std::size_t pod, std::vector<bool> side) {
        return episode{kind, at, length, pod, std::move(side)};
      },
      rc::gen::elementOf(g.kinds), rc::gen::inRange<std::int64_t>(0, window_ms),
      rc::gen::inRange<std::int64_t>(1, window_ms + 1), rc::gen::inRange<std::size_t>(0, servers),
      rc::gen::container<std::vector<bool>>(servers, rc::gen::arbitrary<bool>()));
}

rc::Gen<generated_case> case_gen(const scenario::scenario& base) {
  const auto& g = *base.generator;
  const std::size_t servers = base.server_pods().size();
  // RapidCheck shrinks a container by removing elements and by shrinking each element, so
  // a failing case loses faults first, then moves and shortens the ones it keeps.
  auto episodes = rc::gen::suchThat(
      rc::gen::resize(g.max_faults, rc::gen::container<std::vector<episode>>(episode_gen(g, servers))),
      [max = static_cast<std::size_t>(g.max_faults)](const std::vector<episode>& e) {
        return !e.empty() && e.size() <= max;
      });
  return rc::gen::apply(
      [](std::vector<episode> e, int clients) { return generated_case{std::move(e), clients}; },
      episodes, rc::gen::inRange(1, std::max(1, base.workload.clients) + 1));
}

/// The end of an episode: what undoes its fault.
std::optional<fault_kind> ending(fault_kind kind) {
  switch (kind) {
    case fault_kind::partition: return fault_kind::heal;
    case fault_kind::kill:
    case fault_kind::stop: return fault_kind::restart;
    case fault_kind::pause: return fault_kind::resume;
    default: return std::nullopt;
  }
}

scenario::scenario materialize(const scenario::scenario& base, const generated_case& c,
                               std::uint64_t seed) {
  scenario::scenario s = base;
  s.seed = seed;
  s.generator.reset();
  s.workload.clients = c.clients;
  const auto servers = base.server_pods();
  const std::int64_t start = base.generator->window_start_ns;
  const std::int64_t end = base.generator->window_end_ns;
  s.faults.clear();
  for (const auto& e : c.episodes) {
    fault f;
    f.at_ns = start + e.at_ms * 1'000'000;
    f.kind = e.kind;
    f.pod = servers[e.pod % servers.size()];
    if (e.kind == fault_kind::partition) {
      std::vector<std::string> a, b;
      for (std::size_t i = 0; i < servers.size(); ++i) (e.side[i] ? a : b).push_back(servers[i]);
      if (a.empty() || b.empty()) {  // a one-sided split isolates the chosen pod instead
        a = {f.pod};
        b.clear();
        for (const auto& p : servers)
          if (p != f.pod) b.push_back(p);
      }
      f.groups = {a, b};
      f.pod.clear();
    } else if (e.kind == fault_kind::skew) {
      f.offset_ns = (e.length_ms % 2000 - 1000) * 1'000'000;
      f.rate = 1.0 + static_cast<double>(e.length_ms % 5) * 0.25;
    } else if (e.kind == fault_kind::heal) {
      f.pod.clear();
    }
    s.faults.push_back(f);
    if (auto undo = ending(e.kind)) {
      fault u;
      u.kind = *undo;
      u.at_ns = std::min(end, f.at_ns + e.length_ms * 1'000'000);
      u.pod = e.kind == fault_kind::partition ? "" : f.pod;
      s.faults.push_back(u);
    }
  }
  std::stable_sort(s.faults.begin(), s.faults.end(),
                   [](const fault& a, const fault& b) { return a.at_ns < b.at_ns; });
  return s;
}

}  // namespace

case_size size_of(const scenario::scenario& s) {
  case_size size;
  size.faults = s.faults.size();
  size.clients = s.workload.clients;
  std::int64_t opened = -1;
  for (const auto& f : s.faults) {
    if (ending(f.kind) && opened < 0) opened = f.at_ns;
    if (!ending(f.kind) && opened >= 0 && f.kind != fault_kind::skew) {
      size.fault_time_ns += f.at_ns - opened;
      opened = -1;
    }
  }
  return size;
}

search_result search(const scenario::scenario& base, const search_options& options) {
  search_result out;
  const auto started = clock_type::now();
  std::optional<rc::Gen<generated_case>> generator;
  if (base.generator) generator = case_gen(base);
  const int size = 100;

  std::atomic<std::uint64_t> next{0}, runs{0}, failures{0};
  std::atomic<bool> stop{false};
  std::mutex mutex;
  std::optional<std::pair<std::uint64_t, run_report>> first;  // attempt index, report
  auto seed_of = [&](std::uint64_t attempt) {
    return options.first_seed + options.shard_index + attempt * options.shard_count;
  };
  auto make_case = [&](std::uint64_t seed) {
    if (!generator) {
      scenario::scenario s = base;
      s.seed = seed;
      return std::make_pair(s, std::optional<rc::Shrinkable<generated_case>>());
    }
    auto shrinkable = (*generator)(rc::Random(seed), size);
    return std::make_pair(materialize(base, shrinkable.value(), seed),
                          std::optional<rc::Shrinkable<generated_case>>(shrinkable));
  };
  auto worker = [&] {
    while (!stop.load()) {
      const std::uint64_t attempt = next.fetch_add(1);
      if (attempt >= options.runs ||
          (options.time_budget_s > 0 && since(started) > options.time_budget_s)) {
        stop.store(true);
        break;
      }
      auto [s, shrinkable] = make_case(seed_of(attempt));
      run_report report = run_scenario(s);
      runs.fetch_add(1);
      std::lock_guard lock(mutex);
      if (!report.passed()) {
        failures.fetch_add(1);
        // Keep the failure of the lowest attempt, so that the result does not depend on
        // thread timing.
        if (!first || attempt < first->first) first.emplace(attempt, std::move(report));
        stop.store(true);
      }
      if (options.on_progress) options.on_progress(runs.load(), failures.load(), since(started));
    }
  };
  std::vector<std::thread> threads;
  for (unsigned j = 1; j < std::max(1u, options.jobs); ++j) threads.emplace_back(worker);
  worker();
  for (auto& t : threads) t.join();
  out.runs = runs.load();
  out.seconds = since(started);
  if (!first) return out;

  out.found = true;
  out.seconds_to_failure = out.seconds;
  const std::uint64_t seed = seed_of(first->first);
  auto [original, shrinkable] = make_case(seed);
  out.original = original;
  out.original_report = first->second;
  out.shrunk = original;
  out.shrunk_report = first->second;
  out.size_before = size_of(original);

  // Greedy descent: take the first smaller case that still fails, until none does. With
  // several jobs the candidates are tried in batches, and the first failing one in shrink
  // order wins, so the result does not depend on thread timing.
  const auto shrink_started = clock_type::now();
  if (shrinkable) {
    rc::Shrinkable<generated_case> current = *shrinkable;
    const std::size_t batch = std::max(1u, options.jobs);
    bool progressed = true;
    while (progressed && out.shrink_runs < options.max_shrink_runs) {
      progressed = false;
      auto candidates = current.shrinks();
      bool exhausted = false;
      while (!exhausted && !progressed && out.shrink_runs < options.max_shrink_runs) {
        std::vector<rc::Shrinkable<generated_case>> tries;
        while (tries.size() < batch) {
          auto next_candidate = candidates.next();
          if (!next_candidate) {
            exhausted = true;
            break;
          }
          tries.push_back(*next_candidate);
        }
        std::vector<scenario::scenario> cases;
        for (const auto& t : tries) cases.push_back(materialize(base, t.value(), seed));
        std::vector<run_report> reports(cases.size());
        std::vector<std::thread> runners;
        for (std::size_t i = 1; i < cases.size(); ++i)
          runners.emplace_back([&, i] { reports[i] = run_scenario(cases[i]); });
        if (!cases.empty()) reports[0] = run_scenario(cases[0]);
        for (auto& r : runners) r.join();
        out.shrink_runs += cases.size();
        for (std::size_t i = 0; i < cases.size(); ++i) {
          if (reports[i].passed()) continue;
          current = tries[i];
          out.shrunk = cases[i];
          out.shrunk_report = reports[i];
          ++out.shrink_steps;
          if (options.on_shrink_step) options.on_shrink_step(out.shrink_runs, cases[i].faults.size());
          progressed = true;
          break;
        }
      }
    }
  }
  out.shrink_seconds = since(shrink_started);
  out.size_after = size_of(out.shrunk);
  return out;
}

}  // namespace troupe::harness
