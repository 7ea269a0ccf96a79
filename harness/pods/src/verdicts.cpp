#include "troupe/pods/verdicts.hpp"

#include <nlohmann/json.hpp>

#include "troupe/apps/application.hpp"
#include "troupe/checkers/properties.hpp"
#include "troupe/checkers/trace.hpp"

namespace troupe::pods {

checked_trace check_trace(const scenario::scenario& s, std::vector<std::string>& lines,
                          std::int64_t end_ns) {
  using json = nlohmann::ordered_json;
  checked_trace result;
  auto parsed = checkers::read_trace_lines(lines);
  if (!parsed.ok()) {
    result.error = "the merged trace cannot be read: " + parsed.failure().to_string();
    return result;
  }
  const auto& trace = parsed.value();
  result.operations = trace.operations.size();
  for (const auto& op : trace.operations) result.operations_ok += op.result == checkers::outcome::ok;
  std::string app_error;
  auto app = apps::make_application(s.app, s.app_options, app_error);
  const auto model = app ? app->linearizability_model() : nullptr;  // kept alive for the checks
  std::uint64_t seq = lines.empty() ? 0 : lines.size() - 1;
  for (const auto& name : s.properties) {
    checkers::property_options options;
    options.linearizability_model = model.get();
    // As `troupe run` judges membership: over the server deployments (clients run no
    // cluster actor), within the scenario's liveness window when it sets one.
    if (s.liveness_window_ns > 0) options.membership.liveness_window_ns = s.liveness_window_ns;
    for (const auto& d : s.deployments)
      if (d.role == "server") options.membership.deployments.push_back(d.name);
    auto outcome = checkers::check_property(trace, name, options);
    property_result v{name, false, ""};
    json event{{"seq", seq++}, {"t", end_ns}, {"ev", "verdict"}, {"pod", ""}, {"property", name}};
    if (!outcome.ok()) {
      v.message = outcome.failure().to_string();
    } else {
      v.ok = outcome.value().ok;
      v.message = outcome.value().message;
      if (outcome.value().at_seq) event["at_seq"] = *outcome.value().at_seq;
    }
    event["ok"] = v.ok;
    event["message"] = v.message;
    lines.push_back(event.dump());
    result.verdicts.push_back(std::move(v));
  }
  return result;
}

}  // namespace troupe::pods
