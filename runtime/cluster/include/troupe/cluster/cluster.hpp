#pragma once
/// Cluster membership: one `cluster_actor` per node, registered as "cluster"
/// (path /user/cluster). It joins through seed nodes, gossips the membership state, runs the
/// phi-accrual failure detector on heartbeats, applies the leader's actions (joining -> up,
/// leaving -> exiting -> removed, down -> removed), runs the split-brain resolver, writes
/// every change of its view to the trace as `member` events and tells local subscribers.
/// See docs/cluster.md.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "troupe/cluster/fence.hpp"
#include "troupe/cluster/membership.hpp"
#include "troupe/cluster/phi_detector.hpp"
#include "troupe/cluster/split_brain_resolver.hpp"
#include "troupe/runtime.hpp"

namespace troupe::cluster {

/// Configuration of a node's membership. Times in nanoseconds of the platform clock.
struct cluster_settings {
  std::vector<std::string> seed_nodes;  ///< node names; the first may form a new cluster
  phi_settings failure_detector;        ///< heartbeats go out every heartbeat_interval_ns
  downing_settings downing;
  fence_settings fence;  ///< leases and take-over (docs/cluster.md, "Fencing")
  std::int64_t gossip_interval_ns = 200'000'000;  ///< the tick: gossip, leader, resolver
  std::size_t gossip_fanout = 3;                  ///< peers gossiped to per tick
  /// The first seed forms a new cluster when, for this long, no seed welcomed it and every
  /// other seed node answered that it is not a member.
  std::int64_t seed_timeout_ns = 1'000'000'000;
  /// True: the contacts come from `contact_points` messages (discovery, `troupe node
  /// --discovery`) instead of `seed_nodes`, and whether this node forms a new cluster is
  /// their `form_new_cluster` (the decision of k8s/discovery's cluster_bootstrap: lowest
  /// address after a stable window); the first-seed rule above is off. The node still forms
  /// only once every contact answered that it is not a member (bootstrap's premise).
  bool formation_by_bootstrap = false;
  /// After downing itself a node waits this long, then joins again as a new member.
  std::int64_t rejoin_delay_ns = 1'000'000'000;
  std::size_t members_max = 1024;      ///< joins beyond this many members are refused
  std::size_t subscribers_max = 1024;  ///< subscriptions beyond this are refused
};

// -- messages between cluster actors (wire types) ------------------------------------------

/// A node asks to join (sent to the seeds until one welcomes it with gossip).
struct join_request {
  std::string node;
  std::uint64_t uid = 0;
  template <class A>
  void fields(A& a) {
    a(node, uid);
  }
};
/// The answer of a node that is not a member of any cluster to a join request, with the
/// other members of the cluster it was in before it was downed (empty for a fresh node), and
/// the nodes it saw leave that cluster gracefully (scaled away) and not come back.
struct not_a_member {
  std::string node;
  std::vector<std::string> previous_members;
  std::vector<std::string> departed;
  template <class A>
  void fields(A& a) {
    a(node, previous_members, departed);
  }
};
/// The sender's full membership state.
struct gossip {
  std::string from_node;
  std::uint64_t from_uid = 0;
  membership_state state;
  template <class A>
  void fields(A& a) {
    a(from_node, from_uid, state);
  }
};
/// "I am alive", sent to every member each heartbeat interval. `sent_ns` is the sender's
/// clock at sending; the receiver echoes it in its `heartbeat_ack`.
struct heartbeat {
  std::string node;
  std::uint64_t uid = 0;
  std::int64_t sent_ns = 0;
  template <class A>
  void fields(A& a) {
    a(node, uid, sent_ns);
  }
};
/// The answer to a heartbeat from member (to_node, to_uid), by a member that has it joining,
/// up, leaving or exiting: evidence for the sender's lease. A member that has the sender down
/// or removed never sends it (docs/cluster.md, "Fencing").
struct heartbeat_ack {
  std::string node;  ///< the answering member
  std::uint64_t uid = 0;
  std::uint64_t to_uid = 0;  ///< the heartbeat's sender
  std::int64_t sent_ns = 0;  ///< the heartbeat's sent_ns
  template <class A>
  void fields(A& a) {
    a(node, uid, to_uid, sent_ns);
  }
};
/// Sent by a node that stops gracefully: the member leaves.
struct leave_notice {
  std::string node;
  std::uint64_t uid = 0;
  template <class A>
  void fields(A& a) {
    a(node, uid);
  }
};

// -- local messages ----------------------------------------------------------------------

/// A change of a member as this node sees it, told to subscribers. `status` is a trace
/// status (`up`, `unreachable`, `down` ...). When `node` is this node and `status` is
/// `down`, this node has been downed: applications must stop serving.
struct member_event {
  std::string node;
  std::uint64_t uid = 0;
  std::string status;
};
/// Subscribes a local actor (accepting `member_event`) to membership changes; it first gets
/// the current view as events.
struct subscribe {
  any_ref subscriber;
};
struct unsubscribe {
  any_ref subscriber;
};
/// From discovery, to a cluster actor: the node names of the contact points found (this node
/// may be among them; at most `members_max` are kept). With `formation_by_bootstrap`, whether
/// the bootstrap decided that this node forms a new cluster; without it, `nodes` replaces the
/// seed nodes (the first may form a new cluster). Each message replaces the previous one.
/// Sent from the node's discovery thread, or by the simulated scenario runner at every scale.
struct contact_points {
  std::vector<std::string> nodes;
  bool form_new_cluster = false;
  /// `nodes` is every node that exists and may be a member (e.g. every pod of the servers'
  /// StatefulSets, which Kubernetes keeps listed while a pod is cut off or paused). A member
  /// or previous member not listed is gone: its pod was deleted. This node downs such
  /// members, and forms a new cluster without their answer.
  bool complete = false;
};
/// The periodic tick (a timer): gossip, leader actions, resolver.
struct cluster_tick {};
/// The heartbeat timer.
struct heartbeat_tick {};
/// Asks for a snapshot of the state (answered with `membership_state`). For tests.
struct get_state {};

using cluster_protocol =
    std::variant<join_request, not_a_member, gossip, heartbeat, heartbeat_ack, leave_notice,
                 subscribe, unsubscribe, cluster_tick, heartbeat_tick, get_state, get_fence,
                 contact_points>;

/// The registered name and path of the cluster actor on every node.
inline constexpr const char* cluster_actor_name = "cluster";
inline constexpr const char* cluster_actor_path = "/user/cluster";

/// The membership of one node. Spawn it once per actor system with `start_cluster`.
class cluster_actor final : public actor<cluster_protocol> {
 public:
  cluster_actor(cluster_settings settings);
  void pre_start() override;
  void post_stop() override;
  void on_message(cluster_protocol& message) override;

