#include "wgl_search.hpp"

#include <algorithm>
#include <cassert>
#include <unordered_set>

namespace troupe::checkers::detail {
namespace {

constexpr std::uint32_t none = 0xffffffffu;

std::uint64_t mix(std::uint64_t value) {
  // splitmix64's finalizer: a fixed, well-spread 64-bit hash.
  value += 0x9e3779b97f4a7c15ull;
  value = (value ^ (value >> 30)) * 0xbf58476d1ce4e5b9ull;
  value = (value ^ (value >> 27)) * 0x94d049bb133111ebull;
  return value ^ (value >> 31);
}

std::uint64_t hash_bytes(const model_state& state, std::uint64_t seed) {
  std::uint64_t hash = seed;
  for (unsigned char byte : state) {
    hash = (hash ^ byte) * 0x100000001b3ull;  // FNV-1a steps, finished by `mix`.
  }
  return mix(hash ^ state.size());
}

// A configuration of the search (the set of linearized operations and the state they led
// to) is remembered by a 128-bit fingerprint rather than in full, so a memo entry costs
// the same for ten operations as for ten thousand. Each operation contributes a random
// 128-bit value to its set by XOR (Zobrist hashing), which is updated in O(1) per step.
// Two different configurations share a fingerprint with probability about 2^-128 per
// pair, i.e. below 10^-20 over 10^9 steps; only such a collision could make the search
// wrongly skip a configuration.
struct fingerprint {
  std::uint64_t high = 0;
  std::uint64_t low = 0;
  bool operator==(const fingerprint& other) const { return high == other.high && low == other.low; }
};
struct fingerprint_hash {
  std::size_t operator()(const fingerprint& value) const { return value.low; }
};

fingerprint operation_key(std::uint32_t op) {
  return {mix(std::uint64_t{op} ^ 0x243f6a8885a308d3ull),
          mix(mix(std::uint64_t{op}) ^ 0x13198a2e03707344ull)};
}

fingerprint configuration_key(const fingerprint& set, const model_state& state) {
  return {mix(set.high ^ hash_bytes(state, 0xcbf29ce484222325ull)),
          mix(set.low ^ hash_bytes(state, 0xa4093822299f31d0ull))};
}

// The history as a doubly linked list of call and return entries in trace order. Entry 2i
// is operation i's call, 2i+1 its return; entry `head` is the list's sentinel. Linearizing
// an operation unlinks both its entries; backtracking links them again (dancing links).
class entry_list {
 public:
  explicit entry_list(const std::vector<operation>& operations) {
    const auto count = static_cast<std::uint32_t>(operations.size() * 2);
    head_ = count;
    next_.assign(count + 1, none);
    prev_.assign(count + 1, none);
    std::vector<std::uint32_t> order(count);
    for (std::uint32_t entry = 0; entry < count; ++entry) {
      order[entry] = entry;
    }
    auto seq_of = [&](std::uint32_t entry) {
      const operation& op = operations[entry / 2];
      return entry % 2 == 0 ? op.invoke_seq : op.complete_seq;
    };
    std::stable_sort(order.begin(), order.end(),
                     [&](std::uint32_t a, std::uint32_t b) { return seq_of(a) < seq_of(b); });
    std::uint32_t last = head_;
    for (std::uint32_t entry : order) {
      next_[last] = entry;
      prev_[entry] = last;
      last = entry;
    }
  }

  [[nodiscard]] std::uint32_t first() const { return next_[head_]; }
  [[nodiscard]] std::uint32_t next(std::uint32_t entry) const { return next_[entry]; }

  void lift(std::uint32_t op) {
    unlink(2 * op);
    unlink(2 * op + 1);
  }
  void unlift(std::uint32_t op) {
    relink(2 * op + 1);
    relink(2 * op);
  }

 private:
  void unlink(std::uint32_t entry) {
    next_[prev_[entry]] = next_[entry];
    if (next_[entry] != none) prev_[next_[entry]] = prev_[entry];
  }
  void relink(std::uint32_t entry) {
    next_[prev_[entry]] = entry;
    if (next_[entry] != none) prev_[next_[entry]] = entry;
  }

