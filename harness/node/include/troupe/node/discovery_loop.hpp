#pragma once
/// `troupe node --discovery`: finds the node's peers inside Kubernetes (the SRV records of a
/// headless service, or the pod list of the Kubernetes API) and feeds them into the cluster
/// join (docs/kubernetes.md, "Discovery"). A thread of its own polls discovery (a DNS query
/// or an API request blocks up to its timeout; actor threads never wait for it), tells the
/// transport to dial what it found, runs k8s/discovery's
/// cluster_bootstrap over it and sends the result to the cluster actor as `contact_points`:
/// join a member if any contact is one, else the lowest address forms the cluster after the
/// stable window. The cluster actor runs with `formation_by_bootstrap`. A node without
/// cluster membership (a built-in application, a client pod) only dials what it finds.

#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "troupe/cluster/cluster.hpp"
#include "troupe/k8s/api_client.hpp"
#include "troupe/k8s/discovery.hpp"
#include "troupe/k8s/discovery_method.hpp"
#include "troupe/net/address.hpp"
#include "troupe/net/tcp_transport.hpp"

namespace troupe::node {

/// The `--discovery*` flags of `troupe node`, as written (docs/cli.md).
struct discovery_flags {
  std::string method;                  ///< --discovery: "" (off), dns:NAME or kubernetes-api
  std::string port_name = "remoting";  ///< --discovery-port-name: the SRV records' port name
  std::string dns_server;              ///< --discovery-dns HOST:PORT; "": /etc/resolv.conf, port 53
  std::size_t contact_points = 2;      ///< --discovery-contact-points: needed to form a cluster
  std::string stable_margin = "5s";    ///< --discovery-stable-margin
  std::string interval = "1s";         ///< --discovery-interval: time between polls
  /// kubernetes-api only. --discovery-api-server HOST:PORT; "": KUBERNETES_SERVICE_HOST and
  /// KUBERNETES_SERVICE_PORT (443 when unset), as the kubelet sets them in every pod.
  std::string api_server;
  /// --discovery-service-account DIR: the folder of `token`, `ca.crt` and `namespace`.
  std::string service_account = std::string(k8s::service_account_directory);
  /// --discovery-namespace; "": POD_NAMESPACE, else the service account's `namespace` file.
  std::string pod_namespace;
  /// --discovery-label-selector; "": TROUPE_DISCOVERY_LABEL_SELECTOR, else app=troupe.
  std::string label_selector;
};

/// Bounds of the flags: polls at least every minute, at most 10 per second.
inline constexpr std::int64_t discovery_interval_ns_min = 100'000'000;
inline constexpr std::int64_t discovery_interval_ns_max = 60'000'000'000;
/// Time one DNS query may take before the poll counts as failed.
inline constexpr int discovery_query_timeout_ms = 2000;
/// Time an API request may take to connect (TCP and TLS), and in all, before the poll
/// counts as failed. `stop` waits for a poll in progress: at most this long.
inline constexpr int discovery_api_connect_timeout_ms = 2000;
inline constexpr int discovery_api_timeout_ms = 5000;

/// The flags, checked.
struct discovery_settings {
  k8s::discovery_method method;
  net::address dns_server{"127.0.0.1", 53};  ///< dns only
  k8s::api_request api;                      ///< kubernetes-api only
  k8s::bootstrap_config bootstrap;
  std::int64_t interval_ns = 1'000'000'000;
  /// Which discovered pods (by node name) are contact points of the cluster join; empty:
  /// all. The others are dialled but neither compared by the bootstrap nor asked to let this
  /// node in: a scenario's client pods share the headless service with its servers and run
  /// no membership. Called on the discovery thread.
  std::function<bool(const std::string& node_name)> contact_point;
};

/// Checks the flags. For dns, reads `resolv_conf_path` when --discovery-dns is not given; for
/// kubernetes-api, takes what the flags leave out from the environment (`getenv`) and the
/// service-account folder, and checks that its token and CA files can be read (a pod
/// without a mounted token fails here, not at every poll). Returns "" or the problem,
/// naming the flag (exit code 2).
[[nodiscard]] std::string resolve_discovery_flags(
    const discovery_flags& flags, discovery_settings& settings,
    const std::string& resolv_conf_path = "/etc/resolv.conf",
    const std::function<const char*(const char*)>& getenv = std::getenv);

/// This node as the other nodes discover it: its name and the address it listens on; a
/// wildcard listen host (0.0.0.0, ::) is replaced by `pod_ip` (the downward API's POD_IP).
/// Returns "" or why there is no address to compare (exit code 2).
[[nodiscard]] std::string discovered_self(const std::string& name, const net::address& listen,
                                          const char* pod_ip, k8s::peer& self);

/// The polling thread. Construct, `start` once, `stop` before the transport and the cluster
/// actor stop (the node's `on_stopping`). Both from the node's main thread.
class discovery_loop {
 public:
  /// `cluster`: the node's cluster actor, or nullopt when it runs no membership.
  discovery_loop(discovery_settings settings, k8s::peer self, net::tcp_transport& transport,
                 std::optional<actor_ref<cluster::cluster_protocol>> cluster);
  ~discovery_loop();
  discovery_loop(const discovery_loop&) = delete;
  discovery_loop& operator=(const discovery_loop&) = delete;

  void start();
  /// Wakes the thread and joins it; the poll in progress finishes first (bounded by the
  /// query or request timeout). Idempotent.
  void stop();

 private:
  void run();
  void poll_once(std::int64_t now_ns);

  discovery_settings settings_;
  k8s::cluster_bootstrap bootstrap_;
  net::tcp_transport& transport_;
  std::optional<actor_ref<cluster::cluster_protocol>> cluster_;
  std::string last_report_;  // the thread's last log line: logged again only when it changes
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mutex_
  std::thread thread_;
};

}  // namespace troupe::node
