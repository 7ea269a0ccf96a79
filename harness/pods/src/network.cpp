#include "troupe/pods/network.hpp"

#include <algorithm>
#include <cassert>
#include <cstdio>

namespace troupe::pods {

namespace {

constexpr const char* bridge = "br0";
constexpr const char* partition_chain = "TROUPE-PARTITION";
constexpr const char* loss_chain = "TROUPE-LOSS";
/// Delays below this are left to the real network (a veth pair adds microseconds).
constexpr std::int64_t netem_delay_ns_min = 1'000'000;

argv iptables(const std::string& netns, argv rule) {
  argv command{"iptables", "-w"};
  command.insert(command.end(), rule.begin(), rule.end());
  return in_netns(netns, std::move(command));
}

/// "12.5ms" style text for tc: microseconds are exact enough.
std::string tc_time(std::int64_t ns) { return std::to_string(ns / 1000) + "us"; }

std::string probability(double p) {
  char text[32];
  std::snprintf(text, sizeof text, "%.6f", p);
  return text;
}

}  // namespace

argv in_netns(const std::string& netns, argv command) {
  argv full{"ip", "netns", "exec", netns};
  full.insert(full.end(), command.begin(), command.end());
  return full;
}

network_layout::network_layout(std::uint64_t run_id)
    : prefix_(std::string(run_prefix) + std::to_string(run_id) + "-"), hub_(prefix_ + "hub") {}

const pod_address& network_layout::address(const std::string& pod) {
  if (auto found = by_name_.find(pod); found != by_name_.end()) return pods_[found->second];
  assert(pods_.size() < static_cast<std::size_t>(pods_max));
  const int host = 10 + static_cast<int>(pods_.size());
  pod_address a;
  a.pod = pod;
  a.netns = prefix_ + pod;
  a.ip = "10.214." + std::to_string(host / 256) + "." + std::to_string(host % 256);
  a.hub_veth = "v" + std::to_string(pods_.size());
  by_name_[pod] = pods_.size();
  pods_.push_back(std::move(a));
  return pods_.back();
}

std::vector<argv> network_layout::create_hub() const {
  return {{"ip", "netns", "add", hub_},
          {"ip", "-n", hub_, "link", "add", bridge, "type", "bridge"},
          {"ip", "-n", hub_, "link", "set", bridge, "up"}};
}

std::vector<argv> network_layout::create_pod(const std::string& pod) {
  const pod_address a = address(pod);
  std::vector<argv> commands = {
      {"ip", "netns", "add", a.netns},
      // Both ends are created straight inside their namespaces: no interface ever
      // appears in the host's namespace.
      {"ip", "link", "add", a.hub_veth, "netns", hub_, "type", "veth", "peer", "name", "eth0",
       "netns", a.netns},
      {"ip", "-n", hub_, "link", "set", a.hub_veth, "master", bridge, "up"},
      {"ip", "-n", a.netns, "link", "set", "lo", "up"},
      {"ip", "-n", a.netns, "addr", "add", a.ip + "/16", "dev", "eth0"},
      {"ip", "-n", a.netns, "link", "set", "eth0", "up"},
      iptables(a.netns, {"-N", partition_chain}),
      iptables(a.netns, {"-N", loss_chain}),
      iptables(a.netns, {"-A", "INPUT", "-j", partition_chain}),
      iptables(a.netns, {"-A", "OUTPUT", "-j", partition_chain}),
      iptables(a.netns, {"-A", "OUTPUT", "-o", "eth0", "-j", loss_chain}),
  };
  return commands;
}

std::vector<argv> network_layout::remove_all() const {
  std::vector<argv> commands;
  for (const auto& a : pods_) commands.push_back({"ip", "netns", "del", a.netns});
  commands.push_back({"ip", "netns", "del", hub_});
  return commands;
}

std::vector<argv> network_layout::partition(const sim::partition& cut) const {
  // Packets are dropped where they arrive (INPUT, by source address), as a cut network
  // loses them: a sender's connect or write is not refused at once, it times out. One
  // command per receiving pod (iptables expands the comma-separated sources), so that a
  // partition takes effect within a few tens of milliseconds.
  std::map<std::string, std::vector<std::string>> sources_by_receiver;
  std::vector<std::string> order;
  auto cut_direction = [&](const std::string& from, const std::string& to) {
    auto a = by_name_.find(from);
    auto b = by_name_.find(to);
    if (a == by_name_.end() || b == by_name_.end()) return;  // not created (yet)
    auto [entry, added] = sources_by_receiver.try_emplace(to);
    if (added) order.push_back(to);
    const std::string& ip = pods_[a->second].ip;
    if (std::find(entry->second.begin(), entry->second.end(), ip) == entry->second.end())
      entry->second.push_back(ip);
  };
  if (cut.one_way) {
    for (const auto& a : cut.from)
      for (const auto& b : cut.to) cut_direction(a, b);
  } else {
    for (std::size_t i = 0; i < cut.groups.size(); ++i)
      for (const auto& b : cut.groups[i])
        for (std::size_t j = 0; j < cut.groups.size(); ++j)
          if (i != j)
            for (const auto& a : cut.groups[j]) cut_direction(a, b);
  }
  std::vector<argv> commands;
  for (const auto& to : order) {
    std::string sources;
    for (const auto& ip : sources_by_receiver[to]) sources += (sources.empty() ? "" : ",") + ip;
    commands.push_back(iptables(pods_[by_name_.at(to)].netns,
                                {"-A", partition_chain, "-s", sources, "-j", "DROP"}));
  }
  return commands;
}

std::vector<argv> network_layout::heal() const {
  std::vector<argv> commands;
  for (const auto& a : pods_) commands.push_back(iptables(a.netns, {"-F", partition_chain}));
  return commands;
}

std::vector<argv> network_layout::conditions_of(const std::string& pod,
                                                const sim::link_conditions& link,
                                                bool with_netem) const {
  std::vector<argv> commands;
  const auto found = by_name_.find(pod);
  if (found == by_name_.end()) return commands;
  const auto& a = pods_[found->second];
  commands.push_back(iptables(a.netns, {"-F", loss_chain}));
  if (link.loss > 0) {
    commands.push_back(iptables(a.netns, {"-A", loss_chain, "-m", "statistic", "--mode", "random",
                                          "--probability", probability(link.loss), "-j", "DROP"}));
  }
  if (!with_netem) return commands;
  // `replace` installs or changes the qdisc; a delay below the floor removes it (the
  // delete fails harmlessly when there is none, so the runner ignores its status).
  if (link.delay_ns_max >= netem_delay_ns_min) {
    const std::int64_t mean = (link.delay_ns_min + link.delay_ns_max) / 2;
    const std::int64_t jitter = (link.delay_ns_max - link.delay_ns_min) / 2;
    argv netem{"tc", "qdisc", "replace", "dev", "eth0", "root", "netem", "delay", tc_time(mean)};
    if (jitter > 0) netem.push_back(tc_time(jitter));
    commands.push_back(in_netns(a.netns, std::move(netem)));
  } else {
    commands.push_back(in_netns(a.netns, {"tc", "qdisc", "del", "dev", "eth0", "root"}));
  }
  return commands;
}

std::vector<argv> network_layout::conditions(const sim::link_conditions& link,
                                             bool with_netem) const {
  std::vector<argv> commands;
  for (const auto& a : pods_) {
    auto one = conditions_of(a.pod, link, with_netem);
    commands.insert(commands.end(), one.begin(), one.end());
  }
  return commands;
}

}  // namespace troupe::pods
