#pragma once
/// `troupe k8s SCENARIO --namespace NS [--dry-run | --apply | --manifests] [...]`: runs a
/// scenario on a real Kubernetes cluster (docs/kubernetes.md, "A scenario on Kubernetes"):
/// creates its pods (StatefulSets with a trace volume per pod), plays its fault schedule with
/// kubectl and Chaos Mesh, stops the pods, collects every pod incarnation's trace, removes
/// what it created, and merges and checks the traces as `troupe pods` does. By default (a dry
/// run) it prints the run as a shell script and touches nothing. Exit codes as `troupe pods`:
/// 0, 1 a property failed, 2 bad input, 3 a command failed, 77 skipped (no kubectl, cluster or
/// namespace to run on), 130 interrupted.

/// `argv[0]` is the subcommand's name; flags follow. Call from the main thread.
int troupe_k8s_main(int argc, char** argv);
