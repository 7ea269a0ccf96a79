#!/bin/sh
# troupe k8s: scenario kv-kill-restart in namespace chaos (dry run: nothing was applied).
# `troupe k8s ... --apply` runs these steps, the faults at their times since time 0, then
# merges the collected traces and checks the scenario's properties. Needs Chaos Mesh in the
# cluster and the image troupe:dev (k8s/Containerfile) on its nodes.
set -e

# The run's cluster secret: the pods authenticate each other with it.
CLUSTER_SECRET=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')

# Deploy: the scenario file, the secret, the headless Service of the pods' DNS names.
# note: a previous run's objects and trace volumes go first: old traces must not mix with this run's
kubectl delete statefulset,pod,service,configmap,secret,persistentvolumeclaim -n chaos -l troupe.dev/scenario=kv-kill-restart --ignore-not-found --wait=true
kubectl apply -n chaos -f - <<'EOF'
{
  "apiVersion": "v1",
  "data": {
    "scenario.json": "{\n  \"version\": 1,\n  \"name\": \"kv-kill-restart\",\n  \"app\": {\n    \"name\": \"kv\",\n    \"options\": {\n      \"bug\": \"none\"\n    }\n  },\n  \"deployments\": [\n    {\n      \"name\": \"kv\",\n      \"replicas\": 3\n    },\n    {\n      \"name\": \"client\",\n      \"replicas\": 1,\n      \"role\": \"client\"\n    }\n  ],\n  \"network\": {\n    \"delay_min\": \"1ms\",\n    \"delay_max\": \"5ms\",\n    \"loss\": 0.0,\n    \"duplicate\": 0.0,\n    \"reorder\": false\n  },\n  \"workload\": {\n    \"clients\": 3,\n    \"rate_per_s\": 20,\n    \"mix\": {\n      \"read\": 0.5,\n      \"write\": 0.4,\n      \"cas\": 0.1\n    },\n    \"keys\": 3,\n    \"timeout\": \"500ms\",\n    \"stop\": \"19s\"\n  },\n  \"faults\": [\n    {\n      \"at\": \"4s\",\n      \"kind\": \"partition\",\n      \"groups\": [\n        [\n          \"kv-0\",\n          \"client-0\"\n        ],\n        [\n          \"kv-1\",\n          \"kv-2\"\n        ]\n      ]\n    },\n    {\n      \"at\": \"6s\",\n      \"kind\": \"kill\",\n      \"pod\": \"kv-0\"\n    },\n    {\n      \"at\": \"6500ms\",\n      \"kind\": \"heal\"\n    },\n    {\n      \"at\": \"7s\",\n      \"kind\": \"restart\",\n      \"pod\": \"kv-0\"\n    },\n    {\n      \"at\": \"10s\",\n      \"kind\": \"kill\",\n      \"pod\": \"kv-1\"\n    },\n    {\n      \"at\": \"12s\",\n      \"kind\": \"restart\",\n      \"pod\": \"kv-1\"\n    },\n    {\n      \"at\": \"14s\",\n      \"kind\": \"pause\",\n      \"pod\": \"kv-2\"\n    },\n    {\n      \"at\": \"15s\",\n      \"kind\": \"resume\",\n      \"pod\": \"kv-2\"\n    }\n  ],\n  \"generator\": {\n    \"kinds\": [\n      \"partition\",\n      \"heal\",\n      \"kill\",\n      \"restart\",\n      \"pause\",\n      \"resume\"\n    ],\n    \"max_faults\": 4,\n    \"window\": [\n      \"1s\",\n      \"15s\"\n    ]\n  },\n  \"properties\": [\n    \"linearizable\",\n    \"no_lost_acknowledged_writes\"\n  ],\n  \"duration\": \"20s\",\n  \"liveness_window\": \"5s\",\n  \"seed\": 1\n}\n"
  },
  "kind": "ConfigMap",
  "metadata": {
    "labels": {
      "app.kubernetes.io/component": "scenario",
      "app.kubernetes.io/managed-by": "troupe",
      "troupe.dev/scenario": "kv-kill-restart"
    },
    "name": "troupe-kv-kill-restart-scenario",
    "namespace": "chaos"
  }
}
EOF
kubectl apply -n chaos -f - <<EOF
{
  "apiVersion": "v1",
  "kind": "Secret",
  "metadata": {
    "labels": {
      "app.kubernetes.io/component": "secret",
      "app.kubernetes.io/managed-by": "troupe",
      "troupe.dev/scenario": "kv-kill-restart"
    },
    "name": "troupe-kv-kill-restart-secret",
    "namespace": "chaos"
  },
  "stringData": {
    "cluster-secret": "${CLUSTER_SECRET}"
  },
  "type": "Opaque"
}
EOF
kubectl apply -n chaos -f - <<'EOF'
{
  "apiVersion": "v1",
  "kind": "Service",
  "metadata": {
    "labels": {
      "app.kubernetes.io/component": "node",
      "app.kubernetes.io/managed-by": "troupe",
      "troupe.dev/scenario": "kv-kill-restart"
    },
    "name": "troupe-kv-kill-restart",
    "namespace": "chaos"
  },
  "spec": {
    "clusterIP": "None",
    "ports": [
      {
        "name": "remoting",
        "port": 7355,
        "protocol": "TCP",
        "targetPort": "remoting"
      },
      {
        "name": "management",
        "port": 8558,
        "protocol": "TCP",
        "targetPort": "management"
      }
    ],
    "publishNotReadyAddresses": true,
    "selector": {
      "app.kubernetes.io/component": "node",
      "troupe.dev/scenario": "kv-kill-restart"
    }
  }
}
EOF

