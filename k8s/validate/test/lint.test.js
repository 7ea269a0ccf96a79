// Tests of the cross-reference lint and the schema check: the rendered manifests are clean,
// and each kind of breakage is reported. Run by k8s/validate.sh --self-test, or by hand:
//   TROUPE_RENDERED=rendered.yaml TROUPE_RENDERED_JOB=job.yaml node --test test/
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const YAML = require('yaml');
const { lint, parseDuration } = require('../lint');
const { validateSchema } = require('../schema');

function load(env) {
  const file = process.env[env];
  if (!file) throw new Error(`${env} must name a rendered manifest file`);
  return YAML.parseAllDocuments(fs.readFileSync(file, 'utf8')).map((d) => d.toJS()).filter(Boolean);
}
const fresh = () => load('TROUPE_RENDERED');
const freshJob = () => load('TROUPE_RENDERED_JOB');
const find = (docs, kind) => docs.find((d) => d.kind === kind);
const node = (docs) => find(docs, 'StatefulSet').spec.template.spec.containers[0];

function expectProblem(docs, pattern) {
  const problems = lint(docs);
  assert.ok(problems.some((p) => pattern.test(p)),
    `expected a problem matching ${pattern}, got:\n${problems.join('\n') || '(none)'}`);
}

test('the rendered manifests are clean', () => {
  for (const docs of [fresh(), freshJob()]) {
    assert.deepStrictEqual(lint(docs), []);
    for (const d of docs) assert.deepStrictEqual(validateSchema(d), [], `${d.kind}/${d.metadata.name}`);
  }
});

test('discovery names the governing headless service and a declared port', () => {
  const docs = fresh();
  const args = node(docs).args;
  const at = args.findIndex((a) => String(a).startsWith('--discovery=dns:'));
  assert.ok(at >= 0, 'the StatefulSet uses --discovery=dns:');
  args[at] = '--discovery=dns:other.$(POD_NAMESPACE).svc.cluster.local';
  expectProblem(docs, /does not name the governing service 'troupe-headless'/);
  args[at] = '--discovery=kubernetes-api';
  expectProblem(docs, /supports DNS discovery only/);
  const renamed = fresh();
  node(renamed).args.push('--discovery-port-name=peers');
  expectProblem(renamed, /--discovery-port-name peers is not a declared container port/);
});

test('discovery needs POD_IP for a wildcard listen and an SRV port on the governing service', () => {
  const docs = fresh();
  const c = node(docs);
  c.env = c.env.filter((e) => e.name !== 'POD_IP');
  expectProblem(docs, /--discovery with --listen 0\.0\.0\.0:7355 needs env POD_IP/);
  const renamed = fresh();
  const headless = renamed.find((d) => d.kind === 'Service' && d.metadata.name === 'troupe-headless');
  headless.spec.ports.find((p) => p.name === 'remoting').name = 'peers';
  expectProblem(renamed, /the governing service 'troupe-headless' has no port named remoting/);
});

test('durations', () => {
  assert.strictEqual(parseDuration('20s'), 20);
  assert.strictEqual(parseDuration('500ms'), 0.5);
  assert.strictEqual(parseDuration('2m'), 120);
  assert.strictEqual(parseDuration('soon'), null);
});

test('a probe on an undeclared port name', () => {
  const docs = fresh();
  node(docs).livenessProbe.httpGet.port = 'admin';
  expectProblem(docs, /livenessProbe port 'admin' is not a declared container port name/);
});

test('a probe on an undeclared port number', () => {
  const docs = fresh();
  node(docs).readinessProbe.httpGet.port = 9999;
  expectProblem(docs, /readinessProbe port 9999 is not a declared containerPort/);
});

test('a node container without a readiness probe (a misspelt field)', () => {
  const docs = fresh();
  node(docs).readinesProbe = node(docs).readinessProbe;
  delete node(docs).readinessProbe;
  expectProblem(docs, /container troupe-node: no readinessProbe/);
});

test('a selector that does not match the template labels', () => {
  const docs = fresh();
  find(docs, 'StatefulSet').spec.template.metadata.labels = { app: 'other' };
  expectProblem(docs, /matchLabels .* do not match the template labels/);
  expectProblem(docs, /Service\/troupe-headless: selector .* matches no workload/);
  expectProblem(docs, /PodDisruptionBudget\/troupe: selector .* matches no workload/);
});

