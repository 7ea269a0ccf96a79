// The entity-type independent part of a shard region (sharding.hpp): routing, buffering,
// hosting shards, hand-off, stopping when the node is downed, and running the coordinator
// while this node is the singleton holder.

#include <chrono>

#include "troupe/cluster/sharding.hpp"

#include "json_string.hpp"

namespace troupe::cluster {

namespace {

using detail::json_string;

/// An entity id as part of an actor name: characters other than letters, digits, '-', '_'
/// and '.' become '_' (the instance number keeps names unique).
std::string name_part(std::string_view id) {
  std::string out;
  for (char c : id) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '-' || c == '_' || c == '.';
    out += plain ? c : '_';
  }
  return out.substr(0, 64);
}

bool serving_status(std::string_view status) {
  return status == "up" || status == "leaving" || status == "exiting";
}

}  // namespace

region_core::region_core(
    actor_base& self, sharding_settings settings,
    std::function<any_ref(const std::string& id, const std::string& name)> spawn_entity)
    : self_(self),
      settings_(std::move(settings)),
      spawn_entity_(std::move(spawn_entity)),
      homes_(settings_.shard_count) {
  TROUPE_ASSERT(settings_.shard_count > 0);
  TROUPE_ASSERT(settings_.tick_ns > 0);
  TROUPE_ASSERT(settings_.buffer_max > 0);
}

std::string region_core::coordinator_path() const {
  const std::string region = region_name(settings_.type_name);
  return "/user/" + region + "/" + region + "-coordinator";
}

void region_core::start() {
  node_ = self_.system().node_name();
  start_ns_ = self_.now_ns();
  auto cluster = self_.system().lookup<cluster_protocol>(cluster_actor_name);
  TROUPE_ASSERT(cluster.has_value());  // start the cluster actor first
  cluster_ = *cluster;
  cluster_.tell(subscribe{self_.self_any()});
}

// Runs after every entity (a child) has stopped: the shards are handed over at once.
void region_core::stop() {
  std::vector<shard_id> shards;
  for (auto& [shard, hosted] : hosted_) {
    for (const auto& [id, one] : hosted.entities)
      record_entity("entity_stop", shard, id, one.instance, "region_stopped");
    record_shard("shard_stop", shard, "region_stopped");
    shards.push_back(shard);
  }
  hosted_.clear();
  by_path_.clear();
  for (auto& [shard, queue] : buffered_)
    for (const auto& message : queue) drop(message, "region_stopped");
  buffered_.clear();
  buffered_count_ = 0;
  if (uid_ != 0 && holder_)
    self_.system()
        .remote_ref<coordinator_protocol>(holder_->first, coordinator_path())
        .tell(region_stopped{node_, uid_, shards});
  cluster_.tell(unsubscribe{self_.self_any()});
}

void region_core::accept(pending message) {
  message.id = entity_message_id{node_, start_ns_, ++messages_};
  if (!traced()) return route(std::move(message));
  const auto* incoming = self_.cell()->current_message();
  const std::uint64_t id = incoming != nullptr ? incoming->trace_id : 0;
  record_route(message, "accepted", id != 0 ? ",\"message_id\":" + std::to_string(id) : "");
  route(std::move(message));
}

void region_core::receive(pending message) {
  if (!traced()) return route(std::move(message));
  const auto* incoming = self_.cell()->current_message();
  const std::uint64_t id = incoming != nullptr ? incoming->trace_id : 0;
  record_route(message, "received", id != 0 ? ",\"message_id\":" + std::to_string(id) : "");
  route(std::move(message));
}

void region_core::route(pending message) {
  const shard_id shard = shard_of(message.entity, settings_.shard_count);
  // Checked before every delivery, so that a node resuming from a pause delivers nothing on a
  // lease that expired while it was paused.
  if (!hosted_.empty() && !leased()) fence();
  if (auto hosted = hosted_.find(shard); hosted != hosted_.end()) {
    if (hosted->second.stopping) return buffer(shard, std::move(message));
    return deliver(shard, std::move(message));
  }
  const std::string& home = homes_[shard];
  if (!serving_ || table_coordinator_ == 0 || home.empty())
    return buffer(shard, std::move(message));
  if (home == node_) {
    if (!leased()) return buffer(shard, std::move(message));
    start_shard(shard);
    return deliver(shard, std::move(message));
  }
  const std::uint64_t sent = message.send(
      self_.system().remote_ref_any(home, "/user/" + region_name(settings_.type_name)), &message.id);
  if (traced())
    record_route(message, "forwarded",
                 ",\"to_pod\":" + json_string(home) + ",\"message_id\":" + std::to_string(sent));
}

