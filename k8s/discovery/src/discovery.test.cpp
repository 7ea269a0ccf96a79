// Tests of Kubernetes discovery: recorded API responses (testdata/), DNS messages built by
// hand, the bootstrap decision, and (when dnsmasq is installed) a real DNS server on
// 127.0.0.1 serving Kubernetes-shaped records of a headless service.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "troupe/k8s/discovery.hpp"
#include "troupe/k8s/discovery_method.hpp"

namespace k8s = troupe::k8s;
using action = k8s::bootstrap_decision::action;

namespace {

std::string read_testdata(const std::string& name) {
  std::ifstream in(std::string(TROUPE_K8S_TESTDATA) + "/" + name, std::ios::binary);
  EXPECT_TRUE(in) << name;
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> addresses(const std::vector<k8s::peer>& peers) {
  std::vector<std::string> out;
  for (const auto& p : peers) out.push_back(p.name + "@" + p.address());
  return out;
}

}  // namespace

// ------------------------------------------------------------------ Kubernetes API

TEST(pod_list, running_pods_with_ips_become_peers_in_address_order) {
  auto result = k8s::parse_pod_list(read_testdata("pods-running.json"));
  ASSERT_EQ(result.error, "");
  // Numeric order: 10.244.1.9 < 10.244.1.10 < 10.244.2.7 (not the API's order, not text order).
  EXPECT_EQ(addresses(result.peers),
            (std::vector<std::string>{"troupe-1@10.244.1.9:7355", "troupe-0@10.244.1.10:7355",
                                      "troupe-2@10.244.2.7:7355"}));
  EXPECT_TRUE(result.skipped.empty());
}

TEST(pod_list, pending_terminating_failed_unaddressed_and_unlabelled_pods_are_skipped) {
  auto result = k8s::parse_pod_list(read_testdata("pods-mixed.json"));
  ASSERT_EQ(result.error, "");
  // troupe-5 has no port named remoting: the default port.
  EXPECT_EQ(addresses(result.peers),
            (std::vector<std::string>{"troupe-5@10.8.0.3:7355", "troupe-0@10.8.0.21:7400"}));
  std::map<std::string, std::string> why;
  for (const auto& s : result.skipped) why[s.name] = s.reason;
  EXPECT_EQ(why["troupe-1"], "terminating");
  EXPECT_EQ(why["troupe-2"], "not running (Pending)");
  EXPECT_EQ(why["troupe-3"], "no pod IP");
  EXPECT_EQ(why["troupe-4"], "not running (Failed)");
  EXPECT_EQ(why["troupe-check-0-x7k2p"], "label selector");
  EXPECT_EQ(result.skipped.size(), 5u);
}

TEST(pod_list, the_port_name_and_selector_are_options) {
  auto result = k8s::parse_pod_list(read_testdata("pods-running.json"),
                                    {.label_selector = "app=troupe", .port_name = "management"});
  ASSERT_EQ(result.peers.size(), 3u);
  EXPECT_EQ(result.peers[0].port, 8558);
  auto none = k8s::parse_pod_list(read_testdata("pods-running.json"), {.label_selector = "app=kv"});
  EXPECT_TRUE(none.peers.empty());
  EXPECT_EQ(none.skipped.size(), 3u);
}

TEST(pod_list, an_empty_list_has_no_peers_and_no_error) {
  auto result = k8s::parse_pod_list(read_testdata("pods-empty.json"));
  EXPECT_EQ(result.error, "");
  EXPECT_TRUE(result.peers.empty());
  auto null_items = k8s::parse_pod_list(R"({"kind":"PodList","apiVersion":"v1","items":null})");
  EXPECT_EQ(null_items.error, "");
}

TEST(pod_list, an_api_error_is_reported_with_its_reason) {
  auto result = k8s::parse_pod_list(read_testdata("status-forbidden.json"));
  EXPECT_TRUE(result.peers.empty());
  EXPECT_NE(result.error.find("403 Forbidden: pods is forbidden"), std::string::npos) << result.error;
}

TEST(pod_list, bad_bodies_are_errors_not_crashes) {
  EXPECT_EQ(k8s::parse_pod_list("{not json").error, "the response is not a JSON object");
  EXPECT_EQ(k8s::parse_pod_list("[]").error, "the response is not a JSON object");
  EXPECT_EQ(k8s::parse_pod_list(R"({"kind":"ServiceList"})").error, "expected kind PodList, got 'ServiceList'");
  EXPECT_EQ(k8s::parse_pod_list(R"({"kind":"PodList","items":{}})").error, "items is not an array");
  auto odd = k8s::parse_pod_list(
      R"({"kind":"PodList","items":[1, {"metadata":{"name":7,"labels":{"app":"troupe"}},"status":{"phase":"Running","podIP":"10.0.0.1"},
          "spec":{"containers":[{"ports":[{"name":"remoting","containerPort":99999}]}]}}]})");
  EXPECT_EQ(odd.error, "");
  ASSERT_EQ(odd.peers.size(), 1u);
  EXPECT_EQ(odd.peers[0].port, 7355);  // out-of-range port ignored
  EXPECT_EQ(odd.peers[0].name, "items[1]");
}