test('a grace period not longer than the node\'s shutdown grace', () => {
  const docs = fresh();
  find(docs, 'StatefulSet').spec.template.spec.terminationGracePeriodSeconds = 20;
  expectProblem(docs, /terminationGracePeriodSeconds 20 must be longer than the node's --grace 20s/);
  const defaults = fresh();
  node(defaults).args = node(defaults).args.filter((a) => !a.startsWith('--grace'));
  find(defaults, 'StatefulSet').spec.template.spec.terminationGracePeriodSeconds = 5;
  expectProblem(defaults, /longer than the node's --grace 10s \(default\)/);
});

test('RBAC missing a verb discovery needs', () => {
  const docs = fresh();
  find(docs, 'Role').rules[0].verbs = ['get', 'list'];
  expectProblem(docs, /may not watch pods, which discovery needs/);
});

test('RBAC granting more than discovery needs', () => {
  const docs = fresh();
  find(docs, 'Role').rules.push({ apiGroups: [''], resources: ['secrets'], verbs: ['get'] });
  expectProblem(docs, /is granted get on secrets, which discovery does not need/);
});

test('a RoleBinding to another service account', () => {
  const docs = fresh();
  find(docs, 'RoleBinding').subjects[0].name = 'default';
  expectProblem(docs, /may not get pods/);
  expectProblem(docs, /subject ServiceAccount 'default' is not among the manifests/);
});

test('a headless service that hides nodes that are not ready', () => {
  const docs = fresh();
  docs.find((d) => d.kind === 'Service' && d.metadata.name === 'troupe-headless').spec.publishNotReadyAddresses = false;
  expectProblem(docs, /publishNotReadyAddresses must be true/);
});

test('a service targeting an undeclared port name', () => {
  const docs = fresh();
  docs.find((d) => d.kind === 'Service' && d.spec.type === 'LoadBalancer').spec.ports[0].targetPort = 'client';
  expectProblem(docs, /targetPort 'client' is not a container port name/);
});

test('a PDB that allows more than one pod down', () => {
  const docs = fresh();
  find(docs, 'PodDisruptionBudget').spec.maxUnavailable = 2;
  expectProblem(docs, /maxUnavailable must be 1/);
});

test('an HPA aimed at a missing workload', () => {
  const docs = fresh();
  find(docs, 'HorizontalPodAutoscaler').spec.scaleTargetRef.name = 'troupe-nodes';
  expectProblem(docs, /scaleTargetRef StatefulSet\/troupe-nodes is not among the manifests/);
});

test('a missing secret and missing requests', () => {
  const docs = fresh().filter((d) => d.kind !== 'Secret');
  delete node(docs).resources.requests;
  expectProblem(docs, /Secret 'troupe-cluster-secret-[a-z0-9]+' is not among the manifests/);
  expectProblem(docs, /resources.requests.cpu and .memory must be set/);
});

test('an argument referring to an undeclared env var', () => {
  const docs = fresh();
  node(docs).env = node(docs).env.filter((e) => e.name !== 'POD_NAME');
  expectProblem(docs, /refers to \$\(POD_NAME\), which is not in its env/);
});

test('a Deployment must surge and never go below its replicas', () => {
  const docs = fresh();
  const sts = find(docs, 'StatefulSet');
  const deployment = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'troupe-d' },
    spec: { selector: sts.spec.selector, template: sts.spec.template,
            strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } } } };
  docs.push(deployment);
  expectProblem(docs, /Deployment\/troupe-d: rollingUpdate.maxUnavailable must be 0/);
  expectProblem(docs, /Deployment\/troupe-d: rollingUpdate.maxSurge must be at least 1/);
  deployment.spec.strategy.rollingUpdate = { maxSurge: 1, maxUnavailable: 0 };
  assert.deepStrictEqual(lint(docs).filter((p) => p.startsWith('Deployment/')), []);
});

test('a StatefulSet cannot take maxUnavailable 0', () => {
  const docs = fresh();
  find(docs, 'StatefulSet').spec.updateStrategy.rollingUpdate.maxUnavailable = 0;
  expectProblem(docs, /rollingUpdate.maxUnavailable 0/);
});

