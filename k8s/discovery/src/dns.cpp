#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <random>

#include "troupe/k8s/discovery.hpp"

namespace troupe::k8s {
namespace {

constexpr std::size_t header_bytes = 12;
constexpr int max_pointer_jumps = 64;
constexpr std::size_t max_name_bytes = 255;

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string strip_dot(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  return lower(std::string(name));
}

class reader {
 public:
  explicit reader(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}

  bool u8(std::size_t& at, std::uint8_t& out) const {
    if (at + 1 > bytes_.size()) return false;
    out = bytes_[at++];
    return true;
  }
  bool u16(std::size_t& at, std::uint16_t& out) const {
    if (at + 2 > bytes_.size()) return false;
    out = static_cast<std::uint16_t>(bytes_[at] << 8 | bytes_[at + 1]);
    at += 2;
    return true;
  }
  bool u32(std::size_t& at, std::uint32_t& out) const {
    std::uint16_t hi, lo;
    if (!u16(at, hi) || !u16(at, lo)) return false;
    out = static_cast<std::uint32_t>(hi) << 16 | lo;
    return true;
  }
  // A possibly compressed name starting at `at`; `at` moves past its in-place part.
  std::string name(std::size_t& at, std::string& error) const {
    std::string out;
    std::size_t pos = at;
    bool jumped = false;
    int jumps = 0;
    while (true) {
      std::uint8_t len;
      if (!u8(pos, len)) { error = "name runs past the end"; return {}; }
      if ((len & 0xC0) == 0xC0) {
        std::uint8_t low;
        if (!u8(pos, low)) { error = "compression pointer runs past the end"; return {}; }
        if (++jumps > max_pointer_jumps) { error = "compression pointer loop"; return {}; }
        if (!jumped) at = pos;
        jumped = true;
        pos = static_cast<std::size_t>(len & 0x3F) << 8 | low;
        continue;
      }
      if ((len & 0xC0) != 0) { error = "unsupported label type"; return {}; }
      if (len == 0) break;
      if (pos + len > bytes_.size()) { error = "label runs past the end"; return {}; }
      if (!out.empty()) out += '.';
      out.append(reinterpret_cast<const char*>(bytes_.data() + pos), len);
      pos += len;
      if (out.size() > max_name_bytes) { error = "name longer than 255 bytes"; return {}; }
    }
    if (!jumped) at = pos;
    return lower(out);
  }
  std::size_t size() const { return bytes_.size(); }
  const std::uint8_t* data() const { return bytes_.data(); }

