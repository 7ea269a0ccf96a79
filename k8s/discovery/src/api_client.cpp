// Discovery through the Kubernetes API over libcurl (api_client.hpp).

#include "troupe/k8s/api_client.hpp"

#include <curl/curl.h>

#include <fstream>
#include <memory>
#include <mutex>
#include <new>

namespace troupe::k8s {
namespace {

/// libcurl's global state is set up once per process, before the first handle (its
/// documentation asks for that; curl_global_init itself is not safe to race).
void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

/// The body so far and whether the transfer was aborted for its size.
struct body_sink {
  std::string body;
  std::size_t bytes_max = 0;
  bool too_large = false;
};

/// libcurl's write callback: keeps at most bytes_max bytes; returning less than it was
/// given makes libcurl abort the transfer (CURLE_WRITE_ERROR).
std::size_t append_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* sink = static_cast<body_sink*>(user);
  const std::size_t bytes = size * count;
  if (bytes > sink->bytes_max - sink->body.size()) {
    sink->too_large = true;
    return 0;
  }
  sink->body.append(data, bytes);
  return bytes;
}

struct curl_handle_deleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
struct header_list_deleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

/// What went wrong with a transfer, in words a reader of the node's log can act on.
std::string describe_failure(CURLcode code, const char* detail, const std::string& url,
                             const std::string& ca_file, const https_limits& limits,
                             const body_sink& sink) {
  const std::string why = *detail != '\0' ? detail : curl_easy_strerror(code);
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      return "GET " + url + ": timed out (no complete answer within " +
             std::to_string(limits.timeout_ms) + " ms, connect within " +
             std::to_string(limits.connect_timeout_ms) + " ms): " + why;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CERTPROBLEM:
      return "GET " + url + ": TLS failed, the server was not verified with the CA file " +
             ca_file + ": " + why;
    case CURLE_FILESIZE_EXCEEDED:
      return "GET " + url + ": the response is larger than " +
             std::to_string(limits.body_bytes_max) + " bytes (refused)";
    case CURLE_WRITE_ERROR:
      if (sink.too_large)
        return "GET " + url + ": the response is larger than " +
               std::to_string(limits.body_bytes_max) + " bytes (transfer aborted)";
      break;
    default:
      break;
  }
  return "GET " + url + ": " + curl_easy_strerror(code) + ": " + why;
}

/// https_get without the catch: may throw std::bad_alloc.
https_response get(const std::string& url, std::string_view bearer_token,
                   const std::string& ca_file, const https_limits& limits) {
  init_curl_once();
  https_response response;
  std::unique_ptr<CURL, curl_handle_deleter> handle(curl_easy_init());
  if (!handle) {
    response.error = "GET " + url + ": libcurl could not make a handle";
    return response;
  }
  std::unique_ptr<curl_slist, header_list_deleter> headers;
  auto add_header = [&headers](const std::string& line) {
    headers.reset(curl_slist_append(headers.release(), line.c_str()));
  };
  add_header("Accept: application/json");
  if (!bearer_token.empty()) add_header("Authorization: Bearer " + std::string(bearer_token));
  body_sink sink;
  sink.bytes_max = limits.body_bytes_max;
  char detail[CURL_ERROR_SIZE] = {};
  CURL* h = handle.get();
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https");  // never plain HTTP: the token is sent
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  // The API server is reached directly: a proxy from the environment would see the token.
  curl_easy_setopt(h, CURLOPT_PROXY, "");
  // No signals (SIGALRM for timeouts): the node's threads block signals and take them with
  // sigwait, and this runs on a thread of its own.
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(limits.connect_timeout_ms));
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(limits.timeout_ms));
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
  curl_easy_setopt(h, CURLOPT_CAINFO, ca_file.c_str());
  curl_easy_setopt(h, CURLOPT_CAPATH, nullptr);  // only the given CA, not the system's
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(h, CURLOPT_USERAGENT, "troupe-node");
  // A declared Content-Length above the bound is refused before the body; a body without
  // one is cut off by append_body.
  curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(limits.body_bytes_max));
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, append_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, detail);
  const CURLcode code = curl_easy_perform(h);
  if (code != CURLE_OK) {
    response.error = describe_failure(code, detail, url, ca_file, limits, sink);
    return response;
  }
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &response.status);
  response.body = std::move(sink.body);
  return response;
}

std::string trim_space(std::string text) {
  const char* space = " \t\r\n";
  const auto first = text.find_first_not_of(space);
  if (first == std::string::npos) return {};
  return text.substr(first, text.find_last_not_of(space) - first + 1);
}

/// The error of an answer other than 200: the API's Status if the body is one, else the
/// beginning of the body.
std::string describe_status(const std::string& url, const https_response& response) {
  const auto as_status = parse_pod_list(response.body);
  if (as_status.error.starts_with("the API answered")) return "GET " + url + ": " + as_status.error;
  constexpr std::size_t excerpt_max = 200;
  std::string excerpt = response.body.substr(0, excerpt_max);
  if (response.body.size() > excerpt_max) excerpt += "...";
  return "GET " + url + ": HTTP status " + std::to_string(response.status) +
         (excerpt.empty() ? "" : ": " + excerpt);
}

}  // namespace

https_response https_get(const std::string& url, std::string_view bearer_token,
                         const std::string& ca_file, const https_limits& limits) {
  try {
    return get(url, bearer_token, ca_file, limits);
  } catch (const std::bad_alloc&) {
    https_response response;
    response.error = "GET " + url + ": out of memory";
    return response;
  }
}

std::string pod_list_url(const api_request& request) {
  const bool ipv6 = request.server_host.find(':') != std::string::npos;
  const std::string host = ipv6 ? "[" + request.server_host + "]" : request.server_host;
  return "https://" + host + ":" + std::to_string(request.server_port) +
         pod_list_path(request.pod_namespace, request.label_selector);
}

file_text_result read_credential_file(const std::string& path, std::size_t bytes_max) {
  file_text_result result;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    result.error = "cannot read " + path;
    return result;
  }
  std::string text(bytes_max + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > bytes_max) {
    result.error = path + " is longer than " + std::to_string(bytes_max) + " bytes";
    return result;
  }
  result.text = trim_space(std::move(text));
  if (result.text.empty()) result.error = path + " is empty";
  return result;
}

api_lookup_result poll_kubernetes_api(const api_request& request, pod_list_options options) {
  api_lookup_result result;
  const auto token = read_credential_file(request.token_file);
  if (!token.error.empty()) {
    result.error = "the service-account token: " + token.error;
    return result;
  }
  const std::string url = pod_list_url(request);
  const auto response = https_get(url, token.text, request.ca_file, request.limits);
  result.http_status = response.status;
  if (!response.error.empty()) {
    result.error = response.error;
    return result;
  }
  if (response.status != 200) {
    result.error = describe_status(url, response);
    return result;
  }
  options.label_selector = request.label_selector;
  auto parsed = parse_pod_list(response.body, options);
  if (!parsed.error.empty()) {
    result.error = "GET " + url + ": " + parsed.error;
    return result;
  }
  result.peers = std::move(parsed.peers);
  result.skipped = std::move(parsed.skipped);
  return result;
}

}  // namespace troupe::k8s
