#pragma once
/// Ask: send a request and receive one reply, or an error when none comes in time.

#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <type_traits>
#include <variant>

#include "troupe/runtime/cell_ptr.hpp"
#include "troupe/runtime/platform.hpp"
#include "troupe/runtime/result.hpp"

namespace troupe {
namespace detail {

/// Moves the value out of `message` as a `Msg` when its type is `Msg` or an alternative of
/// the variant `Msg`; returns nothing otherwise.
template <class Msg>
std::optional<Msg> take_as(envelope& message) {
  if (&message.type() == &message_type_of<Msg>())
    return std::optional<Msg>(std::move(*static_cast<Msg*>(message.payload())));
  if constexpr (requires { std::variant_size<Msg>::value; }) {
    std::optional<Msg> out;
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      (void)((&message.type() == &message_type_of<std::variant_alternative_t<I, Msg>>()
                  ? (out.emplace(std::in_place_index<I>,
                                 std::move(*static_cast<std::variant_alternative_t<I, Msg>*>(
                                     message.payload()))),
                     true)
                  : false) ||
             ...);
    }(std::make_index_sequence<std::variant_size_v<Msg>>());
    return out;
  }
  return std::nullopt;
}

template <class Msg>
bool accepts_type(const message_type& type) {
  if (&type == &message_type_of<Msg>()) return true;
  if constexpr (requires { std::variant_size<Msg>::value; }) {
    return [&]<std::size_t... I>(std::index_sequence<I...>) {
      return ((&type == &message_type_of<std::variant_alternative_t<I, Msg>>()) || ...);
    }(std::make_index_sequence<std::variant_size_v<Msg>>());
  }
  return false;
}

/// The temporary receiver of one ask. Completes exactly once: with the reply, a timeout, or
/// the reason the question or the reply could not be delivered.
template <class R>
class ask_cell final : public cell {
 public:
  ask_cell(platform& platform, std::string node, trace_sink* sink, std::uint64_t id)
      : platform_(platform), node_(std::move(node)), sink_(sink), id_(id) {}

  /// Runs `on_complete` (on the completing thread) instead of storing the result.
  void set_continuation(std::function<void(result<R>)> on_complete) {
    continuation_ = std::move(on_complete);
  }
  /// Starts the timeout. Call before sending the question.
  void arm(std::int64_t timeout_ns) {
    cell_ptr<ask_cell> self(this);
    timer_ = platform_.start_timer(timeout_ns, [self] {
      self->complete(error{error_code::timeout, "ask timed out"});
    });
  }

  enqueue_status enqueue(envelope* message) override {
    if (sink_ != nullptr && message->trace_id != 0) {
      // The reply reaches its receiver now: trace it like a delivery to an actor.
      cell* from = message->sender();
      sink_->on_deliver(*message, from ? from->node() : node_, from ? from->path() : "", path());
    }
    if (auto value = take_as<R>(*message)) {
      complete(std::move(*value));
    } else {
      complete(error{error_code::unexpected_type,
                     "ask got a reply of type " + std::string(message->type().name)});
    }
    delete message;
    return enqueue_status::accepted;
  }
  void enqueue_system(system_message* message) override;  // defined in system.hpp
  std::string path() const override { return "/temp/ask-" + std::to_string(id_); }
  envelope* decode_message(std::string_view type_name,
                           std::span<const std::byte> payload) override {
    return decode_message_as<R>(type_name, payload);
  }
  bool expired() const override { return done_.load(std::memory_order_acquire); }
  std::string_view node() const override { return node_; }
  bool accepts(const message_type& type) const override { return accepts_type<R>(type); }
  trace_sink* sink() const override { return sink_; }
  void message_dropped(const envelope& message, drop_reason reason, bool rejected) override {
    complete(error{reason == drop_reason::mailbox_full ? error_code::mailbox_full
                                                       : error_code::dead_letter,
                   std::string("ask not delivered: ") + to_string(reason)});
  }

  void complete(result<R> outcome) {
    if (done_.exchange(true, std::memory_order_acq_rel)) return;
    if (timer_ != 0) platform_.cancel_timer(timer_);
    if (continuation_) {
      continuation_(std::move(outcome));
      return;
    }
    {
      std::lock_guard lock(mutex_);
      outcome_.emplace(std::move(outcome));
    }
    ready_.notify_all();
  }
  bool ready() const {
    std::lock_guard lock(mutex_);
    return outcome_.has_value();
  }
  std::optional<result<R>> try_take() {
    std::lock_guard lock(mutex_);
    return std::exchange(outcome_, std::nullopt);
  }
  result<R> wait_take() {
    std::unique_lock lock(mutex_);
    ready_.wait(lock, [&] { return outcome_.has_value(); });
    return *std::exchange(outcome_, std::nullopt);
  }

 private:
  platform& platform_;
  std::string node_;
  trace_sink* sink_;
  std::uint64_t id_;
  timer_id timer_ = 0;
  std::atomic<bool> done_{false};
  std::function<void(result<R>)> continuation_;
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::optional<result<R>> outcome_;
};

}  // namespace detail

/// The pending answer of an ask made from outside any actor (tests, main). Move-only.
template <class R>
class reply_future {
 public:
  explicit reply_future(detail::cell_ptr<detail::ask_cell<R>> cell) : cell_(std::move(cell)) {}

  /// True once the reply, a timeout or an error is there. Any thread.
  bool ready() const { return cell_->ready(); }
  /// Takes the outcome if it is there (once). Any thread.
  std::optional<result<R>> try_get() { return cell_->try_take(); }
  /// Blocks until the outcome is there and takes it. Only with a platform that runs on other
  /// threads (thread_pool_platform); with a manual or simulated platform use try_get after
  /// running the platform.
  result<R> get() { return cell_->wait_take(); }

 private:
  detail::cell_ptr<detail::ask_cell<R>> cell_;
};

}  // namespace troupe