TEST(pod_list, fields_of_the_wrong_type_are_errors_not_exceptions) {
  // Bodies come from the network: a field of another type must not throw into the node.
  EXPECT_NE(k8s::parse_pod_list(R"({"kind":5})").error.find("malformed response"),
            std::string::npos);
  EXPECT_NE(k8s::parse_pod_list(R"({"kind":"Status","code":"403"})").error.find("malformed"),
            std::string::npos);
  auto port_name = k8s::parse_pod_list(
      R"({"kind":"PodList","items":[{"metadata":{"name":"a","labels":{"app":"troupe"}},
          "status":{"phase":"Running","podIP":"10.0.0.1"},
          "spec":{"containers":[{"ports":[{"name":7,"containerPort":7400}]}]}}]})");
  EXPECT_NE(port_name.error, "");
  EXPECT_TRUE(port_name.peers.empty());
  EXPECT_TRUE(k8s::valid_label_selector("app=troupe,tier!=edge"));
  EXPECT_FALSE(k8s::valid_label_selector("app in (troupe)"));
  EXPECT_FALSE(k8s::valid_label_selector(""));
}

TEST(pod_list, selectors) {
  std::vector<std::pair<std::string, std::string>> labels = {{"app", "troupe"}, {"tier", "core"}};
  EXPECT_TRUE(k8s::selector_matches("app=troupe", labels));
  EXPECT_TRUE(k8s::selector_matches("app==troupe, tier=core", labels));
  EXPECT_TRUE(k8s::selector_matches("app=troupe,tier!=edge", labels));
  EXPECT_FALSE(k8s::selector_matches("app=troupe,tier!=core", labels));
  EXPECT_FALSE(k8s::selector_matches("app=kv", labels));
  EXPECT_FALSE(k8s::selector_matches("app in (troupe)", labels));  // set-based: unsupported
  EXPECT_FALSE(k8s::selector_matches("", labels));
}

TEST(pod_list, the_request_path_is_encoded) {
  EXPECT_EQ(k8s::pod_list_path("default", "app=troupe"),
            "/api/v1/namespaces/default/pods?labelSelector=app%3Dtroupe");
  EXPECT_EQ(k8s::pod_list_path("prod", "app=troupe,tier!=edge"),
            "/api/v1/namespaces/prod/pods?labelSelector=app%3Dtroupe%2Ctier%21%3Dedge");
}

TEST(environment, the_downward_api_variables_are_read_and_missing_ones_named) {
  std::map<std::string, std::string> vars = {{"POD_NAME", "troupe-1"}, {"POD_NAMESPACE", "prod"},
                                             {"POD_IP", "10.8.0.22"},
                                             {"TROUPE_DISCOVERY_SERVICE", "kv-headless"}};
  auto get = [&](const char* name) -> const char* {
    auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  };
  auto result = k8s::read_pod_environment(get);
  EXPECT_EQ(result.error, "");
  EXPECT_EQ(result.env.pod_name, "troupe-1");
  EXPECT_EQ(result.env.pod_namespace, "prod");
  EXPECT_EQ(result.env.pod_ip, "10.8.0.22");
  EXPECT_EQ(result.env.service, "kv-headless");
  EXPECT_EQ(result.env.label_selector, "app=troupe");
  vars.erase("POD_IP");
  vars.erase("POD_NAME");
  EXPECT_NE(k8s::read_pod_environment(get).error.find("POD_NAME, POD_IP"), std::string::npos);
}

