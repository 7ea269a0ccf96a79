#pragma once
/// The reference-counted base of everything a message can be sent to, and its smart pointer.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "troupe/runtime/message.hpp"
#include "troupe/runtime/trace.hpp"

namespace troupe::detail {

struct system_message;

/// What happened to an envelope handed to `cell::enqueue`.
enum class enqueue_status : std::uint8_t {
  accepted,  ///< queued for the receiver
  dropped,   ///< not delivered: dead letter, full mailbox or unreachable node (traced)
};

/// Anything with an address that accepts messages: a local actor, a remote actor's proxy,
/// or the temporary receiver of an ask. Reference counted; deleted with its last reference.
class cell {
 public:
  cell() = default;
  cell(const cell&) = delete;
  cell& operator=(const cell&) = delete;

  void add_ref() noexcept { references_.fetch_add(1, std::memory_order_relaxed); }
  void release() noexcept {
    if (references_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }

  /// Takes ownership of `message` whatever the outcome. Any thread.
  virtual enqueue_status enqueue(envelope* message) = 0;
  /// Takes ownership of `message`. Any thread.
  virtual void enqueue_system(system_message* message) = 0;
  /// The actor's path within its node, e.g. "/user/store".
  virtual std::string path() const = 0;
  /// The name of the node (pod) the actor lives on.
  virtual std::string_view node() const = 0;
  /// True when a message of `type` can be delivered to this actor.
  virtual bool accepts(const message_type& type) const = 0;
  /// True for cells that are proxies of actors on another node.
  virtual bool is_remote() const { return false; }
  /// The trace sink of the system this cell belongs to, or nullptr when not tracing.
  virtual trace_sink* sink() const { return nullptr; }
  /// Told when a message this cell sent was dropped. `rejected`: the receiver's bounded
  /// mailbox rejected it (overflow_policy::reject). Any thread.
  virtual void message_dropped(const envelope& message, drop_reason reason, bool rejected) {}
  /// Decodes a message that arrived from another node for this cell: nullptr when this cell
  /// does not accept `type_name` or the payload is malformed.
  virtual envelope* decode_message(std::string_view type_name,
                                   std::span<const std::byte> payload) {
    return nullptr;
  }
  /// True once the cell can never receive again (a stopped actor, a completed ask).
  virtual bool expired() const { return false; }
  /// Asks the cell to keep its path from now on, so that `path()` stops rebuilding it (a
  /// local actor that other nodes address sends its path with every remote message). Any
  /// thread; the default does nothing.
  virtual void keep_path() {}

  /// True when the export table numbered `table` (remote.hpp; numbers are never reused)
  /// has made this cell addressable from other nodes. Any thread.
  bool exported_by(std::uint32_t table) const {
    return exported_by_.load(std::memory_order_acquire) == table;
  }
  /// Records that table `table` exports this cell; called by the table under its lock, once
  /// the cell is in it. A live cell stays in the table, so the mark never goes stale.
  void mark_exported(std::uint32_t table) {
    exported_by_.store(table, std::memory_order_release);
  }

 protected:
  virtual ~cell() = default;

 private:
  std::atomic<std::uint32_t> references_{1};
  // A table number, not a pointer: it fits beside the count, so no cell grows for it.
  std::atomic<std::uint32_t> exported_by_{0};
};

inline void release_cell(cell* c) { c->release(); }

/// An owning pointer to a cell (an intrusive reference count).
template <class T = cell>
class cell_ptr {
 public:
  cell_ptr() = default;
  /// Adopts one existing reference.
  static cell_ptr adopt(T* raw) {
    cell_ptr p;
    p.raw_ = raw;
    return p;
  }
  /// Takes a new reference.
  explicit cell_ptr(T* raw) : raw_(raw) {
    if (raw_ != nullptr) raw_->add_ref();
  }
  cell_ptr(const cell_ptr& other) : cell_ptr(other.raw_) {}
  cell_ptr(cell_ptr&& other) noexcept : raw_(std::exchange(other.raw_, nullptr)) {}
  template <class U>
  cell_ptr(const cell_ptr<U>& other) : cell_ptr(static_cast<T*>(other.get())) {}
  cell_ptr& operator=(cell_ptr other) noexcept {
    std::swap(raw_, other.raw_);
    return *this;
  }
  ~cell_ptr() {
    if (raw_ != nullptr) raw_->release();
  }

  T* get() const { return raw_; }
  T* operator->() const { return raw_; }
  T& operator*() const { return *raw_; }
  explicit operator bool() const { return raw_ != nullptr; }
  /// Gives up ownership of the reference without releasing it.
  T* detach() { return std::exchange(raw_, nullptr); }
  friend bool operator==(const cell_ptr& a, const cell_ptr& b) { return a.raw_ == b.raw_; }
  friend bool operator==(const cell_ptr& a, std::nullptr_t) { return a.raw_ == nullptr; }

 private:
  T* raw_ = nullptr;
};

}  // namespace troupe::detail
