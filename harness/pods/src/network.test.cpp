// Goal: the local pod cluster's network is built, cut and healed by exactly these commands,
// all inside the run's own namespaces (nothing in the host's), and named per run.
#include <gtest/gtest.h>

#include "troupe/pods/network.hpp"

namespace pods = troupe::pods;

namespace {

std::string text(const std::vector<pods::argv>& commands) {
  std::string out;
  for (const auto& c : commands) {
    for (std::size_t i = 0; i < c.size(); ++i) out += (i ? " " : "") + c[i];
    out += "\n";
  }
  return out;
}

}  // namespace

TEST(pods_network, names_and_addresses_are_per_run_and_stable) {
  pods::network_layout layout(42);
  EXPECT_EQ(layout.hub(), "tpods-42-hub");
  EXPECT_EQ(layout.address("kv-0").ip, "10.214.0.10");
  EXPECT_EQ(layout.address("kv-1").ip, "10.214.0.11");
  EXPECT_EQ(layout.address("kv-0").ip, "10.214.0.10");  // same pod, same address
  EXPECT_EQ(layout.address("kv-1").netns, "tpods-42-kv-1");
  for (int i = 2; i < 300; ++i) layout.address("p-" + std::to_string(i));
  EXPECT_EQ(layout.address("p-299").ip, "10.214.1.53");  // 10 + 299 = 309 = 1 * 256 + 53
}

TEST(pods_network, a_pod_is_a_namespace_on_the_hub_bridge_with_fault_chains) {
  pods::network_layout layout(7);
  EXPECT_EQ(text(layout.create_hub()),
            "ip netns add tpods-7-hub\n"
            "ip -n tpods-7-hub link add br0 type bridge\n"
            "ip -n tpods-7-hub link set br0 up\n");
  EXPECT_EQ(text(layout.create_pod("kv-0")),
            "ip netns add tpods-7-kv-0\n"
            "ip link add v0 netns tpods-7-hub type veth peer name eth0 netns tpods-7-kv-0\n"
            "ip -n tpods-7-hub link set v0 master br0 up\n"
            "ip -n tpods-7-kv-0 link set lo up\n"
            "ip -n tpods-7-kv-0 addr add 10.214.0.10/16 dev eth0\n"
            "ip -n tpods-7-kv-0 link set eth0 up\n"
            "ip netns exec tpods-7-kv-0 iptables -w -N TROUPE-PARTITION\n"
            "ip netns exec tpods-7-kv-0 iptables -w -N TROUPE-LOSS\n"
            "ip netns exec tpods-7-kv-0 iptables -w -A INPUT -j TROUPE-PARTITION\n"
            "ip netns exec tpods-7-kv-0 iptables -w -A OUTPUT -j TROUPE-PARTITION\n"
            "ip netns exec tpods-7-kv-0 iptables -w -A OUTPUT -o eth0 -j TROUPE-LOSS\n");
  layout.create_pod("kv-1");
  EXPECT_EQ(text(layout.remove_all()),
            "ip netns del tpods-7-kv-0\nip netns del tpods-7-kv-1\nip netns del tpods-7-hub\n");
}

TEST(pods_network, a_partition_drops_what_arrives_from_other_groups_and_heal_flushes) {
  pods::network_layout layout(1);
  for (const char* p : {"a-0", "a-1", "b-0"}) layout.create_pod(p);
  troupe::sim::partition cut;
  cut.groups = {{"a-0"}, {"a-1"}};  // b-0 is in no group: a bridge, no rule
  EXPECT_EQ(text(layout.partition(cut)),
            "ip netns exec tpods-1-a-0 iptables -w -A TROUPE-PARTITION -s 10.214.0.11 -j DROP\n"
            "ip netns exec tpods-1-a-1 iptables -w -A TROUPE-PARTITION -s 10.214.0.10 -j DROP\n");
  cut.groups = {{"a-0"}, {"a-1", "b-0"}};
  EXPECT_EQ(text(layout.partition(cut)),
            "ip netns exec tpods-1-a-0 iptables -w -A TROUPE-PARTITION -s 10.214.0.11,10.214.0.12 -j DROP\n"
            "ip netns exec tpods-1-a-1 iptables -w -A TROUPE-PARTITION -s 10.214.0.10 -j DROP\n"
            "ip netns exec tpods-1-b-0 iptables -w -A TROUPE-PARTITION -s 10.214.0.10 -j DROP\n");
  EXPECT_EQ(text(layout.heal()),
            "ip netns exec tpods-1-a-0 iptables -w -F TROUPE-PARTITION\n"
            "ip netns exec tpods-1-a-1 iptables -w -F TROUPE-PARTITION\n"
            "ip netns exec tpods-1-b-0 iptables -w -F TROUPE-PARTITION\n");
}

TEST(pods_network, a_one_way_partition_cuts_only_from_to) {
  pods::network_layout layout(1);
  for (const char* p : {"a-0", "a-1", "a-2"}) layout.create_pod(p);
  troupe::sim::partition cut;
  cut.one_way = true;
  cut.from = {"a-0"};
  cut.to = {"a-1", "a-9"};  // a-9 does not exist (yet): skipped
  EXPECT_EQ(text(layout.partition(cut)),
            "ip netns exec tpods-1-a-1 iptables -w -A TROUPE-PARTITION -s 10.214.0.10 -j DROP\n");
}

TEST(pods_network, loss_is_a_statistic_drop_and_delay_a_netem_qdisc) {
  pods::network_layout layout(3);
  layout.create_pod("kv-0");
  troupe::sim::link_conditions link;
  link.loss = 0.05;
  link.delay_ns_min = 2'000'000;
  link.delay_ns_max = 10'000'000;
  EXPECT_EQ(text(layout.conditions(link, true)),
            "ip netns exec tpods-3-kv-0 iptables -w -F TROUPE-LOSS\n"
            "ip netns exec tpods-3-kv-0 iptables -w -A TROUPE-LOSS -m statistic --mode random "
            "--probability 0.050000 -j DROP\n"
            "ip netns exec tpods-3-kv-0 tc qdisc replace dev eth0 root netem delay 6000us 4000us\n");
  // Without netem only the loss is played; a sub-millisecond delay removes the qdisc.
  EXPECT_EQ(text(layout.conditions(link, false)),
            "ip netns exec tpods-3-kv-0 iptables -w -F TROUPE-LOSS\n"
            "ip netns exec tpods-3-kv-0 iptables -w -A TROUPE-LOSS -m statistic --mode random "
            "--probability 0.050000 -j DROP\n");
  EXPECT_EQ(text(layout.conditions(troupe::sim::link_conditions{}, true)),
            "ip netns exec tpods-3-kv-0 iptables -w -F TROUPE-LOSS\n"
            "ip netns exec tpods-3-kv-0 tc qdisc del dev eth0 root\n");
}
