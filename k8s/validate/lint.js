// Cross-reference lint of rendered Troupe manifests: the things a schema cannot see because
// they span fields or objects. lint(docs) returns a list of messages "Kind/name: problem";
// empty means clean. Each rule is documented in docs/kubernetes.md ("Validation").
'use strict';

// What discovery calls on the Kubernetes API (k8s/discovery): list and watch the pods of
// its namespace with the app label, get one pod. The Role must grant exactly this.
const DISCOVERY_NEEDS = [{ apiGroup: '', resource: 'pods', verbs: ['get', 'list', 'watch'] }];
const DEFAULT_NODE_GRACE_S = 10; // troupe-node's --grace default (docs/transport.md)

const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job']);

function id(doc) {
  return `${doc.kind}/${(doc.metadata && doc.metadata.name) || '?'}`;
}

// "20s", "500ms", "2m", "1h", "1.5s" -> seconds; null when not a duration.
function parseDuration(text) {
  const m = /^(\d+(?:\.\d+)?)(ns|us|ms|s|m|h)$/.exec(String(text).trim());
  if (!m) return null;
  const scale = { ns: 1e-9, us: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 }[m[2]];
  return Number(m[1]) * scale;
}

function labelsMatch(selector, labels) {
  if (!selector || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([k, v]) => labels && labels[k] === v);
}

function podSpec(doc) {
  return doc.spec && doc.spec.template && doc.spec.template.spec;
}

function templateLabels(doc) {
  return (doc.spec && doc.spec.template && doc.spec.template.metadata &&
          doc.spec.template.metadata.labels) || {};
}

// The value of a flag in an argument list: "--grace=20s" or "--grace", "20s".
function flagValue(args, flag) {
  for (let i = 0; i < args.length; i++) {
    const a = String(args[i]);
    if (a === flag && i + 1 < args.length) return String(args[i + 1]);
    if (a.startsWith(flag + '=')) return a.slice(flag.length + 1);
  }
  return null;
}

function isTroupeNode(container) {
  const cmd = [...(container.command || []), ...(container.args || [])].map(String);
  const image = String(container.image || '');
  const runsTroupeCommand = cmd.some((c) => /(^|\/)troupe$/.test(c));
  if (runsTroupeCommand) return cmd.includes('node');
  return /troupe/.test(image) || container.name === 'troupe-node';
}

