#include "troupe/checkers/entity_delivery.hpp"

#include <algorithm>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace troupe::checkers {

namespace {

/// What the runtime traced about one message id: its deliveries and drops.
struct runtime_fate {
  std::size_t deliveries = 0;
  std::string drop_reason;  ///< the first drop's reason, "" when none
};

/// When each pod ended (killed, stopped, scaled away) and was paused or resumed.
class pod_lives {
 public:
  explicit pod_lives(const std::vector<fault_event>& faults) {
    std::set<std::string> dead;
    for (const auto& fault : faults) {
      if (fault.kind == "kill" || fault.kind == "stop") end(fault.pod, fault), dead.insert(fault.pod);
      if (fault.kind == "scale") {
        for (const auto& pod : fault.removed) end(pod, fault), dead.insert(pod);
        for (const auto& pod : fault.added) dead.erase(pod);
      }
      if (fault.kind == "restart") {
        // A restart of a running pod ends its incarnation (simnet: a kill and a start).
        if (!dead.contains(fault.pod)) end(fault.pod, fault);
        dead.erase(fault.pod);
        restarts_[fault.pod].push_back(fault.seq);
      }
      if (fault.kind == "pause" || fault.kind == "resume" || fault.kind == "kill" ||
          fault.kind == "stop" || fault.kind == "restart")
        last_state_[fault.pod] = fault.kind;
    }
  }

  /// The first end of `pod` after `after_seq` and before `before_seq`, if any.
  [[nodiscard]] std::optional<std::uint64_t> ended(const std::string& pod, std::uint64_t after_seq,
                                                   std::uint64_t before_seq) const {
    auto found = ends_.find(pod);
    if (found == ends_.end()) return std::nullopt;
    auto next = std::upper_bound(found->second.begin(), found->second.end(), after_seq);
    if (next == found->second.end() || *next >= before_seq) return std::nullopt;
    return *next;
  }

  /// True when `pod` was down at `seq`: ended before it and not restarted since.
  [[nodiscard]] bool down_at(const std::string& pod, std::uint64_t seq) const {
    auto found = ends_.find(pod);
    if (found == ends_.end()) return false;
    auto next = std::upper_bound(found->second.begin(), found->second.end(), seq);
    if (next == found->second.begin()) return false;
    const std::uint64_t ended_seq = *std::prev(next);
    auto restarts = restarts_.find(pod);
    if (restarts == restarts_.end()) return true;
    // lower_bound: a restart of a running pod ends and restarts it at the same seq.
    auto restart = std::lower_bound(restarts->second.begin(), restarts->second.end(), ended_seq);
    return restart == restarts->second.end() || *restart > seq;
  }

  /// True when `pod` ended at a time in [from_ns, to_ns].
  [[nodiscard]] bool ended_within(const std::string& pod, std::int64_t from_ns,
                                  std::int64_t to_ns) const {
    auto found = end_times_.find(pod);
    if (found == end_times_.end()) return false;
    auto next = std::lower_bound(found->second.begin(), found->second.end(), from_ns);
    return next != found->second.end() && *next <= to_ns;
  }

  /// True when the trace ends while `pod` is paused.
  [[nodiscard]] bool paused_at_end(const std::string& pod) const {
    auto found = last_state_.find(pod);
    return found != last_state_.end() && found->second == "pause";
  }

 private:
  void end(const std::string& pod, const fault_event& fault) {
    ends_[pod].push_back(fault.seq);
    end_times_[pod].push_back(fault.t);
  }