// ------------------------------------------------------------------------------- DNS

namespace {

// A response as a DNS server sends it: header, the question, then records; `compress`
// names the question's name by pointer in the SRV owner names.
struct message_builder {
  std::vector<std::uint8_t> bytes;
  void u16(std::uint16_t v) { bytes.push_back(v >> 8); bytes.push_back(v & 0xff); }
  void u32(std::uint32_t v) { u16(v >> 16); u16(v & 0xffff); }
  void name(const std::string& n) {
    std::size_t start = 0;
    while (start < n.size()) {
      auto dot = n.find('.', start);
      if (dot == std::string::npos) dot = n.size();
      bytes.push_back(static_cast<std::uint8_t>(dot - start));
      bytes.insert(bytes.end(), n.begin() + start, n.begin() + dot);
      start = dot + 1;
    }
    bytes.push_back(0);
  }
  void pointer(std::uint16_t offset) { u16(0xC000 | offset); }
};

const std::string svc = "_remoting._tcp.troupe-headless.default.svc.cluster.local";

// SRV answer for troupe-0 and troupe-1 (owner names compressed to the question at offset
// 12), troupe-0's A record in the additional section.
std::vector<std::uint8_t> recorded_srv_response(std::uint16_t id) {
  message_builder m;
  m.u16(id); m.u16(0x8580); m.u16(1); m.u16(2); m.u16(0); m.u16(1);
  m.name(svc); m.u16(33); m.u16(1);
  for (int i = 0; i < 2; ++i) {
    m.pointer(12); m.u16(33); m.u16(1); m.u32(5);
    std::string target = "troupe-" + std::to_string(i) + ".troupe-headless.default.svc.cluster.local";
    m.u16(static_cast<std::uint16_t>(6 + target.size() + 2));
    m.u16(0); m.u16(50); m.u16(7355); m.name(target);
  }
  m.name("troupe-0.troupe-headless.default.svc.cluster.local");
  m.u16(1); m.u16(1); m.u32(5); m.u16(4);
  m.bytes.insert(m.bytes.end(), {10, 244, 1, 10});
  return m.bytes;
}

}  // namespace

TEST(dns, a_query_is_a_standard_recursive_question) {
  auto q = k8s::build_dns_query(0x1234, "Troupe-Headless.default.svc.cluster.local.", k8s::dns_type::srv);
  ASSERT_GE(q.size(), 12u);
  EXPECT_EQ(q[0], 0x12);
  EXPECT_EQ(q[1], 0x34);
  EXPECT_EQ(q[2], 0x01);  // RD
  EXPECT_EQ(q[5], 1);     // one question
  EXPECT_EQ(q[12], 15);   // "troupe-headless", lower-cased
  EXPECT_EQ(std::string(q.begin() + 13, q.begin() + 28), "troupe-headless");
  EXPECT_EQ(q[q.size() - 3], 33);  // SRV
  EXPECT_EQ(q.back(), 1);          // IN
}

TEST(dns, a_compressed_srv_response_parses) {
  auto bytes = recorded_srv_response(7);
  auto parsed = k8s::parse_dns_response(bytes);
  ASSERT_EQ(parsed.error, "");
  EXPECT_EQ(parsed.message.id, 7);
  ASSERT_EQ(parsed.message.answers.size(), 2u);
  EXPECT_EQ(parsed.message.answers[1].name, svc);
  EXPECT_EQ(parsed.message.answers[1].target, "troupe-1.troupe-headless.default.svc.cluster.local");
  EXPECT_EQ(parsed.message.answers[1].port, 7355);
  EXPECT_EQ(parsed.message.answers[1].weight, 50);
  ASSERT_EQ(parsed.message.additional.size(), 1u);
  EXPECT_EQ(parsed.message.additional[0].address, "10.244.1.10");
  // troupe-1 has no address in this message: left out until an A query answers it.
  EXPECT_EQ(addresses(k8s::peers_from_srv(parsed.message.answers, parsed.message.additional)),
            (std::vector<std::string>{"troupe-0@10.244.1.10:7355"}));
  std::vector<k8s::dns_record> more = parsed.message.additional;
  more.push_back({.name = "troupe-1.troupe-headless.default.svc.cluster.local", .type = 1, .address = "10.244.1.9", .target = ""});
  EXPECT_EQ(addresses(k8s::peers_from_srv(parsed.message.answers, more)),
            (std::vector<std::string>{"troupe-1@10.244.1.9:7355", "troupe-0@10.244.1.10:7355"}));
}

