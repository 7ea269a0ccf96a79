#pragma once
// Where a node's contact points come from (docs/kubernetes.md, "Discovery"): the text of a
// `--discovery` option, checked, and one poll of the headless service's DNS records.
// The poll blocks for at most its timeout: call it from a node's own I/O thread, never
// from an actor's turn.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "troupe/k8s/discovery.hpp"

namespace troupe::k8s {

/// A discovery method as written: `dns:SERVICE.NAMESPACE.svc.cluster.local` (the SRV records
/// `_PORTNAME._tcp.` of that name, as a headless service publishes them for its named port)
/// or `kubernetes-api` (the pod list, filtered by a label selector given separately).
struct discovery_method {
  enum class kind { dns, kubernetes_api };
  kind what = kind::dns;
  std::string service_domain;          ///< dns: "troupe-headless.default.svc.cluster.local"
  std::string port_name = "remoting";  ///< the container port the SRV records name
};

struct discovery_method_result {
  discovery_method method;
  std::string error;  ///< "" or what is wrong with the text, naming the accepted forms
};

/// Longest DNS name (RFC 1035: 253 characters in text, without the trailing dot).
inline constexpr std::size_t dns_name_length_max = 253;
/// Longest label of a DNS name.
inline constexpr std::size_t dns_label_length_max = 63;

/// Parses `dns:NAME` or `kubernetes-api`. NAME is a DNS name of letters, digits and dashes
/// (case-insensitive, kept lower case, a trailing dot allowed) whose SRV name
/// `_PORTNAME._tcp.NAME` fits the DNS length limits; `port_name` is the SRV service label
/// (an IANA service name: 1 to 15 lower-case letters, digits and inner dashes).
[[nodiscard]] discovery_method_result parse_discovery_method(
    std::string_view text, std::string_view port_name = "remoting");

/// The SRV name a dns method queries: `_remoting._tcp.troupe-headless.default.svc.cluster.local`.
/// Precondition: `method.what == kind::dns`.
[[nodiscard]] std::string discovery_srv_name(const discovery_method& method);

/// The first `nameserver` of a resolv.conf text (as a pod's /etc/resolv.conf names the
/// cluster's DNS service), or nullopt when there is none. Comments (`#`, `;`) are skipped.
[[nodiscard]] std::optional<std::string> first_nameserver(std::string_view resolv_conf);

/// One DNS poll of a dns method: the SRV query to server:port and A queries for targets the
/// answer did not resolve (lookup_srv_peers). Blocks at most about `timeout_ms` per query.
/// A service without ready pods (NXDOMAIN) is no peers, not an error.
/// Precondition: `method.what == kind::dns`.
[[nodiscard]] dns_lookup_result poll_dns(const discovery_method& method, const std::string& server,
                                         std::uint16_t port, int timeout_ms = 2000);

}  // namespace troupe::k8s
