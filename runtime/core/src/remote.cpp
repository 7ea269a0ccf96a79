// Proxies of remote actors, the export table, and inbound delivery (remote.hpp).

#include "troupe/runtime/remote.hpp"

#include <algorithm>

#include "troupe/runtime/assert.hpp"
#include "troupe/runtime/local_cell.hpp"
#include "troupe/runtime/system.hpp"

namespace troupe {
namespace detail {
namespace {

/// A message that arrived for a receiver that cannot take it; carries the remote type name
/// for the trace of its drop.
class foreign_envelope final : public envelope {
 public:
  explicit foreign_envelope(std::string type_name)
      : envelope(type_), name_(std::move(type_name)), type_{name_, fnv1a(name_)} {}
  void* payload() override { return nullptr; }
  std::string summary() const override { return {}; }
  bool encode_payload(wire::byte_writer&) const override { return false; }

 private:
  std::string name_;
  message_type type_;
};

/// Largest payload buffer a thread keeps for its next remote send.
constexpr std::size_t max_kept_payload_bytes = 64 * 1024;

}  // namespace

}  // namespace detail

send_result transport::send_user_view(std::string_view node,
                                      const wire::user_envelope_view& message) {
  wire::user_envelope owned{message.message_id,
                            message.lamport,
                            std::string(message.sender_path),
                            std::string(message.receiver_path),
                            std::string(message.type_name),
                            {message.payload.begin(), message.payload.end()},
                            std::string(message.sender_node)};
  return send_user(node, std::move(owned));
}

namespace detail {

trace_sink* remote_cell::sink() const { return system_.sink(); }

enqueue_status remote_cell::enqueue(envelope* message) {
  std::string sender_path;
  std::string_view sender_node;
  if (cell* from = message->sender()) {
    sender_path = from->path();
    // A sender on a third node (a message passed on with its original sender, as a shard
    // region does) is named with its node, so that the receiver answers it there and not at
    // this node. A local sender is exported: the receiver answers through this node.
    if (from->is_remote())
      sender_node = from->node();
    else
      system_.remote().export_cell(from, sender_path);
  }
  // The payload goes through a buffer kept per thread: the transport copies it into the
  // envelope's encoding, so it comes back for the next message.
  thread_local std::vector<std::byte> payload_buffer;
  wire::byte_writer writer(std::move(payload_buffer));
  if (!message->encode_payload(writer)) {
    system_.drop(message, path_, drop_reason::not_serializable, false, node_);
    return enqueue_status::dropped;
  }
  std::vector<std::byte> payload = std::move(writer.buffer());
  // Views of the fields: the transport encodes them at once, without an owning envelope.
  const wire::user_envelope_view out{message->trace_id, message->lamport, sender_path, path_,
                                     message->type().name, payload, sender_node};
  send_result sent = send_result::queued;
  if (wire::validate(out) != wire::envelope_error::none) {
    // A path or type name beyond the wire's bounds: refuse here, never on the receiver.
    system_.drop(message, path_, drop_reason::not_serializable, false, node_);
    return enqueue_status::dropped;
  }
  if (node_ == system_.node_name()) {  // a proxy of this very node: loop back
    system_.deliver_inbound(node_, out);
  } else {
    transport* t = system_.remote().attached();
    sent = t ? t->send_user_view(node_, out) : send_result::unreachable;
  }
  if (payload.capacity() <= max_kept_payload_bytes) payload_buffer = std::move(payload);
  if (sent != send_result::queued) {
    const auto reason =
        sent == send_result::queue_full ? drop_reason::queue_full : drop_reason::unreachable;
    system_.drop(message, path_, reason, false, node_);
    return enqueue_status::dropped;
  }
  delete message;
  return enqueue_status::accepted;
}

void remote_cell::enqueue_system(system_message* raw) {
  std::unique_ptr<system_message> message(raw);
  wire::system_envelope out;
  switch (message->kind) {
    case system_kind::watch: {
      {
        std::lock_guard lock(mutex_);
        if (std::find(watchers_.begin(), watchers_.end(), message->subject) == watchers_.end())
          watchers_.push_back(message->subject);
      }
      system_.remote().export_cell(message->subject.get());
      out.kind = wire::system_kind::watch;
      out.watcher_path = message->subject->path();
      out.watched_path = path_;
      break;
    }
    case system_kind::unwatch:
      forget_watcher(message->subject.get());
      out.kind = wire::system_kind::unwatch;
      out.watcher_path = message->subject->path();
      out.watched_path = path_;
      break;
    case system_kind::terminated:  // a local actor this proxy watched has stopped
      out.kind = wire::system_kind::terminated;
      out.watcher_path = path_;
      out.watched_path = message->subject->path();
      out.reason = "stopped";
      break;
    default:
      return;  // stop, supervision and restarts do not cross nodes
  }
  if (wire::validate(out) != wire::envelope_error::none) return;  // paths beyond the bounds
  if (node_ == system_.node_name()) {
    system_.deliver_inbound_system(node_, std::move(out));
    return;
  }
  if (transport* t = system_.remote().attached()) (void)t->send_system(node_, std::move(out));
}

void remote_cell::forget_watcher(cell* watcher) {
  std::lock_guard lock(mutex_);
  watchers_.erase(std::remove_if(watchers_.begin(), watchers_.end(),
                                 [&](const cell_ptr<>& w) { return w.get() == watcher; }),
                  watchers_.end());
}

void remote_cell::node_down() {
  std::vector<cell_ptr<>> watchers;
  {
    std::lock_guard lock(mutex_);
    watchers.swap(watchers_);
  }
  for (auto& watcher : watchers)
    watcher->enqueue_system(new system_message(system_kind::terminated, cell_ptr<>(this)));
}

remoting::remoting(actor_system& system)
    : system_(system), table_number_([] {
        static std::atomic<std::uint32_t> last{0};
        const std::uint32_t number = last.fetch_add(1, std::memory_order_relaxed) + 1;
        TROUPE_ASSERT_MSG(number != 0, "more than 2^32 - 1 actor systems in one process");
        return number;
      }()) {}

void remoting::attach(transport* t) { transport_.store(t, std::memory_order_release); }

transport* remoting::attached() const { return transport_.load(std::memory_order_acquire); }

std::size_t remoting::proxy_hash(std::string_view node, std::string_view path) {
  const std::size_t node_hash = text_hash(node);
  const std::size_t path_hash = text_hash(path);
  return node_hash ^ (path_hash + 0x9e3779b97f4a7c15ULL + (node_hash << 6));
}

void remoting::grow_proxies() {
  std::vector<proxy_slot> old = std::move(proxy_slots_);
  proxy_slots_.clear();
  proxy_slots_.resize(std::max<std::size_t>(64, old.size() * 2));
  const std::size_t mask = proxy_slots_.size() - 1;
  for (auto& slot : old) {
    if (!slot.proxy) continue;
    std::size_t i = slot.hash & mask;
    while (proxy_slots_[i].proxy) i = (i + 1) & mask;
    proxy_slots_[i] = std::move(slot);
  }
}

cell_ptr<remote_cell> remoting::proxy(std::string_view node, std::string_view path) {
  std::lock_guard lock(mutex_);
  const std::size_t hash = proxy_hash(node, path);
  if (!proxy_slots_.empty()) {
    const std::size_t mask = proxy_slots_.size() - 1;
    for (std::size_t i = hash & mask; proxy_slots_[i].proxy; i = (i + 1) & mask) {
      const proxy_slot& slot = proxy_slots_[i];
      if (slot.hash == hash && slot.proxy->node() == node && slot.proxy->path_view() == path)
        return slot.proxy;
    }
  }
  if ((proxy_count_ + 1) * 2 > proxy_slots_.size()) grow_proxies();
  auto created =
      cell_ptr<remote_cell>::adopt(new remote_cell(system_, std::string(node), std::string(path)));
  const std::size_t mask = proxy_slots_.size() - 1;
  std::size_t i = hash & mask;
  while (proxy_slots_[i].proxy) i = (i + 1) & mask;
  proxy_slots_[i] = proxy_slot{hash, created};
  ++proxy_count_;
  return created;
}

void remoting::export_cell(cell* local) {
  if (local == nullptr || local->is_remote()) return;
  export_cell(local, local->path());
}

void remoting::export_cell(cell* local, const std::string& path) {
  // A cell that sends to other nodes exports itself with every message: after the first
  // time, its mark answers without the lock and the path lookup.
  if (local == nullptr || local->exported_by(table_number_) || local->is_remote()) return;
  std::lock_guard lock(mutex_);
  if (exports_.size() >= prune_threshold_) {
    std::erase_if(exports_, [](const auto& entry) { return entry.second->expired(); });
    prune_threshold_ = std::max<std::size_t>(64, exports_.size() * 2);
  }
  auto found = exports_.find(path);
  if (found == exports_.end()) found = exports_.emplace(path, local).first;
  // The mark is set only when the table holds this very cell: an entry of another live cell
  // with the same path keeps its place, and this cell tries again at its next send. An entry
  // is removed only once its cell expired, so a marked cell stays in the table.
  if (found->second.get() == local) {
    local->keep_path();
    local->mark_exported(table_number_);
  }
}

cell_ptr<> remoting::resolve(std::string_view path) {
  {
    std::lock_guard lock(mutex_);
    auto found = exports_.find(path);
    if (found != exports_.end() && !found->second->expired()) return found->second;
  }
  // Named actors are addressable without export: "/user/.../<name>".
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return {};
  auto named = system_.lookup_any(std::string(path.substr(slash + 1)));
  if (!named || named->path() != path) return {};
  return cell_ptr<>(named->cell());
}

void remoting::node_down(std::string_view node) {
  std::vector<cell_ptr<remote_cell>> affected;
  {
    std::lock_guard lock(mutex_);
    for (const auto& slot : proxy_slots_)
      if (slot.proxy && slot.proxy->node() == node) affected.push_back(slot.proxy);
  }
  // In path order: the order of the terminated notices must not depend on hashing.
  std::sort(affected.begin(), affected.end(),
            [](const auto& a, const auto& b) { return a->path_view() < b->path_view(); });
  for (auto& proxy : affected) proxy->node_down();
}

}  // namespace detail

// -- actor_system's remote entry points ------------------------------------------------------

void actor_system::attach_transport(transport& t) { remoting_->attach(&t); }

any_ref actor_system::remote_ref_any(std::string_view node, std::string_view path) {
  if (node == config_.node_name) {
    if (auto local = remoting_->resolve(path)) return any_ref(local);
  }
  return any_ref(detail::cell_ptr<>(remoting_->proxy(node, path).get()));
}

void actor_system::deliver_inbound(std::string_view from_node, wire::user_envelope&& message) {
  deliver_inbound(from_node, wire::user_envelope_view{message.message_id, message.lamport,
                                                      message.sender_path, message.receiver_path,
                                                      message.type_name, message.payload,
                                                      message.sender_node});
}

detail::cell* actor_system::inbound_sender(std::string_view from_node,
                                           const wire::user_envelope_view& message) {
  if (message.sender_node.empty())  // the usual case: the sender lives on the sending node
    return remoting_->proxy(from_node, message.sender_path).detach();
  // A sender passed on by another node: answers go to its own node, or straight to it when
  // it lives here.
  if (message.sender_node == config_.node_name) {
    if (auto local = remoting_->resolve(message.sender_path)) return local.detach();
  }
  return remoting_->proxy(message.sender_node, message.sender_path).detach();
}

void actor_system::deliver_inbound(std::string_view from_node,
                                   const wire::user_envelope_view& message) {
  deliver_resolved(remoting_->resolve(message.receiver_path), message,
                   [&] { return inbound_sender(from_node, message); });
}

void actor_system::deliver_inbound(std::string_view from_node,
                                   const wire::user_envelope_view& message, inbound_cache& cache) {
  // The same lookups as above, skipped while the receiver (and below the sender) is the
  // last message's and still alive: a resolve would give that same actor.
  if (!cache.receiver_ || cache.receiver_->expired() ||
      cache.receiver_path_ != message.receiver_path) {
    cache.receiver_ = remoting_->resolve(message.receiver_path);
    cache.receiver_path_.assign(message.receiver_path);
  }
  deliver_resolved(cache.receiver_, message, [&]() -> detail::cell* {
    if (!cache.sender_ || cache.sender_->expired() || cache.sender_path_ != message.sender_path ||
        cache.sender_node_ != message.sender_node || cache.from_node_ != from_node) {
      cache.sender_ = detail::cell_ptr<>::adopt(inbound_sender(from_node, message));
      cache.sender_path_.assign(message.sender_path);
      cache.sender_node_.assign(message.sender_node);
      cache.from_node_.assign(from_node);
    }
    return detail::cell_ptr<>(cache.sender_).detach();
  });
}

template <class SenderFunction>
void actor_system::deliver_resolved(const detail::cell_ptr<>& target,
                                    const wire::user_envelope_view& message,
                                    SenderFunction&& sender) {
  envelope* decoded = target ? target->decode_message(message.type_name, message.payload) : nullptr;
  const bool known_target = static_cast<bool>(target);
  if (decoded == nullptr) decoded = new detail::foreign_envelope(std::string(message.type_name));
  decoded->trace_id = message.message_id;
  decoded->lamport = message.lamport;
  if (!message.sender_path.empty()) decoded->adopt_sender(sender());
  if (!known_target) {
    drop(decoded, message.receiver_path, drop_reason::dead_letter);
  } else if (decoded->payload() == nullptr) {
    drop(decoded, message.receiver_path, drop_reason::unknown_type);
  } else {
    target->enqueue(decoded);
  }
}

void actor_system::deliver_inbound_system(std::string_view from_node,
                                          wire::system_envelope&& message) {
  using detail::system_kind;
  using detail::system_message;
  switch (message.kind) {
    case wire::system_kind::watch: {
      auto watcher = remoting_->proxy(from_node, message.watcher_path);
      if (auto watched = remoting_->resolve(message.watched_path)) {
        watched->enqueue_system(new system_message(system_kind::watch, detail::cell_ptr<>(watcher.get())));
      } else if (transport* t = remoting_->attached(); t != nullptr && from_node != config_.node_name) {
        wire::system_envelope gone{wire::system_kind::terminated, 0, 0, message.watcher_path,
                                   message.watched_path, "not found"};
        (void)t->send_system(from_node, std::move(gone));
      }
      break;
    }
    case wire::system_kind::unwatch: {
      auto watcher = remoting_->proxy(from_node, message.watcher_path);
      if (auto watched = remoting_->resolve(message.watched_path))
        watched->enqueue_system(new system_message(system_kind::unwatch, detail::cell_ptr<>(watcher.get())));
      break;
    }
    case wire::system_kind::terminated: {
      auto watched = remoting_->proxy(from_node, message.watched_path);
      if (auto watcher = remoting_->resolve(message.watcher_path)) {
        watched->forget_watcher(watcher.get());
        watcher->enqueue_system(new system_message(system_kind::terminated, detail::cell_ptr<>(watched.get())));
      }
      break;
    }
  }
}

void actor_system::node_down(std::string_view node) { remoting_->node_down(node); }

}  // namespace troupe
