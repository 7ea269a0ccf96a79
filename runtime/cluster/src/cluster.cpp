#include "troupe/cluster/cluster.hpp"

#include "json_string.hpp"

#include <algorithm>
#include <set>

namespace troupe::cluster {

namespace {

using detail::json_string;

std::string json_names(const std::vector<member_key>& keys) {
  std::string out = "[";
  for (std::size_t i = 0; i < keys.size(); ++i) out += (i ? "," : "") + json_string(keys[i].first);
  return out + "]";
}

/// Members as "node#uid", which tells incarnations of one node apart.
std::string json_ids(const std::vector<member_key>& keys) {
  std::string out = "[";
  for (std::size_t i = 0; i < keys.size(); ++i)
    out += (i ? "," : "") + json_string(keys[i].first + "#" + std::to_string(keys[i].second));
  return out + "]";
}

}  // namespace

cluster_actor::cluster_actor(cluster_settings settings) : settings_(std::move(settings)) {
  TROUPE_ASSERT(settings_.gossip_interval_ns > 0);
  TROUPE_ASSERT(settings_.failure_detector.heartbeat_interval_ns > 0);
  TROUPE_ASSERT(settings_.downing.stable_after_ns >= 0);
  TROUPE_ASSERT(fence_timing_holds(settings_.fence));  // the inequality of docs/cluster.md
}

void cluster_actor::pre_start() {
  self_ = member_key(system().node_name(), random_u64() | 1);
  join_started_ns_ = now_ns();
  start_periodic_timer("tick", cluster_tick{},
                       std::chrono::nanoseconds(settings_.gossip_interval_ns));
  start_periodic_timer("heartbeat", heartbeat_tick{},
                       std::chrono::nanoseconds(settings_.failure_detector.heartbeat_interval_ns));
  try_to_join();
}

void cluster_actor::post_stop() {
  // A graceful stop: tell the others, so that the leader removes this member at once
  // instead of waiting for the failure detector and the resolver.
  if (!member_) return;
  for (const auto& node : peer_nodes())
    system()
        .remote_ref<cluster_protocol>(node, cluster_actor_path)
        .tell(leave_notice{self_.first, self_.second});
}

void cluster_actor::on_message(cluster_protocol& message) {
  if (std::holds_alternative<cluster_tick>(message)) return on_tick();
  if (std::holds_alternative<heartbeat_tick>(message)) return send_heartbeats();
  if (auto* beat = std::get_if<heartbeat>(&message)) return on_heartbeat(*beat);
  if (auto* ack = std::get_if<heartbeat_ack>(&message)) return on_heartbeat_ack(*ack);
  if (auto* g = std::get_if<gossip>(&message)) return on_gossip(*g);
  if (auto* join = std::get_if<join_request>(&message)) return on_join(*join);
  if (auto* answer = std::get_if<not_a_member>(&message)) {
    if (answer->previous_members.size() > settings_.members_max ||
        answer->departed.size() > settings_.members_max)
      return;
    not_member_answers_[answer->node] = {now_ns(), answer->previous_members, answer->departed};
    return;
  }
  if (auto* found = std::get_if<contact_points>(&message)) {
    if (found->nodes.size() > settings_.members_max) found->nodes.resize(settings_.members_max);
    if (!settings_.formation_by_bootstrap && !found->nodes.empty())
      settings_.seed_nodes = found->nodes;
    if (found->complete) down_members_not_listed(found->nodes);
    discovered_ = std::move(*found);
    return;
  }
  if (auto* leave = std::get_if<leave_notice>(&message)) return on_leave(*leave);
  if (auto* s = std::get_if<subscribe>(&message)) return on_subscribe(*s);
  if (auto* u = std::get_if<unsubscribe>(&message)) {
    std::erase(subscribers_, u->subscriber);
    return;
  }
  if (std::holds_alternative<get_state>(message)) return reply(state_);
  if (std::holds_alternative<get_fence>(message)) reply(current_fence());
}

// -- joining -------------------------------------------------------------------------------

void cluster_actor::try_to_join() {
  const std::int64_t now = now_ns();
  if (now < rejoin_at_ns_) return;
  const auto& seeds =
      settings_.formation_by_bootstrap ? discovered_.nodes : settings_.seed_nodes;
  // The seeds, and every node of the cluster this node was in before it was downed: the
  // surviving side may hold no seed.
  // Nodes whose answer the first seed needs before it may form a cluster: its own previous
  // members and those of every node that answered (they may be serving without a seed).
  std::set<std::string> previous(last_members_.begin(), last_members_.end());
  for (const auto& [node, answer] : not_member_answers_)
    if (now - answer.at_ns <= 2 * settings_.seed_timeout_ns)
      previous.insert(answer.previous_members.begin(), answer.previous_members.end());
  previous.erase(self_.first);
  std::set<std::string> contacts(seeds.begin(), seeds.end());
  contacts.insert(previous.begin(), previous.end());
  contacts.erase(self_.first);
  for (const auto& node : contacts)
    system()
        .remote_ref<cluster_protocol>(node, cluster_actor_path)
        .tell(join_request{self_.first, self_.second});
  if (!may_form(now, contacts, previous)) return;
  membership_state fresh;
  fresh.members[self_] = member_info{member_status::up, 1, {}};
  become_member(std::move(fresh));
}

bool cluster_actor::may_form(std::int64_t now, const std::set<std::string>& contacts,
                             const std::set<std::string>& previous) const {
  auto fresh = [&](const answer_record& answer) {
    return now - answer.at_ns <= 2 * settings_.seed_timeout_ns;
  };
  auto answered = [&](const std::string& node) {
    auto at = not_member_answers_.find(node);
    return node == self_.first || (at != not_member_answers_.end() && fresh(at->second));
  };
  // A seed scaled away (it left gracefully, this node or a fresh answer saw it go) cannot be
  // serving: without this, a StatefulSet scaled below its seeds could never form again.
  auto departed = [&](const std::string& node) {
    if (departed_.contains(node)) return true;
    return std::any_of(not_member_answers_.begin(), not_member_answers_.end(),
                       [&](const auto& entry) {
                         const auto& gone = entry.second.departed;
                         return fresh(entry.second) &&
                                std::find(gone.begin(), gone.end(), node) != gone.end();
                       });
  };
  // With discovery the bootstrap alone decides who forms and when; it decided on the premise
  // that no contact is a member of a cluster, which their not-a-member answers confirm.
  if (settings_.formation_by_bootstrap)
    return discovered_.form_new_cluster && std::all_of(contacts.begin(), contacts.end(), answered);
  const auto& seeds = settings_.seed_nodes;
  const bool first_seed = seeds.empty() || seeds.front() == self_.first;
  if (!first_seed || now - join_started_ns_ < settings_.seed_timeout_ns) return false;
  // Only the first seed may form a new cluster, and only when every seed, and every member
  // of its previous cluster, says it is in none: a first seed cut off from a running cluster
  // must not start a second one. A majority of seeds is not enough: seeds killed and
  // restarted answer as fresh nodes while the remaining seed serves with non-seed members.
  // A seed or previous member seen leaving gracefully needs no answer.
  auto accounted = [&](const std::string& node) { return answered(node) || departed(node); };
  return std::all_of(seeds.begin(), seeds.end(), accounted) &&
         std::all_of(previous.begin(), previous.end(), accounted);
}

void cluster_actor::become_member(membership_state state) {
  member_ = true;
  state_ = std::move(state);
  see_joiners();
  not_member_answers_.clear();
  sync_detectors();
  publish();
}

void cluster_actor::see_joiners() {
  for (auto& [key, info] : state_.members) {
    if (info.status != member_status::joining) continue;
    auto at = std::lower_bound(info.seen_by.begin(), info.seen_by.end(), self_);
    if (at == info.seen_by.end() || *at != self_) info.seen_by.insert(at, self_);
  }
}

void cluster_actor::note_departures() {
  for (const auto& [key, info] : state_.members)
    if (info.status == member_status::leaving || info.status == member_status::exiting)
      departed_.insert(key.first);
  for (const auto& [key, info] : state_.members)  // back: a new incarnation joined
    if (info.status <= member_status::up) departed_.erase(key.first);
  while (departed_.size() > settings_.members_max) departed_.erase(departed_.begin());
}

void cluster_actor::on_join(const join_request& request) {
  if (!member_) {
    system()
        .remote_ref<cluster_protocol>(request.node, cluster_actor_path)
        .tell(not_a_member{self_.first,
                           {last_members_.begin(), last_members_.end()},
                           {departed_.begin(), departed_.end()}});
    return;
  }
  const member_key key(request.node, request.uid);
  if (state_.is_tombstoned(key)) {
    send_gossip(request.node);  // it learns that this uid was removed, and draws another
    return;
  }
  if (!state_.members.contains(key)) {
    if (state_.members.size() >= settings_.members_max) return;
    // A node joins with a new uid only as a new process: its earlier incarnations are gone.
    std::vector<member_key> earlier;
    for (const auto& [other, info] : state_.members)
      if (other.first == key.first) earlier.push_back(other);
    for (const auto& other : earlier) {
      const member_info info = state_.members.at(other);
      if (info.status == member_status::up || info.status == member_status::down)
        watch_fence(other, info.up_number);
      state_.remove(other);
    }
    confirm_replaced();
    state_.members[key] = member_info{member_status::joining, 0, {}};
    see_joiners();
    sync_detectors();
    publish();
  }
  send_gossip(request.node);
}

void cluster_actor::on_leave(const leave_notice& notice) {
  if (!member_) return;
  auto at = state_.members.find(member_key(notice.node, notice.uid));
  if (at == state_.members.end() || at->second.status >= member_status::leaving) return;
  at->second.status = member_status::leaving;
  publish();
}

// -- gossip and heartbeats -----------------------------------------------------------------

void cluster_actor::on_gossip(const gossip& message) {
  if (!member_) {
    // A join attempt with a uid the cluster already removed (this node was removed while it
    // was still joining): try again as a new member.
    if (message.state.is_tombstoned(self_)) {
      self_.second = random_u64() | 1;
      return;
    }
    // The welcome: a member added this node and sent its state.
    if (message.state.members.contains(self_) && now_ns() >= rejoin_at_ns_)
      become_member(message.state);
    return;
  }
  const member_key sender(message.from_node, message.from_uid);
  if (state_.is_tombstoned(sender)) {
    send_gossip(message.from_node);  // a removed member: let it learn that it was removed
    return;
  }
  // Two clusters never merge: gossip from a node this one does not know, that does not
  // know this one, comes from another cluster.
  if (!state_.members.contains(sender) && !message.state.members.contains(self_)) return;
  auto& seen = peer_up_[message.from_node];
  seen.clear();
  for (const auto& [key, info] : message.state.members)
    if (info.status == member_status::up) seen.insert(key);
  confirm_fences(sender, message.state);
  membership_state merged = merge(state_, message.state);
  if (merged == state_) return;
  // Members that were up or down here and are removed by the merge: nothing they ran may
  // start elsewhere before they are certified fenced.
  for (const auto& [key, info] : state_.members)
    if ((info.status == member_status::up || info.status == member_status::down) &&
        !merged.members.contains(key))
      watch_fence(key, info.up_number);
  state_ = std::move(merged);
  see_joiners();
  watch_downed_members();
  confirm_replaced();
  auto me = state_.members.find(self_);
  if (me == state_.members.end() || me->second.status == member_status::down) {
    down_self("downed by the cluster");
    return;
  }
  sync_detectors();
  publish();
}

void cluster_actor::on_heartbeat(const heartbeat& message) {
  if (!member_) return;
  const member_key key(message.node, message.uid);
  auto member = state_.members.find(key);
  if (state_.is_tombstoned(key) ||
      (member != state_.members.end() && member->second.status >= member_status::down)) {
    // Never an ack again (its certificate counts on that); the gossip tells it that it is
    // down, so that it downs itself at once if it can hear this node.
    send_gossip(message.node);
    return;
  }
  if (member == state_.members.end()) return;
  auto detector = detectors_.find(key);
  if (detector != detectors_.end()) detector->second.heartbeat(now_ns());
  system()
      .remote_ref<cluster_protocol>(message.node, cluster_actor_path)
      .tell(heartbeat_ack{self_.first, self_.second, message.uid, message.sent_ns});
}

void cluster_actor::on_heartbeat_ack(const heartbeat_ack& message) {
  // Only acks of this incarnation's own heartbeats, from members it knows, count.
  if (!member_ || message.to_uid != self_.second || message.sent_ns > now_ns()) return;
  const member_key key(message.node, message.uid);
  if (!state_.members.contains(key)) return;
  auto& expiry = ack_expiry_ns_[key];
  expiry = std::max(expiry, message.sent_ns + settings_.fence.lease_ns);
}

void cluster_actor::send_heartbeats() {
  if (!member_) return;
  for (const auto& node : peer_nodes())
    system()
        .remote_ref<cluster_protocol>(node, cluster_actor_path)
        .tell(heartbeat{self_.first, self_.second, now_ns()});
}

void cluster_actor::send_gossip(const std::string& node) {
  system()
      .remote_ref<cluster_protocol>(node, cluster_actor_path)
      .tell(gossip{self_.first, self_.second, state_});
}

void cluster_actor::gossip_to_peers() {
  std::vector<std::string> peers = peer_nodes();
  // A partial Fisher-Yates shuffle with the platform's generator: fanout distinct peers.
  const std::size_t count = std::min(peers.size(), settings_.gossip_fanout);
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t pick = i + static_cast<std::size_t>(random_u64() % (peers.size() - i));
    std::swap(peers[i], peers[pick]);
    send_gossip(peers[i]);
  }
}

