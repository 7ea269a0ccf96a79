#pragma once
/// Which events and messages the user wants to see.

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "troupe/trace_model/trace.hpp"

namespace troupe::trace_model {

/// A filter over one trace. Empty vectors and strings hide nothing. The UI thread owns it.
struct trace_filter {
  std::vector<std::uint8_t> pod_hidden;    ///< by pod_index
  std::array<std::uint8_t, event_kind_count> kind_hidden{};
  std::vector<std::uint8_t> type_hidden;   ///< by string_id of the message type
  std::string actor_contains;              ///< substring of "pod/actor/path"
  std::string search;                      ///< substring of type, summary, reason, text or id

  [[nodiscard]] bool pod_visible(pod_index pod) const {
    return pod == no_pod || pod >= pod_hidden.size() || pod_hidden[pod] == 0;
  }
  [[nodiscard]] bool kind_visible(event_kind kind) const {
    return kind_hidden[static_cast<std::size_t>(kind)] == 0;
  }
  [[nodiscard]] bool type_visible(string_id type) const {
    return type == no_index || type >= type_hidden.size() || type_hidden[type] == 0;
  }
  /// The event passes every criterion.
  [[nodiscard]] bool event_visible(const trace& t, const event& e) const;
  /// The message (arrow) passes: both pods visible, its type, its send kind and its end kind
  /// visible, and the actor and search texts match either end.
  [[nodiscard]] bool message_visible(const trace& t, const message_record& m) const;
};

/// The next visible event after index `from` (exclusive), or no_index.
[[nodiscard]] std::uint32_t next_visible_event(const trace& t, const trace_filter& filter,
                                               std::uint32_t from);
/// The last visible event before index `from` (exclusive), or no_index.
[[nodiscard]] std::uint32_t previous_visible_event(const trace& t, const trace_filter& filter,
                                                   std::uint32_t from);

}  // namespace troupe::trace_model
