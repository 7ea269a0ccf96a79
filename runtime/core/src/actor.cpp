#include "troupe/runtime/actor.hpp"

#include "troupe/runtime/system.hpp"

namespace troupe {

actor_base::actor_base() : cell_(detail::constructing_cell) {
  TROUPE_ASSERT_MSG(cell_ != nullptr, "actors are created by spawn, not constructed directly");
}

actor_system& actor_base::system() const { return cell_->system(); }

any_ref actor_base::self_any() const { return any_ref(detail::cell_ptr<>(cell_)); }

any_ref actor_base::sender() const {
  auto* message = cell_->current_message();
  if (message == nullptr || message->sender() == nullptr) return {};
  return any_ref(detail::cell_ptr<>(message->sender()));
}

void actor_base::stop(const any_ref& target) const {
  if (target.cell() == nullptr) return;
  if (target.cell() == cell_) {
    cell_->request_stop();
    return;
  }
  target.cell()->enqueue_system(
      new detail::system_message(detail::system_kind::stop, {}, "stopped"));
}

std::int64_t actor_base::now_ns() const { return system().get_platform().now_ns(); }

std::uint64_t actor_base::random_u64() const { return system().get_platform().random_u64(); }

void actor_base::log(std::string_view level, std::string_view text) const {
  if (auto* sink = system().sink()) sink->on_log(cell_->path(), level, text);
}

void actor_base::record(std::string_view event, std::string_view json_members) const {
  if (auto* sink = system().sink()) sink->on_record(event, json_members);
}

namespace detail {

cell* current_sender_cell() { return current_cell; }

std::uint64_t send_envelope(cell* target, envelope* message) {
  if (target == nullptr) {
    delete message;  // an empty reference: nobody to count it for
    return 0;
  }
  trace_sink* sink = current_cell != nullptr ? current_cell->system().sink() : target->sink();
  const auto& type = message->type();
  const bool internal =
      &type == &message_type_of<continuation>() || &type == &message_type_of<timer_fired>();
  if (sink != nullptr && !internal) {
    cell* from = message->sender();
    sink->on_send(*message, from ? from->path() : std::string(), target->node(), target->path());
  }
  const std::uint64_t id = message->trace_id;  // the enqueue may deliver and delete it
  target->enqueue(message);
  return id;
}

}  // namespace detail
}  // namespace troupe
