// Reading and writing scenario files with errors that name the field (scenario.hpp).

#include "troupe/scenario/scenario.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "troupe/checkers/properties.hpp"
#include "troupe/simnet/duration.hpp"

namespace troupe::scenario {
namespace {

using nlohmann::json;

/// Thrown inside this file only; parse_scenario turns it into a load_error.
struct problem {
  load_error error;
};

[[noreturn]] void fail(const std::string& path, const std::string& reason) {
  throw problem{{path, reason}};
}

std::string member(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}
std::string element(const std::string& path, std::size_t index) {
  return path + "[" + std::to_string(index) + "]";
}

/// A JSON object being read: remembers which members were used so that unknown ones (often
/// typos) are reported.
class object_reader {
 public:
  object_reader(const json& value, std::string path) : value_(value), path_(std::move(path)) {
    if (!value_.is_object()) fail(path_, "must be an object");
  }
  bool has(const std::string& key) const { return value_.contains(key); }
  const json& get(const std::string& key) {
    used_.insert(key);
    if (!value_.contains(key)) fail(member(path_, key), "is required");
    return value_.at(key);
  }
  std::string path(const std::string& key) const { return member(path_, key); }

  std::string text(const std::string& key) {
    const json& v = get(key);
    if (!v.is_string()) fail(path(key), "must be a string");
    return v.get<std::string>();
  }
  std::int64_t integer(const std::string& key, std::int64_t low, std::int64_t high) {
    const json& v = get(key);
    if (!v.is_number_integer()) fail(path(key), "must be an integer");
    const auto n = v.get<std::int64_t>();
    if (n < low || n > high)
      fail(path(key), "must be between " + std::to_string(low) + " and " + std::to_string(high));
    return n;
  }
  double number(const std::string& key, double low, double high) {
    const json& v = get(key);
    if (!v.is_number()) fail(path(key), "must be a number");
    const double d = v.get<double>();
    if (!(d >= low && d <= high)) {
      std::ostringstream range;
      range << "must be between " << low << " and " << high;
      fail(path(key), range.str());
    }
    return d;
  }
  bool boolean(const std::string& key) {
    const json& v = get(key);
    if (!v.is_boolean()) fail(path(key), "must be true or false");
    return v.get<bool>();
  }
  std::int64_t duration(const std::string& key) { return duration_value(get(key), path(key)); }
  std::vector<std::string> names(const std::string& key) { return name_list(get(key), path(key)); }

  static std::int64_t duration_value(const json& v, const std::string& where) {
    if (v.is_number_unsigned() || (v.is_number_integer() && v.get<std::int64_t>() >= 0))
      return v.get<std::int64_t>();
    if (v.is_string()) {
      if (auto ns = sim::parse_duration_ns(v.get<std::string>())) return *ns;
      fail(where, "'" + v.get<std::string>() +
                      "' is not a duration (write e.g. \"250ms\", \"5s\", \"2m\")");
    }
    fail(where, "must be a duration such as \"250ms\" or \"5s\"");
  }
  static std::vector<std::string> name_list(const json& v, const std::string& where) {
    if (!v.is_array()) fail(where, "must be an array of pod names");
    std::vector<std::string> out;
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (!v[i].is_string()) fail(element(where, i), "must be a string");
      out.push_back(v[i].get<std::string>());
    }
    return out;
  }

  /// Reports the first member that was never read.
  void finish() const {
    for (auto it = value_.begin(); it != value_.end(); ++it)
      if (!used_.count(it.key())) fail(path(it.key()), "unknown field");
  }

 private:
  const json& value_;
  std::string path_;
  std::set<std::string> used_;
};

void check_name(const std::string& name, const std::string& path) {
  if (name.empty()) fail(path, "must not be empty");
  for (char c : name)
    if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '-'))
      fail(path, "'" + name + "' may only contain a-z, 0-9 and '-' (it names pods)");
}

