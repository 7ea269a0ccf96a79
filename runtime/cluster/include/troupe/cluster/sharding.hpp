#pragma once
/// Cluster sharding (docs/cluster.md, "Sharding"): entities identified by a string id live
/// in shards (a stable hash of the id), and a coordinator allocates the shards to the up,
/// reachable members. Every node runs a `shard_region<E>` for the entity type E; a message
/// told or asked to the region is routed to the node that hosts the entity's shard, where the
/// region starts the entity as its child on the first message. Messages wait in a bounded
/// buffer while the shard's home is unknown or the shard is being handed off.
///
/// The coordinator runs as a cluster singleton: the region on the oldest member (the holder
/// of `singleton_holder`) starts it as its child once it has held the role for the hand-over
/// margin. A shard moves only stop-before-start: its old region stops every entity of the
/// shard and confirms, or the old region's member is down or removed and the margin has
/// passed (a downed node stops its entities itself), before the coordinator gives the shard
/// a new home. A region runs entities only while its node holds the lease, and a shard of a
/// downed member gets a new home only once that member is certified fenced (docs/cluster.md,
/// "Fencing"). Every entity start and stop is a trace event (`entity_start`,
/// `entity_stop`), and so is every shard a region starts or stops hosting (`shard_start`,
/// `shard_stop`), so that the `entity_unique` checker can verify "at most one instance".
/// Every message to an entity gets an identity where a region first accepts it, kept through
/// forwards (`shard_envelope`), and each step of its way is an `entity_route` event, so that
/// the `entity_delivery` checker can verify "delivered or reported, never silently lost".

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "troupe/cluster/cluster.hpp"
#include "troupe/cluster/singleton.hpp"
#include "troupe/runtime.hpp"

