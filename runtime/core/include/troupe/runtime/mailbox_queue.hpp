#pragma once
/// An intrusive, unbounded, lock-free multi-producer single-consumer FIFO queue
/// (Dmitry Vyukov's design): push is one atomic exchange, pop needs no atomic RMW.

#include <atomic>

namespace troupe::detail {

/// A queue element. Message envelopes and system messages derive from it.
struct queue_node {
  std::atomic<queue_node*> next{nullptr};
};

/// Multi-producer single-consumer FIFO of `queue_node`s; the queue does not own them.
class mpsc_queue {
 public:
  mpsc_queue() : head_(&stub_), tail_(&stub_) {}
  mpsc_queue(const mpsc_queue&) = delete;
  mpsc_queue& operator=(const mpsc_queue&) = delete;

  /// Appends a node. Any thread.
  void push(queue_node* node) {
    node->next.store(nullptr, std::memory_order_relaxed);
    // seq_cst: a producer's push and its read of the receiver's scheduled flag pair with
    // the consumer's clear of that flag and its read of last_pushed() (a Dekker handshake).
    queue_node* previous = head_.exchange(node, std::memory_order_seq_cst);
    previous->next.store(node, std::memory_order_release);
  }

  /// Removes the oldest node, or returns nullptr when the queue is empty or a push is
  /// half done (the caller retries later). Consumer thread only.
  queue_node* pop() {
    queue_node* tail = tail_;
    queue_node* next = tail->next.load(std::memory_order_acquire);
    if (tail == &stub_) {
      if (next == nullptr) return nullptr;
      tail_ = next;
      tail = next;
      next = next->next.load(std::memory_order_acquire);
    }
    if (next != nullptr) {
      tail_ = next;
      return tail;
    }
    if (tail != head_.load(std::memory_order_acquire)) return nullptr;  // push in progress
    push(&stub_);
    next = tail->next.load(std::memory_order_acquire);
    if (next != nullptr) {
      tail_ = next;
      return tail;
    }
    return nullptr;
  }

  /// The most recently pushed node (the queue's own stub node when nothing was pushed since
  /// the consumer emptied it). Any push changes it. Any thread.
  const queue_node* last_pushed() const { return head_.load(std::memory_order_seq_cst); }

  /// True when nothing is queued and no push is in progress. Consumer thread only.
  bool empty() const {
    return tail_ == &stub_ && stub_.next.load(std::memory_order_acquire) == nullptr &&
           head_.load(std::memory_order_acquire) == &stub_;
  }

 private:
  std::atomic<queue_node*> head_;  // producers push here
  queue_node* tail_;               // the consumer pops here
  queue_node stub_;
};

}  // namespace troupe::detail
