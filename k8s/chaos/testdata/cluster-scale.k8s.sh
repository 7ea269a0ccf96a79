#!/bin/sh
# troupe k8s: scenario cluster-scale in namespace chaos (dry run: nothing was applied).
# Each step runs at its time since the start; `troupe k8s ... --apply` runs them on time.
# Assumes StatefulSets kv, client (pods labelled app=<name>, nodes started with --trace /var/lib/troupe/trace.jsonl) and Chaos Mesh in the cluster.
set -e

# at 0s (setup)
kubectl delete networkchaos -n chaos -l troupe.dev/scenario=cluster-scale,troupe.dev/fault=network --ignore-not-found

# at 0s (setup)
# note: delay is added to the cluster network's own latency
kubectl apply -n chaos -f - <<'EOF'
{
  "apiVersion": "chaos-mesh.org/v1alpha1",
  "kind": "NetworkChaos",
  "metadata": {
    "labels": {
      "app.kubernetes.io/managed-by": "troupe",
      "troupe.dev/fault": "network",
      "troupe.dev/scenario": "cluster-scale"
    },
    "name": "troupe-cluster-scale-f0-delay",
    "namespace": "chaos"
  },
  "spec": {
    "action": "delay",
    "delay": {
      "correlation": "0",
      "jitter": "4ms",
      "latency": "1ms"
    },
    "direction": "to",
    "mode": "all",
    "selector": {
      "expressionSelectors": [
        {
          "key": "app",
          "operator": "In",
          "values": [
            "kv",
            "client"
          ]
        }
      ],
      "namespaces": [
        "chaos"
      ]
    }
  }
}
EOF

# at 5s (scale)
kubectl scale statefulset/kv -n chaos --replicas=5

# at 15s (scale)
kubectl scale statefulset/kv -n chaos --replicas=2

# at 28s (cleanup)
kubectl delete networkchaos,timechaos,podchaos -n chaos -l troupe.dev/scenario=cluster-scale --ignore-not-found

# afterwards: every pod's trace and log (pods removed by a scale-down, or deleted by a kill,
# took theirs with them)
mkdir -p cluster-scale-k8s
kubectl cp -n chaos kv-0:/var/lib/troupe/trace.jsonl cluster-scale-k8s/kv-0.trace.jsonl
kubectl logs -n chaos kv-0 > cluster-scale-k8s/kv-0.log
kubectl cp -n chaos kv-1:/var/lib/troupe/trace.jsonl cluster-scale-k8s/kv-1.trace.jsonl
kubectl logs -n chaos kv-1 > cluster-scale-k8s/kv-1.log
kubectl cp -n chaos client-0:/var/lib/troupe/trace.jsonl cluster-scale-k8s/client-0.trace.jsonl
kubectl logs -n chaos client-0 > cluster-scale-k8s/client-0.log
