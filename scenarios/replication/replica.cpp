#include "replication/replica.hpp"

#include <chrono>
#include <utility>

namespace troupe::apps::replication {

replica::replica(replica_config config) : config_(std::move(config)) {
  TROUPE_ASSERT(!config_.servers.empty());
  TROUPE_ASSERT(config_.primary_of && config_.machine);
}

void replica::pre_start() {
  // A replica that starts again lost everything it stored; until it has merged the state of
  // enough others it must neither vote nor answer fetches, or a majority could "hold" a
  // state that only its forgotten memory had.
  recovering_ = config_.incarnation > 1;
  start_periodic_timer("tick", tick{}, std::chrono::nanoseconds(config_.retry_interval_ns));
  if (recovering_) {
    log("info", "recovering: fetching state from the other replicas");
    on_tick();
  }
}

void replica::on_message(protocol& message) {
  std::visit(
      [this](auto& m) {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, request>)
          on_request(m);
        else if constexpr (std::is_same_v<T, replicate>)
          on_replicate(m);
        else if constexpr (std::is_same_v<T, acknowledge>)
          on_acknowledge(m);
        else if constexpr (std::is_same_v<T, fetch>)
          on_fetch(m);
        else if constexpr (std::is_same_v<T, snapshot>)
          on_snapshot(m);
        else
          on_tick();
      },
      message);
}

bool replica::is_primary_of(const std::string& key) const {
  const std::size_t index = config_.primary_of(key);
  TROUPE_ASSERT(index < config_.servers.size());
  return config_.servers[index] == config_.self;
}

actor_ref<protocol> replica::peer(const std::string& pod) const {
  return system().remote_ref<protocol>(pod, std::string("/user/") + replica_name);
}

entry replica::current(const std::string& key) const {
  auto found = store_.find(key);
  return found == store_.end() ? entry{} : found->second;
}

bool replica::is_duplicate(const request& operation) {
  auto found = last_op_.find(operation.client);
  if (found != last_op_.end() && found->second >= operation.op) return true;
  if (found == last_op_.end() && last_op_.size() >= config_.clients_max) {
    last_op_.erase(last_op_.begin());  // forget some client; its duplicates are rare
  }
  last_op_[operation.client] = operation.op;
  return false;
}

void replica::on_request(const request& operation) {
  const bool read = operation.f == "read";
  if (read && config_.bugs.stale_reads) {
    // Bug: any replica answers from its own copy, which may be behind or forgotten.
    reply(response{status::ok, current(operation.key).value});
    return;
  }
  if (!is_primary_of(operation.key) || recovering_ || rounds_.size() >= config_.rounds_max ||
      (!store_.count(operation.key) && store_.size() >= config_.keys_max)) {
    reply(response{status::unavailable, std::nullopt});
    return;
  }
  if (is_duplicate(operation)) return;  // the first copy is answered
  entry state = current(operation.key);
  const applied result = config_.machine(state.value, operation);
  if (result.changes) {
    state.value = result.new_value;
    state.at = version{config_.incarnation, ++next_counter_};
    store_[operation.key] = state;
  }
  const bool answer_now = config_.bugs.ack_before_majority && result.changes;
  start_round(operation.key, response{result.outcome, result.output}, answer_now);
}

void replica::start_round(const std::string& key, response answer, bool answer_now) {
  // Round ids carry the incarnation: an acknowledgement meant for an earlier one never
  // completes a round of this one.
  const std::uint64_t id = (config_.incarnation << 40) | ++next_round_;
  round pending{key, current(key), sender(), answer, {config_.self}, now_ns()};
  if (answer_now) {
    // Bug: the client hears "ok" for a state that only this replica holds; the state leaves
    // with the next batch (the next tick), so a crash before it loses the write.
    pending.client.tell_any(answer);
    pending.client = any_ref{};
  } else {
    for (const auto& pod : config_.servers)
      if (pod != config_.self) send_replicate(id, pending, pod);
  }
  rounds_.emplace(id, std::move(pending));
  complete_if_quorate(id);
}

void replica::send_replicate(std::uint64_t id, const round& pending, const std::string& to) {
  peer(to).tell(replicate{id, pending.key, pending.state});
}

void replica::complete_if_quorate(std::uint64_t id) {
  auto found = rounds_.find(id);
  if (found == rounds_.end()) return;
  if (found->second.acknowledged.size() < majority(config_.servers.size())) return;
  if (found->second.client) found->second.client.tell_any(found->second.answer);
  rounds_.erase(found);
}

void replica::on_replicate(const replicate& update) {
  if (recovering_) return;  // no vote until recovered
  auto& stored = store_[update.key];
  if (update.state.at > stored.at) stored = update.state;
  reply(acknowledge{update.round});
}

void replica::on_acknowledge(const acknowledge& ack) {
  auto found = rounds_.find(ack.round);
  if (found == rounds_.end()) return;  // completed or expired
  found->second.acknowledged.insert(std::string(sender().node()));
  complete_if_quorate(ack.round);
}

void replica::on_fetch(const fetch& question) {
  if (recovering_) return;  // a forgotten state must not count as one
  reply(snapshot{question.incarnation, store_});
}

void replica::on_snapshot(const snapshot& answer) {
  if (!recovering_ || answer.incarnation != config_.incarnation) return;
  if (!fetched_from_.insert(std::string(sender().node())).second) return;
  for (const auto& [key, state] : answer.entries) {
    auto& stored = store_[key];
    if (state.at > stored.at) stored = state;
  }
  if (fetched_from_.size() >= recovery_quorum(config_.servers.size())) {
    recovering_ = false;
    fetched_from_.clear();
    log("info",
        "recovered from " + std::to_string(recovery_quorum(config_.servers.size())) + " replicas");
  }
}

void replica::on_tick() {
  if (recovering_) {
    for (const auto& pod : config_.servers)
      if (pod != config_.self && !fetched_from_.count(pod))
        peer(pod).tell(fetch{config_.incarnation});
    return;
  }
  const std::int64_t now = now_ns();
  for (auto it = rounds_.begin(); it != rounds_.end();) {
    if (now - it->second.started_ns > config_.round_timeout_ns) {
      it = rounds_.erase(it);  // the client has timed out: its outcome stays unknown
      continue;
    }
    for (const auto& pod : config_.servers)
      if (!it->second.acknowledged.count(pod)) send_replicate(it->first, it->second, pod);
    ++it;
  }
}

}  // namespace troupe::apps::replication