TEST(dns, every_truncation_of_a_response_is_an_error_not_a_crash) {
  auto bytes = recorded_srv_response(7);
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    auto parsed = k8s::parse_dns_response(std::span(bytes.data(), n));
    EXPECT_NE(parsed.error, "") << "length " << n;
  }
}

TEST(dns, pointer_loops_and_bad_labels_are_errors) {
  message_builder loop;
  loop.u16(1); loop.u16(0x8180); loop.u16(1); loop.u16(0); loop.u16(0); loop.u16(0);
  loop.pointer(12);  // points at itself
  EXPECT_EQ(k8s::parse_dns_response(loop.bytes).error, "question: compression pointer loop");
  message_builder label;
  label.u16(1); label.u16(0x8180); label.u16(1); label.u16(0); label.u16(0); label.u16(0);
  label.bytes.push_back(0x40);
  EXPECT_EQ(k8s::parse_dns_response(label.bytes).error, "question: unsupported label type");
  message_builder query;
  query.u16(1); query.u16(0x0100); query.u16(0); query.u16(0); query.u16(0); query.u16(0);
  EXPECT_EQ(k8s::parse_dns_response(query.bytes).error, "not a response");
}

TEST(dns, names_of_services_and_ipv6_addresses) {
  EXPECT_EQ(k8s::srv_name("remoting", "troupe-headless", "prod"),
            "_remoting._tcp.troupe-headless.prod.svc.cluster.local");
  k8s::peer v6{"x", "fd00::5", 7355};
  EXPECT_EQ(v6.address(), "[fd00::5]:7355");
  std::vector<k8s::peer> mixed = {v6, {"b", "10.0.0.10", 1}, {"a", "10.0.0.9", 1}, {"dup", "10.0.0.9", 1}};
  k8s::sort_and_dedupe(mixed);
  EXPECT_EQ(addresses(mixed), (std::vector<std::string>{"a@10.0.0.9:1", "b@10.0.0.10:1", "x@[fd00::5]:7355"}));
}

// ----------------------------------------------------------------- cluster bootstrap

namespace {
constexpr std::int64_t s = 1'000'000'000;
const k8s::peer p0{"troupe-0", "10.244.1.10", 7355};
const k8s::peer p1{"troupe-1", "10.244.1.9", 7355};
const k8s::peer p2{"troupe-2", "10.244.2.7", 7355};
}  // namespace

TEST(bootstrap, only_the_lowest_address_forms_after_the_stable_window) {
  k8s::bootstrap_config config{.required_contact_points = 3, .stable_margin_ns = 5 * s};
  k8s::cluster_bootstrap lowest(p1, config), other(p0, config);
  // Too few contacts: wait, however long.
  EXPECT_EQ(lowest.observe(0, {p1, p0}).what, action::wait);
  EXPECT_EQ(lowest.observe(20 * s, {p1, p0}).what, action::wait);
  // All three seen at 21 s: the window starts then.
  EXPECT_EQ(lowest.observe(21 * s, {p2, p0, p1}).what, action::wait);
  EXPECT_EQ(other.observe(21 * s, {p0, p1, p2}).what, action::wait);
  EXPECT_EQ(lowest.observe(25 * s, {p0, p1, p2}).what, action::wait);  // 4 s stable
  auto formed = lowest.observe(26 * s, {p0, p1, p2});
  EXPECT_EQ(formed.what, action::form_new_cluster) << formed.reason;
  auto joined = other.observe(26 * s, {p2, p1, p0});
  EXPECT_EQ(joined.what, action::join_lowest) << joined.reason;
  ASSERT_TRUE(joined.target);
  EXPECT_EQ(joined.target->name, "troupe-1");  // 10.244.1.9 < 10.244.1.10 numerically
}

TEST(bootstrap, a_change_in_the_contact_points_restarts_the_window) {
  k8s::cluster_bootstrap b(p1, {.required_contact_points = 2, .stable_margin_ns = 5 * s});
  EXPECT_EQ(b.observe(0, {p0, p1}).what, action::wait);
  EXPECT_EQ(b.observe(4 * s, {p0, p1, p2}).what, action::wait);  // p2 appeared: restart
  EXPECT_EQ(b.observe(8 * s, {p0, p1, p2}).what, action::wait);
  EXPECT_EQ(b.observe(9 * s, {p0, p1, p2}).what, action::form_new_cluster);
}