  std::uint32_t head_ = 0;
  std::vector<std::uint32_t> next_;
  std::vector<std::uint32_t> prev_;
};

class searcher {
 public:
  searcher(const std::vector<operation>& operations, const model& object, search_budget& budget)
      : operations_(operations), object_(object), budget_(budget), entries_(operations) {
    for (const operation& op : operations) {
      must_ += op.complete_seq != never_seq ? 1 : 0;
    }
  }

  search_outcome run(const model_state& initial, std::uint64_t& steps) {
    state_ = initial;
    std::uint32_t cursor = entries_.first();
    while (must_ > 0) {
      // While operations must still be linearized, their return entries are in the list,
      // so the cursor meets one before the list ends.
      assert(cursor != none);
      if (cursor % 2 == 0) {
        if (!spend_step()) {
          steps = steps_;
          return search_outcome::budget_exceeded;
        }
        const attempt tried = try_linearize(cursor / 2);
        if (tried == attempt::linearized) {
          cursor = entries_.first();
          continue;
        }
        if (tried == attempt::impossible) {
          cursor = entries_.next(cursor);
          continue;
        }
      }
      // A return entry (no candidate is left), or a dead end: undo the last choice.
      cursor = backtrack();
      if (cursor == none) {
        steps = steps_;
        return search_outcome::not_linearizable;
      }
    }
    steps = steps_;
    return search_outcome::linearizable;
  }

  bool spend_step() {
    if (budget_.steps_left == 0) return false;
    budget_.steps_left -= 1;
    steps_ += 1;
    if (budget_.deadline && steps_ % 4096 == 0 &&
        std::chrono::steady_clock::now() > *budget_.deadline) {
      budget_.steps_left = 0;
      return false;
    }
    return true;
  }

  enum class attempt {
    linearized,  // applied; the search goes on from the list's start
    impossible,  // cannot take effect now, or leads to an explored configuration
    dead_end,    // the current configuration itself cannot be completed
  };

  // Applies operation `op` if it can take effect now and the resulting configuration was
  // not explored before.
  //
  // An operation that can take effect now and leaves the state unchanged (a read of the
  // current value) is "forced": it is minimal (nothing left must precede it), so any
  // completion of the current configuration can be reordered to apply it first. The
  // search therefore never tries alternatives to it, and if the configuration after it
  // was already explored (and failed), so has the current one.
  attempt try_linearize(std::uint32_t op) {
    auto next_state = object_.step(state_, operations_[op]);
    if (!next_state) return attempt::impossible;
    const bool forced = *next_state == state_;
    const fingerprint key = operation_key(op);
    const fingerprint next_set{set_.high ^ key.high, set_.low ^ key.low};
    if (!memo_.insert(configuration_key(next_set, *next_state)).second) {
      return forced ? attempt::dead_end : attempt::impossible;
    }
    stack_.push_back(frame{op, forced, std::move(state_)});
    state_ = std::move(*next_state);
    set_ = next_set;
    entries_.lift(op);
    must_ -= operations_[op].complete_seq != never_seq ? 1 : 0;
    return attempt::linearized;
  }

  // Undoes linearized operations up to and including the last unforced one; returns the
  // entry after that one's call, where the search goes on, or `none` when every choice is
  // exhausted.
  std::uint32_t backtrack() {
    while (!stack_.empty()) {
      frame top = std::move(stack_.back());
      stack_.pop_back();
      const fingerprint key = operation_key(top.op);
      set_.high ^= key.high;
      set_.low ^= key.low;
      state_ = std::move(top.state);
      entries_.unlift(top.op);
      must_ += operations_[top.op].complete_seq != never_seq ? 1 : 0;
      if (!top.forced) return entries_.next(2 * top.op);
    }
    return none;
  }

  struct frame {
    std::uint32_t op;
    bool forced;
    model_state state;  // the state before `op` was applied.
  };

  const std::vector<operation>& operations_;
  const model& object_;
  search_budget& budget_;
  entry_list entries_;
  fingerprint set_;    // of the linearized operations
  model_state state_;  // after the linearized operations
  std::vector<frame> stack_;
  std::unordered_set<fingerprint, fingerprint_hash> memo_;
  std::size_t must_ = 0;
  std::uint64_t steps_ = 0;
};

}  // namespace

search_outcome search_linearization(const std::vector<operation>& operations, const model& object,
                                    const model_state& initial, search_budget& budget,
                                    std::uint64_t& steps) {
  searcher search(operations, object, budget);
  return search.run(initial, steps);
}

}  // namespace troupe::checkers::detail