std::vector<std::string> cluster_actor::peer_nodes() const {
  std::set<std::string> nodes;
  for (const auto& [key, info] : state_.members)
    if (key.first != self_.first && info.status < member_status::down) nodes.insert(key.first);
  return {nodes.begin(), nodes.end()};
}

// -- failure detection ---------------------------------------------------------------------

void cluster_actor::sync_detectors() {
  for (auto it = detectors_.begin(); it != detectors_.end();) {
    auto member = state_.members.find(it->first);
    const bool watched =
        member != state_.members.end() && member->second.status < member_status::down;
    it = watched ? std::next(it) : detectors_.erase(it);
  }
  for (const auto& [key, info] : state_.members)
    if (key != self_ && info.status < member_status::down && !detectors_.contains(key))
      detectors_.emplace(key, phi_detector(settings_.failure_detector, now_ns()));
  std::erase_if(ack_expiry_ns_,
                [&](const auto& ack) { return !state_.members.contains(ack.first); });
}

void cluster_actor::update_reachability() {
  std::vector<member_key> unreachable;
  for (const auto& [key, detector] : detectors_)
    if (!detector.available(now_ns())) unreachable.push_back(key);
  auto& record = state_.reachability[self_];
  if (record.version != 0 && unreachable == locally_unreachable_) return;
  locally_unreachable_ = unreachable;
  record.unreachable = std::move(unreachable);
  ++record.version;
}

