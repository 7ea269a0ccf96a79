#pragma once
/// Fencing (docs/cluster.md, "Fencing"): a node serves (runs sharded entities, the shard
/// coordinator, the singleton) only while it holds a **lease**, and a member that was downed
/// or removed is **certified fenced** before anything it ran starts elsewhere.
///
/// - Lease. A node's heartbeats carry their send time on its own clock; a peer answers with
///   `heartbeat_ack` echoing it, unless the peer has the sender down or removed (then it never
///   answers that member again). An ack from peer P for a heartbeat sent at s counts until
///   s + lease_ns. The node holds the lease while the peers with counting acks, with the node
///   itself, form a side that wins against the rest of its universe by the resolver's rule
///   (`side_wins`).
/// - Certificate. When a member X goes down (or is removed without leaving), every node
///   watches X: it notes, for each member P, the first time it learnt that P has X down
///   (its own state, or gossip from P). X is certified fenced once the members that confirmed
///   at least `takeover_after_ns` ago form a winning side of the universe X was counted in.
///   Two disjoint sides never both win, so X's acking side cannot win any more: X's lease
///   has expired, and X has stopped its entities (see `fence_timing_holds`).
/// Pure functions here; the cluster actor keeps the state.

#include <cstdint>
#include <limits>
#include <map>
#include <vector>

#include "troupe/cluster/membership.hpp"
#include "troupe/cluster/split_brain_resolver.hpp"

namespace troupe::cluster {

/// Timing of leases and take-over. Nanoseconds of each node's own clock.
struct fence_settings {
  /// An ack for a heartbeat sent at s counts until s + lease_ns (sender's clock).
  std::int64_t lease_ns = 500'000'000;
  /// A member is certified fenced when a winning side has confirmed it down for this long
  /// (certifier's clock).
  std::int64_t takeover_after_ns = 800'000'000;
  /// The documented bound on clock rates: every clock runs at a rate in [1 - r, 1 + r] of
  /// real time (offsets do not matter: only durations on one clock are compared).
  double clock_rate_error_max = 0.01;
  /// How long after its lease expires a node has stopped every entity and the singleton:
  /// the region's and the singleton manager's tick (200 ms) and the stop turn.
  std::int64_t stop_delay_max_ns = 200'000'000;
};

/// The timing inequality the guarantee rests on: a certifier waits takeover_after_ns on its
/// clock (at least takeover_after_ns / (1 + r) of real time) after the last confirmation it
/// counts; the fenced node's last counting ack expires, and its entities have stopped, within
/// (lease_ns + stop_delay_max_ns) / (1 - r) of real time after that confirmation was made.
/// Network latency only helps (an ack is counted from the heartbeat's send time). True when
/// the first is longer, by a margin of 1 ms for the stop turns.
bool fence_timing_holds(const fence_settings& settings);

/// True when `side` (sorted, a subset of `universe`) wins against the rest of `universe` by
/// the resolver's rule for `settings.strategy` (keep_majority also for `none`). Monotone (a
/// superset of a winning side wins), and two disjoint sides never both win.
bool side_wins(const downing_settings& settings, const member_universe& universe,
               const std::vector<member_key>& side);

/// The time (on `self`'s clock) until which `self` holds the lease: the latest t such that
/// `self` and the members of `universe` whose ack expiry (`ack_expiry_ns`: member -> time its
/// latest ack stops counting) is after t win. max() when `self` wins alone; 0 when `self` is
/// not in `universe` or no such t exists.
std::int64_t lease_until(const downing_settings& settings, const member_universe& universe,
                         const member_key& self,
                         const std::map<member_key, std::int64_t>& ack_expiry_ns);

/// One node's watch of a member that went down: the universe it was counted in and who has
/// confirmed it down since when (the watching node's clock).
struct fence_watch {
  member_universe universe;                      ///< includes the watched member
  std::map<member_key, std::int64_t> confirmed;  ///< member -> first time known to have it down
};

/// True when the members of `watch.universe` (other than `member`) that confirmed at or
/// before now_ns - takeover_after_ns win.
bool certified(const downing_settings& downing, const fence_settings& fence,
               const fence_watch& watch, const member_key& member, std::int64_t now_ns);

/// The cluster actor's answer to `get_fence`.
struct fence_state {
  /// This node holds the lease until then (its own clock); 0: no lease.
  std::int64_t lease_until_ns = 0;
  /// Members down or removed whose fence is not certified yet, sorted: nothing they ran may
  /// start elsewhere. A ("*", 0) entry means the watch table is full (treat all as uncertain).
  std::vector<member_key> uncertain;
};

/// Asks the local cluster actor for its `fence_state`. Local only.
struct get_fence {};

inline constexpr std::int64_t lease_forever = std::numeric_limits<std::int64_t>::max();

}  // namespace troupe::cluster
