#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>

#include "troupe/k8s/discovery.hpp"

namespace troupe::k8s {
namespace {

// (family rank, bytes): IPv4 = 0, IPv6 = 1, not an address = 2 (compared as text).
struct address_key {
  int rank = 2;
  std::array<unsigned char, 16> bytes{};
};

address_key key_of(const std::string& host) {
  address_key key;
  if (inet_pton(AF_INET, host.c_str(), key.bytes.data()) == 1) {
    key.rank = 0;
  } else if (inet_pton(AF_INET6, host.c_str(), key.bytes.data()) == 1) {
    key.rank = 1;
  }
  return key;
}

}  // namespace

std::string peer::address() const {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

std::strong_ordering compare_addresses(const peer& a, const peer& b) {
  auto ka = key_of(a.host);
  auto kb = key_of(b.host);
  if (auto c = ka.rank <=> kb.rank; c != 0) return c;
  if (ka.rank < 2) {
    int c = std::memcmp(ka.bytes.data(), kb.bytes.data(), ka.bytes.size());
    if (c != 0) return c < 0 ? std::strong_ordering::less : std::strong_ordering::greater;
  } else if (auto c = a.host <=> b.host; c != 0) {
    return c;
  }
  if (auto c = a.port <=> b.port; c != 0) return c;
  return a.name <=> b.name;
}

void sort_and_dedupe(std::vector<peer>& peers) {
  std::stable_sort(peers.begin(), peers.end(),
                   [](const peer& a, const peer& b) { return compare_addresses(a, b) < 0; });
  std::vector<peer> out;
  for (auto& p : peers) {
    if (!out.empty() && out.back().host == p.host && out.back().port == p.port) continue;
    out.push_back(std::move(p));
  }
  peers = std::move(out);
}

environment_result read_pod_environment(const std::function<const char*(const char*)>& getenv) {
  auto get = [&](const char* name) -> const char* {
    return getenv ? getenv(name) : std::getenv(name);
  };
  environment_result result;
  std::string missing;
  auto take = [&](const char* name, std::string& into, bool required) {
    const char* value = get(name);
    if (value && *value) {
      into = value;
    } else if (required) {
      missing += missing.empty() ? name : std::string(", ") + name;
    }
  };
  take("POD_NAME", result.env.pod_name, true);
  take("POD_NAMESPACE", result.env.pod_namespace, true);
  take("POD_IP", result.env.pod_ip, true);
  take("TROUPE_DISCOVERY_LABEL_SELECTOR", result.env.label_selector, false);
  take("TROUPE_DISCOVERY_SERVICE", result.env.service, false);
  if (!missing.empty()) {
    result.error = "missing downward API environment: " + missing +
                   " (set them from metadata.name, metadata.namespace, status.podIP)";
  }
  return result;
}

}  // namespace troupe::k8s
