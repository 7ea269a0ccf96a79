#!/usr/bin/env python3
"""A stand-in for kubectl and a one-node cluster, for testing `troupe k8s --apply` where no
cluster runs (docs/kubernetes.md, "A scenario on Kubernetes").

It understands exactly the commands `troupe k8s` runs. The StatefulSets' pods are real
`troupe node` processes on 127.0.0.1, started from the manifests' own command and args:
`$(VAR)` expanded from the container's env as the kubelet does, then the in-cluster paths
and addresses mapped onto this machine (the ConfigMap and Secret become files, each pod's
claim a folder, each pod's ports free ports on 127.0.0.1, --peers the pods' local ports).
The cluster DNS is played too: a small DNS server of this script (started with the first
pod, `dns-serve`) answers the headless Services' SRV records `_remoting._tcp` and the pods'
A records from the pods running at the moment of each query, as CoreDNS answers from a
Service that publishes not-ready addresses; a pod's `--discovery` is pointed at it
(`--discovery-dns`), in place of the nameserver of /etc/resolv.conf.
A StatefulSet's controller is played after every command that changes pods: missing
ordinals are started, ordinals above the replicas stopped with SIGTERM. Chaos Mesh objects
are accepted and recorded, not played (no network faults here).

State lives in $FAKE_K8S_DIR; $FAKE_K8S_TROUPE is the troupe program that replaces
/usr/local/bin/troupe. Node processes run in sessions of their own and outlive each call;
`kill-all` (not a kubectl command) kills whatever is left, the DNS server too.
"""
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time
import urllib.request

STATE = os.environ["FAKE_K8S_DIR"]
TROUPE = os.environ["FAKE_K8S_TROUPE"]
GRACE_S = 30  # SIGKILL after this, as terminationGracePeriodSeconds


def path(*parts):
    return os.path.join(STATE, *parts)


def load(name, default):
    try:
        with open(path(name)) as f:
            return json.load(f)
    except FileNotFoundError:
        return default


def save(name, value):
    with open(path(name) + ".tmp", "w") as f:
        json.dump(value, f)
    os.replace(path(name) + ".tmp", path(name))


def log(text):
    with open(path("kubectl.log"), "a") as f:
        f.write(text + "\n")


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_of(pod, kind):
    ports = load("ports.json", {})
    key = f"{pod}/{kind}"
    if key not in ports:
        ports[key] = free_port()
        save("ports.json", ports)
    return ports[key]


def stop_pid(pid, sig):
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        return
    deadline = time.time() + GRACE_S
    while alive(pid) and time.time() < deadline:
        time.sleep(0.02)
    if alive(pid):
        os.kill(pid, signal.SIGKILL)


DNS_TYPE_A = 1
DNS_TYPE_SRV = 33
DNS_RCODE_NXDOMAIN = 3


def dns_name(text):
    return b"".join(bytes([len(label)]) + label.encode() for label in text.split(".") if label) + b"\0"


def dns_record(name, kind, data):
    return dns_name(name) + struct.pack("!HHIH", kind, 1, 5, len(data)) + data


def dns_answer(query):
    """The answer to one DNS query: SRV `_PORT._tcp.SERVICE.NS.svc.cluster.local` lists every
    running pod (target POD.SERVICE.NS.svc.cluster.local, its local port, its A record in the
    additional section); A POD.SERVICE... is 127.0.0.1 while the pod runs; else NXDOMAIN."""
    ident, flags = struct.unpack("!HH", query[:4])
    labels, at = [], 12
    while query[at] != 0:
        labels.append(query[at + 1:at + 1 + query[at]].decode().lower())
        at += 1 + query[at]
    kind = struct.unpack("!H", query[at + 1:at + 3])[0]
    question = query[12:at + 5]
    objects = load("objects.json", {})
    services = {o["metadata"]["name"] for o in objects.values() if o["kind"] == "Service"}
    running = sorted(p for p, pid in load("pods.json", {}).items() if alive(pid))
    answers, additional = [], []
    if kind == DNS_TYPE_SRV and len(labels) > 3 and labels[1] == "_tcp" and labels[2] in services:
        port_name, domain = labels[0][1:], ".".join(labels[2:])
        ports = load("ports.json", {})  # read only: the kubectl calls own this file
        for pod in running:
            target = f"{pod}.{domain}"
            port = ports.get(f"{pod}/{port_name}")
            if port is None:
                continue
            answers.append(dns_record(".".join(labels), DNS_TYPE_SRV,
                                      struct.pack("!HHH", 0, 100, port) + dns_name(target)))
            additional.append(dns_record(target, DNS_TYPE_A, socket.inet_aton("127.0.0.1")))
    elif kind == DNS_TYPE_A and len(labels) > 2 and labels[0] in running and labels[1] in services:
        answers.append(dns_record(".".join(labels), DNS_TYPE_A, socket.inet_aton("127.0.0.1")))
    rcode = 0 if answers else DNS_RCODE_NXDOMAIN
    header = struct.pack("!HHHHHH", ident, 0x8400 | (flags & 0x0100) | rcode, 1, len(answers), 0,
                         len(additional))
    return header + question + b"".join(answers) + b"".join(additional)