bool cluster_actor::unreachable(const member_key& key) const {
  return state_.is_unreachable(key, locally_unreachable_);
}

// -- leader and downing --------------------------------------------------------------------

bool cluster_actor::is_leader() const {
  std::optional<member_key> leader, joining_leader;
  for (const auto& [key, info] : state_.members) {
    // A leaving member has stopped (it sends `leave` from post_stop): it cannot lead, and
    // counting it would stall leader actions until the failure detector finds it.
    if (info.status >= member_status::leaving || unreachable(key)) continue;
    if (info.status == member_status::joining) {
      if (!joining_leader) joining_leader = key;
    } else if (!leader) {
      leader = key;
    }
  }
  return (leader ? leader : joining_leader) == self_;
}

void cluster_actor::leader_actions() {
  if (!is_leader()) return;
  bool blocked = false;  // a joining or up member unreachable: no one is moved up
  std::vector<member_key> up;
  for (const auto& [key, info] : state_.members) {
    if (info.status <= member_status::up && unreachable(key)) blocked = true;
    if (info.status == member_status::up) up.push_back(key);
  }
  // A joiner becomes up only once every up member has seen it joining (its seen set, merged
  // by gossip): otherwise the side of a partition that has not heard of it would count a
  // universe without it while this side counts it, and both could keep a majority.
  auto seen_by_every_up_member = [&](const member_info& info) {
    return std::includes(info.seen_by.begin(), info.seen_by.end(), up.begin(), up.end());
  };
  std::vector<member_key> to_remove;
  std::uint64_t next_up = state_.max_up_number() + 1;
  for (auto& [key, info] : state_.members) {
    switch (info.status) {
      case member_status::joining:
        if (!blocked && seen_by_every_up_member(info))
          info = member_info{member_status::up, next_up++, {}};
        break;
      case member_status::leaving:
        info.status = member_status::exiting;
        break;
      case member_status::exiting:
      case member_status::down:
        to_remove.push_back(key);
        break;
      default:
        break;
    }
  }
  for (const auto& key : to_remove) state_.remove(key);
  sync_detectors();
}

