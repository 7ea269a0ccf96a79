#pragma once
/// The simulation's pending events (timer fires, network deliveries, scheduled actions),
/// taken in (time, sequence) order: earliest time first, then the order they were pushed.

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "troupe/runtime/assert.hpp"

namespace troupe::sim {

/// What a pending event does; the simulation reads an event's `id` according to it.
enum class event_kind : std::uint8_t { timer, delivery, action };

/// One pending event. 24 bytes: the kind shares a word with the sequence.
struct sim_event {
  std::int64_t time;
  std::uint64_t order;  ///< sequence * 4 + kind; sequences are unique, increasing in push order
  std::uint64_t id;     ///< timer id, in-flight slot, or action index

  event_kind what() const { return static_cast<event_kind>(order & 3U); }
  /// The run order: by time, then by sequence (comparing sequence * 4 + kind orders as the
  /// sequence alone, since sequences are unique).
  friend bool operator<(const sim_event& a, const sim_event& b) {
    return a.time != b.time ? a.time < b.time : a.order < b.order;
  }
};

/// A min-heap of events with four children per node (half the depth of a binary heap);
/// event_queue keeps the events due beyond its ring in one.
class event_heap {
 public:
  bool empty() const { return heap_.empty(); }
  std::size_t size() const { return heap_.size(); }
  const sim_event& top() const { return heap_.front(); }

  void push(const sim_event& added) {
    std::size_t hole = heap_.size();
    heap_.push_back(added);
    while (hole > 0) {
      const std::size_t parent = (hole - 1) / arity;
      if (!(added < heap_[parent])) break;
      heap_[hole] = heap_[parent];
      hole = parent;
    }
    heap_[hole] = added;
  }

  sim_event pop() {
    const sim_event earliest = heap_.front();
    const sim_event last = heap_.back();
    heap_.pop_back();
    const std::size_t count = heap_.size();
    if (count == 0) return earliest;
    // Sift the last event down from the root: move the earliest child up until `last` fits.
    std::size_t hole = 0;
    for (;;) {
      const std::size_t first_child = hole * arity + 1;
      if (first_child >= count) break;
      const std::size_t end = first_child + arity < count ? first_child + arity : count;
      std::size_t best = first_child;
      for (std::size_t child = first_child + 1; child < end; ++child)
        if (heap_[child] < heap_[best]) best = child;
      if (!(heap_[best] < last)) break;
      heap_[hole] = heap_[best];
      hole = best;
    }
    heap_[hole] = last;
    return earliest;
  }

 private:
  static constexpr std::size_t arity = 4;
  std::vector<sim_event> heap_;
};

/// A calendar queue: events due within `horizon_ns` of the last one taken sit in a ring of
/// buckets of `bucket_ns` each, every bucket sorted; later events wait in a heap.
///
/// Why: a busy run keeps thousands of network deliveries pending, all due within a few
/// hundred microseconds (the link latency). In a heap every push and pop climbs its ~12
/// levels with a cache miss and a mispredicted branch at each; here a push goes to the
/// bucket of its time (a handful of events, sorted by insertion) and a pop takes the end of
/// the first non-empty bucket, found with a bitmap. Timers and scheduled faults, due
/// seconds or minutes ahead, go to the heap; every pop compares the two candidates, so
/// the order is exactly (time, sequence) whichever container holds an event.
/// Single-threaded (the simulation's thread).
class event_queue {
 public:
  static constexpr int bucket_shift = 10;  ///< buckets of 1,024 ns
  static constexpr std::size_t bucket_count = 1024;
  static constexpr std::int64_t horizon_ns = std::int64_t{bucket_count} << bucket_shift;

  bool empty() const { return bucketed_ == 0 && later_.empty(); }
  std::size_t size() const { return bucketed_ + later_.size(); }

  /// Adds an event; its sequence is the next of this queue. `time` must not be earlier
  /// than the last event taken (virtual time never goes back).
  void push(std::int64_t time, event_kind what, std::uint64_t id) {
    TROUPE_ASSERT(time >= 0 && next_sequence_ < (std::uint64_t{1} << 62));
    const sim_event added{time, (next_sequence_++ << 2U) | static_cast<std::uint64_t>(what), id};
    const std::uint64_t slot = slot_of(time);
    TROUPE_ASSERT(slot >= base_slot_);
    if (slot - base_slot_ >= bucket_count) {
      later_.push(added);
      return;
    }
    const std::size_t index = slot & (bucket_count - 1);
    // A bucket is sorted latest first, so that its earliest event is at the back. Pushes
    // mostly come in increasing sequence, so the place is usually found near the back.
    std::vector<sim_event>& bucket = buckets_[index];
    bucket.push_back(added);
    std::size_t at = bucket.size() - 1;
    while (at > 0 && bucket[at - 1] < added) {
      bucket[at] = bucket[at - 1];
      --at;
    }
    bucket[at] = added;
    occupied_[index / 64] |= std::uint64_t{1} << (index % 64);
    ++bucketed_;
  }

  /// Takes the earliest event into `next` if there is one due at or before `limit_ns`.
  bool pop_until(std::int64_t limit_ns, sim_event& next) {
    std::vector<sim_event>* bucket = bucketed_ > 0 ? &buckets_[first_occupied()] : nullptr;
    const bool from_later =
        !later_.empty() && (bucket == nullptr || later_.top() < bucket->back());
    if (from_later) {
      if (later_.top().time > limit_ns) return false;
      next = later_.pop();
    } else {
      if (bucket == nullptr || bucket->back().time > limit_ns) return false;
      next = bucket->back();
      bucket->pop_back();
      --bucketed_;
      if (bucket->empty()) {
        const std::size_t index = slot_of(next.time) & (bucket_count - 1);
        occupied_[index / 64] &= ~(std::uint64_t{1} << (index % 64));
      }
    }
    // Every pending event is due at or after `next`, so the ring may start at its bucket.
    base_slot_ = slot_of(next.time);
    return true;
  }

 private:
  static std::uint64_t slot_of(std::int64_t time) {
    return static_cast<std::uint64_t>(time) >> bucket_shift;
  }

  /// The index of the first non-empty bucket at or after the base, going round the ring
  /// once: bucketed events lie within one ring of the base, so ring order is time order.
  /// Precondition: bucketed_ > 0.
  std::size_t first_occupied() const {
    const std::size_t start = base_slot_ & (bucket_count - 1);
    constexpr std::size_t words = bucket_count / 64;
    std::size_t word = start / 64;
    std::uint64_t bits = occupied_[word] & (~std::uint64_t{0} << (start % 64));
    for (std::size_t step = 0; step <= words; ++step) {
      if (bits != 0) return word * 64 + static_cast<std::size_t>(std::countr_zero(bits));
      word = (word + 1) % words;
      bits = occupied_[word];
    }
    TROUPE_ASSERT_MSG(false, "event_queue: bucket count and bitmap disagree");
    return 0;
  }

  std::array<std::vector<sim_event>, bucket_count> buckets_;
  std::array<std::uint64_t, bucket_count / 64> occupied_{};
  std::size_t bucketed_ = 0;
  std::uint64_t base_slot_ = 0;  ///< slot (time / bucket_ns) of the last event taken
  event_heap later_;  ///< events due beyond the ring when pushed
  std::uint64_t next_sequence_ = 0;
};

}  // namespace troupe::sim
