// Goal: `troupe k8s` prints, for the project's scenarios, exactly the run it would play
// (golden scripts and manifests in k8s/chaos/testdata/, the manifests also checked by
// k8s/validate.sh), and its here-documents expand only the run's two variables.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "troupe/k8s/chaos_script.hpp"

namespace k8s = troupe::k8s;

namespace {

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string scenario_path(const std::string& file) { return std::string(TROUPE_SCENARIOS_DIR) + "/" + file; }

troupe::scenario::scenario load(const std::string& file) {
  auto loaded = troupe::scenario::load_scenario_file(scenario_path(file));
  if (auto* error = std::get_if<troupe::scenario::load_error>(&loaded)) {
    ADD_FAILURE() << file << ": " << error->describe();
    return {};
  }
  return std::get<troupe::scenario::scenario>(loaded);
}

std::string golden(const std::string& name) { return read(std::string(TROUPE_TESTDATA_DIR) + "/" + name); }

k8s::run_options options_for(const troupe::scenario::scenario& s) {
  k8s::run_options options;
  options.chaos.pod_namespace = "chaos";
  options.directory = s.name + "-k8s";
  return options;
}

k8s::run_plan plan(const std::string& file, const k8s::run_options& options) {
  auto planned = k8s::plan_run(load(file), read(scenario_path(file)), options);
  if (auto* error = std::get_if<std::string>(&planned)) {
    ADD_FAILURE() << *error;
    return {};
  }
  return std::get<k8s::run_plan>(planned);
}

std::string script(const std::string& file) {
  const auto s = load(file);
  const auto options = options_for(s);
  return k8s::render_script(s, plan(file, options), options);
}

std::string manifests(const std::string& file) {
  const auto s = load(file);
  return k8s::manifests_yaml(k8s::run_manifests(plan(file, options_for(s))));
}

/// What sh makes of a here-document, with EPOCH_NS=123 and CLUSTER_SECRET=abc set.
std::string through_sh(const std::string& text) {
  const std::string path = ::testing::TempDir() + "heredoc-" + std::to_string(getpid()) + ".sh";
  std::ofstream(path) << "EPOCH_NS=123\nCLUSTER_SECRET=abc\nPOD_NAME=wrong\ncat " << k8s::here_document(text) << "\n";
  FILE* out = popen(("sh " + path).c_str(), "r");
  std::string result;
  char buffer[256];
  while (out != nullptr && std::fgets(buffer, sizeof buffer, out) != nullptr) result += buffer;
  if (out != nullptr) pclose(out);
  std::remove(path.c_str());
  return result;
}

}  // namespace

TEST(k8s_script, kv_kill_restart_matches_its_golden_script_and_manifests) {
  EXPECT_EQ(script("kv-kill-restart.json"), golden("kv-kill-restart.k8s.sh"));
  EXPECT_EQ(manifests("kv-kill-restart.json"), golden("kv-kill-restart.manifests.yaml"));
}

TEST(k8s_script, cluster_scale_matches_its_golden_script_and_manifests) {
  EXPECT_EQ(script("cluster-scale.json"), golden("cluster-scale.k8s.sh"));
  EXPECT_EQ(manifests("cluster-scale.json"), golden("cluster-scale.manifests.yaml"));
}

TEST(k8s_script, cluster_kill_restart_matches_its_golden_script) {
  EXPECT_EQ(script("cluster-kill-restart.json"), golden("cluster-kill-restart.k8s.sh"));
}

TEST(k8s_script, here_documents_expand_only_the_runs_variables) {
  // Kubernetes' own $(VAR) references, backslashes and backquotes reach kubectl unchanged.
  const std::string text = R"j({"args": ["--pod=$(POD_NAME)", "--epoch-ns=${EPOCH_NS}"], "s": "${CLUSTER_SECRET}", "x": "a\\\"b`c`$POD_NAME"})j";
  EXPECT_EQ(through_sh(text),
            R"j({"args": ["--pod=$(POD_NAME)", "--epoch-ns=123"], "s": "abc", "x": "a\\\"b`c`$POD_NAME"})j" "\n");
  // Without the variables, a quoted here-document: nothing expands.
  EXPECT_EQ(k8s::here_document("$(x)").rfind("<<'EOF'\n", 0), 0u);
  EXPECT_EQ(through_sh("$(POD_NAME) \\n"), "$(POD_NAME) \\n\n");
}

TEST(k8s_script, the_run_is_deployed_started_stopped_collected_and_removed_in_order) {
  const auto s = load("cluster-scale.json");
  auto options = options_for(s);
  auto p = plan("cluster-scale.json", options);
  ASSERT_EQ(p.deploy.size(), 4u) << "leftovers, ConfigMap, Secret, Service";
  EXPECT_EQ(p.deploy[0].argv[1], "delete");
  ASSERT_EQ(p.start.size(), 2u) << "one StatefulSet per deployment";
  EXPECT_EQ((*p.start[0].manifest)["metadata"]["name"], "kv");
  EXPECT_EQ((*p.start[0].manifest)["spec"]["replicas"], 3);
  EXPECT_EQ(p.wait_ready.size(), 2u);
  // Logs of the pods left at the end; traces of every pod that ever ran (kv-3, kv-4 too).
  EXPECT_EQ(k8s::pods_at_end(s), (std::vector<std::string>{"kv-0", "kv-1", "client-0"}));
  EXPECT_EQ(p.logs.size(), 3u);
  EXPECT_EQ(k8s::pods_ever(s), (std::vector<std::string>{"kv-0", "kv-1", "kv-2", "kv-3", "kv-4", "client-0"}));
  const auto collector = *p.stop[1].manifest;
  ASSERT_EQ(collector["spec"]["volumes"].size(), 6u);
  EXPECT_EQ(collector["spec"]["volumes"][4]["persistentVolumeClaim"]["claimName"], "traces-kv-4");
  EXPECT_EQ(p.teardown.size(), 2u);
  options.keep = true;
  EXPECT_EQ(plan("cluster-scale.json", options).teardown.size(), 1u) << "--keep: only the collector goes";
  // The fault events that the merged trace gets, as troupe pods records them.
  ASSERT_TRUE(p.faults.steps[2].event.has_value());
  EXPECT_EQ((*p.faults.steps[2].event)["kind"], "scale");
  EXPECT_EQ((*p.faults.steps[2].event)["replicas"], 5);
  // What the membership checker reads: who joined and who left, in StatefulSet order.
  EXPECT_EQ((*p.faults.steps[2].event)["added"], nlohmann::json({"kv-3", "kv-4"}));
  EXPECT_EQ((*p.faults.steps[3].event)["removed"], nlohmann::json({"kv-4", "kv-3", "kv-2"}));
}

TEST(k8s_script, the_variables_are_filled_in_for_apply) {
  EXPECT_EQ(k8s::fill_in("a ${EPOCH_NS} b ${CLUSTER_SECRET} ${EPOCH_NS}", "17", "s3"), "a 17 b s3 17");
}

TEST(k8s_script, names_too_long_for_the_runs_objects_are_refused) {
  auto s = load("kv-kill-restart.json");
  s.name = std::string(60, 'a');
  auto planned = k8s::plan_run(s, "{}", options_for(s));
  ASSERT_TRUE(std::holds_alternative<std::string>(planned));
  EXPECT_NE(std::get<std::string>(planned).find("too long"), std::string::npos);
}