void region_core::deliver(shard_id shard, pending message) {
  auto& hosted = hosted_[shard];
  auto found = hosted.entities.find(message.entity);
  if (found == hosted.entities.end()) {
    if (entity_count_ >= settings_.entities_max) return drop(message, "entities_full");
    const std::uint64_t instance = ++instances_;
    const std::string name =
        settings_.type_name + "-" + name_part(message.entity) + "-" + std::to_string(instance);
    any_ref ref = spawn_entity_(message.entity, name);
    if (!ref) return drop(message, "spawn_failed");
    self_.watch(ref);
    by_path_[ref.path()] = {shard, message.entity};
    found = hosted.entities.emplace(message.entity, entity{ref, instance}).first;
    ++entity_count_;
    record_entity("entity_start", shard, message.entity, instance, "");
  }
  const std::uint64_t sent = message.send(found->second.ref, nullptr);
  if (traced())
    record_route(message, "delivered",
                 ",\"instance\":" + std::to_string(found->second.instance) +
                     ",\"message_id\":" + std::to_string(sent));
}

void region_core::buffer(shard_id shard, pending message) {
  if (buffered_count_ >= settings_.buffer_max) return drop(message, "buffer_full");
  if (traced()) record_route(message, "buffered", "");
  if (message.buffered_ns < 0) message.buffered_ns = self_.now_ns();  // kept when re-buffered
  buffered_[shard].push_back(std::move(message));
  ++buffered_count_;
}

void region_core::drop(const pending& message, std::string_view reason) {
  ++dropped_;
  if (traced()) {
    self_.record("entity_drop", "\"type\":" + json_string(settings_.type_name) +
                                    ",\"entity\":" + json_string(message.entity) +
                                    ",\"reason\":" + json_string(reason));
    record_route(message, "dropped", ",\"reason\":" + json_string(reason));
  }
  if (message.reject) message.reject();
}

// Messages are buffered in arrival order per shard, so the oldest of each shard is in front.
void region_core::expire_buffered() {
  const std::int64_t now = self_.now_ns();
  for (auto it = buffered_.begin(); it != buffered_.end();) {
    auto& queue = it->second;
    while (!queue.empty() && now - queue.front().buffered_ns >= settings_.buffer_timeout_ns) {
      const pending message = std::move(queue.front());
      queue.pop_front();
      --buffered_count_;
      drop(message, "buffer_timeout");
    }
    it = queue.empty() ? buffered_.erase(it) : std::next(it);
  }
}

bool region_core::traced() const {
  return self_.system().sink() != nullptr;
}

void region_core::record_route(const pending& message, std::string_view step,
                               std::string_view extra) const {
  std::string members = "\"type\":" + json_string(settings_.type_name) +
                        ",\"entity\":" + json_string(message.entity) +
                        ",\"entity_message\":" + json_string(message.id.to_string()) +
                        ",\"step\":\"" + std::string(step) + "\"";
  members += extra;
  self_.record("entity_route", members);
}

// Sends on the buffered messages of every shard whose home is known again.
void region_core::flush() {
  std::vector<shard_id> ready;
  for (const auto& [shard, queue] : buffered_) {
    auto hosted = hosted_.find(shard);
    const bool here = hosted != hosted_.end() && !hosted->second.stopping;
    const bool known =
        hosted == hosted_.end() && serving_ && table_coordinator_ != 0 && !homes_[shard].empty();
    if (here || known) ready.push_back(shard);
  }
  for (shard_id shard : ready) {
    auto queue = std::move(buffered_[shard]);
    buffered_.erase(shard);
    buffered_count_ -= queue.size();
    for (auto& message : queue) route(std::move(message));
  }
}

void region_core::on_tick() {
  expire_buffered();
  if (!serving_) return;
  if (!leased()) fence();
  const std::int64_t asked = self_.now_ns();
  self_.ask<fence_state>(cluster_, get_fence{}, std::chrono::seconds(1),
                         [this, asked](result<fence_state> answer) {
                           if (answer.ok()) on_fence(answer.value(), asked);
                         });
  self_.ask<membership_state>(cluster_, get_state{}, std::chrono::seconds(1),
                              [this](result<membership_state> answer) {
                                if (answer.ok()) on_membership(answer.value());
                              });
}