  std::map<std::string, std::vector<std::uint64_t>> ends_;  // by seq
  std::map<std::string, std::vector<std::int64_t>> end_times_;
  std::map<std::string, std::vector<std::uint64_t>> restarts_;
  std::map<std::string, std::string> last_state_;
};

/// Where one copy of an entity message is.
struct copy {
  enum class place { region, wire, mailbox };
  place where = place::region;
  std::string pod;                 ///< region: its pod; wire: the destination; mailbox: the pod
  std::uint64_t message_id = 0;    ///< wire and mailbox: the runtime message
  const entity_route_event* last = nullptr;  ///< its last step
};

/// How each copy ended, for the verdict's summary.
struct tally {
  std::size_t messages = 0;
  std::size_t delivered = 0;
  std::size_t in_flight = 0;
  std::size_t with_pod = 0;
  std::map<std::string, std::size_t> dropped;  // reason -> copies
};

std::string seconds(std::int64_t t) {
  const std::int64_t ms = t / 1'000'000;
  std::string fraction = std::to_string(ms % 1000);
  return std::to_string(ms / 1000) + "." + std::string(3 - fraction.size(), '0') + fraction + "s";
}

std::string describe_step(const entity_route_event& step) {
  std::string text = step.step + " on " + step.pod;
  if (step.step == "forwarded") text += " to " + step.to_pod;
  if (step.step == "delivered") text += " to instance " + std::to_string(step.instance);
  if (step.message_id != 0) text += " (message " + std::to_string(step.message_id) + ")";
  return text + " at t=" + seconds(step.t);
}

/// Follows the steps of one entity message; reports offences through `offend`.
class follower {
 public:
  follower(const std::map<std::uint64_t, runtime_fate>& fates, const pod_lives& pods,
           const entity_delivery_options& options, std::int64_t last_t, bool real, tally& counts)
      : fates_(fates),
        pods_(pods),
        options_(options),
        last_t_(last_t),
        real_(real),
        counts_(counts) {}

  /// Returns offences as (seq, text).
  std::vector<std::pair<std::uint64_t, std::string>> follow(
      const std::vector<const entity_route_event*>& steps) {
    name_ = steps.front()->type + " '" + steps.front()->entity + "' message " +
            steps.front()->message;
    for (const auto* step : real_ ? causal_order(steps) : steps) {
      take(*step);
      if (!offences_.empty()) return offences_;
    }
    for (const auto& one : copies_) settle(one);
    if (delivered_ > copies_made_)
      offend(steps.back()->seq, "delivered " + std::to_string(delivered_) + " times (" +
                                    std::to_string(copies_made_) + " cop" +
                                    (copies_made_ == 1 ? "y" : "ies") + ")");
    return offences_;
  }

 private:
  void offend(std::uint64_t seq, const std::string& what) { offences_.emplace_back(seq, name_ + ": " + what); }

  /// Real processes: the merged trace orders lines by each process's clock, and the
  /// receiver may write its `received` line, and the lines of what it then did with the
  /// message (delivered, forwarded again ...), before the sender writes the `forwarded` line
  /// of the same runtime message (the sender traces it after the send returns). Holds such a
  /// `received` and every later step on its pod, and puts them right after that `forwarded`.
  static std::vector<const entity_route_event*> causal_order(
      const std::vector<const entity_route_event*>& steps) {
    struct held {
      std::uint64_t message_id;  // the forward they wait for
      std::string pod;
      std::vector<const entity_route_event*> steps;
    };
    std::vector<const entity_route_event*> out;
    std::vector<held> waiting;
    for (std::size_t i = 0; i < steps.size(); ++i) {
      const auto* step = steps[i];
      auto group = std::find_if(waiting.begin(), waiting.end(),
                                [&](const held& h) { return h.pod == step->pod; });
      if (group != waiting.end()) {
        group->steps.push_back(step);
        continue;
      }
      if (step->step == "received" &&
          std::any_of(steps.begin() + static_cast<std::ptrdiff_t>(i) + 1, steps.end(),
                      [&](const entity_route_event* later) {
                        return later->step == "forwarded" &&
                               later->message_id == step->message_id;
                      })) {
        waiting.push_back({step->message_id, step->pod, {step}});
        continue;
      }
      out.push_back(step);
      if (step->step != "forwarded") continue;
      auto released = std::find_if(waiting.begin(), waiting.end(), [&](const held& h) {
        return h.message_id == step->message_id;
      });
      if (released == waiting.end()) continue;
      out.insert(out.end(), released->steps.begin(), released->steps.end());
      waiting.erase(released);
    }
    for (const auto& h : waiting) out.insert(out.end(), h.steps.begin(), h.steps.end());
    return out;
  }