 private:
  std::span<const std::uint8_t> bytes_;
};

bool read_record(const reader& r, std::size_t& at, dns_record& rec, std::string& error) {
  rec.name = r.name(at, error);
  if (!error.empty()) return false;
  std::uint16_t klass, rdlength;
  if (!r.u16(at, rec.type) || !r.u16(at, klass) || !r.u32(at, rec.ttl) || !r.u16(at, rdlength)) {
    error = "record header runs past the end";
    return false;
  }
  if (at + rdlength > r.size()) {
    error = "record data runs past the end";
    return false;
  }
  std::size_t end = at + rdlength;
  char text[INET6_ADDRSTRLEN] = {};
  if (rec.type == static_cast<std::uint16_t>(dns_type::a)) {
    if (rdlength != 4) { error = "A record of " + std::to_string(rdlength) + " bytes"; return false; }
    inet_ntop(AF_INET, r.data() + at, text, sizeof text);
    rec.address = text;
  } else if (rec.type == static_cast<std::uint16_t>(dns_type::aaaa)) {
    if (rdlength != 16) { error = "AAAA record of " + std::to_string(rdlength) + " bytes"; return false; }
    inet_ntop(AF_INET6, r.data() + at, text, sizeof text);
    rec.address = text;
  } else if (rec.type == static_cast<std::uint16_t>(dns_type::srv)) {
    std::size_t p = at;
    if (!r.u16(p, rec.priority) || !r.u16(p, rec.weight) || !r.u16(p, rec.port) || p > end) {
      error = "SRV record too short";
      return false;
    }
    rec.target = r.name(p, error);
    if (!error.empty()) return false;
    if (p > end) { error = "SRV target runs past its record"; return false; }
  }
  at = end;
  return true;
}

}  // namespace

std::vector<std::uint8_t> build_dns_query(std::uint16_t id, std::string_view name, dns_type type) {
  std::vector<std::uint8_t> q = {static_cast<std::uint8_t>(id >> 8), static_cast<std::uint8_t>(id),
                                 0x01, 0x00,  // recursion desired
                                 0, 1, 0, 0, 0, 0, 0, 0};
  std::string n = strip_dot(name);
  std::size_t start = 0;
  while (start < n.size()) {
    auto dot = n.find('.', start);
    if (dot == std::string::npos) dot = n.size();
    auto len = std::min<std::size_t>(dot - start, 63);
    q.push_back(static_cast<std::uint8_t>(len));
    q.insert(q.end(), n.begin() + static_cast<std::ptrdiff_t>(start),
             n.begin() + static_cast<std::ptrdiff_t>(start + len));
    start = dot + 1;
  }
  q.push_back(0);
  auto t = static_cast<std::uint16_t>(type);
  q.insert(q.end(), {static_cast<std::uint8_t>(t >> 8), static_cast<std::uint8_t>(t), 0, 1});
  return q;
}

dns_parse_result parse_dns_response(std::span<const std::uint8_t> bytes) {
  dns_parse_result result;
  reader r(bytes);
  std::size_t at = 0;
  std::uint16_t flags, qd, an, ns, ar;
  if (!r.u16(at, result.message.id) || !r.u16(at, flags) || !r.u16(at, qd) || !r.u16(at, an) ||
      !r.u16(at, ns) || !r.u16(at, ar)) {
    result.error = "shorter than a DNS header";
    return result;
  }
  if ((flags & 0x8000) == 0) {
    result.error = "not a response";
    return result;
  }
  result.message.truncated = (flags & 0x0200) != 0;
  result.message.rcode = static_cast<std::uint8_t>(flags & 0x0F);
  for (std::uint16_t i = 0; i < qd; ++i) {
    r.name(at, result.error);
    if (!result.error.empty()) { result.error = "question: " + result.error; return result; }
    at += 4;
    if (at > r.size()) { result.error = "question runs past the end"; return result; }
  }
  auto section = [&](std::uint16_t count, const char* what, std::vector<dns_record>* into) {
    for (std::uint16_t i = 0; i < count; ++i) {
      dns_record rec;
      if (!read_record(r, at, rec, result.error)) {
        result.error = std::string(what) + " record " + std::to_string(i) + ": " + result.error;
        return false;
      }
      if (into) into->push_back(std::move(rec));
    }
    return true;
  };
  if (!section(an, "answer", &result.message.answers)) return result;
  if (!section(ns, "authority", nullptr)) return result;
  section(ar, "additional", &result.message.additional);
  return result;
}

dns_query_result dns_query(const std::string& server, std::uint16_t port, std::string_view name,
                           dns_type type, int timeout_ms) {
  dns_query_result result;
  sockaddr_storage addr{};
  socklen_t addr_len = 0;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&addr);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&addr);
  if (inet_pton(AF_INET, server.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    addr_len = sizeof *v4;
  } else if (inet_pton(AF_INET6, server.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    addr_len = sizeof *v6;
  } else {
    result.error = "DNS server '" + server + "' is not an IP address";
    return result;
  }
  int fd = ::socket(addr.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    result.error = std::string("socket: ") + std::strerror(errno);
    return result;
  }
  struct closer {
    int fd;
    ~closer() { ::close(fd); }
  } close_fd{fd};
  // connect: the kernel then passes up only datagrams from the server.
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), addr_len) != 0) {
    result.error = std::string("connect: ") + std::strerror(errno);
    return result;
  }
  // A fresh random id per query: an answer must echo it (RFC 5452).
  std::random_device entropy;
  const auto id = static_cast<std::uint16_t>(entropy());
  auto query = build_dns_query(id, name, type);
  if (::send(fd, query.data(), query.size(), 0) != static_cast<ssize_t>(query.size())) {
    result.error = std::string("send: ") + std::strerror(errno);
    return result;
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  std::vector<std::uint8_t> buffer(65535);
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) {
      result.error = "no answer from " + server + ":" + std::to_string(port) + " within " +
                     std::to_string(timeout_ms) + " ms";
      return result;
    }
    pollfd p{fd, POLLIN, 0};
    int ready = ::poll(&p, 1, static_cast<int>(left));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;
    ssize_t n = ::recv(fd, buffer.data(), buffer.size(), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      result.error = std::string("recv: ") + std::strerror(errno);  // ECONNREFUSED: no server
      return result;
    }
    auto parsed = parse_dns_response({buffer.data(), static_cast<std::size_t>(n)});
    if (parsed.message.id != id) continue;  // a late answer to an earlier query
    result.message = std::move(parsed.message);
    result.error = std::move(parsed.error);
    return result;
  }
}