void region_core::on_fence(const fence_state& fence, std::int64_t asked_ns) {
  lease_until_ns_ = fence.lease_until_ns;
  if (fence.uncertain.empty())
    certain_since_ask_ns_ = asked_ns;
  else
    certain_since_ask_ns_.reset();
  if (!leased()) return this->fence();
  // Back under the lease: host again the shards the table gives this node (fence() stopped
  // them), then deliver what waited.
  if (table_coordinator_ != 0)
    for (shard_id shard = 0; shard < settings_.shard_count; ++shard)
      if (homes_[shard] == node_ && !hosted_.contains(shard)) start_shard(shard);
  flush();
}

bool region_core::leased() const {
  return serving_ && self_.now_ns() < lease_until_ns_;
}

// Every entity stops (the shards are not handed off: this node keeps them in the table, and
// starts them again on the next message once it holds the lease); so does the coordinator.
void region_core::fence() {
  if (coordinator_) self_.stop(coordinator_);
  coordinator_ = {};
  holder_since_ns_.reset();
  std::vector<shard_id> shards;
  for (const auto& [shard, hosted] : hosted_)
    if (!hosted.stopping) shards.push_back(shard);
  for (shard_id shard : shards) stop_shard(shard, false);
}

void region_core::on_membership(const membership_state& state) {
  if (!serving_) return;
  manage_coordinator(state);
  send_register();
}

// The coordinator is this node's child while this node is the singleton holder (the oldest
// member) and has been for the hand-over margin, like singleton_manager's instance.
void region_core::manage_coordinator(const membership_state& state) {
  holder_ = singleton_holder(state);
  const bool mine = holder_ && holder_->first == node_ && holder_->second == uid_ &&
                    state.members.at(*holder_).status == member_status::up;
  if (!mine) {
    holder_since_ns_.reset();
    if (coordinator_) self_.stop(coordinator_);
    coordinator_ = {};
    return;
  }
  if (!leased()) return;  // fence() has stopped the coordinator
  if (!holder_since_ns_) holder_since_ns_ = self_.now_ns();
  if (coordinator_ || self_.now_ns() - *holder_since_ns_ < settings_.handover_margin_ns) return;
  // A new coordinator gives every unreported shard a home: only once every downed member,
  // the previous holder among them, is certified fenced (asked after this node became holder).
  if (!certain_since_ask_ns_ || *certain_since_ask_ns_ < *holder_since_ns_) return;
  auto spawned = self_.spawn_with<shard_coordinator>(
      {region_name(settings_.type_name) + "-coordinator", {}}, settings_);
  if (spawned.ok()) coordinator_ = spawned.value();  // else the old one is still stopping
}

void region_core::send_register() {
  if (!holder_ || uid_ == 0) return;
  shard_register message{node_, uid_, {}, table_coordinator_, table_version_};
  for (const auto& [shard, hosted] : hosted_) message.hosted.push_back(shard);
  self_.system()
      .remote_ref<coordinator_protocol>(holder_->first, coordinator_path())
      .tell(std::move(message));
}

void region_core::on_member(const member_event& event) {
  if (event.node != node_ || event.status == "reachable" || event.status == "unreachable") return;
  if (event.status == "down" || event.status == "removed") {
    // A down event for this node always means this incarnation (the cluster actor reports
    // the rejoin later as joining with a new uid).
    if (event.status == "down" || event.uid == uid_) down_self();
    return;
  }
  uid_ = event.uid;
  const bool was_serving = serving_;
  serving_ = serving_status(event.status);
  if (serving_ && !was_serving) flush();
}

// This node was downed: it must stop serving. Every entity stops; messages wait until the
// node has rejoined and learnt the new coordinator's table.
void region_core::down_self() {
  serving_ = false;
  lease_until_ns_ = 0;
  uid_ = 0;
  table_coordinator_ = 0;
  table_version_ = 0;
  std::fill(homes_.begin(), homes_.end(), std::string());
  holder_.reset();
  holder_since_ns_.reset();
  if (coordinator_) self_.stop(coordinator_);
  coordinator_ = {};
  std::vector<shard_id> shards;
  for (const auto& [shard, hosted] : hosted_) shards.push_back(shard);
  for (shard_id shard : shards) stop_shard(shard, false);
}

