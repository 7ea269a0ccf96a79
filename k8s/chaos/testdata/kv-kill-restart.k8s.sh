#!/bin/sh
# troupe k8s: scenario kv-kill-restart in namespace chaos (dry run: nothing was applied).
# Each step runs at its time since the start; `troupe k8s ... --apply` runs them on time.
# Assumes StatefulSets kv, client (pods labelled app=<name>, nodes started with --trace /var/lib/troupe/trace.jsonl) and Chaos Mesh in the cluster.
set -e

# at 0s (setup)
kubectl delete networkchaos -n chaos -l troupe.dev/scenario=kv-kill-restart,troupe.dev/fault=network --ignore-not-found

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
      "troupe.dev/scenario": "kv-kill-restart"
    },
    "name": "troupe-kv-kill-restart-f0-delay",
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

# at 4s (partition)
kubectl apply -n chaos -f - <<'EOF'
{
  "apiVersion": "chaos-mesh.org/v1alpha1",
  "kind": "NetworkChaos",
  "metadata": {
    "labels": {
      "app.kubernetes.io/managed-by": "troupe",
      "troupe.dev/fault": "partition",
      "troupe.dev/scenario": "kv-kill-restart"
    },
    "name": "troupe-kv-kill-restart-f1-0-1",
    "namespace": "chaos"
  },
  "spec": {
    "action": "partition",
    "direction": "both",
    "mode": "all",
    "selector": {
      "pods": {
        "chaos": [
          "kv-0",
          "client-0"
        ]
      }
    },
    "target": {
      "mode": "all",
      "selector": {
        "pods": {
          "chaos": [
            "kv-1",
            "kv-2"
          ]
        }
      }
    }
  }
}
EOF

# at 6s (kill)
# note: the StatefulSet starts the pod again at once, with a new incarnation; in simulation it stays down until its restart
kubectl delete pod kv-0 -n chaos --grace-period=0 --force --wait=false

# at 6500ms (heal)
kubectl delete networkchaos -n chaos -l troupe.dev/scenario=kv-kill-restart,troupe.dev/fault=partition --ignore-not-found

# at 7s (restart)
# note: Kubernetes restarts pods by itself: this waits until it is Ready (an Up member)
kubectl wait pod/kv-0 -n chaos --for=condition=Ready --timeout=120s

# at 10s (kill)
# note: the StatefulSet starts the pod again at once, with a new incarnation; in simulation it stays down until its restart
kubectl delete pod kv-1 -n chaos --grace-period=0 --force --wait=false

# at 12s (restart)
# note: Kubernetes restarts pods by itself: this waits until it is Ready (an Up member)
kubectl wait pod/kv-1 -n chaos --for=condition=Ready --timeout=120s

# at 14s (pause)
# note: pod-failure swaps the container's image for a pause image until the resume: the node stops answering as under SIGSTOP, but its process ends and comes back as a new incarnation with empty memory (simulation keeps its state; troupe pods uses SIGSTOP)
kubectl apply -n chaos -f - <<'EOF'
{
  "apiVersion": "chaos-mesh.org/v1alpha1",
  "kind": "PodChaos",
  "metadata": {
    "labels": {
      "app.kubernetes.io/managed-by": "troupe",
      "troupe.dev/fault": "pause-kv-2",
      "troupe.dev/scenario": "kv-kill-restart"
    },
    "name": "troupe-kv-kill-restart-f7",
    "namespace": "chaos"
  },
  "spec": {
    "action": "pod-failure",
    "mode": "all",
    "selector": {
      "pods": {
        "chaos": [
          "kv-2"
        ]
      }
    }
  }
}
EOF

# at 15s (resume)
kubectl delete podchaos -n chaos -l troupe.dev/scenario=kv-kill-restart,troupe.dev/fault=pause-kv-2 --ignore-not-found

# at 20s (cleanup)
kubectl delete networkchaos,timechaos,podchaos -n chaos -l troupe.dev/scenario=kv-kill-restart --ignore-not-found

# afterwards: every pod's trace and log (pods removed by a scale-down, or deleted by a kill,
# took theirs with them)
mkdir -p kv-kill-restart-k8s
kubectl cp -n chaos kv-0:/var/lib/troupe/trace.jsonl kv-kill-restart-k8s/kv-0.trace.jsonl
kubectl logs -n chaos kv-0 > kv-kill-restart-k8s/kv-0.log
kubectl cp -n chaos kv-1:/var/lib/troupe/trace.jsonl kv-kill-restart-k8s/kv-1.trace.jsonl
kubectl logs -n chaos kv-1 > kv-kill-restart-k8s/kv-1.log
kubectl cp -n chaos kv-2:/var/lib/troupe/trace.jsonl kv-kill-restart-k8s/kv-2.trace.jsonl
kubectl logs -n chaos kv-2 > kv-kill-restart-k8s/kv-2.log
kubectl cp -n chaos client-0:/var/lib/troupe/trace.jsonl kv-kill-restart-k8s/client-0.trace.jsonl
kubectl logs -n chaos client-0 > kv-kill-restart-k8s/client-0.log