std::vector<peer> peers_from_srv(const std::vector<dns_record>& srv,
                                 const std::vector<dns_record>& addresses) {
  std::vector<peer> peers;
  for (const auto& s : srv) {
    if (s.type != static_cast<std::uint16_t>(dns_type::srv)) continue;
    const std::string name = s.target.substr(0, s.target.find('.'));
    for (const auto& a : addresses) {
      if ((a.type == static_cast<std::uint16_t>(dns_type::a) ||
           a.type == static_cast<std::uint16_t>(dns_type::aaaa)) && a.name == s.target) {
        peers.push_back({name, a.address, s.port});
      }
    }
  }
  sort_and_dedupe(peers);
  return peers;
}

std::vector<peer> peers_from_addresses(const std::vector<dns_record>& addresses, std::uint16_t port) {
  std::vector<peer> peers;
  for (const auto& a : addresses) {
    if (a.type == static_cast<std::uint16_t>(dns_type::a) ||
        a.type == static_cast<std::uint16_t>(dns_type::aaaa)) {
      peers.push_back({a.address, a.address, port});
    }
  }
  sort_and_dedupe(peers);
  return peers;
}

std::string srv_name(std::string_view port_name, std::string_view service,
                     std::string_view pod_namespace, std::string_view cluster_domain) {
  return "_" + std::string(port_name) + "._tcp." + std::string(service) + "." +
         std::string(pod_namespace) + ".svc." + std::string(cluster_domain);
}

dns_lookup_result lookup_srv_peers(const std::string& server, std::uint16_t port,
                                   std::string_view srv_query_name, int timeout_ms) {
  dns_lookup_result result;
  auto srv = dns_query(server, port, srv_query_name, dns_type::srv, timeout_ms);
  if (!srv.error.empty()) {
    result.error = srv.error;
    return result;
  }
  if (srv.message.rcode == 3) return result;  // NXDOMAIN: the service has no pods yet
  if (srv.message.rcode != 0) {
    result.error = "DNS rcode " + std::to_string(srv.message.rcode) + " for " + std::string(srv_query_name);
    return result;
  }
  std::vector<dns_record> addresses = srv.message.additional;
  for (const auto& s : srv.message.answers) {
    if (s.type != static_cast<std::uint16_t>(dns_type::srv)) continue;
    bool known = std::any_of(addresses.begin(), addresses.end(),
                             [&](const dns_record& a) { return a.name == s.target; });
    if (known) continue;
    for (auto type : {dns_type::a, dns_type::aaaa}) {
      auto a = dns_query(server, port, s.target, type, timeout_ms);
      if (!a.error.empty()) {
        result.error = a.error;
        return result;
      }
      addresses.insert(addresses.end(), a.message.answers.begin(), a.message.answers.end());
    }
  }
  result.peers = peers_from_srv(srv.message.answers, addresses);
  return result;
}

}  // namespace troupe::k8s
