#pragma once
/// The split-brain resolver's decision, as a pure function of one member's view: which side
/// of an unreachability split survives (docs/cluster.md, "Downing"). Every member computes
/// it alone, after the unreachable set has been stable for `stable_after`; the strategies
/// are built so that two sides with the same member set never both survive.

#include <cstdint>
#include <vector>

#include "troupe/cluster/membership.hpp"

namespace troupe::cluster {

enum class downing_strategy : std::uint8_t {
  keep_majority,  ///< the side with more up members survives; a tie keeps the lowest address
  keep_oldest,    ///< the side with the oldest up member survives
  none,           ///< never down anyone automatically (unreachable members stay)
};

/// Settings of the resolver.
struct downing_settings {
  downing_strategy strategy = downing_strategy::keep_majority;
  std::int64_t stable_after_ns = 2'000'000'000;  ///< unreachability must not change this long
  /// keep_oldest: when the oldest is alone on its side and the other side has more than one
  /// member, the oldest downs itself instead (Pekko's down-if-alone).
  bool down_if_alone = true;
};

/// What the member that computed the decision must do.
enum class downing_action : std::uint8_t {
  keep,       ///< this side survives: down the unreachable members
  down_self,  ///< this side goes: down this member (and stop serving)
};

struct downing_decision {
  downing_action action = downing_action::keep;
  std::vector<member_key> kept;    ///< the surviving side's up members (this side if keep)
  std::vector<member_key> downed;  ///< members to mark down (unreachable, or this side)
};

/// The up members (with their up_number) when a member last saw every member reachable.
/// Sides are counted against it, not against the current view: a side that removed members
/// while the other side could not hear of it must not shrink the count in its own favour.
using member_universe = std::map<member_key, std::uint64_t>;

/// Decides for `self` given the state's members, the unreachable set (members `self` cannot
/// reach, directly or through gossip) and the universe. Counted members are the state's up
/// members and the universe; this side is the counted members that are up in the state and
/// reachable; every other counted member is on the other side (unreachable, or downed or
/// removed since the universe was taken). Joining, leaving and exiting members never tip a
/// decision, but unreachable ones of any status are downed by a keeping side. Requires
/// `self` to be an up member not in `unreachable`.
downing_decision decide(const downing_settings& settings, const membership_state& state,
                        const member_key& self, const std::vector<member_key>& unreachable,
                        const member_universe& universe = {});

}  // namespace troupe::cluster
