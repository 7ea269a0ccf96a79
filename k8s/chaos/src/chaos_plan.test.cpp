// The exact kubectl commands and Chaos Mesh manifests `troupe k8s` would apply for the
// project's scenario files and for each fault kind.
#include <gtest/gtest.h>

#include "troupe/k8s/chaos_plan.hpp"

namespace k8s = troupe::k8s;
using json = nlohmann::json;

namespace {

troupe::scenario::scenario load(const std::string& file) {
  auto loaded = troupe::scenario::load_scenario_file(std::string(TROUPE_SCENARIOS_DIR) + "/" + file);
  if (auto* error = std::get_if<troupe::scenario::load_error>(&loaded)) {
    ADD_FAILURE() << file << ": " << error->describe();
    return {};
  }
  return std::get<troupe::scenario::scenario>(loaded);
}

troupe::scenario::scenario parse(const char* text) {
  auto parsed = troupe::scenario::parse_scenario(json::parse(text));
  if (auto* error = std::get_if<troupe::scenario::load_error>(&parsed)) {
    ADD_FAILURE() << error->describe();
    return {};
  }
  return std::get<troupe::scenario::scenario>(parsed);
}

k8s::chaos_plan plan(const troupe::scenario::scenario& s, const k8s::chaos_options& o = {}) {
  auto result = k8s::plan_for_kubernetes(s, o);
  if (auto* error = std::get_if<std::string>(&result)) {
    ADD_FAILURE() << *error;
    return {};
  }
  return std::get<k8s::chaos_plan>(result);
}

const char* base = R"({"version": 1, "name": "t", "app": {"name": "kv"},
  "deployments": [{"name": "kv", "replicas": 3}, {"name": "client", "replicas": 1, "role": "client"}],
  "duration": "20s", "faults": [)";

}  // namespace

