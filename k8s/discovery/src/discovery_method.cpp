#include "troupe/k8s/discovery_method.hpp"

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <sstream>

namespace troupe::k8s {
namespace {

constexpr std::string_view dns_prefix = "dns:";
constexpr std::string_view kubernetes_api = "kubernetes-api";
constexpr std::string_view forms = "dns:SERVICE.NAMESPACE.svc.cluster.local or kubernetes-api";
/// An IANA service name (RFC 6335) is at most 15 characters.
constexpr std::size_t service_name_length_max = 15;

/// A broken precondition is a programmer error: it stops the process loudly, in every build.
void require_dns(const discovery_method& method, const char* function) {
  if (method.what == discovery_method::kind::dns) return;
  std::fprintf(stderr, "%s:%d: %s: precondition method.what == kind::dns failed\n", __FILE__,
               __LINE__, function);
  std::abort();
}

bool letter_digit_or_dash(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-';
}

/// "" or what is wrong with one label of a name.
std::string check_label(std::string_view label, std::size_t length_max) {
  if (label.empty()) return "an empty label";
  if (label.size() > length_max)
    return "label '" + std::string(label) + "' is longer than " + std::to_string(length_max);
  for (char c : label)
    if (!letter_digit_or_dash(c))
      return "label '" + std::string(label) + "' has a character other than letters, digits, '-'";
  if (label.front() == '-' || label.back() == '-')
    return "label '" + std::string(label) + "' starts or ends with '-'";
  return {};
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

discovery_method_result parse_discovery_method(std::string_view text, std::string_view port_name) {
  discovery_method_result result;
  if (auto problem = check_label(port_name, service_name_length_max); !problem.empty()) {
    result.error = "the port name '" + std::string(port_name) + "': " + problem;
    return result;
  }
  result.method.port_name = lower(port_name);
  if (text == kubernetes_api) {
    result.method.what = discovery_method::kind::kubernetes_api;
    return result;
  }
  if (!text.starts_with(dns_prefix)) {
    result.error =
        "'" + std::string(text) + "' is not a discovery method (" + std::string(forms) + ")";
    return result;
  }
  std::string name = lower(text.substr(dns_prefix.size()));
  if (!name.empty() && name.back() == '.') name.pop_back();
  if (name.empty()) {
    result.error = "'" + std::string(text) + "': no service name (" + std::string(forms) + ")";
    return result;
  }
  std::size_t begin = 0;
  while (begin <= name.size()) {
    const std::size_t end = std::min(name.find('.', begin), name.size());
    if (auto problem =
            check_label(std::string_view(name).substr(begin, end - begin), dns_label_length_max);
        !problem.empty()) {
      result.error = "'" + std::string(text) + "': " + problem;
      return result;
    }
    begin = end + 1;
  }
  result.method.what = discovery_method::kind::dns;
  result.method.service_domain = std::move(name);
  if (discovery_srv_name(result.method).size() > dns_name_length_max)
    result.error = "'" + std::string(text) + "': the SRV name " +
                   discovery_srv_name(result.method) + " is longer than " +
                   std::to_string(dns_name_length_max) + " characters";
  return result;
}

std::string discovery_srv_name(const discovery_method& method) {
  require_dns(method, "discovery_srv_name");
  return "_" + method.port_name + "._tcp." + method.service_domain;
}

std::optional<std::string> first_nameserver(std::string_view resolv_conf) {
  std::istringstream lines{std::string(resolv_conf)};
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::string keyword, server;
    if (!(words >> keyword) || keyword != "nameserver") continue;
    if (words >> server && server.front() != '#' && server.front() != ';') return server;
  }
  return std::nullopt;
}

dns_lookup_result poll_dns(const discovery_method& method, const std::string& server,
                           std::uint16_t port, int timeout_ms) {
  require_dns(method, "poll_dns");
  return lookup_srv_peers(server, port, discovery_srv_name(method), timeout_ms);
}

}  // namespace troupe::k8s