std::vector<deployment> read_deployments(const json& value, const std::string& path) {
  if (!value.is_array() || value.empty()) fail(path, "must be a non-empty array");
  std::vector<deployment> out;
  std::set<std::string> names;
  for (std::size_t i = 0; i < value.size(); ++i) {
    object_reader r(value[i], element(path, i));
    deployment d;
    d.name = r.text("name");
    check_name(d.name, r.path("name"));
    if (!names.insert(d.name).second) fail(r.path("name"), "deployment '" + d.name + "' is defined twice");
    d.replicas = static_cast<int>(r.integer("replicas", 0, 100));
    if (r.has("role")) {
      d.role = r.text("role");
      if (d.role != "server" && d.role != "client") fail(r.path("role"), "must be \"server\" or \"client\"");
    }
    r.finish();
    out.push_back(d);
  }
  if (std::none_of(out.begin(), out.end(), [](const deployment& d) { return d.role == "server"; }))
    fail(path, "needs at least one deployment with role \"server\"");
  return out;
}

void read_link_fields(object_reader& r, sim::link_conditions& base) {
  if (r.has("delay_min")) base.delay_ns_min = r.duration("delay_min");
  if (r.has("delay_max")) base.delay_ns_max = r.duration("delay_max");
  if (r.has("loss")) base.loss = r.number("loss", 0, 1);
  if (r.has("duplicate")) base.duplicate = r.number("duplicate", 0, 1);
  if (r.has("reorder")) base.reorder = r.boolean("reorder");
  if (r.has("bandwidth")) base.bandwidth_bytes_per_s = r.integer("bandwidth", 0, INT64_MAX);
  if (base.delay_ns_max < base.delay_ns_min) fail(r.path("delay_max"), "must not be below delay_min");
}

sim::link_conditions read_network(const json& value, const std::string& path, sim::link_conditions base) {
  object_reader r(value, path);
  read_link_fields(r, base);
  r.finish();
  return base;
}

apps::workload read_workload(const json& value, const std::string& path) {
  object_reader r(value, path);
  apps::workload w;
  if (r.has("clients")) w.clients = static_cast<int>(r.integer("clients", 0, 1000));
  if (r.has("rate_per_s")) w.rate_per_s = r.number("rate_per_s", 0.001, 100000);
  if (r.has("keys")) w.keys = static_cast<int>(r.integer("keys", 1, 100000));
  if (r.has("start")) w.start_ns = r.duration("start");
  if (r.has("stop")) w.stop_ns = r.duration("stop");
  if (r.has("timeout")) w.timeout_ns = r.duration("timeout");
  if (r.has("mix")) {
    const json& mix = r.get("mix");
    if (!mix.is_object() || mix.empty()) fail(r.path("mix"), "must be an object of operation weights");
    w.mix.clear();
    for (auto it = mix.begin(); it != mix.end(); ++it) {
      if (!it->is_number() || it->get<double>() < 0) fail(member(r.path("mix"), it.key()), "must be a weight >= 0");
      w.mix[it.key()] = it->get<double>();
    }
  }
  if (w.timeout_ns <= 0) fail(r.path("timeout"), "must be positive");
  r.finish();
  return w;
}

sim::fault read_fault(const json& value, const std::string& path) {
  object_reader r(value, path);
  sim::fault f;
  f.at_ns = r.duration("at");
  const std::string kind = r.text("kind");
  auto parsed = sim::fault_kind_from_string(kind);
  if (!parsed)
    fail(r.path("kind"), "'" + kind + "' is not a fault kind (partition, heal, kill, restart, stop, scale, skew, pause, resume, network)");
  f.kind = *parsed;
  switch (f.kind) {
    case sim::fault_kind::partition:
      if (r.has("groups")) {
        const json& groups = r.get("groups");
        if (!groups.is_array() || groups.size() < 2) fail(r.path("groups"), "must list at least two groups of pods");
        for (std::size_t g = 0; g < groups.size(); ++g)
          f.groups.push_back(object_reader::name_list(groups[g], element(r.path("groups"), g)));
      } else {
        f.one_way = true;
        f.from = r.names("from");
        f.to = r.names("to");
        if (r.has("one_way") && !r.boolean("one_way")) fail(r.path("one_way"), "from/to partitions are one-way");
      }
      break;
    case sim::fault_kind::scale:
      f.deployment = r.text("deployment");
      f.replicas = static_cast<int>(r.integer("replicas", 0, 100));
      break;
    case sim::fault_kind::skew:
      f.pod = r.text("pod");
      if (r.has("offset")) {
        const json& o = r.get("offset");
        if (o.is_string() && !o.get<std::string>().empty() && o.get<std::string>()[0] == '-') {
          f.offset_ns = -object_reader::duration_value(o.get<std::string>().substr(1), r.path("offset"));
        } else {
          f.offset_ns = object_reader::duration_value(o, r.path("offset"));
        }
      }
      if (r.has("rate")) f.rate = r.number("rate", 0.01, 100);
      break;
    case sim::fault_kind::network:
      read_link_fields(r, f.conditions);
      break;
    case sim::fault_kind::heal:
      break;
    default:
      f.pod = r.text("pod");
      break;
  }
  r.finish();
  return f;
}

