// Goal: scenario files load as documented, every mistake is reported with the field's path
// and the reason, and a scenario written back (replay files) reads back the same.

#include <gtest/gtest.h>

#include <fstream>
#include <functional>

#include "troupe/scenario/scenario.hpp"

namespace {

using nlohmann::json;
using troupe::scenario::load_error;
using troupe::scenario::parse_scenario;
using troupe::scenario::scenario;

json minimal() {
  return json::parse(R"({
    "version": 1, "name": "kv-basic",
    "app": {"name": "kv", "options": {"bug": "none"}},
    "deployments": [{"name": "kv", "replicas": 3}, {"name": "client", "replicas": 1, "role": "client"}],
    "network": {"delay_min": "1ms", "delay_max": "5ms", "loss": 0.01},
    "workload": {"clients": 2, "rate_per_s": 10, "keys": 2, "timeout": "500ms"},
    "faults": [{"at": "2s", "kind": "partition", "groups": [["kv-0"], ["kv-1", "kv-2"]]},
               {"at": "4s", "kind": "heal"},
               {"at": "5s", "kind": "scale", "deployment": "kv", "replicas": 4},
               {"at": "6s", "kind": "kill", "pod": "kv-3"},
               {"at": "7s", "kind": "skew", "pod": "kv-1", "offset": "-250ms", "rate": 1.5},
               {"at": "8s", "kind": "partition", "from": ["kv-0"], "to": ["kv-1"]}],
    "generator": {"kinds": ["partition", "kill", "restart"], "max_faults": 3, "window": ["1s", "8s"]},
    "properties": ["linearizable"],
    "duration": "10s", "liveness_window": "2s", "seed": 7
  })");
}

std::string error_of(const json& document) {
  auto parsed = parse_scenario(document);
  if (auto* e = std::get_if<load_error>(&parsed)) return e->describe();
  return "";
}

