// Goal: `troupe k8s` prints, for the project's scenarios, exactly the commands and manifests
// it would apply (golden files in k8s/chaos/testdata/), and collects the pods that exist at
// the end.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "troupe/k8s/chaos_script.hpp"

namespace k8s = troupe::k8s;

namespace {

troupe::scenario::scenario load(const std::string& file) {
  auto loaded = troupe::scenario::load_scenario_file(std::string(TROUPE_SCENARIOS_DIR) + "/" + file);
  if (auto* error = std::get_if<troupe::scenario::load_error>(&loaded)) {
    ADD_FAILURE() << file << ": " << error->describe();
    return {};
  }
  return std::get<troupe::scenario::scenario>(loaded);
}

std::string golden(const std::string& name) {
  std::ifstream in(std::string(TROUPE_TESTDATA_DIR) + "/" + name);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string script(const std::string& scenario_file, const std::string& ns) {
  const auto s = load(scenario_file);
  const k8s::chaos_options options{.pod_namespace = ns};
  auto plan = k8s::plan_for_kubernetes(s, options);
  if (auto* error = std::get_if<std::string>(&plan)) {
    ADD_FAILURE() << *error;
    return {};
  }
  return k8s::render_script(s, std::get<k8s::chaos_plan>(plan), options, {.directory = s.name + "-k8s"});
}

}  // namespace

TEST(k8s_script, kv_kill_restart_matches_its_golden_script) {
  EXPECT_EQ(script("kv-kill-restart.json", "chaos"), golden("kv-kill-restart.k8s.sh"));
}

TEST(k8s_script, cluster_scale_matches_its_golden_script_and_collects_the_pods_left) {
  EXPECT_EQ(script("cluster-scale.json", "chaos"), golden("cluster-scale.k8s.sh"));
  // Scaled to 5, then to 2: kv-0, kv-1 and the client remain.
  EXPECT_EQ(k8s::pods_at_end(load("cluster-scale.json")),
            (std::vector<std::string>{"kv-0", "kv-1", "client-0"}));
}