std::vector<sim::fault> read_faults(const json& value, const std::string& path) {
  if (!value.is_array()) fail(path, "must be an array");
  std::vector<sim::fault> out;
  for (std::size_t i = 0; i < value.size(); ++i) out.push_back(read_fault(value[i], element(path, i)));
  return out;
}

/// `generator.scale`: a server deployment and the replica counts a generated scale may set.
/// The deployment's initial count must lie within them, so every count of a run does.
scale_bounds read_scale_bounds(const json& value, const std::string& path,
                               const std::vector<deployment>& deployments) {
  object_reader r(value, path);
  scale_bounds bounds;
  bounds.deployment = r.text("deployment");
  auto found = std::find_if(deployments.begin(), deployments.end(),
                            [&](const deployment& d) { return d.name == bounds.deployment; });
  if (found == deployments.end())
    fail(r.path("deployment"), "unknown deployment '" + bounds.deployment + "'");
  if (found->role != "server")
    fail(r.path("deployment"),
         "'" + bounds.deployment +
             "' is a client deployment (the generator scales server deployments)");
  bounds.min = static_cast<int>(r.integer("min", 1, 100));
  bounds.max = static_cast<int>(r.integer("max", 1, 100));
  if (bounds.max <= bounds.min)
    fail(r.path("max"), "must be above min (" + std::to_string(bounds.min) + ")");
  const std::string initial =
      std::to_string(found->replicas) + " replicas '" + bounds.deployment + "' starts with";
  if (bounds.min > found->replicas)
    fail(r.path("min"), std::to_string(bounds.min) + " is above the " + initial);
  if (bounds.max < found->replicas)
    fail(r.path("max"), std::to_string(bounds.max) + " is below the " + initial);
  r.finish();
  return bounds;
}

fault_generator read_generator(const json& value, const std::string& path,
                               const std::vector<deployment>& deployments) {
  object_reader r(value, path);
  fault_generator g;
  const json& kinds = r.get("kinds");
  if (!kinds.is_array() || kinds.empty()) fail(r.path("kinds"), "must be a non-empty array of fault kinds");
  for (std::size_t i = 0; i < kinds.size(); ++i) {
    auto k = kinds[i].is_string() ? sim::fault_kind_from_string(kinds[i].get<std::string>()) : std::nullopt;
    if (!k || *k == sim::fault_kind::network)
      fail(element(r.path("kinds"), i),
           "must be one of partition, heal, kill, restart, stop, scale, skew, pause, resume");
    g.kinds.push_back(*k);
  }
  const bool scales =
      std::find(g.kinds.begin(), g.kinds.end(), sim::fault_kind::scale) != g.kinds.end();
  if (scales && !r.has("scale"))
    fail(r.path("scale"),
         "is required when kinds has \"scale\": which deployment, and the replica counts, e.g. "
         "{\"deployment\": \"kv\", \"min\": 2, \"max\": 5}");
  if (!scales && r.has("scale"))
    fail(r.path("scale"), "kinds has no \"scale\" (add it to kinds, or remove this object)");
  if (scales) g.scale = read_scale_bounds(r.get("scale"), r.path("scale"), deployments);
  g.max_faults = static_cast<int>(r.integer("max_faults", 1, 50));
  const json& window = r.get("window");
  if (!window.is_array() || window.size() != 2) fail(r.path("window"), "must be [start, end]");
  g.window_start_ns = object_reader::duration_value(window[0], element(r.path("window"), 0));
  g.window_end_ns = object_reader::duration_value(window[1], element(r.path("window"), 1));
  if (g.window_end_ns <= g.window_start_ns) fail(r.path("window"), "end must be after start");
  r.finish();
  return g;
}

