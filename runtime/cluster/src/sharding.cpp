#include "troupe/cluster/sharding.hpp"

#include "json_string.hpp"

#include <algorithm>
#include <chrono>

namespace troupe::cluster {

namespace {

using detail::json_string;

bool is_dead_status(const std::string& status) {
  return status == "down" || status == "removed";
}

}  // namespace

shard_id shard_of(std::string_view entity_id, std::uint32_t shard_count) {
  TROUPE_ASSERT(shard_count > 0);
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (char c : entity_id) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  return static_cast<shard_id>(hash % shard_count);
}

std::string entity_message_id::to_string() const {
  return origin + "/" + std::to_string(origin_start_ns) + "/" + std::to_string(number);
}

std::string region_name(std::string_view type_name) {
  return "sharding-" + std::string(type_name);
}

// -- coordinator -------------------------------------------------------------------------------

shard_coordinator::shard_coordinator(sharding_settings settings)
    : settings_(std::move(settings)),
      homes_(settings_.shard_count),
      home_uids_(settings_.shard_count, 0) {
  TROUPE_ASSERT(settings_.shard_count > 0);
  TROUPE_ASSERT(settings_.tick_ns > 0);
}

void shard_coordinator::pre_start() {
  id_ = random_u64() | 1;  // never 0: regions hold 0 before their first table
  auto cluster = system().lookup<cluster_protocol>(cluster_actor_name);
  TROUPE_ASSERT(cluster.has_value());
  cluster_ = *cluster;
  cluster_.tell(subscribe{self_any()});
  start_periodic_timer("tick", sharding_tick{}, std::chrono::nanoseconds(settings_.tick_ns));
  record("coordinator", "\"type\":" + json_string(settings_.type_name) + ",\"state\":\"started\"");
}

void shard_coordinator::post_stop() {
  if (auto cluster = system().lookup<cluster_protocol>(cluster_actor_name))
    cluster->tell(unsubscribe{self_any()});
  record("coordinator", "\"type\":" + json_string(settings_.type_name) + ",\"state\":\"stopped\"");
}

void shard_coordinator::on_message(coordinator_protocol& message) {
  if (auto* event = std::get_if<member_event>(&message)) return on_member(*event);
  if (auto* registration = std::get_if<shard_register>(&message)) return on_register(*registration);
  if (auto* stopped = std::get_if<shard_stopped>(&message))
    return on_stopped(stopped->node, stopped->uid, stopped->shard);
  if (auto* gone = std::get_if<region_stopped>(&message)) {
    stopped_regions_.insert({gone->node, gone->uid});
    for (shard_id shard : gone->shards) on_stopped(gone->node, gone->uid, shard);
    // Shards it hosted but did not list (none in practice) wait for the member's removal.
    if (registered_.contains(gone->node) && registered_[gone->node] == gone->uid)
      registered_.erase(gone->node);
    return;
  }
  on_tick();
}

void shard_coordinator::on_member(const member_event& event) {
  auto& view = members_[event.node];
  if (event.status == "unreachable" || event.status == "reachable") {
    if (view.uid == event.uid) view.reachable = event.status == "reachable";
    return;
  }
  if (view.uid != event.uid) view = member_view{event.uid, {}, true};
  view.status = event.status;
}

bool shard_coordinator::alive(const std::string& node, std::uint64_t uid) const {
  if (stopped_regions_.contains({node, uid})) return false;
  auto found = members_.find(node);
  if (found == members_.end()) return true;  // not heard of yet: assume it may run
  return found->second.uid != uid ? false : !is_dead_status(found->second.status);
}

bool shard_coordinator::eligible(const std::string& node) const {
  auto member = members_.find(node);
  auto region = registered_.find(node);
  return member != members_.end() && region != registered_.end() &&
         member->second.uid == region->second && member->second.status == "up" &&
         member->second.reachable && !stopped_regions_.contains({node, region->second});
}

void shard_coordinator::on_register(const shard_register& message) {
  auto member = members_.find(message.node);
  if (member != members_.end() && member->second.uid == message.uid &&
      is_dead_status(member->second.status))
    return;  // an incarnation the cluster downed; it stops its entities itself
  if (stopped_regions_.contains({message.node, message.uid})) return;
  registered_[message.node] = message.uid;
  for (shard_id shard : message.hosted) {
    if (shard >= settings_.shard_count) continue;
    if (homes_[shard].empty() && !moves_.contains(shard)) {
      set_home(shard, message.node, message.uid);
    } else if (homes_[shard] != message.node &&
               !(moves_.contains(shard) && moves_[shard].from == message.node)) {
      // Two regions claim the shard (a table lost with an earlier coordinator): the newcomer
      // stops its copy; the checkers would report the overlap if it ever happened.
      reply(shard_hand_off{shard});
    }
  }
  if (message.coordinator != id_ || message.version != version_) send_table(message.node);
}

void shard_coordinator::on_stopped(const std::string& node, std::uint64_t uid, shard_id shard) {
  if (shard >= settings_.shard_count) return;
  auto moving = moves_.find(shard);
  if (moving != moves_.end() && moving->second.from == node && moving->second.from_uid == uid) {
    const std::string to = moving->second.to;
    moves_.erase(moving);
    if (eligible(to))
      set_home(shard, to, registered_[to]);
    else
      set_home(shard, "", 0);
    return;
  }
  if (homes_[shard] == node && home_uids_[shard] == uid) set_home(shard, "", 0);
}

void shard_coordinator::set_home(shard_id shard, const std::string& node, std::uint64_t uid) {
  if (homes_[shard] == node && home_uids_[shard] == uid) return;
  homes_[shard] = node;
  home_uids_[shard] = uid;
  changed_ = true;
}

void shard_coordinator::ask_fence() {
  const std::int64_t asked = now_ns();
  ask<fence_state>(cluster_, get_fence{}, std::chrono::seconds(1),
                   [this, asked](result<fence_state> answer) {
                     if (!answer.ok() || asked < fence_asked_ns_) return;
                     uncertain_ = std::move(answer.value().uncertain);
                     fence_asked_ns_ = asked;
                   });
}

void shard_coordinator::on_tick() {
  ++ticks_;
  ask_fence();
  if (!ready_ && !became_ready()) return;
  free_dead_homes();
  for (auto& [shard, moving] : moves_)
    system()
        .remote_ref<region_control>(moving.from, "/user/" + region_name(settings_.type_name))
        .tell(shard_hand_off{shard});
  allocate_free_shards();
  rebalance();
  if (changed_) {
    ++version_;
    changed_ = false;
    broadcast();
  } else if (ticks_ % 5 == 0) {
    broadcast();  // repairs tables lost on the way
  }
}

// A new coordinator knows only what the regions report. It allocates nothing until every
// member that may host shards (up, leaving or exiting, reachable or not) has registered, so
// that a shard still hosted somewhere is never given a second home.
bool shard_coordinator::became_ready() {
  for (const auto& [node, view] : members_) {
    if (view.status != "up" && view.status != "leaving" && view.status != "exiting") continue;
    if (stopped_regions_.contains({node, view.uid})) continue;
    auto region = registered_.find(node);
    if (region == registered_.end() || region->second != view.uid) return false;
  }
  if (members_.empty()) return false;
  ready_ = true;
  record("coordinator", "\"type\":" + json_string(settings_.type_name) + ",\"state\":\"ready\"");
  return true;
}

// A home whose member is down, removed or replaced by a new incarnation loses its shards once
// the margin has passed: by then the downed node has stopped its entities (it downs itself
// at about the time the others down it) or is dead.
void shard_coordinator::free_dead_homes() {
  const std::int64_t now = now_ns();
  auto dead_for_margin = [&](const std::string& node, std::uint64_t uid) {
    if (alive(node, uid)) return false;
    if (stopped_regions_.contains({node, uid})) return true;  // it stopped its entities
    auto [at, fresh] = dead_since_.try_emplace({node, uid}, now);
    if (now - at->second < settings_.handover_margin_ns) return false;
    // Certified fenced: a fence answer asked after this coordinator saw it dead no longer
    // lists it (the cluster actor watches a member before it reports it down or removed).
    return fence_asked_ns_ >= at->second &&
           !std::binary_search(uncertain_.begin(), uncertain_.end(), member_key(node, uid)) &&
           !(!uncertain_.empty() && uncertain_.front().first == "*");
  };
  for (shard_id shard = 0; shard < settings_.shard_count; ++shard) {
    if (homes_[shard].empty()) continue;
    if (dead_for_margin(homes_[shard], home_uids_[shard])) set_home(shard, "", 0);
  }
  for (auto it = moves_.begin(); it != moves_.end();) {
    if (!dead_for_margin(it->second.from, it->second.from_uid)) {
      ++it;
      continue;
    }
    const shard_id shard = it->first;
    const std::string to = it->second.to;
    it = moves_.erase(it);
    set_home(shard, eligible(to) ? to : "", eligible(to) ? registered_[to] : 0);
  }
  if (dead_since_.size() > 4096) dead_since_.erase(dead_since_.begin());
  for (auto it = registered_.begin(); it != registered_.end();) {
    if (!alive(it->first, it->second))
      it = registered_.erase(it);
    else
      ++it;
  }
}

/// (shards hosted or moving in, node) of every eligible region, least loaded first.
std::vector<std::pair<std::size_t, std::string>> shard_coordinator::loads() const {
  std::map<std::string, std::size_t> count;
  for (const auto& [node, uid] : registered_)
    if (eligible(node)) count[node] = 0;
  for (shard_id shard = 0; shard < settings_.shard_count; ++shard) {
    auto found = count.find(homes_[shard]);
    if (found != count.end() && !moves_.contains(shard)) ++found->second;
  }
  for (const auto& [shard, moving] : moves_) {
    auto found = count.find(moving.to);
    if (found != count.end()) ++found->second;
  }
  std::vector<std::pair<std::size_t, std::string>> out;
  for (const auto& [node, n] : count) out.emplace_back(n, node);
  std::sort(out.begin(), out.end());
  return out;
}

void shard_coordinator::allocate_free_shards() {
  // A free shard may still run on a downed member this coordinator never heard of (a new
  // coordinator knows only what regions report): nothing is allocated while one is uncertain.
  if (fence_asked_ns_ < 0 || !uncertain_.empty()) return;
  auto load = loads();
  if (load.empty()) return;
  for (shard_id shard = 0; shard < settings_.shard_count; ++shard) {
    if (!homes_[shard].empty() || moves_.contains(shard)) continue;
    std::sort(load.begin(), load.end());
    set_home(shard, load.front().second, registered_[load.front().second]);
    ++load.front().first;
  }
}

// Moves shards off members that are leaving (or up but not eligible because they stopped
// their region), then from the most to the least loaded region while the difference exceeds
// the threshold, with at most rebalance_in_flight_max hand-offs at a time.
void shard_coordinator::rebalance() {
  auto load = loads();
  if (load.empty()) return;
  auto start_move = [&](shard_id shard, const std::string& to) {
    moves_[shard] = move{homes_[shard], home_uids_[shard], to};
    set_home(shard, "", 0);  // no home while handing off: regions buffer its messages
    record("shard_move",
           "\"type\":" + json_string(settings_.type_name) + ",\"shard\":" + std::to_string(shard) +
               ",\"from\":" + json_string(moves_[shard].from) + ",\"to\":" + json_string(to));
  };
  for (shard_id shard = 0; shard < settings_.shard_count; ++shard) {
    if (moves_.size() >= settings_.rebalance_in_flight_max) return;
    const std::string& home = homes_[shard];
    if (home.empty() || moves_.contains(shard) || eligible(home)) continue;
    auto member = members_.find(home);
    if (member == members_.end() || !member->second.reachable) continue;
    if (member->second.status != "leaving" && member->second.status != "exiting") continue;
    std::sort(load.begin(), load.end());
    start_move(shard, load.front().second);
    ++load.front().first;
  }
  while (moves_.size() < settings_.rebalance_in_flight_max) {
    std::sort(load.begin(), load.end());
    auto& least = load.front();
    auto& most = load.back();
    if (most.first <= least.first + settings_.rebalance_threshold) return;
    std::optional<shard_id> pick;
    for (shard_id shard = settings_.shard_count; shard-- > 0;)
      if (homes_[shard] == most.second && !moves_.contains(shard)) {
        pick = shard;
        break;
      }
    if (!pick) return;
    start_move(*pick, least.second);
    ++least.first;
    --most.first;
  }
}

void shard_coordinator::send_table(const std::string& node) {
  system()
      .remote_ref<region_control>(node, "/user/" + region_name(settings_.type_name))
      .tell(shard_table{id_, version_, homes_});
}

void shard_coordinator::broadcast() {
  for (const auto& [node, uid] : registered_) send_table(node);
}

}  // namespace troupe::cluster
