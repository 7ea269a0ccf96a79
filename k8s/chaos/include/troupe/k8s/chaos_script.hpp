#pragma once
/// What `troupe k8s SCENARIO --namespace NS` prints by default (a dry run): the whole run
/// (scenario_run.hpp) as a shell script a user can read, diff or run by hand: deploy the
/// pods, choose time 0, wait for them, the fault steps (each commented with its time since
/// time 0), stop the pods, copy every pod's traces and logs out, remove the run's objects.
/// Pure: the tests compare it with golden files.

#include <string>

#include "troupe/k8s/scenario_run.hpp"

namespace troupe::k8s {

/// A here-document for `text`: quoted (`<<'EOF'`, nothing expands) unless the text holds
/// ${EPOCH_NS} or ${CLUSTER_SECRET}; then unquoted with every other `$`, backquote and
/// backslash escaped, so only those two variables expand.
std::string here_document(const std::string& text);

/// The dry-run script.
std::string render_script(const scenario::scenario& s, const run_plan& plan,
                          const run_options& options);

}  // namespace troupe::k8s