function lint(docs) {
  const problems = [];
  const report = (doc, message) => problems.push(`${id(doc)}: ${message}`);
  const byKind = (kind) => docs.filter((d) => d && d.kind === kind);
  const workloads = docs.filter((d) => d && WORKLOAD_KINDS.has(d.kind) && podSpec(d));

  for (const doc of docs) {
    if (!doc || typeof doc !== 'object' || !doc.kind || !doc.metadata || !doc.metadata.name) {
      problems.push(`document without kind or metadata.name: ${JSON.stringify(doc).slice(0, 80)}`);
    }
  }

  for (const w of workloads) {
    const spec = podSpec(w);
    const labels = templateLabels(w);
    const matchLabels = w.spec.selector && w.spec.selector.matchLabels;
    // Jobs get their selector from the controller; the others must select their template.
    if (w.kind !== 'Job') {
      if (!matchLabels) report(w, 'spec.selector.matchLabels is missing');
      else if (!labelsMatch(matchLabels, labels)) {
        report(w, `spec.selector.matchLabels ${JSON.stringify(matchLabels)} do not match the template labels ${JSON.stringify(labels)}`);
      }
    }

    for (const c of [...(spec.initContainers || []), ...(spec.containers || [])]) {
      const where = `container ${c.name}`;
      const ports = c.ports || [];
      const names = new Set(ports.filter((p) => p.name).map((p) => p.name));
      const numbers = new Set(ports.map((p) => p.containerPort));
      for (const probeName of ['readinessProbe', 'livenessProbe', 'startupProbe']) {
        const probe = c[probeName];
        if (!probe) continue;
        const handler = probe.httpGet || probe.tcpSocket || probe.grpc;
        if (!handler) continue;
        const port = handler.port;
        if (typeof port === 'string') {
          if (!names.has(port)) report(w, `${where}: ${probeName} port '${port}' is not a declared container port name (declared: ${[...names].join(', ') || 'none'})`);
        } else if (!numbers.has(port)) {
          report(w, `${where}: ${probeName} port ${port} is not a declared containerPort`);
        }
      }
      if (!c.resources || !c.resources.requests ||
          c.resources.requests.cpu === undefined || c.resources.requests.memory === undefined) {
        report(w, `${where}: resources.requests.cpu and .memory must be set`);
      }
      // $(VAR) in command and args expands only from env declared in the container.
      const envNames = new Set((c.env || []).map((e) => e.name));
      for (const arg of [...(c.command || []), ...(c.args || [])]) {
        for (const m of String(arg).matchAll(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g)) {
          if (!envNames.has(m[1])) report(w, `${where}: '${arg}' refers to $(${m[1]}), which is not in its env`);
        }
      }
      // A node without probes would take traffic before it is a member and never be
      // restarted when stuck (a misspelt probe field ends up here too).
      if (w.kind !== 'Job' && isTroupeNode(c)) {
        for (const probeName of ['readinessProbe', 'livenessProbe']) {
          if (!c[probeName]) report(w, `${where}: no ${probeName}`);
        }
      }
      // The node must finish its graceful shutdown before the kubelet's SIGKILL.
      if (w.kind !== 'Job' && isTroupeNode(c)) {
        const args = [...(c.command || []), ...(c.args || [])];
        const graceText = flagValue(args, '--grace');
        const grace = graceText === null ? DEFAULT_NODE_GRACE_S : parseDuration(graceText);
        const period = spec.terminationGracePeriodSeconds === undefined ? 30 : spec.terminationGracePeriodSeconds;
        if (grace === null) report(w, `${where}: --grace '${graceText}' is not a duration`);
        else if (!(period > grace)) {
          report(w, `terminationGracePeriodSeconds ${period} must be longer than the node's --grace ${graceText === null ? DEFAULT_NODE_GRACE_S + 's (default)' : graceText}`);
        }
      }
    }

    // A scenario pod (`troupe node --scenario`, as `troupe k8s` runs it) must keep its
    // traces and its incarnation counter on a volume of its own that outlives the pod (a
    // volumeClaimTemplate): a killed or scaled-away pod's trace is part of the run, and a
    // restarted pod must count on from its last start. All pods share one --epoch-ns.
    if (w.kind === 'StatefulSet') {
      const claims = new Set(((w.spec.volumeClaimTemplates || [])).map((t) => t.metadata && t.metadata.name));
      for (const c of spec.containers || []) {
        const args = [...(c.command || []), ...(c.args || [])].map(String);
        if (!isTroupeNode(c) || flagValue(args, '--scenario') === null) continue;
        const persistent = (c.volumeMounts || []).filter((m) => claims.has(m.name) && !m.readOnly);
        const onClaim = (path) => persistent.some((m) => path.startsWith(m.mountPath.replace(/\/?$/, '/')));
        for (const flag of ['--trace', '--incarnation-file']) {
          const value = flagValue(args, flag);
          if (value === null) report(w, `container ${c.name}: a scenario pod needs ${flag}`);
          else if (!onClaim(value)) report(w, `container ${c.name}: ${flag} ${value} is not on a volumeClaimTemplate mount: it would be lost with the pod`);
        }
        const trace = flagValue(args, '--trace');
        if (trace !== null && !trace.includes('{incarnation}')) {
          report(w, `container ${c.name}: --trace ${trace} has no {incarnation}: a restarted pod would overwrite its earlier trace`);
        }
        if (flagValue(args, '--epoch-ns') === null) report(w, `container ${c.name}: a scenario pod needs --epoch-ns (one time 0 for the run)`);
      }
    }

    // `--discovery dns:NAME` (troupe node, docs/kubernetes.md): NAME must be the governing
    // headless service of this StatefulSet (SERVICE.NAMESPACE.svc...), and the SRV port name
    // (--discovery-port-name, "remoting" by default) a declared container port, or the
    // records the node asks for do not exist and it never finds a peer.
    if (w.kind === 'StatefulSet') {
      for (const c of spec.containers || []) {
        const args = [...(c.command || []), ...(c.args || [])].map(String);
        const method = flagValue(args, '--discovery');
        if (!isTroupeNode(c) || method === null) continue;
        if (!method.startsWith('dns:')) {
          report(w, `container ${c.name}: --discovery ${method} is not dns:SERVICE.NAMESPACE.svc.cluster.local (troupe node supports DNS discovery only)`);
          continue;
        }
        const service = method.slice(4).split('.')[0];
        if (service !== w.spec.serviceName) report(w, `container ${c.name}: --discovery ${method} does not name the governing service '${w.spec.serviceName}'`);
        const portName = flagValue(args, '--discovery-port-name') || 'remoting';
        if (!(c.ports || []).some((p) => p.name === portName)) report(w, `container ${c.name}: --discovery-port-name ${portName} is not a declared container port: the SRV records _${portName}._tcp do not exist`);
        // The SRV records are named after the Service's ports (not the container's).
        const governing = byKind('Service').find((s) => s.metadata.name === w.spec.serviceName);
        if (governing && !((governing.spec && governing.spec.ports) || []).some((p) => p.name === portName)) {
          report(w, `container ${c.name}: the governing service '${w.spec.serviceName}' has no port named ${portName}: the SRV records _${portName}._tcp do not exist`);
        }
        // With a wildcard --listen host the node's own address (which the bootstrap compares
        // with the discovered ones) is POD_IP: without it the node refuses to start.
        const listen = flagValue(args, '--listen') || '';
        const podIp = (c.env || []).find((e) => e.name === 'POD_IP');
        const fromStatus = podIp && podIp.valueFrom && podIp.valueFrom.fieldRef &&
          podIp.valueFrom.fieldRef.fieldPath === 'status.podIP';
        if (/^(0\.0\.0\.0|\[::\]|::):\d+$/.test(listen) && !fromStatus) {
          report(w, `container ${c.name}: --discovery with --listen ${listen} needs env POD_IP from the downward API (fieldRef status.podIP): the node's own address`);
        }
      }
    }

    // Secrets mounted as files must be in the rendered set (or the pods never start).
    for (const v of spec.volumes || []) {
      if (v.secret) {
        const found = byKind('Secret').some((s) => s.metadata.name === v.secret.secretName);
        if (!found) report(w, `volume ${v.name}: Secret '${v.secret.secretName}' is not among the manifests`);
      }
    }

    // Service account and the RBAC discovery needs.
    if (w.kind !== 'Job' && spec.serviceAccountName) {
      const sa = spec.serviceAccountName;
      const ns = w.metadata.namespace;
      if (!byKind('ServiceAccount').some((s) => s.metadata.name === sa)) {
        report(w, `serviceAccountName '${sa}' has no ServiceAccount`);
      }
      const bindings = byKind('RoleBinding').filter((b) => (b.subjects || []).some(
        (s) => s.kind === 'ServiceAccount' && s.name === sa && (s.namespace || ns) === ns));
      const rules = [];
      for (const b of bindings) {
        if (!b.roleRef || b.roleRef.kind !== 'Role') continue;
        const role = byKind('Role').find((r) => r.metadata.name === b.roleRef.name);
        if (!role) report(b, `roleRef names Role '${b.roleRef.name}', which is not among the manifests`);
        else rules.push(...(role.rules || []));
      }
      for (const need of DISCOVERY_NEEDS) {
        for (const verb of need.verbs) {
          const granted = rules.some((r) => (r.apiGroups || []).includes(need.apiGroup) &&
            (r.resources || []).includes(need.resource) && (r.verbs || []).includes(verb));
          if (!granted) report(w, `service account '${sa}' may not ${verb} ${need.resource}, which discovery needs`);
        }
      }
      // Exactly: nothing beyond what discovery calls.
      for (const r of rules) {
        for (const group of r.apiGroups || []) {
          for (const resource of r.resources || []) {
            for (const verb of r.verbs || []) {
              const needed = DISCOVERY_NEEDS.some((n) => n.apiGroup === group && n.resource === resource && n.verbs.includes(verb));
              if (!needed) report(w, `service account '${sa}' is granted ${verb} on ${resource}${group ? '.' + group : ''}, which discovery does not need`);
            }
          }
        }
      }
    }

    if (w.kind === 'StatefulSet') {
      const svc = byKind('Service').find((s) => s.metadata.name === w.spec.serviceName);
      if (!svc) report(w, `serviceName '${w.spec.serviceName}' has no Service`);
      else {
        if (svc.spec.clusterIP !== 'None') report(svc, 'the StatefulSet\'s governing service must be headless (clusterIP: None)');
        if (svc.spec.publishNotReadyAddresses !== true) report(svc, 'publishNotReadyAddresses must be true: peers must find nodes that are not yet Up');
      }
      const ru = w.spec.updateStrategy && w.spec.updateStrategy.rollingUpdate;
      if (ru && ru.maxUnavailable !== undefined && (ru.maxUnavailable === 0 || ru.maxUnavailable === '0%' || Number(ru.maxUnavailable) > 1)) {
        report(w, `rollingUpdate.maxUnavailable ${ru.maxUnavailable}: a StatefulSet takes 1 (0 is invalid, more than the PodDisruptionBudget's 1 breaks quorum)`);
      }
    }
    if (w.kind === 'Deployment') {
      const ru = (w.spec.strategy && w.spec.strategy.rollingUpdate) || {};
      if (w.spec.strategy && w.spec.strategy.type === 'Recreate') report(w, 'strategy Recreate stops every node at once');
      if (String(ru.maxUnavailable) !== '0') report(w, 'rollingUpdate.maxUnavailable must be 0');
      if (!(Number(ru.maxSurge) >= 1) && !/^[1-9]\d*%$/.test(String(ru.maxSurge))) report(w, 'rollingUpdate.maxSurge must be at least 1');
    }
    if (w.kind === 'Job') {
      for (const c of spec.containers || []) {
        const args = [...(c.command || []), ...(c.args || [])].map(String);
        const shard = flagValue(args, '--shard');
        if (shard === null) continue;
        const m = /^(.+)\/(\d+)$/.exec(shard);
        if (!m) { report(w, `--shard '${shard}' is not I/N`); continue; }
        if (w.spec.completionMode !== 'Indexed') report(w, '--shard needs completionMode: Indexed');
        if (m[1] !== '$(JOB_COMPLETION_INDEX)') report(w, `--shard index '${m[1]}' must be $(JOB_COMPLETION_INDEX)`);
        if (Number(m[2]) !== w.spec.completions) report(w, `--shard N is ${m[2]} but completions is ${w.spec.completions}: seeds would be skipped or run twice`);
      }
    }
  }

  for (const svc of byKind('Service')) {
    const selector = svc.spec && svc.spec.selector;
    if (!selector) continue;
    const targets = workloads.filter((w) => labelsMatch(selector, templateLabels(w)));
    if (targets.length === 0) { report(svc, `selector ${JSON.stringify(selector)} matches no workload's pods`); continue; }
    for (const p of svc.spec.ports || []) {
      if (typeof p.targetPort !== 'string') continue;
      const declared = targets.some((w) => (podSpec(w).containers || []).some(
        (c) => (c.ports || []).some((cp) => cp.name === p.targetPort)));
      if (!declared) report(svc, `targetPort '${p.targetPort}' is not a container port name of the selected pods`);
    }
  }

  for (const pdb of byKind('PodDisruptionBudget')) {
    const sel = pdb.spec && pdb.spec.selector && pdb.spec.selector.matchLabels;
    if (!workloads.some((w) => labelsMatch(sel, templateLabels(w)))) {
      report(pdb, `selector ${JSON.stringify(sel)} matches no workload's pods`);
    }
    if (pdb.spec.maxUnavailable !== 1) report(pdb, `maxUnavailable must be 1, is ${pdb.spec.maxUnavailable}`);
  }

  for (const hpa of byKind('HorizontalPodAutoscaler')) {
    const ref = hpa.spec.scaleTargetRef || {};
    if (!workloads.some((w) => w.kind === ref.kind && w.metadata.name === ref.name)) {
      report(hpa, `scaleTargetRef ${ref.kind}/${ref.name} is not among the manifests`);
    }
    if (hpa.spec.minReplicas !== undefined && hpa.spec.minReplicas > hpa.spec.maxReplicas) {
      report(hpa, 'minReplicas is above maxReplicas');
    }
  }

  for (const b of byKind('RoleBinding')) {
    for (const s of b.subjects || []) {
      if (s.kind === 'ServiceAccount' && !byKind('ServiceAccount').some((a) => a.metadata.name === s.name)) {
        report(b, `subject ServiceAccount '${s.name}' is not among the manifests`);
      }
    }
  }
  return problems;
}

module.exports = { lint, parseDuration, DISCOVERY_NEEDS };
