#include <cctype>
#include <optional>

#include <nlohmann/json.hpp>

#include "troupe/k8s/discovery.hpp"

namespace troupe::k8s {
namespace {

std::string percent_encode(std::string_view text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return std::string(s);
}

// "k=v" / "k==v" / "k!=v" terms, comma-separated.
struct term {
  std::string key, value;
  bool equal = true;
};

std::optional<std::vector<term>> parse_selector(std::string_view selector) {
  std::vector<term> terms;
  while (!selector.empty()) {
    auto comma = selector.find(',');
    std::string_view part = selector.substr(0, comma);
    selector = comma == std::string_view::npos ? std::string_view{} : selector.substr(comma + 1);
    term t;
    if (auto ne = part.find("!="); ne != std::string_view::npos) {
      t = {trim(part.substr(0, ne)), trim(part.substr(ne + 2)), false};
    } else if (auto eqeq = part.find("=="); eqeq != std::string_view::npos) {
      t = {trim(part.substr(0, eqeq)), trim(part.substr(eqeq + 2)), true};
    } else if (auto eq = part.find('='); eq != std::string_view::npos) {
      t = {trim(part.substr(0, eq)), trim(part.substr(eq + 1)), true};
    } else {
      return std::nullopt;  // set-based or existence selectors are not supported
    }
    if (t.key.empty()) return std::nullopt;
    terms.push_back(std::move(t));
  }
  return terms;
}

}  // namespace

std::string pod_list_path(std::string_view pod_namespace, std::string_view label_selector) {
  return "/api/v1/namespaces/" + percent_encode(pod_namespace) +
         "/pods?labelSelector=" + percent_encode(label_selector);
}

bool valid_label_selector(std::string_view selector) {
  auto terms = parse_selector(selector);
  return terms && !terms->empty();
}

bool selector_matches(std::string_view selector,
                      const std::vector<std::pair<std::string, std::string>>& labels) {
  auto terms = parse_selector(selector);
  if (!terms || terms->empty()) return false;
  for (const auto& t : *terms) {
    const std::string* value = nullptr;
    for (const auto& [k, v] : labels) {
      if (k == t.key) value = &v;
    }
    bool equal = value && *value == t.value;
    if (equal != t.equal) return false;
  }
  return true;
}

namespace {

/// parse_pod_list without the catch: nlohmann's `value` throws on a field of another type.
pod_list_result parse_pod_list_or_throw(std::string_view json, const pod_list_options& options) {
  pod_list_result result;
  nlohmann::json body = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded() || !body.is_object()) {
    result.error = "the response is not a JSON object";
    return result;
  }
  const std::string kind = body.value("kind", "");
  if (kind == "Status") {  // the API's error answer: 403 without RBAC, 404 ...
    result.error = "the API answered " + std::to_string(body.value("code", 0)) + " " +
                   body.value("reason", "") + ": " + body.value("message", "");
    return result;
  }
  if (kind != "PodList") {
    result.error = "expected kind PodList, got '" + kind + "'";
    return result;
  }
  if (!body.contains("items") || body["items"].is_null()) return result;  // no pods
  if (!body["items"].is_array()) {
    result.error = "items is not an array";
    return result;
  }
  if (!parse_selector(options.label_selector)) {
    result.error = "unsupported label selector '" + options.label_selector + "'";
    return result;
  }
  std::size_t index = 0;
  for (const auto& pod : body["items"]) {
    const std::string at = "items[" + std::to_string(index++) + "]";
    if (!pod.is_object() || !pod.contains("metadata") || !pod["metadata"].is_object()) {
      result.skipped.push_back({at, "no metadata"});
      continue;
    }
    const auto& meta = pod["metadata"];
    std::string name = meta.contains("name") && meta["name"].is_string()
                           ? meta["name"].get<std::string>() : at;
    std::vector<std::pair<std::string, std::string>> labels;
    if (meta.contains("labels") && meta["labels"].is_object()) {
      for (const auto& [k, v] : meta["labels"].items()) {
        if (v.is_string()) labels.emplace_back(k, v.get<std::string>());
      }
    }
    if (!selector_matches(options.label_selector, labels)) {
      result.skipped.push_back({name, "label selector"});
      continue;
    }
    if (meta.contains("deletionTimestamp") && !meta["deletionTimestamp"].is_null()) {
      result.skipped.push_back({name, "terminating"});
      continue;
    }
    const auto status = pod.value("status", nlohmann::json::object());
    const std::string phase = status.is_object() && status.contains("phase") && status["phase"].is_string()
                                  ? status["phase"].get<std::string>() : "";
    if (phase != "Running") {
      result.skipped.push_back({name, "not running (" + (phase.empty() ? "no phase" : phase) + ")"});
      continue;
    }
    std::string ip = status.contains("podIP") && status["podIP"].is_string()
                         ? status["podIP"].get<std::string>() : "";
    if (ip.empty()) {
      result.skipped.push_back({name, "no pod IP"});
      continue;
    }
    std::uint16_t port = options.default_port;
    const auto spec = pod.value("spec", nlohmann::json::object());
    if (spec.is_object() && spec.contains("containers") && spec["containers"].is_array()) {
      for (const auto& c : spec["containers"]) {
        if (!c.is_object() || !c.contains("ports") || !c["ports"].is_array()) continue;
        for (const auto& p : c["ports"]) {
          if (p.is_object() && p.value("name", "") == options.port_name &&
              p.contains("containerPort") && p["containerPort"].is_number_integer()) {
            auto n = p["containerPort"].get<std::int64_t>();
            if (n > 0 && n <= 65535) port = static_cast<std::uint16_t>(n);
          }
        }
      }
    }
    result.peers.push_back({name, ip, port});
  }
  sort_and_dedupe(result.peers);
  return result;
}

}  // namespace

pod_list_result parse_pod_list(std::string_view json, const pod_list_options& options) {
  try {
    return parse_pod_list_or_throw(json, options);
  } catch (const nlohmann::json::exception& error) {
    // A field of an unexpected type ({"kind": 5}): the body came from the network.
    pod_list_result result;
    result.error = std::string("malformed response: ") + error.what();
    return result;
  }
}

}  // namespace troupe::k8s
