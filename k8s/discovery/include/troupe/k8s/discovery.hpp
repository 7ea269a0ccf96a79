#pragma once
// Kubernetes discovery for `troupe node` (docs/kubernetes.md): turns what the Kubernetes API
// or the headless service's DNS records say about the cluster's pods into peer addresses,
// and decides, as Pekko's cluster bootstrap does, which node forms a new cluster.
//
// Pure functions over bytes and JSON, plus one blocking UDP DNS query; no threads, no
// clock of its own (times are passed in), so every decision is testable and repeatable.
// Depends on the standard library, POSIX sockets (DNS only) and nlohmann_json.

#include <compare>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace troupe::k8s {

/// A peer to dial: its node name (the pod name, or the DNS target's first label) and address.
struct peer {
  std::string name;
  std::string host;  ///< an IP address as text ("10.244.1.5", "fd00::5")
  std::uint16_t port = 0;

  std::string address() const;  ///< "host:port", IPv6 in brackets: "[fd00::5]:7355"
  bool operator==(const peer&) const = default;
};

/// The order every node agrees on: IPv4 before IPv6 before other hosts, addresses compared
/// numerically (10.0.0.9 < 10.0.0.10), then by port, then by name.
std::strong_ordering compare_addresses(const peer& a, const peer& b);
/// Sorts by compare_addresses and removes duplicate addresses (the first name is kept).
void sort_and_dedupe(std::vector<peer>& peers);

// --------------------------------------------------------------------- Kubernetes API

/// What this pod knows about itself from the downward API (POD_NAME, POD_NAMESPACE, POD_IP)
/// and what to look for (TROUPE_DISCOVERY_LABEL_SELECTOR, TROUPE_DISCOVERY_SERVICE).
struct pod_environment {
  std::string pod_name;
  std::string pod_namespace;
  std::string pod_ip;
  std::string label_selector = "app=troupe";
  std::string service = "troupe-headless";
};
/// Reads the variables through `getenv` (std::getenv by default). Error: a missing
/// POD_NAME, POD_NAMESPACE or POD_IP, named in the message.
struct environment_result {
  pod_environment env;
  std::string error;
};
environment_result read_pod_environment(
    const std::function<const char*(const char*)>& getenv = nullptr);

/// The API path that lists the pods: /api/v1/namespaces/NS/pods?labelSelector=app%3Dtroupe
std::string pod_list_path(std::string_view pod_namespace, std::string_view label_selector);

struct pod_list_options {
  std::string label_selector = "app=troupe";  ///< equality-based: k=v, k==v, k!=v, comma-separated
  std::string port_name = "remoting";         ///< the container port to dial
  std::uint16_t default_port = 7355;          ///< when no container port has that name
};

/// Why a pod of the list is not a peer (for logs and tests).
struct skipped_pod {
  std::string name;
  std::string reason;  ///< "not running (Pending)", "no pod IP", "terminating", "label selector"
};

struct pod_list_result {
  std::vector<peer> peers;  ///< sorted by compare_addresses
  std::vector<skipped_pod> skipped;
  std::string error;        ///< set when the body is not a PodList (a Status, bad JSON ...)
};

/// Peers from a Kubernetes API response body (GET .../pods?labelSelector=...): the pods that
/// match the selector, are Running, have a pod IP and no deletionTimestamp.
pod_list_result parse_pod_list(std::string_view json, const pod_list_options& options = {});

/// Does `labels` (a JSON object of strings) satisfy an equality-based selector? An
/// unparsable selector matches nothing.
bool selector_matches(std::string_view selector, const std::vector<std::pair<std::string, std::string>>& labels);

/// Is `selector` one selector_matches understands: one or more equality terms (k=v, k==v,
/// k!=v), comma-separated, with non-empty keys?
bool valid_label_selector(std::string_view selector);

// ------------------------------------------------------------------------------- DNS

enum class dns_type : std::uint16_t { a = 1, aaaa = 28, srv = 33 };

struct dns_record {
  std::string name;  ///< owner name, lower case, without the trailing dot
  std::uint16_t type = 0;
  std::uint32_t ttl = 0;
  std::string address;  ///< A / AAAA: the address as text
  std::uint16_t priority = 0, weight = 0, port = 0;  ///< SRV
  std::string target;   ///< SRV: lower case, without the trailing dot
};