def dns_serve(port):
    """The cluster DNS, until the state folder is removed or the process is killed."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as server:
        server.bind(("127.0.0.1", port))
        server.settimeout(1)
        while os.path.isdir(STATE):
            try:
                query, client = server.recvfrom(512)
            except socket.timeout:
                continue
            try:
                server.sendto(dns_answer(query), client)
            except (IndexError, struct.error, UnicodeDecodeError):
                pass  # a malformed query gets no answer
    return 0


def dns_port():
    """The port of the cluster DNS, started on first use."""
    dns = load("dns.json", {})
    if dns and alive(dns["pid"]):
        return dns["port"]
    port = free_port()
    process = subprocess.Popen([sys.executable, os.path.abspath(__file__), "dns-serve", str(port)],
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               start_new_session=True)
    save("dns.json", {"pid": process.pid, "port": port})
    log(f"started the cluster DNS pid {process.pid} on port {port}")
    return port


def pod_command(statefulset, pod):
    spec = statefulset["spec"]["template"]["spec"]
    container = spec["containers"][0]
    objects = load("objects.json", {})
    env = {"POD_NAME": pod, "POD_NAMESPACE": statefulset["metadata"]["namespace"],
           "POD_IP": "127.0.0.1"}
    for item in container.get("env", []):
        if "value" in item:
            env[item["name"]] = item["value"]
    volume = path("volumes", "traces-" + pod)
    os.makedirs(volume, exist_ok=True)
    mounts = {"traces": volume}
    for v in spec.get("volumes", []):
        source = v.get("secret", {}).get("secretName") or v.get("configMap", {}).get("name")
        data = objects.get(source, {})
        folder = path("mounts", v["name"])
        os.makedirs(folder, exist_ok=True)
        for key, value in {**data.get("data", {}), **data.get("stringData", {})}.items():
            with open(os.path.join(folder, key), "w") as f:
                f.write(value)
        mounts[v["name"]] = folder
    mount_paths = {m["mountPath"]: mounts[m["name"]] for m in container["volumeMounts"]}

    def local(arg):
        arg = re.sub(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)", lambda m: env[m.group(1)], arg)
        for inside, outside in mount_paths.items():
            arg = arg.replace(inside, outside)
        flag, _, value = arg.partition("=")
        if flag == "--listen":
            return f"--listen=127.0.0.1:{port_of(pod, 'remoting')}"
        if flag == "--management":
            return f"--management=127.0.0.1:{port_of(pod, 'management')}"
        if flag == "--peers":
            peers = [p.split("=")[0] for p in value.split(",")]
            return "--peers=" + ",".join(f"{p}=127.0.0.1:{port_of(p, 'remoting')}" for p in peers)
        return arg

    command = [TROUPE if c == "/usr/local/bin/troupe" else c for c in container["command"]]
    args = [local(a) for a in container["args"]]
    if any(a.startswith("--discovery=dns:") for a in args):
        args.append(f"--discovery-dns=127.0.0.1:{dns_port()}")
    return command + args


def reconcile():
    """The StatefulSet controller: replicas ordinals running, the others stopped."""
    objects = load("objects.json", {})
    pods = load("pods.json", {})
    wanted = {}
    for o in objects.values():
        if o["kind"] == "StatefulSet":
            for i in range(o["spec"]["replicas"]):
                wanted[f"{o['metadata']['name']}-{i}"] = o
    for pod, pid in list(pods.items()):
        if pod not in wanted:
            stop_pid(pid, signal.SIGTERM)
            del pods[pod]
    for pod, statefulset in wanted.items():
        if pod in pods and alive(pods[pod]):
            continue
        os.makedirs(path("logs"), exist_ok=True)
        with open(path("logs", pod + ".log"), "a") as out:
            process = subprocess.Popen(pod_command(statefulset, pod), stdin=subprocess.DEVNULL,
                                       stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        pods[pod] = process.pid
        log(f"started {pod} pid {process.pid}")
    save("pods.json", pods)


def ready(pod, timeout_s):
    deadline = time.time() + timeout_s
    url = f"http://127.0.0.1:{port_of(pod, 'management')}/ready"
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1) as answer:
                if answer.status == 200:
                    return True
        except Exception:
            pass
        time.sleep(0.1)
    return False


def option(args, name, default=None):
    for a in args:
        if a.startswith(name + "="):
            return a.split("=", 1)[1]
    if name in args:
        return args[args.index(name) + 1]
    return default


def seconds(text):
    return float(text[:-1]) * {"s": 1, "m": 60}[text[-1]]


def main(args):
    os.makedirs(STATE, exist_ok=True)
    log("kubectl " + " ".join(args))
    verb = args[0]
    objects = load("objects.json", {})
    if verb == "kill-all":
        for pid in load("pods.json", {}).values():
            stop_pid(pid, signal.SIGKILL)
        save("pods.json", {})
        if load("dns.json", {}):
            stop_pid(load("dns.json", {})["pid"], signal.SIGKILL)
            save("dns.json", {})
        return 0
    if verb == "dns-serve":
        return dns_serve(int(args[1]))
    if verb == "get" and args[1] == "namespace":
        return 0  # every namespace exists
    if verb == "apply":
        manifest = json.load(sys.stdin)
        objects[manifest["metadata"]["name"]] = manifest
        save("objects.json", objects)
        if manifest["kind"] == "StatefulSet":
            reconcile()
        return 0
    if verb == "delete":
        kinds = args[1].split(",")
        if "pod" in kinds and "-l" not in args:
            pods = load("pods.json", {})
            name = args[2]
            objects.pop(name, None)
            save("objects.json", objects)
            if name in pods:
                force = "--force" in args
                stop_pid(pods[name], signal.SIGKILL if force else signal.SIGTERM)
                log(f"deleted pod {name}")
            reconcile()  # the StatefulSet starts it again at once
            return 0
        selected = [n for n, o in objects.items() if o["kind"].lower() in kinds]
        if "-l" in args:
            wanted = dict(item.split("=") for item in option(args, "-l").split(","))
            selected = [n for n in selected
                        if all(objects[n]["metadata"].get("labels", {}).get(k) == v for k, v in wanted.items())]
        for name in selected:
            del objects[name]
        save("objects.json", objects)
        if "statefulset" in kinds:
            reconcile()
        if "persistentvolumeclaim" in kinds and "-l" in args:
            shutil.rmtree(path("volumes"), ignore_errors=True)
        return 0
    if verb == "rollout":
        name = args[2].split("/")[1]
        statefulset = objects[name]
        timeout = seconds(option(args, "--timeout", "300s"))
        return 0 if all(ready(f"{name}-{i}", timeout) for i in range(statefulset["spec"]["replicas"])) else 1
    if verb == "wait":
        name = args[1].split("/")[1]
        if objects.get(name, {}).get("kind") == "Pod":
            return 0  # the collector
        return 0 if ready(name, seconds(option(args, "--timeout", "120s"))) else 1
    if verb == "scale":
        name = args[1].split("/")[1]
        objects[name]["spec"]["replicas"] = int(option(args, "--replicas"))
        save("objects.json", objects)
        reconcile()
        return 0
    if verb == "logs":
        with open(path("logs", args[-1] + ".log")) as f:
            sys.stdout.write(f.read())
        return 0
    if verb == "cp":
        collector = objects[args[3].split(":")[0]]
        destination = args[4]
        for v in collector["spec"]["volumes"]:
            claim = path("volumes", v["persistentVolumeClaim"]["claimName"])
            if os.path.isdir(claim):
                shutil.copytree(claim, os.path.join(destination, v["name"]))
        return 0
    print(f"fake kubectl: unknown command {' '.join(args)}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