std::int64_t positive_duration(object_reader& r, const std::string& key) {
  const std::int64_t ns = r.duration(key);
  if (ns <= 0) fail(r.path(key), "must be positive");
  return ns;
}

cluster::phi_settings read_failure_detector(const json& value, const std::string& path) {
  object_reader r(value, path);
  cluster::phi_settings phi;
  if (r.has("heartbeat_interval")) phi.heartbeat_interval_ns = positive_duration(r, "heartbeat_interval");
  if (r.has("acceptable_pause")) phi.acceptable_pause_ns = r.duration("acceptable_pause");
  if (r.has("threshold")) phi.threshold = r.number("threshold", 0.5, 100);
  if (r.has("min_std_deviation")) phi.min_std_deviation_ns = positive_duration(r, "min_std_deviation");
  if (r.has("samples_max")) phi.samples_max = static_cast<std::size_t>(r.integer("samples_max", 2, 10'000));
  r.finish();
  return phi;
}

cluster_singleton read_singleton(const json& value, const std::string& path) {
  object_reader r(value, path);
  cluster_singleton singleton;
  if (r.has("name")) {
    singleton.name = r.text("name");
    check_name(singleton.name, r.path("name"));
  }
  if (r.has("handover_margin")) singleton.handover_margin_ns = r.duration("handover_margin");
  r.finish();
  return singleton;
}

/// The `cluster` object; the seed nodes are the initial server pods.
cluster_config read_cluster(const json& value, const std::string& path,
                            std::vector<std::string> seed_nodes) {
  object_reader r(value, path);
  cluster_config config;
  auto& settings = config.settings;
  if (seed_nodes.empty()) fail(path, "needs at least one server pod at the start (the seed nodes)");
  settings.seed_nodes = std::move(seed_nodes);
  if (r.has("downing")) {
    const std::string downing = r.text("downing");
    if (downing == "keep-majority") settings.downing.strategy = cluster::downing_strategy::keep_majority;
    else if (downing == "keep-oldest") settings.downing.strategy = cluster::downing_strategy::keep_oldest;
    else if (downing == "none") settings.downing.strategy = cluster::downing_strategy::none;
    else fail(r.path("downing"), "'" + downing + "' is not a downing strategy (keep-majority, keep-oldest, none)");
  }
  if (r.has("down_if_alone")) {
    settings.downing.down_if_alone = r.boolean("down_if_alone");
    if (settings.downing.strategy != cluster::downing_strategy::keep_oldest)
      fail(r.path("down_if_alone"), "applies only to \"downing\": \"keep-oldest\"");
  }
  if (r.has("stable_after")) settings.downing.stable_after_ns = r.duration("stable_after");
  if (r.has("failure_detector"))
    settings.failure_detector = read_failure_detector(r.get("failure_detector"), r.path("failure_detector"));
  if (r.has("gossip_interval")) settings.gossip_interval_ns = positive_duration(r, "gossip_interval");
  if (r.has("gossip_fanout")) settings.gossip_fanout = static_cast<std::size_t>(r.integer("gossip_fanout", 1, 100));
  if (r.has("seed_timeout")) settings.seed_timeout_ns = positive_duration(r, "seed_timeout");
  if (r.has("rejoin_delay")) settings.rejoin_delay_ns = r.duration("rejoin_delay");
  if (r.has("singleton")) config.singleton = read_singleton(r.get("singleton"), r.path("singleton"));
  r.finish();
  return config;
}

/// Properties that read what only the cluster writes need the `cluster` object.
void check_cluster_properties(const scenario& s) {
  for (std::size_t i = 0; i < s.properties.size(); ++i) {
    const auto& name = s.properties[i];
    if ((name == "membership_converges" || name == "singleton_unique") && !s.cluster)
      fail(element("properties", i), name + " needs the \"cluster\" object (no pod runs cluster membership without it)");
  }
}

/// Faults must name pods that exist at their time (after earlier scale faults).
void check_fault_pods(const scenario& s) {
  std::map<std::string, int> replicas;
  for (const auto& d : s.deployments) replicas[d.name] = d.replicas;
  std::vector<std::size_t> order(s.faults.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return s.faults[a].at_ns < s.faults[b].at_ns; });
  auto exists = [&](const std::string& pod) {
    for (const auto& [name, count] : replicas)
      for (int i = 0; i < count; ++i)
        if (pod == name + "-" + std::to_string(i)) return true;
    return false;
  };
  for (std::size_t i : order) {
    const auto& f = s.faults[i];
    const std::string path = element("faults", i);
    if (f.at_ns > s.duration_ns) fail(member(path, "at"), "is after the scenario's duration");
    auto check = [&](const std::string& pod, const std::string& where) {
      if (!exists(pod)) fail(where, "unknown pod '" + pod + "' (pods are <deployment>-<ordinal>)");
    };
    switch (f.kind) {
      case sim::fault_kind::scale:
        if (!replicas.count(f.deployment)) fail(member(path, "deployment"), "unknown deployment '" + f.deployment + "'");
        replicas[f.deployment] = f.replicas;
        break;
      case sim::fault_kind::partition: {
        std::set<std::string> seen;
        for (std::size_t g = 0; g < f.groups.size(); ++g)
          for (std::size_t p = 0; p < f.groups[g].size(); ++p) {
            const std::string where = element(element(member(path, "groups"), g), p);
            check(f.groups[g][p], where);
            if (!seen.insert(f.groups[g][p]).second) fail(where, "pod '" + f.groups[g][p] + "' is in two groups");
          }
        for (std::size_t p = 0; p < f.from.size(); ++p) check(f.from[p], element(member(path, "from"), p));
        for (std::size_t p = 0; p < f.to.size(); ++p) check(f.to[p], element(member(path, "to"), p));
        break;
      }
      case sim::fault_kind::heal:
      case sim::fault_kind::network:
        break;
      default:
        check(f.pod, member(path, "pod"));
    }
  }
}

scenario read_scenario(const json& document) {
  object_reader r(document, "");
  scenario s;
  s.version = static_cast<int>(r.integer("version", 1, 1'000'000));
  if (s.version > scenario::current_version)
    fail("version", "version " + std::to_string(s.version) + " is newer than this troupe understands (" +
                        std::to_string(scenario::current_version) + ")");
  s.name = r.text("name");
  check_name(s.name, "name");
  {
    object_reader app(r.get("app"), "app");
    s.app = app.text("name");
    if (app.has("options")) {
      s.app_options = app.get("options");
      if (!s.app_options.is_object()) fail("app.options", "must be an object");
    }
    app.finish();
    std::string error;
    if (!apps::make_application(s.app, s.app_options, error)) fail(error.rfind("options", 0) == 0 ? "app.options" : "app.name", error);
  }
  s.deployments = read_deployments(r.get("deployments"), "deployments");
  if (r.has("network")) s.network = read_network(r.get("network"), "network", s.network);
  if (r.has("workload")) s.workload = read_workload(r.get("workload"), "workload");
  s.duration_ns = r.duration("duration");
  if (s.duration_ns <= 0) fail("duration", "must be positive");
  if (r.has("liveness_window")) s.liveness_window_ns = r.duration("liveness_window");
  if (r.has("faults")) s.faults = read_faults(r.get("faults"), "faults");
  if (r.has("generator")) {
    s.generator = read_generator(r.get("generator"), "generator", s.deployments);
    if (s.generator->window_end_ns > s.duration_ns) fail("generator.window", "ends after the scenario's duration");
  }
  if (r.has("properties")) {
    const json& props = r.get("properties");
    if (!props.is_array()) fail("properties", "must be an array of property names");
    for (std::size_t i = 0; i < props.size(); ++i) {
      const auto& known = known_properties();
      if (!props[i].is_string() || std::find(known.begin(), known.end(), props[i].get<std::string>()) == known.end()) {
        std::string list;
        for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
        fail(element("properties", i), "unknown property (known: " + list + ")");
      }
      s.properties.push_back(props[i].get<std::string>());
    }
  }
  if (r.has("cluster")) s.cluster = read_cluster(r.get("cluster"), "cluster", s.server_pods());
  if (!s.cluster) {
    std::string error;
    auto app = apps::make_application(s.app, s.app_options, error);
    if (app && app->needs_cluster())
      fail("app.options", "needs the \"cluster\" object (these options run cluster sharding)");
  }
  if (r.has("seed")) {
    const json& seed = r.get("seed");
    if (!seed.is_number_unsigned() && !(seed.is_number_integer() && seed.get<std::int64_t>() >= 0))
      fail("seed", "must be a non-negative integer");
    s.seed = seed.get<std::uint64_t>();
  }
  r.finish();
  check_fault_pods(s);
  check_cluster_properties(s);
  return s;
}

json duration_json(std::int64_t ns) { return sim::format_duration(ns); }

const char* downing_name(cluster::downing_strategy strategy) {
  switch (strategy) {
    case cluster::downing_strategy::keep_majority: return "keep-majority";
    case cluster::downing_strategy::keep_oldest: return "keep-oldest";
    case cluster::downing_strategy::none: return "none";
  }
  return "?";
}

json cluster_json(const cluster_config& config) {
  const auto& settings = config.settings;
  const auto& phi = settings.failure_detector;
  json j = {
      {"downing", downing_name(settings.downing.strategy)},
      {"stable_after", duration_json(settings.downing.stable_after_ns)},
      {"failure_detector",
       {{"heartbeat_interval", duration_json(phi.heartbeat_interval_ns)},
        {"acceptable_pause", duration_json(phi.acceptable_pause_ns)},
        {"threshold", phi.threshold},
        {"min_std_deviation", duration_json(phi.min_std_deviation_ns)},
        {"samples_max", phi.samples_max}}},
      {"gossip_interval", duration_json(settings.gossip_interval_ns)},
      {"gossip_fanout", settings.gossip_fanout},
      {"seed_timeout", duration_json(settings.seed_timeout_ns)},
      {"rejoin_delay", duration_json(settings.rejoin_delay_ns)},
  };
  if (settings.downing.strategy == cluster::downing_strategy::keep_oldest)
    j["down_if_alone"] = settings.downing.down_if_alone;
  if (config.singleton)
    j["singleton"] = {{"name", config.singleton->name},
                      {"handover_margin", duration_json(config.singleton->handover_margin_ns)}};
  return j;
}

json fault_json(const sim::fault& f) {
  json j = {{"at", duration_json(f.at_ns)}, {"kind", sim::to_string(f.kind)}};
  switch (f.kind) {
    case sim::fault_kind::partition:
      if (f.one_way) {
        j["from"] = f.from;
        j["to"] = f.to;
      } else {
        j["groups"] = f.groups;
      }
      break;
    case sim::fault_kind::scale:
      j["deployment"] = f.deployment;
      j["replicas"] = f.replicas;
      break;
    case sim::fault_kind::skew:
      j["pod"] = f.pod;
      j["offset"] = f.offset_ns < 0 ? "-" + sim::format_duration(-f.offset_ns) : sim::format_duration(f.offset_ns);
      j["rate"] = f.rate;
      break;
    case sim::fault_kind::network:
      j["delay_min"] = duration_json(f.conditions.delay_ns_min);
      j["delay_max"] = duration_json(f.conditions.delay_ns_max);
      j["loss"] = f.conditions.loss;
      j["duplicate"] = f.conditions.duplicate;
      j["reorder"] = f.conditions.reorder;
      break;
    case sim::fault_kind::heal:
      break;
    default:
      j["pod"] = f.pod;
  }
  return j;
}

}  // namespace