  /// The copy on `pod` in `where` that step `step` continues, if any.
  std::vector<copy>::iterator find(copy::place where, const entity_route_event& step,
                                   std::uint64_t message_id = 0) {
    return std::find_if(copies_.begin(), copies_.end(), [&](const copy& one) {
      if (one.where != where || one.pod != step.pod) return false;
      if (where == copy::place::wire && one.message_id != message_id) return false;
      return !pods_.ended(one.pod, one.last->seq, step.seq);  // a copy its pod's death ended
    });
  }

  void take(const entity_route_event& step) {
    if (step.step == "accepted") {
      if (accepted_) return offend(step.seq, "accepted twice (again " + describe_step(step) + ")");
      accepted_ = true;
      copies_made_ = 1;
      counts_.messages += 1;
      copies_.push_back(copy{copy::place::region, step.pod, 0, &step});
      return;
    }
    if (!accepted_ && real_ && step.step == "received" &&
        pods_.ended_within(step.message.substr(0, step.message.find('/')), step.t - real_lag_ns,
                           step.t + real_lag_ns)) {
      // A killed process loses its last trace lines: the origin's accepted and forwarded
      // steps of a message it sent just before it died.
      accepted_ = true;
      copies_made_ = 1;
      counts_.messages += 1;
      copies_.push_back(copy{copy::place::region, step.pod, 0, &step});
      received_.insert(step.message_id);
      return;
    }
    if (!accepted_) return offend(step.seq, describe_step(step) + " but never accepted");
    if (step.step == "received") return receive(step);
    auto held = find(copy::place::region, step);
    if (held == copies_.end())
      return offend(step.seq, describe_step(step) + " but no region on " + step.pod +
                                  " holds it");
    held->last = &step;
    if (step.step == "buffered") return;
    if (step.step == "forwarded") {
      held->where = copy::place::wire;
      held->pod = step.to_pod;
      held->message_id = step.message_id;
    } else if (step.step == "delivered") {
      held->where = copy::place::mailbox;
      held->message_id = step.message_id;
    } else if (step.step == "dropped") {
      counts_.dropped[step.reason.empty() ? "?" : step.reason] += 1;
      copies_.erase(held);
    } else {
      offend(step.seq, "unknown step '" + step.step + "'");
    }
  }

  void receive(const entity_route_event& step) {
    auto sent = find(copy::place::wire, step, step.message_id);
    if (sent != copies_.end()) {
      sent->where = copy::place::region;
      sent->last = &step;
      received_.insert(step.message_id);
      return;
    }
    // The network duplicated the forward: a second copy goes its own way.
    auto fate = fates_.find(step.message_id);
    if (received_.contains(step.message_id) && fate != fates_.end() &&
        fate->second.deliveries > 1) {
      copies_made_ += 1;
      copies_.push_back(copy{copy::place::region, step.pod, 0, &step});
      return;
    }
    offend(step.seq, describe_step(step) + " but no forward to " + step.pod + " with that id");
  }

  /// Decides how a copy left after the last step ended.
  void settle(const copy& one) {
    const entity_route_event& last = *one.last;
    if (one.where != copy::place::region) {
      auto fate = fates_.find(one.message_id);
      if (fate != fates_.end() && one.where == copy::place::mailbox &&
          fate->second.deliveries > 0) {
        delivered_ += fate->second.deliveries;
        counts_.delivered += 1;
        return;
      }
      if (fate != fates_.end() && !fate->second.drop_reason.empty()) {
        counts_.dropped[fate->second.drop_reason] += 1;
        return;
      }
    }
    // A region's buffer and an entity's mailbox die with their pod; a forward in flight to a
    // dead pod is traced as dropped by the platform, so it does not count here.
    if (one.where != copy::place::wire && pods_.ended(one.pod, last.seq, UINT64_MAX)) {
      counts_.with_pod += 1;
      return;
    }
    // Real processes: the TCP transport does not trace what a dead connection lost, so a
    // forward whose sender or receiver died within a second, or whose receiver was down,
    // ended with its pod.
    if (real_ && one.where == copy::place::wire &&
        (pods_.down_at(one.pod, last.seq) ||
         pods_.ended_within(one.pod, last.t, last.t + real_lag_ns) ||
         pods_.ended_within(last.pod, last.t, last.t + real_lag_ns))) {
      counts_.with_pod += 1;
      return;
    }
    const std::int64_t window = one.where == copy::place::region && last.step == "buffered"
                                    ? options_.buffered_window_ns
                                    : options_.in_flight_window_ns;
    if (last_t_ - last.t <= window || pods_.paused_at_end(one.pod)) {
      counts_.in_flight += 1;
      return;
    }
    std::string where = one.where == copy::place::wire      ? "never arrived at " + one.pod
                        : one.where == copy::place::mailbox ? "never reached the entity"
                                                            : "still held by the region";
    offend(last.seq, "silently lost: last step " + describe_step(last) + ", then " + where +
                         ", neither delivered nor dropped, its pod alive");
  }

