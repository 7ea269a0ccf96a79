#pragma once
/// Remote actors: the transport seam, proxies of actors on other nodes, and the table of
/// local actors that other nodes may address. Used the same way by the simulator (simnet)
/// and by the TCP transport (runtime/net).

#include <atomic>
#include <cstdint>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "troupe/runtime/cell_ptr.hpp"
#include "troupe/wire/envelope.hpp"

namespace troupe {

class actor_system;

/// What became of a message handed to a transport.
enum class send_result : std::uint8_t {
  queued,       ///< on its way (it may still be lost by the network: that is traced there)
  unreachable,  ///< no connection to that node and none can be made now
  queue_full,   ///< the bounded outbound queue to that node is full
};

/// Carries envelopes to other nodes. Implemented by the platform: `sim_transport` in simnet,
/// `tcp_transport` in runtime/net. Any thread (the TCP transport is thread-safe).
class transport {
 public:
  virtual ~transport() = default;
  virtual send_result send_user(std::string_view node, wire::user_envelope&& message) = 0;
  /// The same from views of the fields, which the caller keeps only until the call returns
  /// (a proxy sends every remote message this way). A transport that encodes at once
  /// overrides it to skip the owning copy; this default makes one and calls send_user.
  virtual send_result send_user_view(std::string_view node, const wire::user_envelope_view& message);
  virtual send_result send_system(std::string_view node, wire::system_envelope&& message) = 0;
};

/// What actor_system::deliver_inbound remembers of the last message of one inbound stream
/// (one connection): its receiver and its sender, so that a stream of messages between the
/// same two actors skips both lookups (a lock and a path hash each) for every message after
/// the first. A remembered actor that has terminated is looked up again, so delivery is the
/// same as without the cache. It holds a reference to both actors until the next message
/// from another pair, or until clear(). One per stream, used by one thread at a time;
/// cleared (or destroyed) before its actor system is destroyed.
class inbound_cache {
 public:
  void clear() { *this = inbound_cache(); }

 private:
  friend class actor_system;
  std::string receiver_path_;
  detail::cell_ptr<> receiver_;
  std::string from_node_, sender_node_, sender_path_;
  detail::cell_ptr<> sender_;
};

namespace detail {

/// The local stand-in for an actor on another node: what is sent to it is encoded and
/// handed to the transport. One proxy per (node, path) and system.
class remote_cell final : public cell {
 public:
  remote_cell(actor_system& system, std::string node, std::string path)
      : system_(system), node_(std::move(node)), path_(std::move(path)) {}

  enqueue_status enqueue(envelope* message) override;
  void enqueue_system(system_message* message) override;
  std::string path() const override { return path_; }
  /// The path without a copy; valid as long as the proxy.
  std::string_view path_view() const { return path_; }
  std::string_view node() const override { return node_; }
  bool accepts(const message_type&) const override { return true; }  // checked remotely
  bool is_remote() const override { return true; }
  trace_sink* sink() const override;

  /// The node is gone: every local watcher of this actor gets `terminated`.
  void node_down();
  void forget_watcher(cell* watcher);

 private:
  actor_system& system_;
  const std::string node_;
  const std::string path_;
  std::mutex mutex_;
  std::vector<cell_ptr<>> watchers_;  // local actors watching this remote actor
};

/// The remote side of one actor system: its transport, proxies and exported actors.
class remoting {
 public:
  explicit remoting(actor_system& system);

  void attach(transport* t);
  transport* attached() const;
  /// The proxy of (node, path), created on first use.
  cell_ptr<remote_cell> proxy(std::string_view node, std::string_view path);
  /// Makes a local cell addressable by its path from other nodes (until it expires).
  void export_cell(cell* local);
  /// The same, with the cell's path already known (`path == local->path()`).
  void export_cell(cell* local, const std::string& path);
  /// The local cell with this path, if it is exported or a registered name.
  cell_ptr<> resolve(std::string_view path);
  /// Every proxy of `node` reports its watchers' targets as terminated.
  void node_down(std::string_view node);

 private:
  actor_system& system_;
  /// This table's number for cell::exported_by: unique in the process, never 0.
  const std::uint32_t table_number_;
  mutable std::mutex mutex_;
  // Read with every remote send; atomic, so that reading it takes no lock.
  std::atomic<transport*> transport_{nullptr};
  /// Hashes std::string and std::string_view alike, so that lookups need no copy.
  struct path_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const { return text_hash(text); }
  };
  /// A hash of short texts (node names, actor paths) eight bytes per step, inline: every
  /// inbound message hashes its receiver's and its sender's path. Not stable across builds
  /// and never iterated in an order that matters (node_down sorts).
  static std::size_t text_hash(std::string_view text) {
    std::uint64_t hash = 0x9e3779b97f4a7c15ULL ^ text.size();
    std::size_t at = 0;
    for (; at + 8 <= text.size(); at += 8) hash = mix(hash, load(text.data() + at, 8));
    if (at < text.size()) hash = mix(hash, load(text.data() + at, text.size() - at));
    return static_cast<std::size_t>(hash ^ (hash >> 32U));
  }
  static std::uint64_t load(const char* bytes, std::size_t count) {
    std::uint64_t word = 0;
    std::memcpy(&word, bytes, count);
    return word;
  }
  static std::uint64_t mix(std::uint64_t hash, std::uint64_t word) {
    hash = (hash ^ word) * 0xbf58476d1ce4e5b9ULL;
    return hash ^ (hash >> 29U);
  }
  /// One slot of the proxy table; an empty `proxy` is a free slot.
  struct proxy_slot {
    std::size_t hash = 0;
    cell_ptr<remote_cell> proxy;
  };
  static std::size_t proxy_hash(std::string_view node, std::string_view path);
  void grow_proxies();
  // Every inbound message looks up its sender's proxy, so proxies live in an open-addressing
  // table (linear probing, at most half full): a lookup reads one small array slot, then the
  // proxy it returns. node_down sorts what it visits by path, so no order depends on hashing.
  std::vector<proxy_slot> proxy_slots_;  // size 0 or a power of two
  std::size_t proxy_count_ = 0;
  std::unordered_map<std::string, cell_ptr<>, path_hash, std::equal_to<>> exports_;
  std::size_t prune_threshold_ = 64;  // prune expired exports when the table grows past it
};

}  // namespace detail
}  // namespace troupe
