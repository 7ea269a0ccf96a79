#pragma once
/// What `troupe k8s SCENARIO --namespace NS` prints by default (a dry run): the chaos plan
/// as a shell script a user can read, diff or run by hand (each step commented with its
/// time since the start), followed by the commands that collect every pod's trace and log.
/// Pure: the tests compare it with golden files.

#include <string>
#include <vector>

#include "troupe/k8s/chaos_plan.hpp"

namespace troupe::k8s {

struct collect_options {
  /// Where `troupe node --trace` writes inside each pod (an emptyDir in the manifests).
  std::string trace_in_pod = "/var/lib/troupe/trace.jsonl";
  /// The local folder the traces and logs go to.
  std::string directory;
};

/// One collection command: argv, and the file its standard output goes to ("": none).
struct collect_step {
  std::vector<std::string> argv;
  std::string stdout_file;
};

/// The pods that exist at the end of the scenario (initial replicas, then each `scale`).
std::vector<std::string> pods_at_end(const scenario::scenario& s);

/// `kubectl cp` of each pod's trace and `kubectl logs` of each pod into the folder.
std::vector<collect_step> collect_steps(const scenario::scenario& s, const chaos_options& options,
                                        const collect_options& collect);

/// The dry-run script: a header naming the scenario, namespace and assumptions, the steps
/// (manifests as here-documents), the notes and unsupported faults as comments, then the
/// collection.
std::string render_script(const scenario::scenario& s, const chaos_plan& plan,
                          const chaos_options& options, const collect_options& collect);

}  // namespace troupe::k8s