# Time 0 of the run (Unix ns, GNU date): the same --epoch-ns for every pod, so traces merge.
EPOCH_NS=$(date +%s%N)
kubectl apply -n chaos -f - <<EOF
{
  "apiVersion": "apps/v1",
  "kind": "StatefulSet",
  "metadata": {
    "labels": {
      "app.kubernetes.io/component": "node",
      "app.kubernetes.io/managed-by": "troupe",
      "troupe.dev/scenario": "kv-kill-restart"
    },
    "name": "kv",
    "namespace": "chaos"
  },
  "spec": {
    "podManagementPolicy": "Parallel",
    "replicas": 3,
    "selector": {
      "matchLabels": {
        "app": "kv",
        "troupe.dev/scenario": "kv-kill-restart"
      }
    },
    "serviceName": "troupe-kv-kill-restart",
    "template": {
      "metadata": {
        "labels": {
          "app": "kv",
          "app.kubernetes.io/component": "node",
          "app.kubernetes.io/managed-by": "troupe",
          "troupe.dev/scenario": "kv-kill-restart"
        }
      },
      "spec": {
        "automountServiceAccountToken": false,
        "containers": [
          {
            "args": [
              "--scenario=/etc/troupe/scenario/scenario.json",
              "--pod=\$(POD_NAME)",
              "--listen=0.0.0.0:7355",
              "--discovery=dns:troupe-kv-kill-restart.\$(POD_NAMESPACE).svc.cluster.local",
              "--discovery-contact-points=3",
              "--secret-file=/etc/troupe/secret/cluster-secret",
              "--trace=/var/lib/troupe/trace-{incarnation}.jsonl",
              "--incarnation-file=/var/lib/troupe/incarnation",
              "--epoch-ns=\$(TROUPE_EPOCH_NS)",
              "--management=0.0.0.0:8558",
              "--grace=20s"
            ],
            "command": [
              "/usr/local/bin/troupe",
              "node"
            ],
            "env": [
              {
                "name": "POD_NAME",
                "valueFrom": {
                  "fieldRef": {
                    "fieldPath": "metadata.name"
                  }
                }
              },
              {
                "name": "POD_NAMESPACE",
                "valueFrom": {
                  "fieldRef": {
                    "fieldPath": "metadata.namespace"
                  }
                }
              },
              {
                "name": "POD_IP",
                "valueFrom": {
                  "fieldRef": {
                    "fieldPath": "status.podIP"
                  }
                }
              },
              {
                "name": "TROUPE_EPOCH_NS",
                "value": "${EPOCH_NS}"
              }
            ],
            "image": "troupe:dev",
            "imagePullPolicy": "IfNotPresent",
            "livenessProbe": {
              "failureThreshold": 3,
              "httpGet": {
                "path": "/alive",
                "port": "management"
              },
              "initialDelaySeconds": 10,
              "periodSeconds": 10,
              "timeoutSeconds": 2
            },
            "name": "troupe-node",
            "ports": [
              {
                "containerPort": 7355,
                "name": "remoting",
                "protocol": "TCP"
              },
              {
                "containerPort": 8558,
                "name": "management",
                "protocol": "TCP"
              }
            ],
            "readinessProbe": {
              "failureThreshold": 3,
              "httpGet": {
                "path": "/ready",
                "port": "management"
              },
              "periodSeconds": 2,
              "timeoutSeconds": 2
            },
            "resources": {
              "limits": {
                "memory": "512Mi"
              },
              "requests": {
                "cpu": "250m",
                "memory": "256Mi"
              }
            },
            "securityContext": {
              "allowPrivilegeEscalation": false,
              "capabilities": {
                "drop": [
                  "ALL"
                ]
              },
              "readOnlyRootFilesystem": true
            },
            "volumeMounts": [
              {
                "mountPath": "/etc/troupe/secret",
                "name": "cluster-secret",
                "readOnly": true
              },
              {
                "mountPath": "/etc/troupe/scenario",
                "name": "scenario",
                "readOnly": true
              },
              {
                "mountPath": "/var/lib/troupe",
                "name": "traces"
              }
            ]
          }
        ],
        "securityContext": {
          "fsGroup": 10001,
          "runAsGroup": 10001,
          "runAsNonRoot": true,
          "runAsUser": 10001
        },
        "terminationGracePeriodSeconds": 30,
        "volumes": [
          {
            "name": "cluster-secret",
            "secret": {
              "defaultMode": 288,
              "secretName": "troupe-kv-kill-restart-secret"
            }
          },
          {
            "configMap": {
              "name": "troupe-kv-kill-restart-scenario"
            },
            "name": "scenario"
          }
        ]
      }
    },
    "volumeClaimTemplates": [
      {
        "metadata": {
          "labels": {
            "app": "kv",
            "app.kubernetes.io/component": "traces",
            "app.kubernetes.io/managed-by": "troupe",
            "troupe.dev/scenario": "kv-kill-restart"
          },
          "name": "traces"
        },
        "spec": {
          "accessModes": [
            "ReadWriteOnce"
          ],
          "resources": {
            "requests": {
              "storage": "100Mi"
            }
          }
        }
      }
    ]
  }
}
EOF
kubectl apply -n chaos -f - <<EOF
{
  "apiVersion": "apps/v1",
  "kind": "StatefulSet",
  "metadata": {
    "labels": {
      "app.kubernetes.io/component": "node",
      "app.kubernetes.io/managed-by": "troupe",
      "troupe.dev/scenario": "kv-kill-restart"
    },
    "name": "client",
    "namespace": "chaos"
  },
  "spec": {
    "podManagementPolicy": "Parallel",
    "replicas": 1,
    "selector": {
      "matchLabels": {
        "app": "client",
        "troupe.dev/scenario": "kv-kill-restart"
      }
    },
    "serviceName": "troupe-kv-kill-restart",
    "template": {
      "metadata": {
        "labels": {
          "app": "client",
          "app.kubernetes.io/component": "node",
          "app.kubernetes.io/managed-by": "troupe",
          "troupe.dev/scenario": "kv-kill-restart"
        }
      },
      "spec": {
        "automountServiceAccountToken": false,
        "containers": [
          {
            "args": [
              "--scenario=/etc/troupe/scenario/scenario.json",
              "--pod=\$(POD_NAME)",
              "--listen=0.0.0.0:7355",
              "--discovery=dns:troupe-kv-kill-restart.\$(POD_NAMESPACE).svc.cluster.local",
              "--discovery-contact-points=3",
              "--secret-file=/etc/troupe/secret/cluster-secret",
              "--trace=/var/lib/troupe/trace-{incarnation}.jsonl",
              "--incarnation-file=/var/lib/troupe/incarnation",
              "--epoch-ns=\$(TROUPE_EPOCH_NS)",
              "--management=0.0.0.0:8558",
              "--grace=20s"
            ],
            "command": [
              "/usr/local/bin/troupe",
              "node"
            ],
            "env": [
              {
                "name": "POD_NAME",
                "valueFrom": {
                  "fieldRef": {
                    "fieldPath": "metadata.name"
                  }
                }
              },
              {
                "name": "POD_NAMESPACE",
                "valueFrom": {
                  "fieldRef": {
                    "fieldPath": "metadata.namespace"
                  }
                }
              },
              {
                "name": "POD_IP",
                "valueFrom": {
                  "fieldRef": {
                    "fieldPath": "status.podIP"
                  }
                }
              },
              {
                "name": "TROUPE_EPOCH_NS",
                "value": "${EPOCH_NS}"
              }
            ],
            "image": "troupe:dev",
            "imagePullPolicy": "IfNotPresent",
            "livenessProbe": {
              "failureThreshold": 3,
              "httpGet": {
                "path": "/alive",
                "port": "management"
              },
              "initialDelaySeconds": 10,
              "periodSeconds": 10,
              "timeoutSeconds": 2
            },
            "name": "troupe-node",
            "ports": [
              {
                "containerPort": 7355,
                "name": "remoting",
                "protocol": "TCP"
              },
              {
                "containerPort": 8558,
                "name": "management",
                "protocol": "TCP"
              }
            ],
            "readinessProbe": {
              "failureThreshold": 3,
              "httpGet": {
                "path": "/ready",
                "port": "management"
              },
              "periodSeconds": 2,
              "timeoutSeconds": 2
            },
            "resources": {
              "limits": {
                "memory": "512Mi"
              },
              "requests": {
                "cpu": "250m",
                "memory": "256Mi"
              }
            },
            "securityContext": {
              "allowPrivilegeEscalation": false,
              "capabilities": {
                "drop": [
                  "ALL"
                ]
              },
              "readOnlyRootFilesystem": true
            },
            "volumeMounts": [
              {
                "mountPath": "/etc/troupe/secret",
                "name": "cluster-secret",
                "readOnly": true
              },
              {
                "mountPath": "/etc/troupe/scenario",
                "name": "scenario",
                "readOnly": true
              },
              {
                "mountPath": "/var/lib/troupe",
                "name": "traces"
              }
            ]
          }
        ],
        "securityContext": {
          "fsGroup": 10001,
          "runAsGroup": 10001,
          "runAsNonRoot": true,
          "runAsUser": 10001
        },
        "terminationGracePeriodSeconds": 30,
        "volumes": [
          {
            "name": "cluster-secret",
            "secret": {
              "defaultMode": 288,
              "secretName": "troupe-kv-kill-restart-secret"
            }
          },
          {
            "configMap": {
              "name": "troupe-kv-kill-restart-scenario"
            },
            "name": "scenario"
          }
        ]
      }
    },
    "volumeClaimTemplates": [
      {
        "metadata": {
          "labels": {
            "app": "client",
            "app.kubernetes.io/component": "traces",
            "app.kubernetes.io/managed-by": "troupe",
            "troupe.dev/scenario": "kv-kill-restart"
          },
          "name": "traces"
        },
        "spec": {
          "accessModes": [
            "ReadWriteOnce"
          ],
          "resources": {
            "requests": {
              "storage": "100Mi"
            }
          }
        }
      }
    ]
  }
}
EOF