TEST(chaos_plan, go_durations) {
  EXPECT_EQ(k8s::go_duration(0), "0s");
  EXPECT_EQ(k8s::go_duration(3'000'000'000), "3s");
  EXPECT_EQ(k8s::go_duration(6'500'000'000), "6500ms");
  EXPECT_EQ(k8s::go_duration(-250'000'000), "-250ms");
  EXPECT_EQ(k8s::go_duration(1'500'000), "1500us");
  EXPECT_EQ(k8s::go_duration(7), "7ns");
}

TEST(chaos_plan, kv_partition_is_three_partitions_and_heals_with_the_scenario_delay) {
  auto p = plan(load("kv-partition.json"), {.pod_namespace = "chaos"});
  EXPECT_EQ(k8s::describe(p),
            "at 0s (setup): kubectl delete networkchaos -n chaos -l troupe.dev/scenario=kv-partition,troupe.dev/fault=network --ignore-not-found\n"
            "at 0s (setup): kubectl apply -n chaos -f - <NetworkChaos troupe-kv-partition-f0-delay>\n"
            "at 3s (partition): kubectl apply -n chaos -f - <NetworkChaos troupe-kv-partition-f1-0-1>\n"
            "at 6s (heal): kubectl delete networkchaos -n chaos -l troupe.dev/scenario=kv-partition,troupe.dev/fault=partition --ignore-not-found\n"
            "at 8s (partition): kubectl apply -n chaos -f - <NetworkChaos troupe-kv-partition-f3-0-1>\n"
            "at 11s (heal): kubectl delete networkchaos -n chaos -l troupe.dev/scenario=kv-partition,troupe.dev/fault=partition --ignore-not-found\n"
            "at 12s (partition): kubectl apply -n chaos -f - <NetworkChaos troupe-kv-partition-f5-0-1>\n"
            "at 14s (heal): kubectl delete networkchaos -n chaos -l troupe.dev/scenario=kv-partition,troupe.dev/fault=partition --ignore-not-found\n"
            "at 20s (cleanup): kubectl delete networkchaos,timechaos,podchaos -n chaos -l troupe.dev/scenario=kv-partition --ignore-not-found\n");
  EXPECT_TRUE(p.unsupported.empty());
  ASSERT_EQ(p.steps.size(), 9u);
  EXPECT_EQ(*p.steps[2].manifest, json::parse(R"({
    "apiVersion": "chaos-mesh.org/v1alpha1", "kind": "NetworkChaos",
    "metadata": {"name": "troupe-kv-partition-f1-0-1", "namespace": "chaos",
                 "labels": {"app.kubernetes.io/managed-by": "troupe", "troupe.dev/scenario": "kv-partition",
                            "troupe.dev/fault": "partition"}},
    "spec": {"action": "partition", "mode": "all", "direction": "both",
             "selector": {"pods": {"chaos": ["kv-0"]}},
             "target": {"mode": "all", "selector": {"pods": {"chaos": ["kv-1", "kv-2"]}}}}})"));
  EXPECT_EQ((*p.steps[1].manifest)["spec"], json::parse(R"({
    "action": "delay", "mode": "all", "direction": "to",
    "selector": {"namespaces": ["chaos"],
                 "expressionSelectors": [{"key": "app", "operator": "In", "values": ["kv", "client"]}]},
    "delay": {"latency": "1ms", "jitter": "4ms", "correlation": "0"}})"));
}

TEST(chaos_plan, kill_restart_and_pause_as_pod_failure) {
  auto p = plan(load("kv-kill-restart.json"));
  std::vector<std::string> kills;
  for (const auto& step : p.steps) {
    if (step.fault == "kill" || step.fault == "restart") {
      std::string line;
      for (const auto& a : step.argv) line += (line.empty() ? "" : " ") + a;
      kills.push_back(k8s::go_duration(step.at_ns) + " " + line);
    }
  }
  EXPECT_EQ(kills, (std::vector<std::string>{
                       "6s kubectl delete pod kv-0 -n default --grace-period=0 --force --wait=false",
                       "7s kubectl wait pod/kv-0 -n default --for=condition=Ready --timeout=120s",
                       "10s kubectl delete pod kv-1 -n default --grace-period=0 --force --wait=false",
                       "12s kubectl wait pod/kv-1 -n default --for=condition=Ready --timeout=120s"}));
  // The partition has kv-0 and client-0 on one side.
  auto partition = std::find_if(p.steps.begin(), p.steps.end(), [](const auto& s) { return s.fault == "partition"; });
  ASSERT_NE(partition, p.steps.end());
  EXPECT_EQ((*partition->manifest)["spec"]["selector"]["pods"]["default"], json::parse(R"(["kv-0", "client-0"])"));
  // Pause and resume: a PodChaos pod-failure on the pod, deleted by the resume.
  EXPECT_TRUE(p.unsupported.empty());
  auto pause = std::find_if(p.steps.begin(), p.steps.end(), [](const auto& s) { return s.fault == "pause"; });
  ASSERT_NE(pause, p.steps.end());
  EXPECT_EQ(*pause->manifest, json::parse(R"({
    "apiVersion": "chaos-mesh.org/v1alpha1", "kind": "PodChaos",
    "metadata": {"name": "troupe-kv-kill-restart-f7", "namespace": "default",
                 "labels": {"app.kubernetes.io/managed-by": "troupe", "troupe.dev/scenario": "kv-kill-restart",
                            "troupe.dev/fault": "pause-kv-2"}},
    "spec": {"action": "pod-failure", "mode": "all", "selector": {"pods": {"default": ["kv-2"]}}}})"));
  EXPECT_NE(pause->note.find("empty memory"), std::string::npos);
  auto resume = std::find_if(p.steps.begin(), p.steps.end(), [](const auto& s) { return s.fault == "resume"; });
  ASSERT_NE(resume, p.steps.end());
  EXPECT_EQ(resume->argv, (std::vector<std::string>{"kubectl", "delete", "podchaos", "-n", "default", "-l",
                                                    "troupe.dev/scenario=kv-kill-restart,troupe.dev/fault=pause-kv-2",
                                                    "--ignore-not-found"}));
}

TEST(chaos_plan, every_other_fault_kind) {
  auto s = parse((std::string(base) + R"(
    {"at": "1s", "kind": "partition", "groups": [["kv-0"], ["kv-1"], ["kv-2"]]},
    {"at": "2s", "kind": "partition", "from": ["kv-0"], "to": ["kv-1"]},
    {"at": "3s", "kind": "stop", "pod": "kv-1"},
    {"at": "4s", "kind": "scale", "deployment": "kv", "replicas": 5},
    {"at": "5s", "kind": "skew", "pod": "kv-4", "offset": "-250ms", "rate": 1.001},
    {"at": "6s", "kind": "network", "loss": 0.05, "duplicate": 0.01, "delay_min": "100us", "delay_max": "500us"}
  ]})").c_str());
  auto p = plan(s);
  std::vector<std::string> names;
  for (const auto& step : p.steps) {
    if (step.manifest) names.push_back(step.fault + ":" + (*step.manifest)["metadata"]["name"].get<std::string>());
  }
  // Three groups: a NetworkChaos per pair. Delays under 1 ms are left to the real network.
  EXPECT_EQ(names, (std::vector<std::string>{"partition:troupe-t-f1-0-1", "partition:troupe-t-f1-0-2",
                                             "partition:troupe-t-f1-1-2", "partition:troupe-t-f2",
                                             "skew:troupe-t-f5-skew", "network:troupe-t-f6-loss",
                                             "network:troupe-t-f6-duplicate"}));
  auto find = [&](const std::string& fault) {
    return *std::find_if(p.steps.begin(), p.steps.end(), [&](const auto& st) { return st.fault == fault; });
  };
  EXPECT_EQ(find("stop").argv, (std::vector<std::string>{"kubectl", "delete", "pod", "kv-1", "-n", "default", "--wait=false"}));
  EXPECT_EQ(find("scale").argv, (std::vector<std::string>{"kubectl", "scale", "statefulset/kv", "-n", "default", "--replicas=5"}));
  for (const auto& step : p.steps) {
    if (!step.manifest) continue;
    const auto& m = *step.manifest;
    if (m["metadata"]["name"] == "troupe-t-f2") {
      EXPECT_EQ(m["spec"]["direction"], "to");
      EXPECT_EQ(m["spec"]["selector"]["pods"]["default"], json::parse(R"(["kv-0"])"));
      EXPECT_EQ(m["spec"]["target"]["selector"]["pods"]["default"], json::parse(R"(["kv-1"])"));
    }
    if (m["kind"] == "TimeChaos") {
      EXPECT_EQ(m["spec"]["timeOffset"], "-250ms");
      EXPECT_EQ(m["metadata"]["labels"]["troupe.dev/fault"], "skew-kv-4");
    }
    if (m["metadata"]["name"] == "troupe-t-f6-loss") {
      EXPECT_EQ(m["spec"]["loss"]["loss"], "5");
    }
    if (m["metadata"]["name"] == "troupe-t-f6-duplicate") {
      EXPECT_EQ(m["spec"]["duplicate"]["duplicate"], "1");
    }
  }
  ASSERT_EQ(p.unsupported.size(), 1u);
  EXPECT_NE(p.unsupported[0].find("clock rate"), std::string::npos);
  // Steps are in time order and end with the cleanup.
  EXPECT_TRUE(std::is_sorted(p.steps.begin(), p.steps.end(), [](const auto& a, const auto& b) { return a.at_ns < b.at_ns; }));
  EXPECT_EQ(p.steps.back().fault, "cleanup");
}

TEST(chaos_plan, names_that_cannot_be_kubernetes_names_are_refused) {
  auto s = load("kv-partition.json");
  auto bad_ns = k8s::plan_for_kubernetes(s, {.pod_namespace = "Chaos_NS"});
  ASSERT_TRUE(std::holds_alternative<std::string>(bad_ns));
  EXPECT_EQ(std::get<std::string>(bad_ns), "namespace 'Chaos_NS' is not a Kubernetes namespace name");
}
