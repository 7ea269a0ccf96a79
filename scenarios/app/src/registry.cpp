// make_application and application_names: the one place that knows every application.

#include "counter/counter_application.hpp"
#include "iot/iot_application.hpp"
#include "kv/kv_application.hpp"
#include "troupe/apps/application.hpp"

namespace troupe::apps {

namespace {

using factory = std::unique_ptr<application> (*)(const nlohmann::json&, std::string&);

const std::vector<std::pair<std::string, factory>>& factories() {
  static const std::vector<std::pair<std::string, factory>> known = {
      {"counter", &counter::make},
      {"iot", &iot::make},
      {"kv", &kv::make},
  };
  return known;
}

}  // namespace

std::unique_ptr<application> make_application(const std::string& name,
                                              const nlohmann::json& options, std::string& error) {
  for (const auto& [known, make] : factories()) {
    if (known == name) return make(options, error);
  }
  std::string list;
  for (const auto& [known, make] : factories()) list += (list.empty() ? "" : ", ") + known;
  error = "app.name: unknown application '" + name + "' (known: " + list + ")";
  return nullptr;
}

std::vector<std::string> application_names() {
  std::vector<std::string> names;
  for (const auto& [known, make] : factories()) names.push_back(known);
  return names;
}

}  // namespace troupe::apps