void cluster_actor::resolve_split_brain() {
  if (settings_.downing.strategy == downing_strategy::none) return;
  auto me = state_.members.find(self_);
  if (me == state_.members.end() || me->second.status != member_status::up) return;
  // A member counts on this side only if this node heard its heartbeat recently itself:
  // phi adapts to the history, and after an earlier partition a long gap in the history can
  // keep a member "available" for seconds after it was cut off again, which would let this
  // side count a member that the other side counts too.
  const std::int64_t fresh_ns = settings_.failure_detector.heartbeat_interval_ns +
                                settings_.failure_detector.acceptable_pause_ns;
  auto stale = [&](const member_key& key) {
    auto detector = detectors_.find(key);
    return detector != detectors_.end() &&
           now_ns() - detector->second.last_heartbeat_ns() > fresh_ns;
  };
  std::vector<member_key> cut_off, up;
  for (const auto& [key, info] : state_.members) {
    if (key == self_ || info.status > member_status::up) continue;
    if (unreachable(key) || stale(key)) cut_off.push_back(key);
    if (info.status == member_status::up) up.push_back(key);
  }
  if (cut_off.empty()) update_universe();
  const std::int64_t now = now_ns();
  if (cut_off != last_unreachable_ || up != last_up_) {
    last_unreachable_ = cut_off;
    last_up_ = up;
    unreachable_changed_ns_ = now;
  }
  if (cut_off.empty() || now - unreachable_changed_ns_ < settings_.downing.stable_after_ns) return;
  const downing_decision decision = decide(settings_.downing, state_, self_, cut_off, universe_);
  record("sbr", std::string("\"decision\":") +
                    (decision.action == downing_action::keep ? "\"keep\"" : "\"down_self\"") +
                    ",\"kept\":" + json_names(decision.kept) + ",\"downed\":" +
                    json_names(decision.downed) + ",\"kept_ids\":" + json_ids(decision.kept) +
                    ",\"downed_ids\":" + json_ids(decision.downed));
  if (decision.action == downing_action::down_self) {
    down_self("split brain resolver");
    return;
  }
  for (const auto& key : decision.downed) {
    auto at = state_.members.find(key);
    if (at != state_.members.end() && at->second.status < member_status::down)
      at->second.status = member_status::down;
  }
  watch_downed_members();
  sync_detectors();
}

