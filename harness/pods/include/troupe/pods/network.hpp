#pragma once
/// The local pod cluster's network (docs/kubernetes.md, "Local pods"): one network
/// namespace per pod with its own address on eth0, all joined by a bridge that lives in a
/// "hub" namespace of the run, and faults as iptables rules and tc qdiscs inside the pods'
/// namespaces. Nothing here runs a command: every function returns the argv lists to run,
/// so the exact commands are what the tests check. The host's own network namespace is
/// never touched; every name starts with the run's prefix so a later run can sweep
/// leftovers of one that died.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "troupe/simnet/network.hpp"

namespace troupe::pods {

/// A command line: program and arguments.
using argv = std::vector<std::string>;

/// Every name a run creates starts with this, then the runner's pid: "tpods-1234-".
inline constexpr const char* run_prefix = "tpods-";
/// The remoting port every node listens on (each pod has an address of its own).
inline constexpr int remoting_port = 7355;
/// The management port (/ready, /alive).
inline constexpr int management_port = 8558;
/// The most pods one run may create (addresses 10.214.0.10 .. 10.214.3.241).
inline constexpr int pods_max = 1000;

/// One pod's place on the network.
struct pod_address {
  std::string pod;        ///< "kv-0"
  std::string netns;      ///< "tpods-1234-kv-0"
  std::string ip;         ///< "10.214.0.10"
  std::string hub_veth;   ///< the bridge side of its veth pair, in the hub namespace: "v0"
};

/// The run's names and addresses, and the commands that build, change and remove them.
/// Not thread-safe; the runner's one thread owns it.
class network_layout {
 public:
  /// `run_id` is unique among live runs on this machine: the runner's pid.
  explicit network_layout(std::uint64_t run_id);

  const std::string& prefix() const { return prefix_; }  ///< "tpods-1234-"
  const std::string& hub() const { return hub_; }        ///< "tpods-1234-hub"

  /// The pod's address, assigned on first use in order (kv-0 gets .10, the next .11 ...).
  /// The same name keeps its address for the whole run (restart, scale down and up).
  /// Precondition: fewer than pods_max pods so far.
  const pod_address& address(const std::string& pod);
  bool known(const std::string& pod) const { return by_name_.count(pod) != 0; }
  /// Every pod that has an address, in assignment order.
  const std::vector<pod_address>& pods() const { return pods_; }

  /// The hub namespace and its bridge.
  std::vector<argv> create_hub() const;
  /// The pod's namespace, its veth pair into the bridge, its address, and the empty
  /// iptables chains the faults use (TROUPE-PARTITION, TROUPE-LOSS).
  std::vector<argv> create_pod(const std::string& pod);
  /// Removes every namespace of the run (pods first, then the hub; veths go with them).
  std::vector<argv> remove_all() const;

  /// DROP rules for a partition, in the receiving pods' namespaces (INPUT by source): between
  /// every pair of groups both ways, or from `from` to `to` only. One command per receiving
  /// pod. Pods named but without an address yet are skipped (they do not exist).
  std::vector<argv> partition(const sim::partition& cut) const;
  /// Flushes every pod's TROUPE-PARTITION chain.
  std::vector<argv> heal() const;
  /// Link conditions on every pod's eth0: loss as an iptables statistic DROP on OUTPUT
  /// (packet loss), delay as a tc netem qdisc (`with_netem`: the kernel has sch_netem).
  /// Replaces earlier conditions. Duplicate, reorder and bandwidth are not played.
  std::vector<argv> conditions(const sim::link_conditions& link, bool with_netem) const;
  /// The same for one pod (a pod created after the conditions were set).
  std::vector<argv> conditions_of(const std::string& pod, const sim::link_conditions& link,
                                  bool with_netem) const;

 private:
  std::string prefix_;
  std::string hub_;
  std::vector<pod_address> pods_;
  std::map<std::string, std::size_t> by_name_;
};

/// "ip netns exec NS" + command.
argv in_netns(const std::string& netns, argv command);

}  // namespace troupe::pods
