#pragma once
// A replicated store of integer registers, the engine of the `kv` and `counter` applications
// (docs/applications.md, "The replication protocol").
//
// Every key has one fixed primary among the server pods (kv: servers[0]; counter: a hash of
// the key). The primary orders the key's operations: it applies each one to its own copy,
// giving the new state a fresh version, and answers only once a majority of the replicas
// (counting itself) hold that state or a newer one. Reads go through the same round, so a
// value is returned only once it is on a majority and survives any minority of crashes.
// A restarted replica lost its memory: it is `recovering`, takes part in no round and
// answers no fetch until it has merged the state of enough other replicas that every
// majority is intersected (highest version per key).

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "replication/messages.hpp"
#include "troupe/runtime.hpp"

namespace troupe::apps::replication {

/// The sequential object every key holds, as a function: the outcome of `operation` on the
/// key's current value. `changes` false leaves the value as it is.
struct applied {
  bool changes = false;
  std::optional<std::int64_t> new_value;  ///< when `changes`
  status outcome = status::ok;            ///< ok or rejected
  std::optional<std::int64_t> output;     ///< the value to answer with
};
using state_machine =
    std::function<applied(const std::optional<std::int64_t>& current, const request& operation)>;

/// Deliberate bugs, for showing that the checkers find them (docs/applications.md).
struct bug_switches {
  /// The primary answers a write, cas or add as soon as it applied it, and replicates it
  /// with the next batch (the next tick, retry_interval_ns later): a crash in between loses
  /// an acknowledged write.
  bool ack_before_majority = false;
  /// Every replica answers reads from its own copy at once, with no round.
  bool stale_reads = false;
};

/// Everything a replica needs; copied into the actor so that a restart rebuilds it.
struct replica_config {
  std::string self;                  ///< this pod
  std::vector<std::string> servers;  ///< every replica, including this one, in a fixed order
  std::uint64_t incarnation = 1;     ///< this pod's incarnation (1: first start, no recovery)
  /// The index in `servers` of the key's primary.
  std::function<std::size_t(const std::string& key)> primary_of;
  state_machine machine;
  bug_switches bugs;
  std::int64_t retry_interval_ns = 50'000'000;    ///< resend unacknowledged replications
  std::int64_t round_timeout_ns = 2'000'000'000;  ///< give up a round (its client times out)
  std::size_t rounds_max = 256;                   ///< rounds in flight at once
  std::size_t keys_max = 4096;                    ///< distinct keys stored
  std::size_t clients_max = 4096;                 ///< clients remembered for deduplication
};

/// The path every replica is spawned at, on every server pod.
inline constexpr const char* replica_name = "replica";

/// Votes a round needs among `replicas`: a strict majority.
constexpr std::size_t majority(std::size_t replicas) {
  return replicas / 2 + 1;
}
/// Other replicas a recovering one must hear from so that their states intersect every
/// majority that does not need it: replicas - majority + 1.
constexpr std::size_t recovery_quorum(std::size_t replicas) {
  return replicas - majority(replicas) + 1;
}

/// One replica. Spawn it as `replica_name` on every server pod.
class replica final : public actor<protocol> {
 public:
  explicit replica(replica_config config);
  void pre_start() override;
  void on_message(protocol& message) override;

 private:
  struct round {
    std::string key;
    entry state;
    any_ref client;  ///< whom to answer; empty when already answered (ack_before_majority)
    response answer;
    std::set<std::string> acknowledged;  ///< pods holding the state, this one included
    std::int64_t started_ns = 0;
  };

  void on_request(const request& operation);
  void on_replicate(const replicate& update);
  void on_acknowledge(const acknowledge& ack);
  void on_fetch(const fetch& question);
  void on_snapshot(const snapshot& answer);
  void on_tick();
  void start_round(const std::string& key, response answer, bool answer_now);
  void complete_if_quorate(std::uint64_t id);
  void send_replicate(std::uint64_t id, const round& pending, const std::string& to);
  bool is_primary_of(const std::string& key) const;
  bool is_duplicate(const request& operation);
  actor_ref<protocol> peer(const std::string& pod) const;
  entry current(const std::string& key) const;

  replica_config config_;
  std::map<std::string, entry> store_;
  bool recovering_ = false;
  std::set<std::string> fetched_from_;  ///< while recovering: replicas merged so far
  std::uint64_t next_counter_ = 0;
  std::uint64_t next_round_ = 0;
  std::map<std::uint64_t, round> rounds_;
  std::map<std::uint64_t, std::uint64_t> last_op_;  ///< client -> highest op id ordered
};

}  // namespace troupe::apps::replication