namespace troupe::cluster {

using shard_id = std::uint32_t;

/// The shard of `entity_id`: FNV-1a of the id modulo `shard_count` (stable across nodes,
/// builds and runs). `shard_count` must be at least 1.
shard_id shard_of(std::string_view entity_id, std::uint32_t shard_count);

/// Configuration of one entity type's sharding; every node must use the same values.
struct sharding_settings {
  /// Names the region (actor "sharding-<type_name>", path /user/sharding-<type_name>) and
  /// the trace events. Letters, digits, '-' and '_' only.
  std::string type_name = "entity";
  std::uint32_t shard_count = 30;  ///< shards of this type; never change it in a running cluster
  /// Messages a region holds at most while their shards' homes are unknown or handing off;
  /// beyond it a message is dropped, traced as `entity_drop` and reported to `on_dropped`.
  std::size_t buffer_max = 1000;
  std::size_t entities_max = 100'000;  ///< entities per region; beyond it: `entity_drop`
  /// A buffered message waits at most this long for its shard's home (checked every tick);
  /// then it is dropped like one the buffer cannot hold (reason `buffer_timeout`), so that
  /// no message waits without bound. Nanoseconds.
  std::int64_t buffer_timeout_ns = 10'000'000'000;
  /// The region's and the coordinator's tick: registration, membership poll, re-sending of
  /// tables and hand-off requests, rebalancing. Nanoseconds.
  std::int64_t tick_ns = 200'000'000;
  /// A new coordinator starts this long after its node became the oldest member, and the
  /// shards of a member that is down or removed are reallocated this long after the
  /// coordinator saw it so (Pekko's down-removal margin). Nanoseconds.
  std::int64_t handover_margin_ns = 1'000'000'000;
  /// Shards being handed off for rebalancing at once, at most.
  std::size_t rebalance_in_flight_max = 3;
  /// Rebalancing starts when the most loaded region holds more than this many shards above
  /// the least loaded one.
  std::uint32_t rebalance_threshold = 1;
};

// -- messages between regions and the coordinator (wire types) ----------------------------

/// A region's registration with the coordinator, sent every tick: who it is, the shards it
/// hosts, and the table it holds (so that the coordinator re-sends a newer one).
struct shard_register {
  std::string node;
  std::uint64_t uid = 0;
  std::vector<shard_id> hosted;  ///< sorted
  std::uint64_t coordinator = 0;
  std::uint64_t version = 0;
  template <class A>
  void fields(A& a) {
    a(node, uid, hosted, coordinator, version);
  }
};
/// The coordinator's allocation: `homes[shard]` is the node hosting it, "" while it has no
/// home (not allocated yet, or being handed off). `coordinator` identifies the instance.
struct shard_table {
  std::uint64_t coordinator = 0;
  std::uint64_t version = 0;
  std::vector<std::string> homes;
  template <class A>
  void fields(A& a) {
    a(coordinator, version, homes);
  }
};
/// The coordinator asks the hosting region to stop a shard's entities and confirm.
struct shard_hand_off {
  shard_id shard = 0;
  template <class A>
  void fields(A& a) {
    a(shard);
  }
};
/// A region confirms that it stopped every entity of `shard` and no longer hosts it.
struct shard_stopped {
  std::string node;
  std::uint64_t uid = 0;
  shard_id shard = 0;
  template <class A>
  void fields(A& a) {
    a(node, uid, shard);
  }
};
/// A stopping region (graceful stop, scale-down) tells the coordinator that every entity of
/// `shards` has stopped: the shards get new homes at once.
struct region_stopped {
  std::string node;
  std::uint64_t uid = 0;
  std::vector<shard_id> shards;
  template <class A>
  void fields(A& a) {
    a(node, uid, shards);
  }
};

/// What the coordinator sends to regions.
using region_control = std::variant<shard_table, shard_hand_off>;

/// The identity of one message to an entity, given where it first entered sharding: the
/// region of `origin` (a pod) that began at `origin_start_ns` (its clock; tells incarnations
/// and restarts of the region apart) numbered it `number` (1, 2, ...). It stays with the
/// message through buffering, forwarding and delivery, so that the `entity_route` trace
/// events of every region it passes name the same message (docs/trace-format.md).
struct entity_message_id {
  std::string origin;
  std::int64_t origin_start_ns = 0;
  std::uint64_t number = 0;
  template <class A>
  void fields(A& a) {
    a(origin, origin_start_ns, number);
  }
  /// "origin/origin_start_ns/number", e.g. "iot-0/0/17": the trace's `entity_message`.
  std::string to_string() const;
};

/// A message to an entity forwarded from one region to another (wire type
/// "sharding.envelope"): the message and its identity. Serializable when `Msg` is.
template <class Msg>
struct shard_envelope {
  entity_message_id id;
  Msg message;
  template <class A>
    requires serializable<Msg>
  void fields(A& a) {
    a(id, message);
  }
};

/// The trace summary of a forwarded message: its identity.
template <class Msg>
std::string troupe_summary(const shard_envelope<Msg>& envelope) {
  return envelope.id.to_string();
}

// -- local messages ------------------------------------------------------------------------

struct sharding_tick {};
/// Asks a region for the shards it hosts and their entity counts (answered with
/// `region_report`). For tests and tools.
struct get_region_report {};
struct region_report {
  std::string node;
  std::map<shard_id, std::size_t> entities;  ///< hosted shard -> live entities
  std::size_t buffered = 0;
  std::size_t dropped = 0;  ///< messages dropped since the region started
};

// -- the coordinator -------------------------------------------------------------------------

using coordinator_protocol =
    std::variant<shard_register, shard_stopped, region_stopped, member_event, sharding_tick>;

/// Allocates shards to regions. Started by the region on the singleton holder's node as its
/// child named "sharding-<type>-coordinator"; regions send to it by that path.
class shard_coordinator final : public actor<coordinator_protocol> {
 public:
  explicit shard_coordinator(sharding_settings settings);
  void pre_start() override;
  void post_stop() override;
  void on_message(coordinator_protocol& message) override;