test('the Job\'s shard count must equal its completions', () => {
  const docs = freshJob();
  find(docs, 'Job').spec.completions = 6;
  expectProblem(docs, /--shard N is 8 but completions is 6/);
  const notIndexed = freshJob();
  delete find(notIndexed, 'Job').spec.completionMode;
  expectProblem(notIndexed, /--shard needs completionMode: Indexed/);
});

test('the schema check rejects wrong types and unknown kinds', () => {
  const docs = fresh();
  const sts = find(docs, 'StatefulSet');
  sts.spec.replicas = 'three';
  assert.match(validateSchema(sts)[0], /\/spec\/replicas must be integer/);
  assert.match(validateSchema({ apiVersion: 'apps/v1', kind: 'Statefulset', metadata: { name: 'x' } })[0],
    /unknown kind 'Statefulset'/);
  assert.match(validateSchema({ apiVersion: 'example.com/v9', kind: 'Thing', metadata: { name: 'x' } })[0],
    /unknown apiVersion/);
});

// The manifests `troupe k8s` generates for a scenario (k8s/chaos/testdata, golden files the
// C++ tests compare with the generator).
const scenarioManifests = () => YAML.parseAllDocuments(fs.readFileSync(
  require('path').join(__dirname, '../../chaos/testdata/kv-kill-restart.manifests.yaml'), 'utf8'))
  .map((d) => d.toJS()).filter(Boolean);
const scenarioNode = (docs) => docs.find((d) => d.kind === 'StatefulSet').spec.template.spec.containers[0];
const setArg = (c, flag, value) => {
  c.args = c.args.filter((a) => !a.startsWith(flag + '='));
  if (value !== null) c.args.push(`${flag}=${value}`);
};

test('the scenario manifests of troupe k8s are clean', () => {
  const docs = scenarioManifests();
  assert.deepStrictEqual(lint(docs), []);
  for (const d of docs) assert.deepStrictEqual(validateSchema(d), [], `${d.kind}/${d.metadata.name}`);
});

test('a scenario pod whose traces are not on its claim', () => {
  const docs = scenarioManifests();
  setArg(scenarioNode(docs), '--trace', '/tmp/trace-{incarnation}.jsonl');
  expectProblem(docs, /--trace \/tmp\/trace-\{incarnation\}.jsonl is not on a volumeClaimTemplate mount/);
});

test('a scenario pod whose restarts would overwrite its trace', () => {
  const docs = scenarioManifests();
  setArg(scenarioNode(docs), '--trace', '/var/lib/troupe/trace.jsonl');
  expectProblem(docs, /has no \{incarnation\}/);
});

test('a scenario pod without an incarnation counter or an epoch', () => {
  const docs = scenarioManifests();
  setArg(scenarioNode(docs), '--incarnation-file', null);
  setArg(scenarioNode(docs), '--epoch-ns', null);
  expectProblem(docs, /a scenario pod needs --incarnation-file/);
  expectProblem(docs, /a scenario pod needs --epoch-ns/);
});

test('every scenario StatefulSet finds its peers through the run\'s headless service', () => {
  const folder = require('path').join(__dirname, '../../chaos/testdata');
  const files = fs.readdirSync(folder).filter((f) => f.endsWith('.manifests.yaml'));
  assert.ok(files.length > 0, 'golden scenario manifests in k8s/chaos/testdata');
  for (const file of files) {
    const docs = YAML.parseAllDocuments(fs.readFileSync(require('path').join(folder, file), 'utf8'))
      .map((d) => d.toJS()).filter(Boolean);
    assert.deepStrictEqual(lint(docs), [], file);
    for (const s of docs.filter((d) => d.kind === 'StatefulSet')) {
      const args = s.spec.template.spec.containers[0].args;
      assert.ok(args.includes(`--discovery=dns:${s.spec.serviceName}.$(POD_NAMESPACE).svc.cluster.local`),
        `${file}: ${s.metadata.name} discovers through its governing service`);
      assert.ok(!args.some((a) => a.startsWith('--peers')), `${file}: ${s.metadata.name} has no fixed peer list`);
    }
  }
});

test('a scenario pod with discovery but without POD_IP', () => {
  const docs = scenarioManifests();
  const c = scenarioNode(docs);
  c.env = c.env.filter((e) => e.name !== 'POD_IP');
  expectProblem(docs, /--discovery with --listen 0\.0\.0\.0:7355 needs env POD_IP from the downward API/);
});
