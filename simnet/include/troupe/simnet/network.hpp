#pragma once
/// The simulated network: link conditions and partitions.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace troupe::sim {

/// How messages travel over a link (or every link, as the default).
struct link_conditions {
  std::int64_t delay_ns_min = 100'000;  ///< one-way latency, uniform in [min, max]
  std::int64_t delay_ns_max = 500'000;
  double loss = 0.0;       ///< probability that a message is lost
  double duplicate = 0.0;  ///< probability that a message is delivered twice
  /// Messages on one link normally arrive in send order (like TCP); true lets a later
  /// message overtake an earlier one when its latency is shorter.
  bool reorder = false;
  /// Bytes per second on the link; 0: unlimited. A message occupies the link for
  /// size / bandwidth after the previous one.
  std::int64_t bandwidth_bytes_per_s = 0;
};

/// One cut of the network. `groups`: pods in different groups cannot talk, pods in no group
/// talk to everyone (a bridge). One-way: messages from `from` to `to` are cut.
struct partition {
  std::vector<std::vector<std::string>> groups;
  std::vector<std::string> from;
  std::vector<std::string> to;
  bool one_way = false;

  /// True when this partition cuts messages from pod `a` to pod `b`.
  bool cuts(const std::string& a, const std::string& b) const;
};

/// Link conditions and active partitions. Owned by the simulation.
class network {
 public:
  link_conditions& defaults() { return defaults_; }
  const link_conditions& defaults() const { return defaults_; }
  /// Overrides the conditions of the link from `a` to `b`.
  void set_link(const std::string& a, const std::string& b, link_conditions conditions);
  const link_conditions& link(const std::string& a, const std::string& b) const {
    return links_.empty() ? defaults_ : overridden_link(a, b);  // the common case: no override
  }

  void add_partition(partition p) { partitions_.push_back(std::move(p)); }
  void heal() { partitions_.clear(); }
  bool partitioned() const { return !partitions_.empty(); }
  /// True when an active partition cuts messages from `a` to `b`.
  bool cut(const std::string& a, const std::string& b) const {
    return !partitions_.empty() && cut_by_partition(a, b);  // every message asks
  }

  /// The earliest time the next message on link a->b may arrive (FIFO links), updated.
  /// `a` and `b` are pod indices (the simulation's creation order, fixed per name).
  std::int64_t& last_arrival(std::uint32_t a, std::uint32_t b) {
    if (last_arrival_.size() <= a) last_arrival_.resize(a + 1);
    auto& row = last_arrival_[a];
    if (row.size() <= b) row.resize(b + 1, 0);
    return row[b];
  }

 private:
  bool cut_by_partition(const std::string& a, const std::string& b) const;
  const link_conditions& overridden_link(const std::string& a, const std::string& b) const;

  link_conditions defaults_;
  std::map<std::pair<std::string, std::string>, link_conditions> links_;
  std::vector<partition> partitions_;
  std::vector<std::vector<std::int64_t>> last_arrival_;  // [from pod][to pod]
};

}  // namespace troupe::sim
