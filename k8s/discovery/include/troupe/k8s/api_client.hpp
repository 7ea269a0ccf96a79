#pragma once
// Discovery through the Kubernetes API (docs/kubernetes.md, "Discovery"): one HTTPS GET of
// the pod list, `GET /api/v1/namespaces/NS/pods?labelSelector=...`, with the pod's
// service-account token and the cluster's CA, parsed by parse_pod_list.
//
// The HTTPS client is libcurl (the OpenSSL build), not a hand-written client over Asio and
// OpenSSL: it is widely used and maintained, verifies the server's certificate chain and
// name against a CA file, and bounds the connect and the whole transfer with timeouts,
// which are the parts a hand-written client is most likely to get wrong. Each call blocks
// for at most its timeout: call it from a node's own discovery thread, never from an
// actor's turn. Nothing here throws: every failure is an error text.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "troupe/k8s/discovery.hpp"

namespace troupe::k8s {

/// Where a pod finds its service account's credentials (the kubelet mounts them there).
inline constexpr std::string_view service_account_directory =
    "/var/run/secrets/kubernetes.io/serviceaccount";

/// Largest pod-list body read: a transfer that goes beyond it is aborted. At about 8 KiB
/// per pod object this is some 500 pods that match the selector.
inline constexpr std::size_t pod_list_bytes_max = 4 * 1024 * 1024;
/// Longest token file read (service-account tokens are about 1 KiB).
inline constexpr std::size_t token_bytes_max = 64 * 1024;

/// Bounds of one HTTPS request.
struct https_limits {
  int connect_timeout_ms = 2000;  ///< TCP connect and TLS handshake
  int timeout_ms = 5000;          ///< the whole request, connect included
  std::size_t body_bytes_max = pod_list_bytes_max;
};

struct https_response {
  long status = 0;    ///< the HTTP status; 0 when no response came
  std::string body;   ///< at most body_bytes_max bytes
  std::string error;  ///< "" or why there is no complete response (TLS, timeout, size ...)
};

/// One `GET url` over HTTPS only (no redirects followed), with `Authorization: Bearer TOKEN`
/// when `bearer_token` is not empty, the server's certificate verified against the PEM
/// certificates of `ca_file` (chain and host name or IP). A response whose body would
/// exceed `limits.body_bytes_max` is an error, and so are a failed verification, a timeout
/// and a connection failure; any HTTP status is a response (the caller judges it).
/// Thread-safe: each call has its own handle.
[[nodiscard]] https_response https_get(const std::string& url, std::string_view bearer_token,
                                       const std::string& ca_file, const https_limits& limits = {});

/// What a pod-list poll asks of the API server.
struct api_request {
  std::string server_host;  ///< KUBERNETES_SERVICE_HOST: an IP (IPv6 without brackets) or name
  std::uint16_t server_port = 443;  ///< KUBERNETES_SERVICE_PORT
  std::string pod_namespace;        ///< POD_NAMESPACE, or the service account's `namespace` file
  std::string label_selector = "app=troupe";
  std::string token_file = std::string(service_account_directory) + "/token";
  std::string ca_file = std::string(service_account_directory) + "/ca.crt";
  https_limits limits;
};

/// `https://HOST:PORT/api/v1/namespaces/NS/pods?labelSelector=...` (pod_list_path), an IPv6
/// host in brackets.
[[nodiscard]] std::string pod_list_url(const api_request& request);

/// The text of a small file (a token, a namespace) without surrounding white space; ""
/// (and `error` set) when it cannot be read, is empty, or is longer than `bytes_max` bytes.
struct file_text_result {
  std::string text;
  std::string error;
};
[[nodiscard]] file_text_result read_credential_file(const std::string& path,
                                                    std::size_t bytes_max = token_bytes_max);

struct api_lookup_result {
  std::vector<peer> peers;  ///< sorted by compare_addresses
  std::vector<skipped_pod> skipped;
  long http_status = 0;
  std::string error;  ///< "" or what failed: the token, TLS, a timeout, an API Status, the body
};

/// One poll: reads the token file (again at each poll: the kubelet rotates bound tokens),
/// GETs the pod list and parses it (parse_pod_list with `options`; its label selector is
/// `request.label_selector`). An answer other than 200 is an error naming the status and,
/// for the API's `Status` body (403 without RBAC, 401 for a bad token), its reason and
/// message. Blocks at most about `request.limits.timeout_ms`.
[[nodiscard]] api_lookup_result poll_kubernetes_api(const api_request& request,
                                                    pod_list_options options = {});

}  // namespace troupe::k8s
