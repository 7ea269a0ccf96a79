#include "troupe/checkers/delivery.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace troupe::checkers {
namespace {

// What happened to one message id, in trace order.
struct message_fate {
  const message_event* send = nullptr;
  std::size_t sends = 0;
  std::vector<const message_event*> deliveries;
  std::vector<const message_event*> drops;
};

std::map<std::uint64_t, message_fate> fates_of(const trace& events) {
  std::map<std::uint64_t, message_fate> fates;
  for (const message_event& event : events.messages) {
    message_fate& fate = fates[event.id];
    switch (event.what) {
      case message_event::kind::send:
        fate.sends += 1;
        if (fate.send == nullptr) fate.send = &event;
        break;
      case message_event::kind::deliver:
        fate.deliveries.push_back(&event);
        break;
      case message_event::kind::drop:
        fate.drops.push_back(&event);
        break;
    }
  }
  return fates;
}

// Collects offences and turns them into one verdict.
class offences {
 public:
  offences(std::string property, const delivery_options& options)
      : property_(std::move(property)), options_(options) {}

  void add(std::uint64_t seq, const std::string& what) {
    if (!first_seq_ || seq < *first_seq_) first_seq_ = seq;
    count_ += 1;
    examples_.emplace(seq, what);
  }

  [[nodiscard]] verdict finish() const {
    verdict out{property_, count_ == 0, "", first_seq_};
    if (count_ == 0) return out;
    out.message = std::to_string(count_) + (count_ == 1 ? " offence: " : " offences: ");
    std::size_t shown = 0;
    for (const auto& [seq, what] : examples_) {
      if (shown == options_.examples_max) {
        out.message += "; ...";
        break;
      }
      out.message += (shown == 0 ? "" : "; ") + what;
      shown += 1;
    }
    return out;
  }

 private:
  std::string property_;
  const delivery_options& options_;
  std::size_t count_ = 0;
  std::optional<std::uint64_t> first_seq_;
  std::multimap<std::uint64_t, std::string> examples_;  // by seq, for a stable message
};

std::string name(const message_event& event) {
  return "message " + std::to_string(event.id) + " (" + event.type + ")";
}

}  // namespace

verdict check_deliver_after_send(const trace& events, const delivery_options& options) {
  offences found("deliver_after_send", options);
  std::map<std::uint64_t, std::size_t> sends;
  for (const message_event& event : events.messages) {
    if (event.what == message_event::kind::send) {
      if (sends[event.id]++ == 1) {
        found.add(event.seq, name(event) + " sent again at seq " + std::to_string(event.seq));
      }
      continue;
    }
    if (sends.count(event.id) == 0) {
      const char* what = event.what == message_event::kind::deliver ? "delivered" : "dropped";
      found.add(event.seq, name(event) + " " + what + " at seq " + std::to_string(event.seq) +
                               " without an earlier send");
    }
  }
  return found.finish();
}

verdict check_at_most_once_delivery(const trace& events, const delivery_options& options) {
  offences found("at_most_once_delivery", options);
  for (const auto& [id, fate] : fates_of(events)) {
    if (fate.deliveries.size() > 1) {
      const message_event& second = *fate.deliveries[1];
      found.add(second.seq, name(second) + " delivered " + std::to_string(fate.deliveries.size()) +
                                " times, again at seq " + std::to_string(second.seq));
    }
  }
  return found.finish();
}

verdict check_exactly_once_delivery(const trace& events, const delivery_options& options) {
  offences found("exactly_once_delivery", options);
  for (const auto& [id, fate] : fates_of(events)) {
    if (fate.send == nullptr) continue;  // deliver_after_send's concern.
    const message_event& send = *fate.send;
    if (fate.deliveries.size() > 1) {
      found.add(fate.deliveries[1]->seq,
                name(send) + " delivered " + std::to_string(fate.deliveries.size()) + " times");
    } else if (!fate.deliveries.empty() && !fate.drops.empty()) {
      const std::uint64_t later = std::max(fate.deliveries[0]->seq, fate.drops[0]->seq);
      found.add(later, name(send) + " both delivered and dropped (" + fate.drops[0]->reason + ")");
    } else if (fate.deliveries.empty() && fate.drops.empty()) {
      const bool maybe_in_flight =
          options.exclude_in_flight_at_end && events.last_t - send.t <= options.in_flight_window_ns;
      if (!maybe_in_flight) {
        found.add(send.seq, name(send) + " sent at seq " + std::to_string(send.seq) + " from " +
                                send.pod + " to " + send.peer_pod +
                                " silently lost (neither delivered nor dropped)");
      }
    }
  }
  return found.finish();
}

}  // namespace troupe::checkers