struct dns_message {
  std::uint16_t id = 0;
  std::uint8_t rcode = 0;  ///< 0 no error, 3 NXDOMAIN ...
  bool truncated = false;
  std::vector<dns_record> answers;
  std::vector<dns_record> additional;
};

struct dns_parse_result {
  dns_message message;
  std::string error;  ///< malformed message: what and where
};

/// A standard query (recursion desired) for one name and type.
std::vector<std::uint8_t> build_dns_query(std::uint16_t id, std::string_view name, dns_type type);
/// Parses a response; bounds-checked, compression pointers followed at most 64 times.
dns_parse_result parse_dns_response(std::span<const std::uint8_t> bytes);

struct dns_query_result {
  dns_message message;
  std::string error;
};
/// Sends one query over UDP to server:port (an IPv4 or IPv6 literal) and waits for the
/// answer with the same id, at most `timeout_ms`.
dns_query_result dns_query(const std::string& server, std::uint16_t port, std::string_view name,
                           dns_type type, int timeout_ms = 2000);

/// Peers from the SRV answer of `_PORT._tcp.SERVICE.NS.svc.cluster.local`: each target's
/// address from `addresses` (A/AAAA records: the SRV response's additional section and/or
/// separate queries), its name the target's first label (`troupe-0` of
/// `troupe-0.troupe-headless.ns.svc.cluster.local`). Targets without an address are left out.
std::vector<peer> peers_from_srv(const std::vector<dns_record>& srv,
                                 const std::vector<dns_record>& addresses);
/// Peers from A/AAAA records of the headless service name itself (no names known: the name
/// is the address) with the given port.
std::vector<peer> peers_from_addresses(const std::vector<dns_record>& addresses, std::uint16_t port);

/// The SRV name of a headless service's named port: _remoting._tcp.troupe-headless.ns.svc.cluster.local
std::string srv_name(std::string_view port_name, std::string_view service,
                     std::string_view pod_namespace, std::string_view cluster_domain = "cluster.local");

struct dns_lookup_result {
  std::vector<peer> peers;
  std::string error;
};
/// SRV query, then A queries for the targets the additional section did not answer.
dns_lookup_result lookup_srv_peers(const std::string& server, std::uint16_t port,
                                   std::string_view srv_query_name, int timeout_ms = 2000);

// ------------------------------------------------------------------- cluster bootstrap

struct bootstrap_config {
  /// How many contact points (this node included) must be discovered before a new cluster
  /// may be formed: normally the StatefulSet's initial replicas.
  std::size_t required_contact_points = 2;
  /// How long the discovered set must stay the same before acting on it.
  std::int64_t stable_margin_ns = 5'000'000'000;
};

struct bootstrap_decision {
  enum class action {
    wait,              ///< keep discovering
    join_existing,     ///< a contact is already a member of a cluster: join it (target)
    form_new_cluster,  ///< this node has the lowest address: form the cluster by joining itself
    join_lowest,       ///< another node has the lowest address and forms it: join that one (target)
  };
  action what = action::wait;
  std::optional<peer> target;
  std::string reason;
};

/// Pekko-style bootstrap: fed with what discovery sees at each poll, decides when to form a
/// new cluster. Only the node with the lowest address forms one, and only after the set of
/// contact points has been stable for `stable_margin_ns` and has the required size and
/// contains this node; every other node joins that one. If any contact is already a member
/// of a cluster, every node joins that cluster instead (never two clusters).
class cluster_bootstrap {
 public:
  cluster_bootstrap(peer self, bootstrap_config config = {});

  /// `now_ns`: any monotonic clock. `discovered`: the peers discovery returned (this node
  /// should be among them). `members`: the contacts that report being members of a cluster.
  bootstrap_decision observe(std::int64_t now_ns, std::vector<peer> discovered,
                             std::vector<peer> members = {});

 private:
  peer self_;
  bootstrap_config config_;
  std::vector<peer> last_;
  std::optional<std::int64_t> stable_since_;
};

}  // namespace troupe::k8s