 private:
  void on_tick();
  void on_join(const join_request& request);
  void on_gossip(const gossip& message);
  void on_heartbeat(const heartbeat& message);
  void on_heartbeat_ack(const heartbeat_ack& message);
  void on_leave(const leave_notice& message);
  void on_subscribe(const subscribe& message);

  void try_to_join();
  /// May this node form a new cluster now (the first-seed rule, or bootstrap's decision)?
  bool may_form(std::int64_t now, const std::set<std::string>& contacts,
                const std::set<std::string>& previous) const;
  void become_member(membership_state state);
  /// Adds this node to the seen set of every joining member its state holds.
  void see_joiners();
  /// Adds the leaving and exiting members to `departed_`, and drops the nodes back again.
  void note_departures();
  void send_heartbeats();
  void update_reachability();
  void leader_actions();
  void resolve_split_brain();
  void down_self(std::string_view reason);
  /// A complete contact list: members whose node is not listed are down, and departed.
  void down_members_not_listed(const std::vector<std::string>& nodes);
  /// True when a complete contact list arrived and `node` (not this one) is missing from it:
  /// its pod was deleted.
  bool pod_deleted(const std::string& node) const;
  void update_universe();
  member_universe counted_universe() const;
  fence_state current_fence() const;
  void watch_fence(const member_key& member, std::uint64_t up_number);
  void watch_downed_members();
  void confirm_fences(const member_key& from, const membership_state& state);
  void confirm_replaced();
  /// True when `key` is gone from the state and its node has a newer incarnation in it, or
  /// its node is missing from a complete contact list (its pod was deleted).
  bool replaced(const member_key& key) const;
  void certify_fences();
  void record_lease();
  void gossip_to_peers();
  void send_gossip(const std::string& node);
  void sync_detectors();
  void publish();
  void record_member(const std::string& node, std::string_view status);
  void notify(const std::string& node, std::uint64_t uid, std::string_view status);
  bool is_leader() const;
  /// Unreachable as this node sees it: by its own detector, or by an observer it can hear.
  bool unreachable(const member_key& key) const;
  std::vector<std::string> peer_nodes() const;