void region_core::on_table(const shard_table& table) {
  const any_ref from = self_.sender();
  if (!serving_ || !holder_ || from.node() != holder_->first) return;  // not the current holder
  if (table.homes.size() != settings_.shard_count) return;
  if (table.coordinator == table_coordinator_ && table.version <= table_version_) return;
  table_coordinator_ = table.coordinator;
  table_version_ = table.version;
  homes_ = table.homes;
  for (shard_id shard = 0; shard < settings_.shard_count; ++shard) {
    auto hosted = hosted_.find(shard);
    if (homes_[shard] == node_ && hosted == hosted_.end() && leased()) start_shard(shard);
    // The coordinator gave the shard to another region: ours must not run alongside.
    if (hosted != hosted_.end() && !homes_[shard].empty() && homes_[shard] != node_)
      stop_shard(shard, false);
  }
  flush();
}

void region_core::on_hand_off(const shard_hand_off& request) {
  if (!serving_ || request.shard >= settings_.shard_count) return;
  homes_[request.shard].clear();  // not back here before the coordinator says so
  if (!hosted_.contains(request.shard)) {
    self_.reply(shard_stopped{node_, uid_, request.shard});
    return;
  }
  stop_shard(request.shard, true);
}

void region_core::start_shard(shard_id shard) {
  hosted_[shard];
  record_shard("shard_start", shard, "");
}

void region_core::stop_shard(shard_id shard, bool confirm) {
  auto& hosted = hosted_[shard];
  hosted.confirm = hosted.confirm || confirm;
  if (!hosted.stopping) {
    hosted.stopping = true;
    for (const auto& [id, one] : hosted.entities) self_.stop(one.ref);
  }
  if (hosted.entities.empty()) finish_stop(shard);
}

// Every entity of the shard has stopped: only now may it start elsewhere.
void region_core::finish_stop(shard_id shard) {
  const bool confirm = hosted_[shard].confirm;
  hosted_.erase(shard);
  record_shard("shard_stop", shard, confirm ? "hand_off" : "stopped");
  if (confirm && holder_ && uid_ != 0)
    self_.system()
        .remote_ref<coordinator_protocol>(holder_->first, coordinator_path())
        .tell(shard_stopped{node_, uid_, shard});
  flush();
}

void region_core::on_terminated(const any_ref& actor) {
  auto found = by_path_.find(actor.path());
  if (found == by_path_.end()) return;
  const auto [shard, id] = found->second;
  by_path_.erase(found);
  auto hosted = hosted_.find(shard);
  if (hosted == hosted_.end()) return;
  auto one = hosted->second.entities.find(id);
  if (one == hosted->second.entities.end() || one->second.ref.path() != actor.path()) return;
  record_entity("entity_stop", shard, id, one->second.instance,
                hosted->second.stopping ? "shard_stopped" : "stopped");
  hosted->second.entities.erase(one);
  --entity_count_;
  if (hosted->second.stopping && hosted->second.entities.empty()) finish_stop(shard);
}

region_report region_core::report() const {
  region_report out;
  out.node = node_;
  for (const auto& [shard, hosted] : hosted_) out.entities[shard] = hosted.entities.size();
  out.buffered = buffered_count_;
  out.dropped = dropped_;
  return out;
}

void region_core::record_entity(std::string_view event, shard_id shard, const std::string& id,
                                std::uint64_t instance, std::string_view reason) const {
  std::string members = "\"type\":" + json_string(settings_.type_name) +
                        ",\"entity\":" + json_string(id) + ",\"shard\":" + std::to_string(shard) +
                        ",\"instance\":" + std::to_string(instance);
  if (!reason.empty()) members += ",\"reason\":" + json_string(reason);
  self_.record(event, members);
}

void region_core::record_shard(std::string_view event, shard_id shard,
                               std::string_view reason) const {
  std::string members =
      "\"type\":" + json_string(settings_.type_name) + ",\"shard\":" + std::to_string(shard);
  if (!reason.empty()) members += ",\"reason\":" + json_string(reason);
  self_.record(event, members);
}

}  // namespace troupe::cluster
