// `troupe node --discovery` (discovery_loop.hpp).

#include "troupe/node/discovery_loop.hpp"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "troupe/net/node_main.hpp"

namespace troupe::node {

std::string resolve_discovery_flags(const discovery_flags& flags, discovery_settings& settings,
                                    const std::string& resolv_conf_path) {
  auto parsed = k8s::parse_discovery_method(flags.method, flags.port_name);
  if (!parsed.error.empty()) return "--discovery: " + parsed.error;
  if (parsed.method.what == k8s::discovery_method::kind::kubernetes_api)
    return "--discovery: kubernetes-api is not supported by troupe node yet (it has no HTTPS "
           "client for the API server); use dns:SERVICE.NAMESPACE.svc.cluster.local";
  settings.method = parsed.method;
  if (!flags.dns_server.empty()) {
    auto server = net::parse_address(flags.dns_server);
    if (!server) return "--discovery-dns: '" + flags.dns_server + "' is not HOST:PORT";
    settings.dns_server = *server;
  } else {
    std::ifstream in(resolv_conf_path);
    std::stringstream text;
    text << in.rdbuf();
    auto server = k8s::first_nameserver(text.str());
    if (!in || !server) return "--discovery-dns not given and no nameserver in " + resolv_conf_path;
    settings.dns_server = {*server, 53};
  }
  if (flags.contact_points < 1 || flags.contact_points > 1024)
    return "--discovery-contact-points: 1 to 1024";
  settings.bootstrap.required_contact_points = flags.contact_points;
  auto margin = net::parse_duration_ns(flags.stable_margin);
  if (!margin)
    return "--discovery-stable-margin: '" + flags.stable_margin + "' is not a duration (5s)";
  settings.bootstrap.stable_margin_ns = *margin;
  auto interval = net::parse_duration_ns(flags.interval);
  if (!interval || *interval < discovery_interval_ns_min || *interval > discovery_interval_ns_max)
    return "--discovery-interval: '" + flags.interval + "' is not a duration from 100ms to 60s";
  settings.interval_ns = *interval;
  return {};
}

std::string discovered_self(const std::string& name, const net::address& listen, const char* pod_ip,
                            k8s::peer& self) {
  self = {name, listen.host, listen.port};
  if (listen.host != "0.0.0.0" && listen.host != "::") return {};
  if (pod_ip == nullptr || *pod_ip == '\0')
    return "--discovery with a wildcard --listen host needs POD_IP (the downward API's "
           "status.podIP) to know this node's own address";
  self.host = pod_ip;
  return {};
}

discovery_loop::discovery_loop(discovery_settings settings, k8s::peer self,
                               net::tcp_transport& transport,
                               std::optional<actor_ref<cluster::cluster_protocol>> cluster)
    : settings_(std::move(settings)),
      bootstrap_(std::move(self), settings_.bootstrap),
      transport_(transport),
      cluster_(std::move(cluster)) {}

discovery_loop::~discovery_loop() {
  stop();
}

void discovery_loop::start() {
  TROUPE_ASSERT(!thread_.joinable());
  thread_ = std::thread([this] { run(); });
}

void discovery_loop::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void discovery_loop::run() {
  const auto interval = std::chrono::nanoseconds(settings_.interval_ns);
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    // The bootstrap's stable window is measured on the steady clock: this is a real node's
    // own thread, outside any simulation.
    const auto now = std::chrono::steady_clock::now().time_since_epoch();
    poll_once(std::chrono::duration_cast<std::chrono::nanoseconds>(now).count());
    lock.lock();
    wake_.wait_for(lock, interval, [this] { return stopping_; });
  }
}

void discovery_loop::poll_once(std::int64_t now_ns) {
  auto found = k8s::poll_dns(settings_.method, settings_.dns_server.host, settings_.dns_server.port,
                             discovery_query_timeout_ms);
  std::vector<net::address> addresses;
  std::vector<std::string> names;
  for (const auto& peer : found.peers) {
    addresses.push_back({peer.host, peer.port});
    names.push_back(peer.name);
  }
  // The transport skips addresses it dials already, and learns that its own is itself.
  if (!addresses.empty()) transport_.add_seeds(std::move(addresses));
  std::string report =
      "discovery: " +
      (found.error.empty() ? std::to_string(found.peers.size()) + " contact points" : found.error);
  std::string key = report;
  if (cluster_) {
    const auto decision = bootstrap_.observe(now_ns, found.peers);
    cluster_->tell(cluster::contact_points{
        std::move(names), decision.what == k8s::bootstrap_decision::action::form_new_cluster});
    if (found.error.empty()) report += "; " + decision.reason;
    key += std::to_string(static_cast<int>(decision.what));
  }
  // Logged when it changes, not at every poll (the reason's "stable for N ms" does not count).
  if (key != last_report_) std::fprintf(stderr, "troupe node: %s\n", report.c_str());
  last_report_ = key;
}

}  // namespace troupe::node