  cluster_settings settings_;
  member_key self_;
  bool member_ = false;
  std::int64_t join_started_ns_ = 0;
  std::int64_t rejoin_at_ns_ = 0;
  struct answer_record {
    std::int64_t at_ns = 0;
    std::vector<std::string> previous_members;
    std::vector<std::string> departed;
  };
  /// node -> its last not_a_member answer.
  std::map<std::string, answer_record> not_member_answers_;
  std::set<std::string> last_members_;  ///< the other members when this node was downed
  /// Nodes seen leaving gracefully (leaving/exiting) and not seen joining or up since.
  std::set<std::string> departed_;
  contact_points discovered_;            ///< the last contact_points (formation_by_bootstrap)
  bool complete_contacts_ = false;       ///< a complete contact list arrived (listed_ is it)
  std::set<std::string> listed_;         ///< the nodes of the last complete contact list
  membership_state state_;
  std::map<member_key, phi_detector> detectors_;
  std::vector<member_key> locally_unreachable_;  ///< this node's detector verdicts, sorted
  /// What the trace shows of this node's view: node -> (status, reachable).
  std::map<std::string, std::pair<std::string, bool>> published_;
  std::map<std::string, std::uint64_t> published_uid_;  ///< the uid last shown per node
  std::vector<any_ref> subscribers_;
  std::vector<member_key> last_unreachable_;
  std::vector<member_key> last_up_;
  std::int64_t unreachable_changed_ns_ = 0;
  member_universe universe_;  ///< up members when all were last reachable (see decide)
  /// Members seen up since universe_ was last taken (bounded by 2 * members_max).
  member_universe seen_up_;
  /// node -> the up members of the latest gossip from it (bounded by members_max each).
  std::map<std::string, std::set<member_key>> peer_up_;
  /// peer -> when its latest ack of this incarnation's heartbeats stops counting (sent_ns +
  /// lease_ns); only members of the state, so bounded by members_max.
  std::map<member_key, std::int64_t> ack_expiry_ns_;
  /// Members down or removed, not yet certified fenced; kept across this node's own downing
  /// (confirmations stay true). At most 2 * members_max; beyond, `fence_overflow_`.
  std::map<member_key, fence_watch> fence_watches_;
  std::set<member_key> fence_certified_;  ///< bounded by tombstones_max, smallest forgotten
  bool fence_overflow_ = false;
  bool lease_recorded_ = false;  ///< the lease state last written to the trace
};

/// Spawns the cluster actor of `system` under the name "cluster".
[[nodiscard]] result<actor_ref<cluster_protocol>> start_cluster(actor_system& system,
                                                                cluster_settings settings);

}  // namespace troupe::cluster

TROUPE_MESSAGE(troupe::cluster::join_request, "cluster.join");
TROUPE_MESSAGE(troupe::cluster::not_a_member, "cluster.not_a_member");
TROUPE_MESSAGE(troupe::cluster::gossip, "cluster.gossip");
TROUPE_MESSAGE(troupe::cluster::heartbeat, "cluster.heartbeat");
TROUPE_MESSAGE(troupe::cluster::heartbeat_ack, "cluster.heartbeat_ack");
TROUPE_MESSAGE(troupe::cluster::leave_notice, "cluster.leave");
TROUPE_MESSAGE(troupe::cluster::member_event, "cluster.member_event");
TROUPE_MESSAGE(troupe::cluster::cluster_tick, "cluster.tick");
TROUPE_MESSAGE(troupe::cluster::heartbeat_tick, "cluster.heartbeat_tick");
