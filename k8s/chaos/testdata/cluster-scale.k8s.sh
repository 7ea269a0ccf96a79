#!/bin/sh
# troupe k8s: scenario cluster-scale in namespace chaos (dry run: nothing was applied).
# `troupe k8s ... --apply` runs these steps, the faults at their times since time 0, then
# merges the collected traces and checks the scenario's properties. Needs Chaos Mesh in the
# cluster and the image troupe:dev (k8s/Containerfile) on its nodes.
set -e

# The run's cluster secret: the pods authenticate each other with it.
CLUSTER_SECRET=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')

# Deploy: the scenario file, the secret, the headless Service of the pods' DNS names.
# note: a previous run's objects and trace volumes go first: old traces must not mix with this run's
kubectl delete statefulset,pod,service,configmap,secret,persistentvolumeclaim -n chaos -l troupe.dev/scenario=cluster-scale --ignore-not-found --wait=true
kubectl apply -n chaos -f - <<'EOF'
{
  "apiVersion": "v1",
  "data": {
    "scenario.json": "{\n  \"version\": 1,\n  \"name\": \"cluster-scale\",\n  \"app\": {\n    \"name\": \"kv\",\n    \"options\": {\n      \"bug\": \"none\"\n    }\n  },\n  \"deployments\": [\n    {\n      \"name\": \"kv\",\n      \"replicas\": 3\n    },\n    {\n      \"name\": \"client\",\n      \"replicas\": 1,\n      \"role\": \"client\"\n    }\n  ],\n  \"network\": {\n    \"delay_min\": \"1ms\",\n    \"delay_max\": \"5ms\",\n    \"loss\": 0.0,\n    \"duplicate\": 0.0,\n    \"reorder\": false\n  },\n  \"workload\": {\n    \"clients\": 3,\n    \"rate_per_s\": 20,\n    \"mix\": {\n      \"read\": 0.5,\n      \"write\": 0.4,\n      \"cas\": 0.1\n    },\n    \"keys\": 3,\n    \"timeout\": \"500ms\",\n    \"stop\": \"26s\"\n  },\n  \"cluster\": {\n    \"downing\": \"keep-majority\",\n    \"stable_after\": \"2s\",\n    \"failure_detector\": {\n      \"heartbeat_interval\": \"200ms\",\n      \"acceptable_pause\": \"1s\",\n      \"threshold\": 8\n    },\n    \"singleton\": {\n      \"name\": \"scheduler\",\n      \"handover_margin\": \"1s\"\n    }\n  },\n  \"faults\": [\n    {\n      \"at\": \"5s\",\n      \"kind\": \"scale\",\n      \"deployment\": \"kv\",\n      \"replicas\": 5\n    },\n    {\n      \"at\": \"15s\",\n      \"kind\": \"scale\",\n      \"deployment\": \"kv\",\n      \"replicas\": 2\n    }\n  ],\n  \"generator\": {\n    \"kinds\": [\n      \"scale\"\n    ],\n    \"max_faults\": 4,\n    \"window\": [\n      \"4s\",\n      \"16s\"\n    ],\n    \"scale\": {\n      \"deployment\": \"kv\",\n      \"min\": 2,\n      \"max\": 5\n    }\n  },\n  \"properties\": [\n    \"membership_converges\",\n    \"singleton_unique\",\n    \"linearizable\",\n    \"no_lost_acknowledged_writes\"\n  ],\n  \"duration\": \"28s\",\n  \"liveness_window\": \"10s\",\n  \"seed\": 1\n}\n"
  },
  "kind": "ConfigMap",
  "metadata": {
    "labels": {
      "app.kubernetes.io/component": "scenario",
      "app.kubernetes.io/managed-by": "troupe",
      "troupe.dev/scenario": "cluster-scale"
    },
    "name": "troupe-cluster-scale-scenario",
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
      "troupe.dev/scenario": "cluster-scale"
    },
    "name": "troupe-cluster-scale-secret",
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
      "troupe.dev/scenario": "cluster-scale"
    },
    "name": "troupe-cluster-scale",
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
      "troupe.dev/scenario": "cluster-scale"
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
      "troupe.dev/scenario": "cluster-scale"
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
        "troupe.dev/scenario": "cluster-scale"
      }
    },
    "serviceName": "troupe-cluster-scale",
    "template": {
      "metadata": {
        "labels": {
          "app": "kv",
          "app.kubernetes.io/component": "node",
          "app.kubernetes.io/managed-by": "troupe",
          "troupe.dev/scenario": "cluster-scale"
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
              "--discovery=dns:troupe-cluster-scale.\$(POD_NAMESPACE).svc.cluster.local",
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
              "secretName": "troupe-cluster-scale-secret"
            }
          },
          {
            "configMap": {
              "name": "troupe-cluster-scale-scenario"
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
            "troupe.dev/scenario": "cluster-scale"
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
      "troupe.dev/scenario": "cluster-scale"
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
        "troupe.dev/scenario": "cluster-scale"
      }
    },
    "serviceName": "troupe-cluster-scale",
    "template": {
      "metadata": {
        "labels": {
          "app": "client",
          "app.kubernetes.io/component": "node",
          "app.kubernetes.io/managed-by": "troupe",
          "troupe.dev/scenario": "cluster-scale"
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
              "--discovery=dns:troupe-cluster-scale.\$(POD_NAMESPACE).svc.cluster.local",
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
              "secretName": "troupe-cluster-scale-secret"
            }
          },
          {
            "configMap": {
              "name": "troupe-cluster-scale-scenario"
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
            "troupe.dev/scenario": "cluster-scale"
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

# After the duration: the logs of the pods that remain, then stop every pod.
mkdir -p cluster-scale-k8s
kubectl logs -n chaos kv-0 > cluster-scale-k8s/kv-0.log
kubectl logs -n chaos kv-1 > cluster-scale-k8s/kv-1.log
kubectl logs -n chaos client-0 > cluster-scale-k8s/client-0.log
# note: SIGTERM to every node (a graceful shutdown flushes its trace); the trace volumes stay
kubectl delete statefulset -n chaos -l troupe.dev/scenario=cluster-scale --cascade=foreground --wait=true
kubectl apply -n chaos -f - <<'EOF'
{
  "apiVersion": "v1",
  "kind": "Pod",
  "metadata": {
    "labels": {
      "app.kubernetes.io/component": "collector",
      "app.kubernetes.io/managed-by": "troupe",
      "troupe.dev/scenario": "cluster-scale"
    },
    "name": "troupe-cluster-scale-collect",
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
            "mountPath": "/traces/kv-3",
            "name": "kv-3",
            "readOnly": true
          },
          {
            "mountPath": "/traces/kv-4",
            "name": "kv-4",
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
        "name": "kv-3",
        "persistentVolumeClaim": {
          "claimName": "traces-kv-3",
          "readOnly": true
        }
      },
      {
        "name": "kv-4",
        "persistentVolumeClaim": {
          "claimName": "traces-kv-4",
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
kubectl wait pod/troupe-cluster-scale-collect -n chaos --for=condition=Ready --timeout=300s

# Every pod's traces, from its volume (also of pods killed or scaled away): one file per
# start, cluster-scale-k8s/traces/<pod>/trace-<incarnation>.jsonl.
rm -rf cluster-scale-k8s/traces
kubectl cp -n chaos troupe-cluster-scale-collect:/traces cluster-scale-k8s/traces

# Remove the collector and everything the run created.
kubectl delete pod troupe-cluster-scale-collect -n chaos --ignore-not-found --wait=false
kubectl delete service,configmap,secret,persistentvolumeclaim -n chaos -l troupe.dev/scenario=cluster-scale --ignore-not-found --wait=false
