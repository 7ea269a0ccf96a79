#pragma once
// The messages of the replicated register store (replica.hpp): client requests and replies,
// and the replication, acknowledgement and recovery messages between replicas. All of them
// cross nodes, so each has `fields` and a stable wire name.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>

#include "troupe/runtime.hpp"

namespace troupe::apps::replication {

/// A version orders the states of one key. Only the key's primary creates versions: `epoch`
/// is the primary's incarnation (it grows at every restart), `counter` grows within it.
struct version {
  std::uint64_t epoch = 0;
  std::uint64_t counter = 0;
  template <class A>
  void fields(A& a) {
    a(epoch, counter);
  }
  friend auto operator<=>(const version&, const version&) = default;
};

/// The state of one key: a value (absent: the key was never written) and its version.
struct entry {
  std::optional<std::int64_t> value;
  version at;
  template <class A>
  void fields(A& a) {
    a(value, at);
  }
};

/// A client operation. `f` is "read", "write", "cas" or "add"; `value` the written value
/// (write), the new value (cas) or the increment (add); `expected` the value a cas expects
/// (absent: it expects the key to be missing). (client, op) identifies the request, so that
/// a duplicated request is applied once.
struct request {
  std::uint64_t client = 0;
  std::uint64_t op = 0;
  std::string f;
  std::string key;
  std::optional<std::int64_t> value;
  std::optional<std::int64_t> expected;
  template <class A>
  void fields(A& a) {
    a(client, op, f, key, value, expected);
  }
};

/// How a request ended, from the replica's point of view.
enum class status : std::uint8_t {
  ok = 0,           ///< applied (or read) and stored on a majority
  rejected = 1,     ///< ordered, but did not take effect (a cas whose expected value differed)
  unavailable = 2,  ///< refused before it was ordered: certainly did not take effect
};

/// The answer to a request; `value` is the key's value for read, add and a rejected cas.
struct response {
  status outcome = status::unavailable;
  std::optional<std::int64_t> value;
  template <class A>
  void fields(A& a) {
    a(outcome, value);
  }
};

/// Primary to replicas: store `state` for `key` if it is newer than yours, then acknowledge.
struct replicate {
  std::uint64_t round = 0;
  std::string key;
  entry state;
  template <class A>
  void fields(A& a) {
    a(round, key, state);
  }
};

/// Replica to primary: "I hold `key` at the round's version or newer".
struct acknowledge {
  std::uint64_t round = 0;
  template <class A>
  void fields(A& a) {
    a(round);
  }
};

/// A recovering replica asks another for its whole state.
struct fetch {
  std::uint64_t incarnation = 0;
  template <class A>
  void fields(A& a) {
    a(incarnation);
  }
};

/// A replica that is not recovering sends its whole state (bounded by the key count).
struct snapshot {
  std::uint64_t incarnation = 0;  ///< the fetch's, so answers to an older fetch are ignored
  std::map<std::string, entry> entries;
  template <class A>
  void fields(A& a) {
    a(incarnation, entries);
  }
};

/// The replica's own periodic timer: retransmissions, round expiry, recovery requests.
struct tick {};

using protocol = std::variant<request, replicate, acknowledge, fetch, snapshot, tick>;

}  // namespace troupe::apps::replication

TROUPE_MESSAGE(troupe::apps::replication::request, "replica.request");
TROUPE_MESSAGE(troupe::apps::replication::response, "replica.response");
TROUPE_MESSAGE(troupe::apps::replication::replicate, "replica.replicate");
TROUPE_MESSAGE(troupe::apps::replication::acknowledge, "replica.ack");
TROUPE_MESSAGE(troupe::apps::replication::fetch, "replica.fetch");
TROUPE_MESSAGE(troupe::apps::replication::snapshot, "replica.snapshot");
TROUPE_MESSAGE(troupe::apps::replication::tick, "replica.tick");