void cluster_actor::update_universe() {
  // Everyone is reachable: this is the member set the next split is counted against. A
  // member leaves it only once every up member's latest gossip no longer has it up, so that a
  // side cut off before it heard of a removal is still counted as the other side counts it.
  member_universe next;
  for (const auto& [key, info] : state_.members)
    if (info.status == member_status::up) next.emplace(key, info.up_number);
  for (const auto& [key, up_number] : universe_) {
    if (next.contains(key)) continue;
    bool someone_has_it_up = false;
    for (const auto& [member, info] : state_.members) {
      if (member == self_ || info.status != member_status::up) continue;
      auto seen = peer_up_.find(member.first);
      if (seen == peer_up_.end() || seen->second.contains(key)) someone_has_it_up = true;
    }
    if (someone_has_it_up) next.emplace(key, up_number);
  }
  universe_ = std::move(next);
  seen_up_.clear();  // the universe covers them again
}

void cluster_actor::down_self(std::string_view reason) {
  log("info", std::string("cluster: this member is down (") + std::string(reason) + ")");
  for (auto& [node, view] : published_) {
    const std::string status = node == self_.first ? "down" : "removed";
    if (view.first == status) continue;
    view.first = status;
    record_member(node, status);
    notify(node, node == self_.first ? self_.second : 0, status);
  }
  if (!published_.contains(self_.first)) {
    published_[self_.first] = {"down", true};
    record_member(self_.first, "down");
    notify(self_.first, self_.second, "down");
  }
  last_members_.clear();
  for (const auto& [key, info] : state_.members)
    if (key.first != self_.first && info.status <= member_status::up)
      last_members_.insert(key.first);
  // Join again as a new member once the rest of the cluster has had time to remove this one.
  member_ = false;
  state_ = membership_state{};
  detectors_.clear();
  ack_expiry_ns_.clear();  // the next incarnation's lease starts from nothing
  locally_unreachable_.clear();
  last_unreachable_.clear();
  last_up_.clear();
  universe_.clear();
  seen_up_.clear();
  peer_up_.clear();
  not_member_answers_.clear();
  self_.second = random_u64() | 1;
  rejoin_at_ns_ = now_ns() + settings_.rejoin_delay_ns;
  join_started_ns_ = rejoin_at_ns_;
}

