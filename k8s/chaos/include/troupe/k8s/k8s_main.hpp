#pragma once
/// `troupe k8s SCENARIO --namespace NS [--dry-run | --apply] [--collect DIR] [--trace FILE]`:
/// plays a scenario's fault schedule against a real Kubernetes cluster with kubectl and
/// Chaos Mesh (docs/kubernetes.md). By default (a dry run) it prints the commands and
/// manifests as a shell script and touches nothing; `--apply` runs them at their times,
/// deletes the run's chaos objects at the end (also on Ctrl-C), collects every pod's trace
/// and log, and checks the properties when the traces share a time origin. Exit codes as
/// `troupe run`: 0, 1 a property failed, 2 bad input, 3 a command failed, 130 interrupted.

/// `argv[0]` is the subcommand's name; flags follow. Call from the main thread.
int troupe_k8s_main(int argc, char** argv);
