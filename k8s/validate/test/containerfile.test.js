// Tests of the Containerfile cross-checks (containerfile.js) against the real Containerfile
// and the rendered manifests (TROUPE_RENDERED, TROUPE_RENDERED_JOB; k8s/validate.sh sets them).
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const path = require('path');
const YAML = require('yaml');
const { checkContainerfile } = require('../containerfile');

const repoRoot = path.resolve(__dirname, '../../..');
const containerfile = fs.readFileSync(path.join(repoRoot, 'k8s/Containerfile'), 'utf8');
const load = (env) => YAML.parseAllDocuments(fs.readFileSync(process.env[env], 'utf8')).map((d) => d.toJS()).filter(Boolean);
const docs = () => [...load('TROUPE_RENDERED'), ...load('TROUPE_RENDERED_JOB')];
const node = (d) => d.find((x) => x.kind === 'StatefulSet').spec.template.spec.containers[0];
const job = (d) => d.find((x) => x.kind === 'Job').spec.template.spec.containers[0];

function expectProblem(problems, pattern) {
  assert.ok(problems.some((p) => pattern.test(p)), `expected ${pattern}, got:\n${problems.join('\n') || '(none)'}`);
}

test('the Containerfile and the manifests agree', () => {
  assert.deepStrictEqual(checkContainerfile(containerfile, docs(), repoRoot), []);
});

test('a shell-form ENTRYPOINT is refused', () => {
  const shellForm = containerfile.replace(/^ENTRYPOINT .*$/m, 'ENTRYPOINT /usr/local/bin/troupe-node');
  expectProblem(checkContainerfile(shellForm, docs(), repoRoot), /ENTRYPOINT must be in exec form/);
});

test('container ports and EXPOSE must agree', () => {
  const d = docs();
  node(d).ports.push({ name: 'metrics', containerPort: 9090 });
  expectProblem(checkContainerfile(containerfile, d, repoRoot), /port 9090 is not EXPOSEd/);
  const fewer = containerfile.replace(/^EXPOSE .*$/m, 'EXPOSE 7355');
  expectProblem(checkContainerfile(fewer, docs(), repoRoot), /port 8558 is not EXPOSEd/);
});

test('a program the image does not install, and a missing scenario', () => {
  const d = docs();
  job(d).command = ['/usr/bin/troupe'];
  job(d).env.find((e) => e.name === 'SCENARIO').value = '/usr/share/troupe/scenarios/nope.json';
  const problems = checkContainerfile(containerfile, d, repoRoot);
  expectProblem(problems, /runs \/usr\/bin\/troupe, which the image does not install/);
  expectProblem(problems, /names scenarios\/nope.json, which does not exist/);
});