void cluster_actor::down_members_not_listed(const std::vector<std::string>& nodes) {
  complete_contacts_ = true;
  listed_ = std::set<std::string>(nodes.begin(), nodes.end());
  // A node whose pod was deleted answers no join: forming a cluster needs no answer from it.
  for (const auto& node : last_members_)
    if (pod_deleted(node)) departed_.insert(node);
  for (const auto& node : settings_.seed_nodes)
    if (pod_deleted(node)) departed_.insert(node);
  if (!member_) return;
  std::string downed;
  for (auto& [key, info] : state_.members) {
    if (!pod_deleted(key.first)) continue;
    departed_.insert(key.first);
    // A leaving or exiting member is on its way out gracefully (its shards handed off): the
    // leader removes it. Only a member that was serving is downed.
    if (info.status >= member_status::leaving) continue;
    // Down, as the resolver downs: fenced before anything it ran starts elsewhere.
    info.status = member_status::down;
    downed += (downed.empty() ? "" : ", ") + key.first;
  }
  while (departed_.size() > settings_.members_max) departed_.erase(departed_.begin());
  confirm_replaced();
  if (downed.empty()) return;
  log("info", "cluster: downed " + downed + " (no longer among the contact points: pod deleted)");
  watch_downed_members();
  sync_detectors();
  publish();
}

// -- the tick ------------------------------------------------------------------------------

void cluster_actor::on_tick() {
  certify_fences();
  if (!member_) {
    record_lease();
    try_to_join();
    return;
  }
  update_reachability();
  leader_actions();
  resolve_split_brain();
  record_lease();
  if (!member_) return;  // downed itself
  gossip_to_peers();
  publish();
}

// -- fencing (docs/cluster.md, "Fencing") ----------------------------------------------------

