// `troupe node --discovery` (discovery_loop.hpp).

#include "troupe/node/discovery_loop.hpp"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "troupe/net/node_main.hpp"

namespace troupe::node {

namespace {

/// The dns method's server: --discovery-dns, else the first nameserver of resolv.conf.
std::string resolve_dns_server(const discovery_flags& flags, discovery_settings& settings,
                               const std::string& resolv_conf_path) {
  if (!flags.dns_server.empty()) {
    auto server = net::parse_address(flags.dns_server);
    if (!server) return "--discovery-dns: '" + flags.dns_server + "' is not HOST:PORT";
    settings.dns_server = *server;
    return {};
  }
  std::ifstream in(resolv_conf_path);
  std::stringstream text;
  text << in.rdbuf();
  auto server = k8s::first_nameserver(text.str());
  if (!in || !server) return "--discovery-dns not given and no nameserver in " + resolv_conf_path;
  settings.dns_server = {*server, 53};
  return {};
}

/// The API server: --discovery-api-server, else what the kubelet sets in every pod.
std::string resolve_api_server(const discovery_flags& flags, k8s::api_request& api,
                               const std::function<const char*(const char*)>& getenv) {
  if (!flags.api_server.empty()) {
    auto server = net::parse_address(flags.api_server);
    if (!server) return "--discovery-api-server: '" + flags.api_server + "' is not HOST:PORT";
    api.server_host = server->host;
    api.server_port = server->port;
    return {};
  }
  const char* host = getenv("KUBERNETES_SERVICE_HOST");
  if (host == nullptr || *host == '\0')
    return "--discovery kubernetes-api: KUBERNETES_SERVICE_HOST is not set (not in a pod?); "
           "give --discovery-api-server HOST:PORT";
  api.server_host = host;
  const char* port = getenv("KUBERNETES_SERVICE_PORT");
  if (port == nullptr || *port == '\0') return {};
  auto parsed = net::parse_address("x:" + std::string(port));
  if (!parsed) return "KUBERNETES_SERVICE_PORT: '" + std::string(port) + "' is not a port";
  api.server_port = parsed->port;
  return {};
}

/// Everything kubernetes-api needs besides the server: namespace, selector, credentials.
std::string resolve_api_flags(const discovery_flags& flags, discovery_settings& settings,
                              const std::function<const char*(const char*)>& getenv) {
  k8s::api_request& api = settings.api;
  if (auto error = resolve_api_server(flags, api, getenv); !error.empty()) return error;
  const std::string folder = flags.service_account;
  api.token_file = folder + "/token";
  api.ca_file = folder + "/ca.crt";
  api.limits = {discovery_api_connect_timeout_ms, discovery_api_timeout_ms,
                k8s::pod_list_bytes_max};
  const char* pod_namespace = getenv("POD_NAMESPACE");
  if (!flags.pod_namespace.empty()) {
    api.pod_namespace = flags.pod_namespace;
  } else if (pod_namespace != nullptr && *pod_namespace != '\0') {
    api.pod_namespace = pod_namespace;
  } else {
    // A namespace is a DNS label (63 characters); the bound leaves room for white space.
    auto file = k8s::read_credential_file(folder + "/namespace", 256);
    if (!file.error.empty())
      return "--discovery-namespace not given, POD_NAMESPACE not set, and " + file.error;
    api.pod_namespace = file.text;
  }
  const char* selector = getenv("TROUPE_DISCOVERY_LABEL_SELECTOR");
  api.label_selector = !flags.label_selector.empty()                  ? flags.label_selector
                       : selector != nullptr && *selector != '\0' ? std::string(selector)
                                                                      : "app=troupe";
  if (!k8s::valid_label_selector(api.label_selector))
    return "--discovery-label-selector: '" + api.label_selector +
           "' is not an equality selector (k=v, k==v, k!=v, comma-separated)";
  if (auto token = k8s::read_credential_file(api.token_file); !token.error.empty())
    return "--discovery-service-account: the token: " + token.error;
  if (!std::ifstream(api.ca_file)) return "--discovery-service-account: cannot read " + api.ca_file;
  return {};
}

}  // namespace

std::string resolve_discovery_flags(const discovery_flags& flags, discovery_settings& settings,
                                    const std::string& resolv_conf_path,
                                    const std::function<const char*(const char*)>& getenv) {
  auto parsed = k8s::parse_discovery_method(flags.method, flags.port_name);
  if (!parsed.error.empty()) return "--discovery: " + parsed.error;
  settings.method = parsed.method;
  const std::string problem =
      parsed.method.what == k8s::discovery_method::kind::kubernetes_api
          ? resolve_api_flags(flags, settings, getenv)
          : resolve_dns_server(flags, settings, resolv_conf_path);
  if (!problem.empty()) return problem;
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

namespace {

/// One poll of either method: the peers found, or an error.
struct poll_result {
  std::vector<k8s::peer> peers;
  std::string error;
  std::string skipped;  // kubernetes-api: the pods that are not peers, and why
};

poll_result poll(const discovery_settings& settings) {
  if (settings.method.what == k8s::discovery_method::kind::dns) {
    auto found = k8s::poll_dns(settings.method, settings.dns_server.host,
                               settings.dns_server.port, discovery_query_timeout_ms);
    return {std::move(found.peers), std::move(found.error), {}};
  }
  auto found = k8s::poll_kubernetes_api(settings.api, {.port_name = settings.method.port_name});
  poll_result result{std::move(found.peers), std::move(found.error), {}};
  // The log line names a few of them: a list of hundreds would hide the line's point.
  constexpr std::size_t skipped_named_max = 5;
  for (std::size_t i = 0; i < found.skipped.size() && i < skipped_named_max; ++i)
    result.skipped += (i == 0 ? "" : ", ") + found.skipped[i].name + " " + found.skipped[i].reason;
  if (found.skipped.size() > skipped_named_max)
    result.skipped += " and " + std::to_string(found.skipped.size() - skipped_named_max) + " more";
  return result;
}

}  // namespace

void discovery_loop::poll_once(std::int64_t now_ns) {
  auto found = poll(settings_);
  // A failed poll (a timeout, TLS, 403, a bad body) changes nothing: the contacts of the
  // last good poll stand, the bootstrap's stable window is not fed, the error is logged.
  if (!found.error.empty()) {
    const std::string report = "discovery failed: " + found.error;
    if (report != last_report_) std::fprintf(stderr, "troupe node: %s\n", report.c_str());
    last_report_ = report;
    return;
  }
  std::vector<net::address> addresses;
  std::vector<k8s::peer> contacts;  // the peers that are contact points of the cluster join
  std::vector<std::string> names;
  for (const auto& peer : found.peers) {
    addresses.push_back({peer.host, peer.port});
    if (settings_.contact_point && !settings_.contact_point(peer.name)) continue;
    contacts.push_back(peer);
    names.push_back(peer.name);
  }
  // The transport skips addresses it dials already, and learns that its own is itself.
  if (!addresses.empty()) transport_.add_seeds(std::move(addresses));
  std::string report = "discovery: " + std::to_string(contacts.size()) + " contact points";
  if (contacts.size() != found.peers.size())
    report += " of " + std::to_string(found.peers.size()) + " pods";
  if (!found.skipped.empty()) report += " (not peers: " + found.skipped + ")";
  std::string key = report;
  if (cluster_) {
    const auto decision = bootstrap_.observe(now_ns, contacts);
    cluster_->tell(cluster::contact_points{
        std::move(names), decision.what == k8s::bootstrap_decision::action::form_new_cluster});
    report += "; " + decision.reason;
    key += std::to_string(static_cast<int>(decision.what));
  }
  // Logged when it changes, not at every poll (the reason's "stable for N ms" does not count).
  if (key != last_report_) std::fprintf(stderr, "troupe node: %s\n", report.c_str());
  last_report_ = key;
}

}  // namespace troupe::node
