// Goal: on small random kv histories, linearizable or not, the WGL checker agrees with a
// brute-force search over every order of the operations, and its failing window is itself a
// counterexample that no later start shortens.

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <functional>

#include "kv_history_generator.hpp"
#include "troupe/checkers/kv_register_model.hpp"
#include "troupe/checkers/linearizability.hpp"

namespace troupe::checkers {
namespace {

// True when some order of all ok operations and any subset of the info operations respects
// real time and the model, starting from `initial`. Exponential: for a handful of ops.
bool brute_force_linearizable(const std::vector<operation>& ops, const model_state& initial) {
  const kv_register_model kv;
  std::vector<bool> done(ops.size(), false);
  std::function<bool(const model_state&)> search = [&](const model_state& state) {
    bool all_ok_done = true;
    for (std::size_t index = 0; index < ops.size(); ++index) {
      all_ok_done &= done[index] || ops[index].result != outcome::ok;
    }
    if (all_ok_done) return true;
    for (std::size_t index = 0; index < ops.size(); ++index) {
      if (done[index]) continue;
      bool minimal = true;
      for (std::size_t other = 0; other < ops.size(); ++other) {
        minimal &= done[other] || !ops[other].precedes(ops[index]);
      }
      if (!minimal) continue;
      auto next = kv.step(state, ops[index]);
      if (!next) continue;
      done[index] = true;
      const bool found = search(*next);
      done[index] = false;
      if (found) return true;
    }
    return false;
  };
  return search(initial);
}

// The operations of a history the checkers search: no fail ops, no info reads.
std::vector<operation> searched(const history& operations) {
  std::vector<operation> out;
  for (const operation& op : operations) {
    if (op.result == outcome::fail) continue;
    if (op.result == outcome::info && op.f == "read") continue;
    out.push_back(op);
  }
  return out;
}

// Operations running at `start` (invoked before it) or at `cut` (completing after it)
// become pending: reads are dropped, other operations may or may not take effect.
std::vector<operation> as_checked(const std::vector<operation>& window, std::uint64_t start,
                                  std::uint64_t cut) {
  std::vector<operation> out;
  for (operation op : window) {
    if (op.complete_seq > cut || (op.invoke_seq < start && op.complete_seq != never_seq)) {
      if (op.f == "read") continue;
      op.result = outcome::info;
      op.complete_seq = never_seq;
    }
    out.push_back(op);
  }
  return out;
}

// A small single-key history from a sequential execution, then disturbed: some reads return
// another value, some cas outcomes are flipped. Many results are not linearizable.
history disturbed_history() {
  auto specs = *rc::gen::container<std::vector<generator::op_spec>>(
      *rc::gen::inRange<std::size_t>(1, 8),
      rc::gen::map(
          rc::gen::tuple(rc::gen::inRange(0, 3), rc::gen::inRange(0, 3), rc::gen::arbitrary<bool>(),
                         rc::gen::inRange(1, 4), rc::gen::inRange(1, 4), rc::gen::inRange(0, 6)),
          [](const auto& fields) {
            generator::op_spec spec;
            spec.client = std::get<0>(fields);
            spec.kind = static_cast<generator::op_kind>(std::get<1>(fields));
            spec.cas_expects_current = std::get<2>(fields);
            spec.effect_delay = std::get<3>(fields);
            spec.return_delay = std::get<4>(fields);
            spec.info = std::get<5>(fields) == 0;
            spec.info_takes_effect = std::get<5>(fields) == 1;
            return spec;
          }));
  history operations = generator::generate(specs, 3, 1);
  for (operation& op : operations) {
    const int disturb = *rc::gen::inRange(0, 4);
    if (disturb != 0) continue;
    if (op.f == "read" && op.result == outcome::ok) {
      const int value = *rc::gen::inRange(0, 5);
      op.output = value == 0 ? nlohmann::json() : nlohmann::json(value);
    }
    if (op.f == "cas" && op.result != outcome::info) {
      const bool was_ok = op.result == outcome::ok;
      op.result = was_ok ? outcome::fail : outcome::ok;
    }
  }
  return operations;
}

RC_GTEST_PROP(linearizability_oracle, agrees_with_brute_force_and_windows_are_minimal, ()) {
  const history operations = disturbed_history();
  const kv_register_model kv;
  const bool expected = brute_force_linearizable(searched(operations), kv.init());
  const auto report = check_linearizable(operations, kv);
  RC_ASSERT(report.ok());
  RC_ASSERT((report->status == check_status::holds) == expected);
  RC_ASSERT(report->status != check_status::unknown);
  RC_CLASSIFY(!expected, "not linearizable");
  if (expected) return;
  RC_ASSERT(report->window.has_value());
  const failing_window& window = *report->window;
  RC_LOG() << render(*report);
  RC_ASSERT(window.minimal);
  const auto checked = as_checked(window.operations, window.start_seq, window.at_seq);
  const model_state start = window.from_any_state ? *kv.any_state() : kv.init();
  RC_ASSERT(!brute_force_linearizable(checked, start));
  // The window holds every operation of the history running between its ends, except reads
  // (leaving out reads only weakens it) and unobservable info ops (the verdict's agreement
  // with the brute force above covers those).
  for (const operation& op : searched(operations)) {
    bool in_window = false;
    for (const operation& kept : window.operations) in_window |= kept.id == op.id;
    const bool between = op.invoke_seq <= window.at_seq && op.complete_seq > window.start_seq;
    if (between && op.f != "read" && op.result != outcome::info) RC_ASSERT(in_window);
    if (!between) RC_ASSERT(!in_window);
  }
  // Every completed read left in the window is needed for its failure.
  for (std::size_t index = 0; index < checked.size(); ++index) {
    if (checked[index].f != "read") continue;
    std::vector<operation> without = checked;
    without.erase(without.begin() + static_cast<std::ptrdiff_t>(index));
    RC_ASSERT(brute_force_linearizable(without, start));
  }
  // Minimal: the window from any later invoke has a linearization from any state.
  for (const operation& later : window.operations) {
    if (later.invoke_seq <= window.start_seq) continue;
    std::vector<operation> shorter;
    for (const operation& op : window.operations) {
      if (op.complete_seq > later.invoke_seq) shorter.push_back(op);
    }
    RC_ASSERT(brute_force_linearizable(as_checked(shorter, later.invoke_seq, window.at_seq),
                                       *kv.any_state()));
  }
  // And the history up to the event before `at_seq` still had a linearization.
  std::vector<operation> before;
  for (const operation& op : searched(operations)) {
    if (op.invoke_seq < window.at_seq) before.push_back(op);
  }
  RC_ASSERT(brute_force_linearizable(as_checked(before, 0, window.at_seq - 1), kv.init()));
}

}  // namespace
}  // namespace troupe::checkers
