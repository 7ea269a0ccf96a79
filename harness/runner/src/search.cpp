// The search for a failing case over generated fault schedules (fault_generation.hpp), and
// greedy shrinking along RapidCheck's shrink trees (search.hpp).

#include "troupe/harness/search.hpp"

#include <rapidcheck.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "troupe/harness/fault_generation.hpp"

namespace troupe::harness {
namespace {

using sim::fault_kind;
using clock_type = std::chrono::steady_clock;

double since(clock_type::time_point start) {
  return std::chrono::duration<double>(clock_type::now() - start).count();
}

}  // namespace

case_size size_of(const scenario::scenario& s) {
  case_size size;
  size.faults = s.faults.size();
  size.clients = s.workload.clients;
  std::int64_t opened = -1;
  // The faults that end an episode; a scale, skew or network change ends nothing.
  auto closes = [](fault_kind kind) {
    return kind == fault_kind::heal || kind == fault_kind::restart || kind == fault_kind::resume;
  };
  for (const auto& f : s.faults) {
    if (episode_end(f.kind) && opened < 0) opened = f.at_ns;
    if (closes(f.kind) && opened >= 0) {
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
  const std::function<run_report(const scenario::scenario&)> run =
      options.run ? options.run : [](const scenario::scenario& s) { return run_scenario(s); };

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
      run_report report = run(s);
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
          runners.emplace_back([&, i] { reports[i] = run(cases[i]); });
        if (!cases.empty()) reports[0] = run(cases[0]);
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