 private:
  struct member_view {
    std::uint64_t uid = 0;
    std::string status;  // a trace status: joining, up, leaving, exiting, down, removed
    bool reachable = true;
  };
  struct move {
    std::string from;
    std::uint64_t from_uid = 0;
    std::string to;
  };
  void on_member(const member_event& event);
  void on_register(const shard_register& message);
  void on_stopped(const std::string& node, std::uint64_t uid, shard_id shard);
  void on_tick();
  bool became_ready();
  void free_dead_homes();
  void allocate_free_shards();
  void rebalance();
  bool eligible(const std::string& node) const;
  bool alive(const std::string& node, std::uint64_t uid) const;
  void ask_fence();
  std::vector<std::pair<std::size_t, std::string>> loads() const;
  void set_home(shard_id shard, const std::string& node, std::uint64_t uid);
  void send_table(const std::string& node);
  void broadcast();

  sharding_settings settings_;
  std::uint64_t id_ = 0;
  std::uint64_t version_ = 1;
  bool ready_ = false;
  bool changed_ = false;
  std::uint64_t ticks_ = 0;
  std::map<std::string, member_view> members_;
  std::map<std::string, std::uint64_t> registered_;  ///< node -> uid of its region
  std::set<member_key> stopped_regions_;             ///< regions that reported their stop
  std::vector<std::string> homes_;
  std::vector<std::uint64_t> home_uids_;
  std::map<shard_id, move> moves_;
  std::map<member_key, std::int64_t> dead_since_;  ///< when this coordinator saw it dead
  actor_ref<cluster_protocol> cluster_;
  /// The latest fence answer: the members not yet certified fenced, and when it was asked
  /// for (an answer asked before a member was seen dead says nothing about it).
  std::vector<member_key> uncertain_ = {member_key("*", 0)};
  std::int64_t fence_asked_ns_ = -1;
};

// -- the region ------------------------------------------------------------------------------

/// The part of the region that does not depend on the entity type; the region template
/// forwards every internal message to it.
class region_core {
 public:
  /// A user message on its way to its entity. `send(target, nullptr)` sends it to the entity
  /// `target` with its original sender, `send(target, &id)` forwards it to the region
  /// `target` in a `shard_envelope` carrying `id`; both return the trace id of the sent
  /// message (0 when not traced). `reject()` reports it dropped to the user's `on_dropped`.
  struct pending {
    std::string entity;
    entity_message_id id;
    std::int64_t buffered_ns = -1;  ///< when it was first buffered (-1: never)
    std::function<std::uint64_t(const any_ref&, const entity_message_id*)> send;
    std::function<void()> reject;
  };

  region_core(actor_base& self, sharding_settings settings,
              std::function<any_ref(const std::string& id, const std::string& name)> spawn_entity);

  void start();
  void stop();
  /// A message for an entity entered sharding here (told or asked to this region by local
  /// code or a pod without a region): it gets its identity, then is routed.
  void accept(pending message);
  /// A message forwarded by another region (a `shard_envelope`) arrived: it is routed with
  /// the identity it carries.
  void receive(pending message);
  void route(pending message);
  void on_tick();
  void on_membership(const membership_state& state);
  void on_fence(const fence_state& fence, std::int64_t asked_ns);
  void on_member(const member_event& event);
  void on_table(const shard_table& table);
  void on_hand_off(const shard_hand_off& request);
  void on_terminated(const any_ref& actor);
  region_report report() const;
  /// The path of the coordinator on whichever node holds it.
  std::string coordinator_path() const;

 private:
  struct entity {
    any_ref ref;
    std::uint64_t instance = 0;
  };
  struct hosted_shard {
    bool stopping = false;
    bool confirm = false;  // answer the coordinator with shard_stopped when done
    std::map<std::string, entity> entities;
  };
  void deliver(shard_id shard, pending message);
  void buffer(shard_id shard, pending message);
  void drop(const pending& message, std::string_view reason);
  /// Drops buffered messages that have waited `buffer_timeout_ns`.
  void expire_buffered();
  void flush();
  /// True when the system is traced: `entity_route` events are formatted only then.
  bool traced() const;
  /// Writes one `entity_route` event: `step` of `message`, with the optional members
  /// `extra` (JSON text without braces, "" for none).
  void record_route(const pending& message, std::string_view step, std::string_view extra) const;
  void start_shard(shard_id shard);
  void stop_shard(shard_id shard, bool confirm);
  void finish_stop(shard_id shard);
  void down_self();
  /// True while this node may run entities: serving, and its lease has not expired.
  bool leased() const;
  /// The lease has expired: stop every entity and the coordinator, buffer messages.
  void fence();
  void manage_coordinator(const membership_state& state);
  void send_register();
  void record_entity(std::string_view event, shard_id shard, const std::string& id,
                     std::uint64_t instance, std::string_view reason) const;
  void record_shard(std::string_view event, shard_id shard, std::string_view reason) const;

