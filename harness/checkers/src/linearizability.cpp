#include "troupe/checkers/linearizability.hpp"

#include <algorithm>
#include <map>

#include "wgl_search.hpp"

namespace troupe::checkers {
namespace {

using detail::search_budget;
using detail::search_outcome;

// The operations of one key the search needs: fail operations did not take effect and
// info reads constrain nothing, so both are left out.
std::map<std::string, std::vector<operation>> partition_by_key(const history& operations,
                                                               const model& object) {
  std::map<std::string, std::vector<operation>> keys;
  for (const operation& op : operations) {
    auto& ops = keys[op.key];  // Creates the key even when all its ops are left out.
    if (op.result == outcome::fail) continue;
    if (op.result == outcome::info && object.is_read_only(op)) continue;
    ops.push_back(op);
  }
  for (auto& [key, ops] : keys) {
    std::stable_sort(ops.begin(), ops.end(), [](const operation& a, const operation& b) {
      return a.invoke_seq < b.invoke_seq;
    });
    // Info operations nothing can observe only multiply the configurations to explore.
    const std::vector<bool> leave_out = object.unobservable(ops);
    std::vector<operation> kept;
    for (std::size_t index = 0; index < ops.size(); ++index) {
      if (!leave_out[index]) kept.push_back(std::move(ops[index]));
    }
    ops = std::move(kept);
  }
  return keys;
}

// The history as it stood just after event `cut`: operations invoked later are gone, and
// operations still running at `cut` are pending (they may or may not have taken effect).
std::vector<operation> prefix_at(const std::vector<operation>& ops, std::uint64_t cut,
                                 const model& object) {
  std::vector<operation> prefix;
  for (const operation& op : ops) {
    if (op.invoke_seq > cut) break;
    if (op.complete_seq <= cut) {
      prefix.push_back(op);
      continue;
    }
    if (object.is_read_only(op)) continue;
    operation pending = op;
    pending.result = outcome::info;
    pending.output = nullptr;
    pending.complete_seq = never_seq;
    prefix.push_back(std::move(pending));
  }
  return prefix;
}

// The window of `prefix` that starts at event `start`, as the search checks it: operations
// that completed before `start` are left out; those still running at `start` become
// pending like the operations running at the cut (reads are dropped, others may or may not
// take effect). This only weakens the prefix, so if the window has no linearization from any
// state, the prefix has none either: in a linearization of the prefix, every operation placed
// before the last left-out one was running at `start` (any operation invoked later must
// follow it), so the window starts from the state there and leaves those out.
std::vector<operation> window_from(const std::vector<operation>& prefix, std::uint64_t start,
                                   const model& object) {
  std::vector<operation> window;
  for (const operation& op : prefix) {
    if (op.complete_seq < start) continue;
    if (op.invoke_seq >= start || op.complete_seq == never_seq) {
      window.push_back(op);
      continue;
    }
    if (object.is_read_only(op)) continue;
    operation pending = op;
    pending.result = outcome::info;
    pending.output = nullptr;
    pending.complete_seq = never_seq;
    window.push_back(std::move(pending));
  }
  return window;
}

bool fails(const std::vector<operation>& ops, const model& object, const model_state& initial,
           search_budget& budget, std::uint64_t& steps) {
  std::uint64_t spent = 0;
  const auto outcome = detail::search_linearization(ops, object, initial, budget, spent);
  steps += spent;
  return outcome == search_outcome::not_linearizable;
}

// Leaves out the window's completed reads one by one while it still fails: leaving out a
// read only weakens a history, so what remains is still a counterexample, and every read
// that remains is needed for the failure.
void drop_unneeded_reads(std::vector<operation>& window_ops, const model& object,
                         const failing_window& window, search_budget& budget,
                         std::uint64_t& steps) {
  const model_state start = window.from_any_state ? *object.any_state() : object.init();
  for (std::size_t index = 0; index < window_ops.size();) {
    const operation& op = window_ops[index];
    if (op.complete_seq == never_seq || !object.is_read_only(op) || budget.steps_left == 0) {
      ++index;
      continue;
    }
    std::vector<operation> without = window_ops;
    without.erase(without.begin() + static_cast<std::ptrdiff_t>(index));
    if (fails(without, object, start, budget, steps)) {
      window_ops = std::move(without);
    } else {
      ++index;
    }
  }
}

// Shrinks a key's failing history to its smallest failing window: first the earliest
// completion event after which the history is not linearizable (linearizability is
// prefix-closed, so a binary search finds it), then the latest invoke event from which the
// operations up to that event fail from any state.
failing_window find_window(const std::string& key, const std::vector<operation>& ops,
                           const model& object, search_budget& budget, std::uint64_t& steps) {
  std::vector<std::uint64_t> cuts;
  for (const operation& op : ops) {
    if (op.complete_seq != never_seq) cuts.push_back(op.complete_seq);
  }
  std::sort(cuts.begin(), cuts.end());
  failing_window window;
  window.key = key;
  window.minimal = true;
  // Invariant: the prefix at cuts[high] fails (the whole history does).
  std::size_t low = 0;
  std::size_t high = cuts.size() - 1;
  while (low < high) {
    const std::size_t middle = low + (high - low) / 2;
    if (fails(prefix_at(ops, cuts[middle], object), object, object.init(), budget, steps)) {
      high = middle;
    } else {
      if (budget.steps_left == 0) window.minimal = false;
      low = middle + 1;
    }
  }
  window.at_seq = cuts[high];
  const std::vector<operation> prefix = prefix_at(ops, window.at_seq, object);
  std::vector<operation> chosen = prefix;
  window.start_seq = prefix.front().invoke_seq;
  if (auto any = object.any_state()) {
    // Candidate starts: the invoke events of the prefix, latest first (the prefix is in
    // invoke order). The first is left out: from there the window is the whole prefix.
    for (std::size_t candidate = prefix.size() - 1; candidate > 0; --candidate) {
      const std::uint64_t start = prefix[candidate].invoke_seq;
      std::vector<operation> window_ops = window_from(prefix, start, object);
      if (fails(window_ops, object, *any, budget, steps)) {
        chosen = std::move(window_ops);
        window.from_any_state = true;
        window.start_seq = start;
        break;
      }
      if (budget.steps_left == 0) {
        window.minimal = false;
        break;
      }
    }
  }
  drop_unneeded_reads(chosen, object, window, budget, steps);
  // The window shows the operations as they are in the trace (not as pending copies).
  for (const operation& checked : chosen) {
    auto original = std::find_if(ops.begin(), ops.end(),
                                 [&](const operation& op) { return op.id == checked.id; });
    window.operations.push_back(*original);
  }
  return window;
}

std::optional<error> validate_all(const history& operations, const model& object) {
  for (const operation& op : operations) {
    if (op.result == outcome::fail) continue;
    if (auto problem = object.validate(op)) {
      return error{0, "op " + std::to_string(op.id) + " (invoked at seq " +
                          std::to_string(op.invoke_seq) + "): " + *problem};
    }
  }
  return std::nullopt;
}

}  // namespace

const char* to_string(check_status status) {
  switch (status) {
    case check_status::holds:
      return "holds";
    case check_status::violated:
      return "violated";
    case check_status::unknown:
      return "unknown";
  }
  return "?";
}

result<linearizability_report> check_linearizable(const history& operations, const model& object,
                                                  const linearizability_options& options) {
  if (auto problem = validate_all(operations, object)) {
    return *problem;
  }
  std::optional<std::chrono::steady_clock::time_point> deadline;
  if (options.time_budget.count() > 0) {
    deadline = std::chrono::steady_clock::now() + options.time_budget;
  }
  linearizability_report report;
  const std::vector<operation>* violated_ops = nullptr;
  const auto keys = partition_by_key(operations, object);
  for (const auto& [key, ops] : keys) {
    search_budget budget{options.step_budget_per_key, deadline};
    key_result outcome{key, check_status::holds, ops.size(), 0};
    const auto found =
        detail::search_linearization(ops, object, object.init(), budget, outcome.steps);
    if (found == search_outcome::not_linearizable) outcome.status = check_status::violated;
    if (found == search_outcome::budget_exceeded) outcome.status = check_status::unknown;
    report.steps += outcome.steps;
    if (outcome.status == check_status::violated && violated_ops == nullptr) {
      violated_ops = &ops;
    }
    report.keys.push_back(std::move(outcome));
  }
  for (const key_result& outcome : report.keys) {
    if (outcome.status == check_status::unknown) report.status = check_status::unknown;
  }
  if (violated_ops != nullptr) {
    // A counterexample on one key decides the history, whatever other keys concluded.
    report.status = check_status::violated;
    const std::string& key = violated_ops->front().key;
    if (options.find_window) {
      search_budget budget{options.window_step_budget, deadline};
      report.window = find_window(key, *violated_ops, object, budget, report.steps);
    } else {
      std::uint64_t last_completion = 0;
      for (const operation& op : *violated_ops) {
        if (op.complete_seq != never_seq)
          last_completion = std::max(last_completion, op.complete_seq);
      }
      report.window = failing_window{
          key, *violated_ops, violated_ops->front().invoke_seq, last_completion, false, false};
    }
  }
  return report;
}

std::string render(const linearizability_report& report) {
  std::string text = std::string("linearizable: ") + to_string(report.status) + " (" +
                     std::to_string(report.keys.size()) +
                     (report.keys.size() == 1 ? " key, " : " keys, ") +
                     std::to_string(report.steps) + " steps)\n";
  for (const key_result& key : report.keys) {
    text += "  key " + key.key + ": " + to_string(key.status) + ", " +
            std::to_string(key.operations) + " ops, " + std::to_string(key.steps) + " steps\n";
  }
  if (report.window) {
    const failing_window& window = *report.window;
    text += "smallest non-linearizable window of key " + window.key + " (" +
            std::to_string(window.operations.size()) + " ops from seq " +
            std::to_string(window.start_seq) + " to seq " + std::to_string(window.at_seq) +
            ", from " + (window.from_any_state ? "any state" : "the initial state") +
            (window.minimal ? "" : ", window search budget ran out") +
            "; ops running at either end were checked as pending):\n";
    for (const operation& op : window.operations) {
      text += "  " + describe(op) + "\n";
    }
  }
  return text;
}

verdict to_verdict(const linearizability_report& report) {
  verdict out{"linearizable", report.status == check_status::holds, "", std::nullopt};
  if (report.status == check_status::unknown) {
    out.message = "unknown: the search budget ran out on key";
    for (const key_result& key : report.keys) {
      if (key.status == check_status::unknown) out.message += " " + key.key;
    }
  }
  if (report.window) {
    const failing_window& window = *report.window;
    out.at_seq = window.at_seq;
    out.message = "key " + window.key + ": no linearization of ops";
    for (const operation& op : window.operations) {
      out.message += " " + std::to_string(op.id);
    }
  }
  return out;
}

}  // namespace troupe::checkers