TEST(scenario, loads_every_field) {
  auto parsed = parse_scenario(minimal());
  ASSERT_TRUE(std::holds_alternative<scenario>(parsed)) << std::get<load_error>(parsed).describe();
  const auto& s = std::get<scenario>(parsed);
  EXPECT_EQ(s.name, "kv-basic");
  EXPECT_EQ(s.server_pods(), (std::vector<std::string>{"kv-0", "kv-1", "kv-2"}));
  EXPECT_EQ(s.network.delay_ns_max, 5'000'000);
  EXPECT_EQ(s.faults.size(), 6u);
  EXPECT_EQ(s.faults[4].offset_ns, -250'000'000);
  EXPECT_TRUE(s.faults[5].one_way);
  EXPECT_EQ(s.duration_ns, 10'000'000'000);
  EXPECT_EQ(s.seed, 7u);
  ASSERT_TRUE(s.generator.has_value());
  EXPECT_EQ(s.generator->max_faults, 3);
}

// The minimal file scales kv to 4 at 5 s: a pod booting then finds 4 server pods.
TEST(scenario, the_server_pods_at_a_time_follow_the_scale_faults) {
  const auto s = std::get<scenario>(parse_scenario(minimal()));
  EXPECT_EQ(s.server_pods_at(0), (std::vector<std::string>{"kv-0", "kv-1", "kv-2"}));
  EXPECT_EQ(s.server_pods_at(4'999'999'999), s.server_pods());
  EXPECT_EQ(s.server_pods_at(5'000'000'000),
            (std::vector<std::string>{"kv-0", "kv-1", "kv-2", "kv-3"}));
  auto down = s;
  down.faults.push_back(down.faults[0]);
  down.faults.back().kind = troupe::sim::fault_kind::scale;
  down.faults.back().deployment = "kv";
  down.faults.back().replicas = 1;
  down.faults.back().at_ns = 9'000'000'000;
  EXPECT_EQ(down.server_pods_at(9'000'000'000), (std::vector<std::string>{"kv-0"}));
}

TEST(scenario, written_back_reads_the_same) {
  const auto first = std::get<scenario>(parse_scenario(minimal()));
  const auto again = parse_scenario(troupe::scenario::to_json(first));
  ASSERT_TRUE(std::holds_alternative<scenario>(again)) << std::get<load_error>(again).describe();
  EXPECT_EQ(troupe::scenario::to_json(std::get<scenario>(again)), troupe::scenario::to_json(first));
}

TEST(scenario, errors_name_the_field_and_the_reason) {
  auto with = [](const std::function<void(json&)>& change) {
    json d = minimal();
    change(d);
    return error_of(d);
  };
  EXPECT_EQ(with([](json& d) { d["durration"] = "5s"; }), "durration: unknown field");
  EXPECT_EQ(with([](json& d) { d.erase("duration"); }), "duration: is required");
  EXPECT_EQ(with([](json& d) { d["faults"][3]["pod"] = "kv-9"; }),
            "faults[3].pod: unknown pod 'kv-9' (pods are <deployment>-<ordinal>)");
  EXPECT_EQ(with([](json& d) { d["faults"][1]["kind"] = "explode"; }).substr(0, 40),
            "faults[1].kind: 'explode' is not a fault");
  EXPECT_EQ(with([](json& d) { d["network"]["loss"] = 1.5; }), "network.loss: must be between 0 and 1");
  EXPECT_EQ(with([](json& d) { d["faults"][0]["at"] = "soon"; }),
            "faults[0].at: 'soon' is not a duration (write e.g. \"250ms\", \"5s\", \"2m\")");
  EXPECT_EQ(with([](json& d) { d["version"] = 2; }),
            "version: version 2 is newer than this troupe understands (1)");
  EXPECT_EQ(with([](json& d) { d["deployments"][0]["replicas"] = "three"; }),
            "deployments[0].replicas: must be an integer");
  EXPECT_EQ(with([](json& d) { d["faults"][0]["groups"][1][0] = "kv-0"; }),
            "faults[0].groups[1][0]: pod 'kv-0' is in two groups");
  EXPECT_EQ(with([](json& d) { d["faults"][4]["at"] = "11s"; }), "faults[4].at: is after the scenario's duration");
  EXPECT_NE(with([](json& d) { d["properties"][0] = "fast"; }).find("properties[0]: unknown property"), std::string::npos);
  EXPECT_NE(with([](json& d) { d["app"]["name"] = "nosuchapp"; }).find("app"), std::string::npos);
  EXPECT_EQ(with([](json& d) { d["faults"][2]["deployment"] = "db"; }), "faults[2].deployment: unknown deployment 'db'");
}

json with_scale_generator() {
  json d = minimal();
  d["generator"] = json::parse(R"({"kinds": ["scale", "kill", "partition"], "max_faults": 4,
                                  "window": ["1s", "8s"],
                                  "scale": {"deployment": "kv", "min": 2, "max": 5}})");
  return d;
}

TEST(scenario, a_generator_with_scale_names_the_deployment_and_its_bounds_and_reads_back) {
  const auto parsed = parse_scenario(with_scale_generator());
  ASSERT_TRUE(std::holds_alternative<scenario>(parsed)) << std::get<load_error>(parsed).describe();
  const auto& s = std::get<scenario>(parsed);
  ASSERT_TRUE(s.generator && s.generator->scale);
  EXPECT_EQ(s.generator->scale->deployment, "kv");
  EXPECT_EQ(s.generator->scale->min, 2);
  EXPECT_EQ(s.generator->scale->max, 5);
  const json written = troupe::scenario::to_json(s);
  EXPECT_EQ(written["generator"]["scale"],
            json::parse(R"({"deployment": "kv", "min": 2, "max": 5})"));
  const auto again = parse_scenario(written);
  ASSERT_TRUE(std::holds_alternative<scenario>(again)) << std::get<load_error>(again).describe();
  EXPECT_EQ(troupe::scenario::to_json(std::get<scenario>(again)), written);
}

TEST(scenario, a_bad_generator_scale_is_refused_with_the_field_and_the_reason) {
  auto with = [](const std::function<void(json&)>& change) {
    json d = with_scale_generator();
    change(d);
    return error_of(d);
  };
  EXPECT_EQ(
      with([](json& d) { d["generator"].erase("scale"); }),
      "generator.scale: is required when kinds has \"scale\": which deployment, and the replica "
      "counts, e.g. {\"deployment\": \"kv\", \"min\": 2, \"max\": 5}");
  EXPECT_EQ(with([](json& d) { d["generator"]["kinds"] = {"kill"}; }),
            "generator.scale: kinds has no \"scale\" (add it to kinds, or remove this object)");
  EXPECT_EQ(with([](json& d) { d["generator"]["scale"]["deployment"] = "db"; }),
            "generator.scale.deployment: unknown deployment 'db'");
  EXPECT_EQ(
      with([](json& d) { d["generator"]["scale"]["deployment"] = "client"; }),
      "generator.scale.deployment: 'client' is a client deployment (the generator scales server "
      "deployments)");
  EXPECT_EQ(with([](json& d) { d["generator"]["scale"].erase("deployment"); }),
            "generator.scale.deployment: is required");
  EXPECT_EQ(with([](json& d) { d["generator"]["scale"]["min"] = 0; }),
            "generator.scale.min: must be between 1 and 100");
  EXPECT_EQ(with([](json& d) { d["generator"]["scale"]["max"] = "five"; }),
            "generator.scale.max: must be an integer");
  EXPECT_EQ(with([](json& d) { d["generator"]["scale"]["max"] = 2; }),
            "generator.scale.max: must be above min (2)");
  EXPECT_EQ(with([](json& d) { d["generator"]["scale"]["min"] = 4; }),
            "generator.scale.min: 4 is above the 3 replicas 'kv' starts with");
  EXPECT_EQ(with([](json& d) {
              d["generator"]["scale"]["min"] = 1;
              d["generator"]["scale"]["max"] = 2;
            }),
            "generator.scale.max: 2 is below the 3 replicas 'kv' starts with");
  EXPECT_EQ(with([](json& d) { d["generator"]["scale"]["maximum"] = 5; }),
            "generator.scale.maximum: unknown field");
  EXPECT_EQ(with([](json& d) { d["generator"]["kinds"][1] = "network"; }),
            "generator.kinds[1]: must be one of partition, heal, kill, restart, stop, scale, skew, "
            "pause, "
            "resume");
}

json with_cluster() {
  json d = minimal();
  d["cluster"] = json::parse(R"({
    "downing": "keep-oldest", "down_if_alone": false, "stable_after": "3s",
    "failure_detector": {"heartbeat_interval": "100ms", "acceptable_pause": "500ms",
                         "threshold": 10, "min_std_deviation": "50ms", "samples_max": 100},
    "gossip_interval": "250ms", "gossip_fanout": 2, "seed_timeout": "2s", "rejoin_delay": "1500ms",
    "singleton": {"name": "scheduler", "handover_margin": "800ms"}
  })");
  d["properties"] = {"membership_converges", "singleton_unique"};
  return d;
}

TEST(scenario, the_cluster_object_sets_every_server_pod_s_membership) {
  auto parsed = parse_scenario(with_cluster());
  ASSERT_TRUE(std::holds_alternative<scenario>(parsed)) << std::get<load_error>(parsed).describe();
  const auto& s = std::get<scenario>(parsed);
  ASSERT_TRUE(s.cluster.has_value());
  const auto& settings = s.cluster->settings;
  EXPECT_EQ(settings.seed_nodes, (std::vector<std::string>{"kv-0", "kv-1", "kv-2"}));
  EXPECT_EQ(settings.downing.strategy, troupe::cluster::downing_strategy::keep_oldest);
  EXPECT_FALSE(settings.downing.down_if_alone);
  EXPECT_EQ(settings.downing.stable_after_ns, 3'000'000'000);
  EXPECT_EQ(settings.failure_detector.heartbeat_interval_ns, 100'000'000);
  EXPECT_EQ(settings.failure_detector.acceptable_pause_ns, 500'000'000);
  EXPECT_EQ(settings.failure_detector.threshold, 10.0);
  EXPECT_EQ(settings.failure_detector.samples_max, 100u);
  EXPECT_EQ(settings.gossip_interval_ns, 250'000'000);
  EXPECT_EQ(settings.gossip_fanout, 2u);
  EXPECT_EQ(settings.seed_timeout_ns, 2'000'000'000);
  EXPECT_EQ(settings.rejoin_delay_ns, 1'500'000'000);
  ASSERT_TRUE(s.cluster->singleton.has_value());
  EXPECT_EQ(s.cluster->singleton->name, "scheduler");
  EXPECT_EQ(s.cluster->singleton->handover_margin_ns, 800'000'000);
  const auto again = parse_scenario(troupe::scenario::to_json(s));
  ASSERT_TRUE(std::holds_alternative<scenario>(again)) << std::get<load_error>(again).describe();
  EXPECT_EQ(troupe::scenario::to_json(std::get<scenario>(again)), troupe::scenario::to_json(s));
}

TEST(scenario, an_empty_cluster_object_takes_the_cluster_defaults_and_no_object_means_no_cluster) {
  json d = minimal();
  d["cluster"] = json::object();
  const auto s = std::get<scenario>(parse_scenario(d));
  ASSERT_TRUE(s.cluster.has_value());
  const troupe::cluster::cluster_settings defaults;
  EXPECT_EQ(s.cluster->settings.downing.strategy, defaults.downing.strategy);
  EXPECT_EQ(s.cluster->settings.downing.stable_after_ns, defaults.downing.stable_after_ns);
  EXPECT_EQ(s.cluster->settings.failure_detector.acceptable_pause_ns,
            defaults.failure_detector.acceptable_pause_ns);
  EXPECT_FALSE(s.cluster->singleton.has_value());
  EXPECT_FALSE(std::get<scenario>(parse_scenario(minimal())).cluster.has_value());
}

TEST(scenario, cluster_errors_name_the_field_and_the_reason) {
  auto with = [](const std::function<void(json&)>& change) {
    json d = with_cluster();
    change(d);
    return error_of(d);
  };
  EXPECT_EQ(with([](json& d) { d["cluster"]["downing"] = "keep-biggest"; }),
            "cluster.downing: 'keep-biggest' is not a downing strategy (keep-majority, keep-oldest, none)");
  EXPECT_EQ(with([](json& d) { d["cluster"]["downing"] = "keep-majority"; }),
            "cluster.down_if_alone: applies only to \"downing\": \"keep-oldest\"");
  EXPECT_EQ(with([](json& d) { d["cluster"]["failure_detector"]["heartbeat_interval"] = "0s"; }),
            "cluster.failure_detector.heartbeat_interval: must be positive");
  EXPECT_EQ(with([](json& d) { d["cluster"]["failure_detector"]["treshold"] = 8; }),
            "cluster.failure_detector.treshold: unknown field");
  EXPECT_EQ(with([](json& d) { d["cluster"]["stable_after"] = "soon"; }),
            "cluster.stable_after: 'soon' is not a duration (write e.g. \"250ms\", \"5s\", \"2m\")");
  EXPECT_EQ(with([](json& d) { d["cluster"]["singleton"]["name"] = "Big Lock"; }),
            "cluster.singleton.name: 'Big Lock' may only contain a-z, 0-9 and '-' (it names pods)");
  EXPECT_EQ(with([](json& d) { d["cluster"]["gossip_fanout"] = 0; }),
            "cluster.gossip_fanout: must be between 1 and 100");
  EXPECT_EQ(with([](json& d) { d["cluster"] = "on"; }), "cluster: must be an object");
  EXPECT_EQ(with([](json& d) { d.erase("cluster"); }),
            "properties[0]: membership_converges needs the \"cluster\" object (no pod runs "
            "cluster membership without it)");
  EXPECT_EQ(with([](json& d) { d["deployments"][0]["replicas"] = 0; }),
            "cluster: needs at least one server pod at the start (the seed nodes)");
}

TEST(scenario, an_iot_registry_on_cluster_sharding_needs_the_cluster_object) {
  json sharded = minimal();
  sharded["app"] = {{"name", "iot"}, {"options", {{"sharded", true}}}};
  sharded.erase("generator");
  sharded["faults"] = json::array();
  EXPECT_EQ(error_of(sharded),
            "app.options: needs the \"cluster\" object (these options run cluster sharding)");
  sharded["cluster"] = json::object();
  EXPECT_EQ(error_of(sharded), "");
}

TEST(scenario, unreadable_files_are_reported) {
  auto missing = troupe::scenario::load_scenario_file("/nonexistent/x.json");
  EXPECT_NE(std::get<load_error>(missing).describe().find("cannot open"), std::string::npos);
  const std::string path = ::testing::TempDir() + "/broken.json";
  { std::ofstream(path) << "{\"version\": 1,"; }
  auto broken = troupe::scenario::load_scenario_file(path);
  EXPECT_NE(std::get<load_error>(broken).describe().find("not valid JSON"), std::string::npos);
}

}  // namespace
