// Goal: the `--discovery` text a user writes is accepted in its documented forms, refused
// with a message that names the problem otherwise, and names the SRV records that a
// headless service publishes; a pod's resolv.conf gives the DNS server to ask.
#include "troupe/k8s/discovery_method.hpp"

#include <gtest/gtest.h>

namespace k8s = troupe::k8s;
using kind = k8s::discovery_method::kind;

TEST(discovery_method, a_headless_service_name_queries_its_remoting_srv_records) {
  auto parsed = k8s::parse_discovery_method("dns:troupe-headless.default.svc.cluster.local");
  ASSERT_EQ(parsed.error, "");
  EXPECT_EQ(parsed.method.what, kind::dns);
  EXPECT_EQ(k8s::discovery_srv_name(parsed.method),
            "_remoting._tcp.troupe-headless.default.svc.cluster.local");
  EXPECT_EQ(k8s::discovery_srv_name(parsed.method),
            k8s::srv_name("remoting", "troupe-headless", "default"));
}

TEST(discovery_method, names_are_lower_cased_a_trailing_dot_dropped_and_the_port_name_chosen) {
  auto parsed = k8s::parse_discovery_method("dns:KV-Headless.Chaos.svc.cluster.local.", "Peers");
  ASSERT_EQ(parsed.error, "");
  EXPECT_EQ(k8s::discovery_srv_name(parsed.method),
            "_peers._tcp.kv-headless.chaos.svc.cluster.local");
}

TEST(discovery_method, the_kubernetes_api_is_a_method_of_its_own) {
  auto parsed = k8s::parse_discovery_method("kubernetes-api");
  ASSERT_EQ(parsed.error, "");
  EXPECT_EQ(parsed.method.what, kind::kubernetes_api);
}

TEST(discovery_method, bad_texts_are_refused_with_the_reason) {
  auto error_of = [](std::string_view text, std::string_view port = "remoting") {
    return k8s::parse_discovery_method(text, port).error;
  };
  EXPECT_NE(error_of("").find("is not a discovery method"), std::string::npos);
  EXPECT_NE(error_of("consul:x").find("dns:SERVICE.NAMESPACE.svc.cluster.local"),
            std::string::npos);
  EXPECT_NE(error_of("dns:").find("no service name"), std::string::npos);
  EXPECT_NE(error_of("dns:.").find("no service name"), std::string::npos);
  EXPECT_NE(error_of("dns:a..b").find("an empty label"), std::string::npos);
  EXPECT_NE(error_of("dns:a_b.svc").find("other than letters"), std::string::npos);
  EXPECT_NE(error_of("dns:-a.svc").find("starts or ends with '-'"), std::string::npos);
  EXPECT_NE(error_of("dns:" + std::string(64, 'a')).find("longer than 63"), std::string::npos);
  std::string long_name;
  for (int i = 0; i < 4; ++i) long_name += std::string(60, 'a') + ".";
  long_name += "b";  // 245 characters: valid alone, too long with "_remoting._tcp."
  EXPECT_NE(error_of("dns:" + long_name).find("longer than 253"), std::string::npos);
  EXPECT_NE(error_of("dns:svc", "").find("the port name"), std::string::npos);
  EXPECT_NE(error_of("dns:svc", "remoting-port-name").find("longer than 15"), std::string::npos);
  EXPECT_NE(error_of("kubernetes-api", "a.b").find("the port name"), std::string::npos);
}

TEST(discovery_method, the_first_nameserver_of_a_pods_resolv_conf) {
  const char* pod = R"(# written by the kubelet
search default.svc.cluster.local svc.cluster.local cluster.local
nameserver 10.96.0.10
nameserver 10.96.0.11
options ndots:5
)";
  EXPECT_EQ(k8s::first_nameserver(pod), "10.96.0.10");
  EXPECT_EQ(k8s::first_nameserver("; nameserver 1.1.1.1\n#nameserver 2.2.2.2\nnameserver\n"
                                  "  nameserver   fd00::10  \n"),
            "fd00::10");
  EXPECT_EQ(k8s::first_nameserver("search cluster.local\n"), std::nullopt);
  EXPECT_EQ(k8s::first_nameserver(""), std::nullopt);
}

TEST(discovery_method, a_poll_without_a_dns_server_is_an_error_not_a_hang) {
  auto parsed = k8s::parse_discovery_method("dns:troupe-headless.default.svc.cluster.local");
  ASSERT_EQ(parsed.error, "");
  // Port 9 (discard) on loopback: nothing answers; the poll returns within its timeout.
  auto polled = k8s::poll_dns(parsed.method, "127.0.0.1", 9, 200);
  EXPECT_NE(polled.error, "");
  EXPECT_TRUE(polled.peers.empty());
}