// The universe leases and fence watches count against: the resolver's universe, the members
// up now, and every member seen up since the universe was last taken (so that a watch made
// after some members were already removed, e.g. on a node that joined during a partition,
// still counts them).
member_universe cluster_actor::counted_universe() const {
  member_universe counted = universe_;
  counted.insert(seen_up_.begin(), seen_up_.end());
  for (const auto& [key, info] : state_.members)
    if (info.status == member_status::up) counted.emplace(key, info.up_number);
  return counted;
}

fence_state cluster_actor::current_fence() const {
  fence_state out;
  auto me = state_.members.find(self_);
  const bool serving = member_ && me != state_.members.end() &&
                       me->second.status >= member_status::up &&
                       me->second.status <= member_status::exiting;
  if (serving)
    out.lease_until_ns = lease_until(settings_.downing, counted_universe(), self_, ack_expiry_ns_);
  if (fence_overflow_) out.uncertain.emplace_back("*", 0);
  for (const auto& [key, watch] : fence_watches_) out.uncertain.push_back(key);
  std::sort(out.uncertain.begin(), out.uncertain.end());
  return out;
}

// Starts watching a member that was up and is now down or removed (not after a graceful
// leave: it stopped serving before it left). This node has it down from now on and never
// acks it again, which is its own confirmation.
void cluster_actor::watch_fence(const member_key& member, std::uint64_t up_number) {
  if (member == self_ || up_number == 0) return;  // a member never up never served
  if (fence_certified_.contains(member) || fence_watches_.contains(member)) return;
  if (fence_watches_.size() >= 2 * settings_.members_max) {
    fence_overflow_ = true;
    return;
  }
  fence_watch watch;
  watch.universe = counted_universe();
  watch.universe.emplace(member, up_number);
  watch.confirmed[self_] = now_ns();
  fence_watches_.emplace(member, std::move(watch));
  confirm_replaced();
}

// A member whose node now runs a newer incarnation (a new uid in the state, the old one gone
// from it) has left its cluster actor for good: it downed itself or died, and never acks
// again. It confirms every watch from now on.
void cluster_actor::confirm_replaced() {
  for (auto& [member, watch] : fence_watches_) {
    for (const auto& [key, up_number] : watch.universe)
      if (key != member && !watch.confirmed.contains(key) && replaced(key))
        watch.confirmed.emplace(key, now_ns());
  }
}

void cluster_actor::watch_downed_members() {
  for (const auto& [key, info] : state_.members)
    if (info.status == member_status::down) watch_fence(key, info.up_number);
}

// Gossip from `from` confirms every watched member that it has down or removed: `from` never
// acks it again.
void cluster_actor::confirm_fences(const member_key& from, const membership_state& state) {
  for (auto& [member, watch] : fence_watches_) {
    auto info = state.members.find(member);
    const bool has_it_down =
        state.is_tombstoned(member) ||
        (info != state.members.end() && info->second.status >= member_status::down);
    if (has_it_down) watch.confirmed.try_emplace(from, now_ns());
  }
}

bool cluster_actor::pod_deleted(const std::string& node) const {
  return complete_contacts_ && node != self_.first && !listed_.contains(node);
}

bool cluster_actor::replaced(const member_key& key) const {
  // A node missing from a complete contact list has no pod any more: it never acks again.
  if (pod_deleted(key.first)) return true;
  if (state_.members.contains(key)) return false;
  auto newer = state_.members.lower_bound(member_key(key.first, 0));
  return newer != state_.members.end() && newer->first.first == key.first;
}

void cluster_actor::certify_fences() {
  for (auto it = fence_watches_.begin(); it != fence_watches_.end();) {
    // A member replaced by a newer incarnation of its node has downed itself (stopping its
    // entities and singleton when its subscribers got the event, a rejoin delay before it
    // could join again) or died: fenced without a certificate.
    if (!replaced(it->first) &&
        !certified(settings_.downing, settings_.fence, it->second, it->first, now_ns())) {
      ++it;
      continue;
    }
    record("fence", "\"member\":" + json_string(it->first.first) + ",\"member_id\":" +
                        json_string(it->first.first + "#" + std::to_string(it->first.second)) +
                        ",\"state\":\"certified\"");
    fence_certified_.insert(it->first);
    if (fence_certified_.size() > tombstones_max) fence_certified_.erase(fence_certified_.begin());
    it = fence_watches_.erase(it);
  }
  // Conservative: a member whose watch was refused counts as uncertain until the table empties.
  if (fence_watches_.empty()) fence_overflow_ = false;
}

