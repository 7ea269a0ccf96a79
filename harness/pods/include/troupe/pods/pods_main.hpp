#pragma once
/// `troupe pods SCENARIO [--trace FILE] [--keep]`: plays a scenario on the local pod cluster
/// (docs/kubernetes.md, "Local pods") and checks its properties on the merged trace, with
/// the same summary and exit codes as `troupe run`: 0 every property holds, 1 one failed,
/// 2 bad input, 3 internal error, 77 this machine cannot run local pods (not root, no
/// network namespaces), 130 interrupted (everything was cleaned up).

/// `argv[0]` is the subcommand's name; flags follow. Call from the main thread.
int troupe_pods_main(int argc, char** argv);