TEST(bootstrap, an_existing_cluster_is_joined_instead_of_forming_a_second_one) {
  k8s::cluster_bootstrap b(p1, {.required_contact_points = 2, .stable_margin_ns = 0});
  auto d = b.observe(10 * s, {p0, p1, p2}, {p2, p0});
  EXPECT_EQ(d.what, action::join_existing);
  EXPECT_EQ(d.target->name, "troupe-0");  // the lowest member
}

TEST(bootstrap, a_node_not_yet_discovered_itself_does_not_form) {
  k8s::cluster_bootstrap b({"troupe-9", "10.244.0.1", 7355}, {.required_contact_points = 2, .stable_margin_ns = 0});
  auto d = b.observe(10 * s, {p0, p1});
  EXPECT_EQ(d.what, action::wait);
  EXPECT_NE(d.reason.find("not among the discovered"), std::string::npos);
}

TEST(bootstrap, every_node_of_a_random_view_picks_the_same_former) {
  // Whatever order discovery returns the peers in, all nodes agree on who forms.
  std::vector<k8s::peer> all = {p0, p1, p2, {"troupe-3", "10.244.1.100", 7355}, {"troupe-4", "10.244.0.200", 7355}};
  int formers = 0;
  for (std::size_t self = 0; self < all.size(); ++self) {
    auto view = all;
    std::rotate(view.begin(), view.begin() + static_cast<std::ptrdiff_t>(self), view.end());
    k8s::cluster_bootstrap b(all[self], {.required_contact_points = 5, .stable_margin_ns = s});
    b.observe(0, view);
    auto d = b.observe(2 * s, view);
    if (d.what == action::form_new_cluster) {
      ++formers;
      EXPECT_EQ(all[self].name, "troupe-4");
    } else {
      EXPECT_EQ(d.what, action::join_lowest);
      EXPECT_EQ(d.target->name, "troupe-4");
    }
  }
  EXPECT_EQ(formers, 1);
}

// ------------------------------------------------------------ a real DNS server

