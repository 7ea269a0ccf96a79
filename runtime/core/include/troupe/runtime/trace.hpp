#pragma once
/// Where the runtime reports what happens, for traces (docs/trace-format.md).

#include <cstdint>
#include <string_view>

#include "troupe/runtime/message.hpp"

namespace troupe {

/// Why a message was not delivered. Names match the trace format's `drop` reasons.
enum class drop_reason : std::uint8_t {
  dead_letter,        ///< the receiving actor is not alive
  mailbox_full,       ///< the receiver's bounded mailbox applied its overflow policy
  unknown_type,       ///< the receiver does not accept (or cannot decode) the message type
  partition,          ///< a network partition cut the link (simulation or iptables)
  loss,               ///< the network lost it
  dead_pod,           ///< the receiving pod was killed or stopped
  stale_incarnation,  ///< addressed to an earlier incarnation of a restarted pod
  queue_full,         ///< the outbound queue to the peer node was full
  not_serializable,   ///< the message type has no wire encoding and the receiver is remote
  unreachable,        ///< no connection to the receiver's node
};

/// The trace name of a drop reason, e.g. "dead_letter".
const char* to_string(drop_reason reason);

/// Receives runtime events of one actor system. Implementations must be thread-safe when the
/// platform runs several threads (`thread_pool_platform`); under simulation all calls come
/// from the simulation thread. Paths are actor paths within the system's node.
class trace_sink {
 public:
  virtual ~trace_sink() = default;
  virtual void on_spawn(std::string_view actor, std::string_view parent) = 0;
  virtual void on_stop(std::string_view actor, std::string_view reason) = 0;
  virtual void on_crash(std::string_view actor, std::string_view reason) = 0;
  virtual void on_restart(std::string_view actor, std::string_view reason) = 0;
  /// Called before the envelope is enqueued; sets `message.trace_id` and `message.lamport`.
  virtual void on_send(envelope& message, std::string_view from, std::string_view to_node,
                       std::string_view to) = 0;
  virtual void on_deliver(const envelope& message, std::string_view from_node,
                          std::string_view from, std::string_view to) = 0;
  /// A message was not delivered; `to_node`/`to` name the intended receiver.
  virtual void on_drop(const envelope& message, std::string_view from_node, std::string_view from,
                       std::string_view to_node, std::string_view to, drop_reason reason) = 0;
  virtual void on_timer(std::string_view actor, std::string_view key) = 0;
  virtual void on_log(std::string_view actor, std::string_view level, std::string_view text) = 0;
  /// An application event of kind `event` (e.g. "op", the client history the checkers
  /// read); `json_members` are the event's own members as JSON text without braces, e.g.
  /// `"client":3,"op":41,"phase":"invoke"`.
  virtual void on_record(std::string_view event, std::string_view json_members) = 0;
};

}  // namespace troupe