  const std::map<std::uint64_t, runtime_fate>& fates_;
  const pod_lives& pods_;
  const entity_delivery_options& options_;
  std::int64_t last_t_;
  bool real_;  // a trace of real processes (docs/checkers.md, "entity_delivery", Limits)
  /// Real processes: how far a pod's death may be from the steps it explains (a killed
  /// process loses up to 100 ms of trace lines; a dead connection's bytes go with it).
  static constexpr std::int64_t real_lag_ns = 1'000'000'000;
  tally& counts_;
  std::string name_;
  bool accepted_ = false;
  std::size_t copies_made_ = 0;
  std::size_t delivered_ = 0;
  std::vector<copy> copies_;
  std::set<std::uint64_t> received_;
  std::vector<std::pair<std::uint64_t, std::string>> offences_;
};

std::map<std::uint64_t, runtime_fate> runtime_fates(const trace& events) {
  std::map<std::uint64_t, runtime_fate> fates;
  for (const auto& message : events.messages) {
    if (message.what == message_event::kind::deliver) fates[message.id].deliveries += 1;
    if (message.what == message_event::kind::drop && fates[message.id].drop_reason.empty())
      fates[message.id].drop_reason = message.reason;
  }
  return fates;
}

std::string summary(const tally& counts) {
  std::size_t dropped = 0;
  std::string reasons;
  for (const auto& [reason, n] : counts.dropped) {
    dropped += n;
    reasons += (reasons.empty() ? "" : ", ") + reason + " " + std::to_string(n);
  }
  return std::to_string(counts.messages) + " entity messages: " + std::to_string(counts.delivered) +
         " delivered, " + std::to_string(dropped) + " dropped with a reason" +
         (reasons.empty() ? "" : " (" + reasons + ")") + ", " + std::to_string(counts.with_pod) +
         " ended with their pod, " + std::to_string(counts.in_flight) +
         " in flight or waiting at the end; none silently lost";
}

}  // namespace

verdict check_entity_delivery(const trace& events, const entity_delivery_options& options) {
  verdict out;
  out.property = "entity_delivery";
  // One message is (type, entity_message); its steps in trace order.
  std::map<std::pair<std::string, std::string>, std::vector<const entity_route_event*>> messages;
  for (const auto& route : events.routes) messages[{route.type, route.message}].push_back(&route);
  const auto fates = runtime_fates(events);
  const pod_lives pods(events.faults);
  tally counts;
  std::multimap<std::uint64_t, std::string> offences;  // by seq, for a stable message
  for (const auto& [key, steps] : messages) {
    follower one(fates, pods, options, events.last_t, events.header.platform != "simnet", counts);
    for (auto& offence : one.follow(steps)) offences.emplace(std::move(offence));
  }
  if (offences.empty()) {
    out.message = summary(counts);
    return out;
  }
  out.ok = false;
  out.at_seq = offences.begin()->first;
  out.message = std::to_string(offences.size()) + (offences.size() == 1 ? " offence: " : " offences: ");
  std::size_t shown = 0;
  for (const auto& [seq, what] : offences) {
    if (shown == options.examples_max) {
      out.message += "; ...";
      break;
    }
    out.message += (shown == 0 ? "" : "; ") + what;
    shown += 1;
  }
  return out;
}

}  // namespace troupe::checkers