namespace {

std::string find_dnsmasq() {
  for (const char* path : {"/usr/sbin/dnsmasq", "/usr/bin/dnsmasq", "/sbin/dnsmasq"}) {
    if (access(path, X_OK) == 0) return path;
  }
  return {};
}

std::uint16_t free_udp_port() {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

// dnsmasq on 127.0.0.1:PORT, authoritative for cluster.local, serving what CoreDNS serves
// for a headless service `troupe-headless` in namespace `default` with pods troupe-0..2
// (StatefulSet pods have hostname/subdomain records), plus an SRV target without address.
class dnsmasq_server {
 public:
  explicit dnsmasq_server(const std::string& binary) : port_(free_udp_port()) {
    const std::string d = "troupe-headless.default.svc.cluster.local";
    pid_file_ = std::filesystem::temp_directory_path() / ("troupe-k8s-dnsmasq-" + std::to_string(getpid()) + ".pid");
    std::vector<std::string> args = {
        binary, "--keep-in-foreground", "--no-resolv", "--no-hosts", "--conf-file=/dev/null",
        "--listen-address=127.0.0.1", "--bind-interfaces", "--port=" + std::to_string(port_),
        "--pid-file=" + pid_file_.string(), "--local=/cluster.local/",
        "--srv-host=_remoting._tcp." + d + ",troupe-0." + d + ",7355,0,33",
        "--srv-host=_remoting._tcp." + d + ",troupe-1." + d + ",7355,0,33",
        "--srv-host=_remoting._tcp." + d + ",troupe-2." + d + ",7355,0,33",
        "--srv-host=_remoting._tcp." + d + ",troupe-7." + d + ",7355,0,33",
        "--srv-host=_management._tcp." + d + ",troupe-0." + d + ",8558,0,33",
        "--host-record=troupe-0." + d + ",10.244.1.10",
        "--host-record=troupe-1." + d + ",10.244.1.9",
        "--host-record=troupe-2." + d + ",10.244.2.7",
        "--host-record=" + d + ",10.244.1.10",
        "--host-record=" + d + ",10.244.1.9",
        "--host-record=" + d + ",10.244.2.7"};
    pid_ = fork();
    if (pid_ == 0) {
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      freopen("/dev/null", "w", stdout);
      freopen("/dev/null", "w", stderr);
      execv(argv[0], argv.data());
      _exit(127);
    }
  }
  ~dnsmasq_server() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
    std::error_code ignored;
    std::filesystem::remove(pid_file_, ignored);
  }
  bool wait_ready() {
    for (int i = 0; i < 50; ++i) {
      auto r = k8s::dns_query("127.0.0.1", port_, "troupe-0.troupe-headless.default.svc.cluster.local",
                              k8s::dns_type::a, 100);
      if (r.error.empty() && !r.message.answers.empty()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }
  std::uint16_t port() const { return port_; }

 private:
  std::uint16_t port_;
  pid_t pid_ = -1;
  std::filesystem::path pid_file_;
};

}  // namespace

TEST(dnsmasq, srv_records_of_the_headless_service_become_peers) {
  auto binary = find_dnsmasq();
  if (binary.empty()) GTEST_SKIP() << "dnsmasq is not installed (Debian: dnsmasq-base)";
  dnsmasq_server server(binary);
  ASSERT_TRUE(server.wait_ready()) << "dnsmasq did not answer on port " << server.port();

  auto found = k8s::lookup_srv_peers("127.0.0.1", server.port(),
                                     k8s::srv_name("remoting", "troupe-headless", "default"));
  ASSERT_EQ(found.error, "");
  // troupe-7 has an SRV record but no address (NXDOMAIN for its A query): left out.
  EXPECT_EQ(addresses(found.peers),
            (std::vector<std::string>{"troupe-1@10.244.1.9:7355", "troupe-0@10.244.1.10:7355",
                                      "troupe-2@10.244.2.7:7355"}));

  auto management = k8s::lookup_srv_peers("127.0.0.1", server.port(),
                                          k8s::srv_name("management", "troupe-headless", "default"));
  ASSERT_EQ(management.error, "");
  EXPECT_EQ(addresses(management.peers), (std::vector<std::string>{"troupe-0@10.244.1.10:8558"}));

  // The service's own A records: one per pod, no names.
  auto a = k8s::dns_query("127.0.0.1", server.port(), "troupe-headless.default.svc.cluster.local",
                          k8s::dns_type::a);
  ASSERT_EQ(a.error, "");
  EXPECT_EQ(addresses(k8s::peers_from_addresses(a.message.answers, 7355)),
            (std::vector<std::string>{"10.244.1.9@10.244.1.9:7355", "10.244.1.10@10.244.1.10:7355",
                                      "10.244.2.7@10.244.2.7:7355"}));

  // What `--discovery dns:troupe-headless.default.svc.cluster.local` polls: the same peers.
  auto method = k8s::parse_discovery_method("dns:troupe-headless.default.svc.cluster.local");
  ASSERT_EQ(method.error, "");
  auto polled = k8s::poll_dns(method.method, "127.0.0.1", server.port());
  ASSERT_EQ(polled.error, "");
  EXPECT_EQ(addresses(polled.peers), addresses(found.peers));

  // A service without pods: NXDOMAIN is "no peers yet", not an error.
  auto none = k8s::lookup_srv_peers("127.0.0.1", server.port(), k8s::srv_name("remoting", "kv-headless", "default"));
  EXPECT_EQ(none.error, "");
  EXPECT_TRUE(none.peers.empty());

  // The bootstrap over what DNS says: troupe-1 (lowest address) forms, the others join it.
  for (const auto& self : found.peers) {
    k8s::cluster_bootstrap b(self, {.required_contact_points = 3, .stable_margin_ns = s});
    b.observe(0, found.peers);
    auto d = b.observe(s, found.peers);
    EXPECT_EQ(d.what, self.name == "troupe-1" ? action::form_new_cluster : action::join_lowest) << self.name;
  }
}

TEST(dnsmasq, no_server_is_an_error_within_the_timeout) {
  auto port = free_udp_port();
  auto start = std::chrono::steady_clock::now();
  auto r = k8s::dns_query("127.0.0.1", port, "x.cluster.local", k8s::dns_type::a, 300);
  EXPECT_NE(r.error, "");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}