const std::vector<std::string>& known_properties() { return checkers::property_names(); }

std::vector<std::string> scenario::initial_pods() const {
  std::vector<std::string> pods;
  for (const auto& d : deployments)
    for (int i = 0; i < d.replicas; ++i) pods.push_back(d.name + "-" + std::to_string(i));
  return pods;
}

std::vector<std::string> scenario::server_pods() const {
  std::vector<std::string> pods;
  for (const auto& d : deployments)
    if (d.role == "server")
      for (int i = 0; i < d.replicas; ++i) pods.push_back(d.name + "-" + std::to_string(i));
  return pods;
}

std::vector<std::string> scenario::server_pods_at(std::int64_t at_ns) const {
  std::vector<std::string> pods;
  for (const auto& d : deployments) {
    if (d.role != "server") continue;
    int replicas = d.replicas;
    std::int64_t set_at = -1;  // faults of one time apply in file order: the last one counts
    for (const auto& f : faults)
      if (f.kind == sim::fault_kind::scale && f.deployment == d.name && f.at_ns <= at_ns &&
          f.at_ns >= set_at) {
        replicas = f.replicas;
        set_at = f.at_ns;
      }
    for (int i = 0; i < replicas; ++i) pods.push_back(d.name + "-" + std::to_string(i));
  }
  return pods;
}