# Every initial pod Ready (faults played later than their time are reported as late).
kubectl rollout status statefulset/kv -n chaos --timeout=300s
kubectl rollout status statefulset/client -n chaos --timeout=300s

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

# After the duration: the logs of the pods that remain, then stop every pod.
mkdir -p kv-kill-restart-k8s
kubectl logs -n chaos kv-0 > kv-kill-restart-k8s/kv-0.log
kubectl logs -n chaos kv-1 > kv-kill-restart-k8s/kv-1.log
kubectl logs -n chaos kv-2 > kv-kill-restart-k8s/kv-2.log
kubectl logs -n chaos client-0 > kv-kill-restart-k8s/client-0.log
# note: SIGTERM to every node (a graceful shutdown flushes its trace); the trace volumes stay
kubectl delete statefulset -n chaos -l troupe.dev/scenario=kv-kill-restart --cascade=foreground --wait=true
kubectl apply -n chaos -f - <<'EOF'
{
  "apiVersion": "v1",
  "kind": "Pod",
  "metadata": {
    "labels": {
      "app.kubernetes.io/component": "collector",
      "app.kubernetes.io/managed-by": "troupe",
      "troupe.dev/scenario": "kv-kill-restart"
    },
    "name": "troupe-kv-kill-restart-collect",
    "namespace": "chaos"
  },
  "spec": {
    "automountServiceAccountToken": false,
    "containers": [
      {
        "command": [
          "sleep",
          "infinity"
        ],
        "image": "troupe:dev",
        "imagePullPolicy": "IfNotPresent",
        "name": "collector",
        "resources": {
          "requests": {
            "cpu": "10m",
            "memory": "16Mi"
          }
        },
        "securityContext": {
          "allowPrivilegeEscalation": false,
          "capabilities": {
            "drop": [
              "ALL"
            ]
          },
          "readOnlyRootFilesystem": true
        },
        "volumeMounts": [
          {
            "mountPath": "/traces/kv-0",
            "name": "kv-0",
            "readOnly": true
          },
          {
            "mountPath": "/traces/kv-1",
            "name": "kv-1",
            "readOnly": true
          },
          {
            "mountPath": "/traces/kv-2",
            "name": "kv-2",
            "readOnly": true
          },
          {
            "mountPath": "/traces/client-0",
            "name": "client-0",
            "readOnly": true
          }
        ]
      }
    ],
    "restartPolicy": "Never",
    "securityContext": {
      "fsGroup": 10001,
      "runAsGroup": 10001,
      "runAsNonRoot": true,
      "runAsUser": 10001
    },
    "terminationGracePeriodSeconds": 1,
    "volumes": [
      {
        "name": "kv-0",
        "persistentVolumeClaim": {
          "claimName": "traces-kv-0",
          "readOnly": true
        }
      },
      {
        "name": "kv-1",
        "persistentVolumeClaim": {
          "claimName": "traces-kv-1",
          "readOnly": true
        }
      },
      {
        "name": "kv-2",
        "persistentVolumeClaim": {
          "claimName": "traces-kv-2",
          "readOnly": true
        }
      },
      {
        "name": "client-0",
        "persistentVolumeClaim": {
          "claimName": "traces-client-0",
          "readOnly": true
        }
      }
    ]
  }
}
EOF
kubectl wait pod/troupe-kv-kill-restart-collect -n chaos --for=condition=Ready --timeout=300s

# Every pod's traces, from its volume (also of pods killed or scaled away): one file per
# start, kv-kill-restart-k8s/traces/<pod>/trace-<incarnation>.jsonl.
rm -rf kv-kill-restart-k8s/traces
kubectl cp -n chaos troupe-kv-kill-restart-collect:/traces kv-kill-restart-k8s/traces

# Remove the collector and everything the run created.
kubectl delete pod troupe-kv-kill-restart-collect -n chaos --ignore-not-found --wait=false
kubectl delete service,configmap,secret,persistentvolumeclaim -n chaos -l troupe.dev/scenario=kv-kill-restart --ignore-not-found --wait=false