void cluster_actor::record_lease() {
  const bool held = current_fence().lease_until_ns > now_ns();
  if (held == lease_recorded_) return;
  lease_recorded_ = held;
  record("lease", std::string("\"state\":") + (held ? "\"held\"" : "\"lost\""));
}

// -- what the trace and subscribers see ----------------------------------------------------

void cluster_actor::publish() {
  if (!member_) return;
  note_departures();
  for (const auto& [key, info] : state_.members)
    if (info.status == member_status::up) seen_up_.emplace(key, info.up_number);
  while (seen_up_.size() > 2 * settings_.members_max) seen_up_.erase(seen_up_.begin());
  std::map<std::string, std::pair<std::string, bool>> view;
  for (const auto& [key, info] : state_.members) {
    if (view.contains(key.first)) continue;
    const member_key current = *state_.current_member(key.first);
    view[key.first] = {std::string(to_string(state_.members.at(current).status)),
                       !unreachable(current)};
  }
  for (auto& [node, shown] : published_)
    if (!view.contains(node)) view[node] = {"removed", shown.second};
  for (const auto& [node, now] : view) {
    auto before = published_.find(node);
    const bool known = before != published_.end();
    const auto uid = state_.current_member(node).value_or(member_key(node, 0)).second;
    // A new incarnation that reached the status of the one it replaced (both up) is a change
    // too: subscribers key their views by uid (the coordinator waited forever for the old
    // uid's registration, found by the sharding property).
    auto shown_uid = published_uid_.find(node);
    const bool new_incarnation =
        known && uid != 0 && shown_uid != published_uid_.end() && shown_uid->second != uid;
    if (!known || before->second.first != now.first || new_incarnation) {
      if (!known && now.first == "removed") continue;
      record_member(node, now.first);
      notify(node, uid, now.first);
    }
    if (uid != 0) published_uid_[node] = uid;
    if ((known && before->second.second != now.second) || (!known && !now.second)) {
      record_member(node, now.second ? "reachable" : "unreachable");
      notify(node, uid, now.second ? "reachable" : "unreachable");
    }
    published_[node] = now;
  }
}

void cluster_actor::record_member(const std::string& node, std::string_view status) {
  record("member", "\"member\":" + json_string(node) + ",\"status\":" + json_string(status));
}

void cluster_actor::notify(const std::string& node, std::uint64_t uid, std::string_view status) {
  for (const auto& subscriber : subscribers_)
    subscriber.tell_any(member_event{node, uid, std::string(status)});
}

void cluster_actor::on_subscribe(const subscribe& message) {
  if (!message.subscriber || subscribers_.size() >= settings_.subscribers_max) return;
  if (std::find(subscribers_.begin(), subscribers_.end(), message.subscriber) != subscribers_.end())
    return;
  subscribers_.push_back(message.subscriber);
  // The current view, with each node's current uid (0 for a removed node), as a new
  // subscriber would have seen it change.
  for (const auto& [node, view] : published_) {
    const auto uid = state_.current_member(node).value_or(member_key(node, 0)).second;
    message.subscriber.tell_any(member_event{node, uid, view.first});
    if (!view.second) message.subscriber.tell_any(member_event{node, uid, "unreachable"});
  }
}

result<actor_ref<cluster_protocol>> start_cluster(actor_system& system, cluster_settings settings) {
  return system.spawn_with<cluster_actor>(spawn_options{cluster_actor_name, {}},
                                          std::move(settings));
}

}  // namespace troupe::cluster