std::variant<scenario, load_error> parse_scenario(const nlohmann::json& document) {
  try {
    return read_scenario(document);
  } catch (const problem& p) {
    return p.error;
  }
}

std::variant<scenario, load_error> load_scenario_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return load_error{"", "cannot open '" + path + "'"};
  json document;
  try {
    document = json::parse(in);
  } catch (const json::parse_error& e) {
    return load_error{"", "'" + path + "' is not valid JSON: " + e.what()};
  }
  return parse_scenario(document);
}

nlohmann::json to_json(const scenario& s) {
  json deployments = json::array();
  for (const auto& d : s.deployments) deployments.push_back({{"name", d.name}, {"replicas", d.replicas}, {"role", d.role}});
  json faults = json::array();
  for (const auto& f : s.faults) faults.push_back(fault_json(f));
  json doc = {
      {"version", s.version},
      {"name", s.name},
      {"app", {{"name", s.app}, {"options", s.app_options}}},
      {"deployments", deployments},
      {"network",
       {{"delay_min", duration_json(s.network.delay_ns_min)},
        {"delay_max", duration_json(s.network.delay_ns_max)},
        {"loss", s.network.loss},
        {"duplicate", s.network.duplicate},
        {"reorder", s.network.reorder},
        {"bandwidth", s.network.bandwidth_bytes_per_s}}},
      {"workload",
       {{"clients", s.workload.clients},
        {"rate_per_s", s.workload.rate_per_s},
        {"mix", s.workload.mix},
        {"keys", s.workload.keys},
        {"start", duration_json(s.workload.start_ns)},
        {"stop", duration_json(s.workload.stop_ns)},
        {"timeout", duration_json(s.workload.timeout_ns)}}},
      {"faults", faults},
      {"properties", s.properties},
      {"duration", duration_json(s.duration_ns)},
      {"liveness_window", duration_json(s.liveness_window_ns)},
      {"seed", s.seed},
  };
  if (s.cluster) doc["cluster"] = cluster_json(*s.cluster);
  if (s.generator) {
    json kinds = json::array();
    for (auto k : s.generator->kinds) kinds.push_back(sim::to_string(k));
    doc["generator"] = {{"kinds", kinds},
                        {"max_faults", s.generator->max_faults},
                        {"window", {duration_json(s.generator->window_start_ns), duration_json(s.generator->window_end_ns)}}};
    if (const auto& scale = s.generator->scale)
      doc["generator"]["scale"] = {
          {"deployment", scale->deployment}, {"min", scale->min}, {"max", scale->max}};
  }
  return doc;
}

}  // namespace troupe::scenario