  actor_base& self_;
  sharding_settings settings_;
  std::function<any_ref(const std::string&, const std::string&)> spawn_entity_;
  std::string node_;
  std::uint64_t uid_ = 0;  ///< this node's member uid; 0 until it is a member
  bool serving_ = false;   ///< this node is up, leaving or exiting (not downed)
  actor_ref<cluster_protocol> cluster_;
  std::optional<member_key> holder_;
  std::optional<std::int64_t> holder_since_ns_;
  std::int64_t lease_until_ns_ = 0;  ///< this node's lease, from the cluster actor (its clock)
  /// When the latest answer without an uncertain member was asked for (none: uncertain).
  std::optional<std::int64_t> certain_since_ask_ns_;
  any_ref coordinator_;  ///< the child coordinator while this node holds the role
  std::uint64_t table_coordinator_ = 0;
  std::uint64_t table_version_ = 0;
  std::vector<std::string> homes_;
  std::map<shard_id, hosted_shard> hosted_;
  std::map<std::string, std::pair<shard_id, std::string>> by_path_;  ///< entity path -> shard, id
  std::map<shard_id, std::deque<pending>> buffered_;
  std::size_t buffered_count_ = 0;
  std::size_t dropped_ = 0;
  std::size_t entity_count_ = 0;
  std::uint64_t instances_ = 0;
  std::int64_t start_ns_ = 0;     ///< when this region started (entity message ids)
  std::uint64_t messages_ = 0;    ///< entity messages accepted here (entity message ids)
};

namespace detail_sharding {
template <class Msg>
struct as_variant {
  using type = std::variant<Msg>;
};
template <class... Ts>
struct as_variant<std::variant<Ts...>> {
  using type = std::variant<Ts...>;
};
template <class V, class... Extra>
struct append;
template <class... Ts, class... Extra>
struct append<std::variant<Ts...>, Extra...> {
  using type = std::variant<Ts..., Extra...>;
};
}  // namespace detail_sharding

/// The protocol of a region for entities of protocol `Msg`: the entities' messages, and the
/// region's own.
template <class Msg>
using region_protocol =
    typename detail_sharding::append<typename detail_sharding::as_variant<Msg>::type, member_event,
                                     sharding_tick, shard_table, shard_hand_off,
                                     get_region_report, shard_envelope<Msg>>::type;

/// What a region needs to know of the entity type's messages.
template <class Msg>
struct entity_extractor {
  /// The entity a message is for.
  std::function<std::string(const Msg&)> entity_id;
  /// Called in the region's turn when a message is dropped (buffer or entity table full),
  /// with the message's sender, e.g. to answer an ask with a refusal. May be empty.
  std::function<void(const any_ref& sender, const Msg& message)> on_dropped;
};

/// The region of entity type E (an actor; E::message_type is its protocol) on one node.
/// Spawn it with `start_sharding`. Tell or ask it the entities' messages; it routes each to
/// the entity's actor wherever it lives. E is constructed from (entity id, args...) when it
/// has such a constructor, else from (args...).
template <class E, class... Args>
class shard_region final : public actor<region_protocol<typename E::message_type>> {
 public:
  using entity_message = typename E::message_type;
  using protocol = region_protocol<entity_message>;

  shard_region(sharding_settings settings, entity_extractor<entity_message> extractor, Args... args)
      : extractor_(std::move(extractor)),
        arguments_(std::move(args)...),
        tick_ns_(settings.tick_ns),
        core_(*this, std::move(settings),
              [this](const std::string& id, const std::string& name) { return spawn(id, name); }) {}

