#pragma once
/// The gossiped membership state: members identified by (node name, uid), their lifecycle
/// status, every observer's unreachability record and the tombstones of removed members.
/// Merging two states is deterministic, commutative, associative and idempotent, so that
/// gossip in any order converges (docs/cluster.md, "Protocol").

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace troupe::cluster {

/// A member: (node name, uid). The uid is drawn afresh whenever a node (re)joins, so a
/// restarted pod is a new member. Ordered by node name, then uid: the "address order".
using member_key = std::pair<std::string, std::uint64_t>;

/// Lifecycle status; the numeric order is the order a member moves through (it never moves
/// back), which merging relies on.
enum class member_status : std::uint8_t {
  joining = 0,
  up = 1,
  leaving = 2,
  exiting = 3,
  down = 4,
  removed = 5,
};

/// The trace spelling of a status ("up").
std::string_view to_string(member_status status);

/// What the state knows about one member.
struct member_info {
  member_status status = member_status::joining;
  std::uint64_t up_number = 0;  ///< order of becoming up (1 = oldest); 0 before up
  /// While joining: the members whose state holds this one (sorted, unique); merged by
  /// union. The leader moves a joiner up only once every up member has seen it, so a member
  /// never becomes up on one side of a partition without the other side knowing
  /// (docs/cluster.md, "Leader actions"). Empty once up.
  std::vector<std::pair<std::string, std::uint64_t>> seen_by;
  template <class A>
  void fields(A& a) {
    a(status, up_number, seen_by);
  }
  friend bool operator==(const member_info&, const member_info&) = default;
};

/// One observer's view of which members it cannot hear; only the observer writes it, and
/// each change bumps `version`.
struct observer_record {
  std::uint64_t version = 0;
  std::vector<member_key> unreachable;  ///< sorted, unique
  template <class A>
  void fields(A& a) {
    a(version, unreachable);
  }
  friend bool operator==(const observer_record&, const observer_record&) = default;
};

/// Bound of the tombstone list; beyond it the smallest keys are forgotten (documented limit:
/// a member removed that long ago could be gossiped back by a node that slept through it).
inline constexpr std::size_t tombstones_max = 4096;

/// The gossiped state.
struct membership_state {
  std::map<member_key, member_info> members;
  std::map<member_key, observer_record> reachability;  ///< by observer
  std::vector<member_key> tombstones;                  ///< removed members, sorted, unique

  template <class A>
  void fields(A& a) {
    a(members, reachability, tombstones);
  }
  friend bool operator==(const membership_state&, const membership_state&) = default;

  bool is_tombstoned(const member_key& key) const;
  /// Removes the member and remembers it as removed (it can never come back).
  void remove(const member_key& key);
  /// True when some observer that is still a member (and not down) reports `key`. Records
  /// of the observers in `ignored` (sorted) do not count: a node does not trust the stale
  /// observations of members it cannot hear itself.
  bool is_unreachable(const member_key& key, const std::vector<member_key>& ignored = {}) const;
  /// Members some observer reports unreachable, in address order (observers as above).
  std::vector<member_key> unreachable_members(const std::vector<member_key>& ignored = {}) const;
  /// The member named `node` that the trace reports, if any (the one latest in its
  /// lifecycle is older; the earliest status wins, then the larger uid).
  std::optional<member_key> current_member(std::string_view node) const;
  /// The largest up_number given so far.
  std::uint64_t max_up_number() const;
};

/// The merge of two states (the least state that contains both).
membership_state merge(const membership_state& a, const membership_state& b);

}  // namespace troupe::cluster