  void pre_start() override {
    core_.start();
    this->start_periodic_timer("sharding", sharding_tick{}, std::chrono::nanoseconds(tick_ns_));
  }
  void post_stop() override { core_.stop(); }
  void on_terminated(const terminated& event) override { core_.on_terminated(event.actor); }

  void on_message(protocol& message) override {
    std::visit([this](auto& m) { dispatch(m); }, message);
  }

 private:
  template <class T>
  void dispatch(T& m) {
    if constexpr (std::is_same_v<T, member_event>) {
      core_.on_member(m);
    } else if constexpr (std::is_same_v<T, sharding_tick>) {
      core_.on_tick();
    } else if constexpr (std::is_same_v<T, shard_table>) {
      core_.on_table(m);
    } else if constexpr (std::is_same_v<T, shard_hand_off>) {
      core_.on_hand_off(m);
    } else if constexpr (std::is_same_v<T, get_region_report>) {
      this->reply(core_.report());
    } else if constexpr (std::is_same_v<T, shard_envelope<entity_message>>) {
      auto pending = make_pending(std::move(m.message));
      pending.id = std::move(m.id);
      core_.receive(std::move(pending));
    } else {
      core_.accept(make_pending(entity_message(std::move(m))));
    }
  }

  region_core::pending make_pending(entity_message whole) {
    region_core::pending pending;
    pending.entity = extractor_.entity_id(whole);
    const any_ref from = this->sender();
    auto shared = std::make_shared<entity_message>(std::move(whole));
    pending.send = [shared, from](const any_ref& target, const entity_message_id* forward) {
      if (forward == nullptr)
        return troupe::detail::send_value(target.cell(), from.cell(), *shared);
      return troupe::detail::send_value(target.cell(), from.cell(),
                                        shard_envelope<entity_message>{*forward, *shared});
    };
    if (extractor_.on_dropped)
      pending.reject = [this, shared, from] { extractor_.on_dropped(from, *shared); };
    return pending;
  }

  any_ref spawn(const std::string& id, const std::string& name) {
    auto spawned = std::apply(
        [&](const auto&... a) {
          if constexpr (std::is_constructible_v<E, std::string, Args...>)
            return this->template spawn_with<E>({name, {}}, id, a...);
          else
            return this->template spawn_with<E>({name, {}}, a...);
        },
        arguments_);
    if (!spawned.ok()) return {};
    return spawned.value();
  }

  entity_extractor<entity_message> extractor_;
  std::tuple<Args...> arguments_;
  std::int64_t tick_ns_;
  region_core core_;
};

/// The registered name of the region of `type_name`: "sharding-<type_name>".
std::string region_name(std::string_view type_name);

/// Spawns the region of entity type E on `system` (after `start_cluster`), named
/// "sharding-<type_name>". Tell or ask the returned ref; `args` are E's constructor arguments.
template <class E, class... Args>
[[nodiscard]] result<actor_ref<region_protocol<typename E::message_type>>> start_sharding(
    actor_system& system, sharding_settings settings,
    entity_extractor<typename E::message_type> extractor, Args... args) {
  const std::string name = region_name(settings.type_name);
  return system.spawn_with<shard_region<E, Args...>>({name, {}}, std::move(settings),
                                                     std::move(extractor), std::move(args)...);
}

}  // namespace troupe::cluster

TROUPE_MESSAGE(troupe::cluster::shard_register, "sharding.register");
TROUPE_MESSAGE(troupe::cluster::shard_table, "sharding.table");
TROUPE_MESSAGE(troupe::cluster::shard_hand_off, "sharding.hand_off");
TROUPE_MESSAGE(troupe::cluster::shard_stopped, "sharding.shard_stopped");
TROUPE_MESSAGE(troupe::cluster::region_stopped, "sharding.region_stopped");
TROUPE_MESSAGE(troupe::cluster::sharding_tick, "sharding.tick");

/// Every region's envelope has one wire name; a region decodes only its own entity type's.
template <class Msg>
struct troupe::message_name<troupe::cluster::shard_envelope<Msg>> {
  static constexpr std::string_view value() { return "sharding.envelope"; }
};
