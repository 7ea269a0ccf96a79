// Cross-checks between k8s/Containerfile and the rendered manifests:
//   - the final stage's ENTRYPOINT is in exec form (a JSON array: PID 1 gets SIGTERM);
//   - the ports the node containers (troupe-node, `troupe node`) declare are the ports the
//     image EXPOSEs;
//   - every absolute program a container runs (command[0]) is copied into the image's bin/;
//   - a scenario a Job runs from /usr/share/troupe/scenarios/ exists in scenarios/.
// checkContainerfile(text, docs, repoRoot) returns a list of problems.
'use strict';
const fs = require('fs');
const path = require('path');

function finalStage(text) {
  // Join continuation lines, drop comments, keep the instructions after the last FROM.
  const lines = text.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  let start = 0;
  lines.forEach((l, i) => { if (/^FROM\s/i.test(l)) start = i; });
  return lines.slice(start);
}

function checkContainerfile(text, docs, repoRoot) {
  const problems = [];
  const stage = finalStage(text);
  const entry = stage.filter((l) => /^ENTRYPOINT\s/i.test(l)).pop();
  let entrypoint = null;
  if (!entry) problems.push('Containerfile: the final stage has no ENTRYPOINT');
  else {
    try {
      entrypoint = JSON.parse(entry.replace(/^ENTRYPOINT\s+/i, ''));
      if (!Array.isArray(entrypoint)) throw new Error('not an array');
    } catch (e) {
      problems.push(`Containerfile: ENTRYPOINT must be in exec form (a JSON array), so the node is PID 1 and gets SIGTERM: ${entry}`);
    }
  }
  const exposed = new Set();
  for (const l of stage.filter((x) => /^EXPOSE\s/i.test(x))) {
    for (const p of l.split(/\s+/).slice(1)) exposed.add(Number(p.split('/')[0]));
  }
  // Programs installed by the final stage: COPY ... /usr/local/bin/ (a folder of the build
  // stage's /out/bin, which holds troupe and troupe-node).
  const binCopied = stage.some((l) => /^COPY\s.*\/usr\/local\/bin\/?$/i.test(l));
  const installed = new Set(binCopied ? ['/usr/local/bin/troupe', '/usr/local/bin/troupe-node'] : []);

  for (const w of docs.filter((d) => d && d.spec && d.spec.template && d.spec.template.spec)) {
    for (const c of w.spec.template.spec.containers || []) {
      const where = `${w.kind}/${w.metadata.name}: container ${c.name}`;
      const program = (c.command && c.command[0]) || (entrypoint && entrypoint[0]);
      if (program && program.startsWith('/') && !installed.has(program)) {
        problems.push(`${where}: runs ${program}, which the image does not install`);
      }
      // A node: the image's entrypoint (troupe-node), or `troupe node` as the command.
      const command = (c.command || []).map(String);
      const runsNode = !c.command || /(^|\/)troupe-node$/.test(command[0]) ||
        (/(^|\/)troupe$/.test(command[0]) && command[1] === 'node');
      if (runsNode) {
        const declared = new Set((c.ports || []).map((p) => p.containerPort));
        for (const p of declared) {
          if (!exposed.has(p)) problems.push(`${where}: port ${p} is not EXPOSEd by the image (EXPOSE ${[...exposed].join(' ')})`);
        }
        for (const p of exposed) {
          if (!declared.has(p)) problems.push(`${where}: the image EXPOSEs ${p}, which the container does not declare`);
        }
      }
      for (const e of c.env || []) {
        const m = /^\/usr\/share\/troupe\/scenarios\/(.+)$/.exec(String(e.value || ''));
        if (m && !fs.existsSync(path.join(repoRoot, 'scenarios', m[1]))) {
          problems.push(`${where}: env ${e.name} names scenarios/${m[1]}, which does not exist`);
        }
      }
    }
  }
  return problems;
}

module.exports = { checkContainerfile };

if (require.main === module) {
  // node containerfile.js CONTAINERFILE REPO_ROOT RENDERED.yaml...
  const YAML = require('yaml');
  const [containerfile, repoRoot, ...files] = process.argv.slice(2);
  if (!containerfile || !repoRoot || files.length === 0) {
    console.error('usage: containerfile.js CONTAINERFILE REPO_ROOT RENDERED.yaml...');
    process.exit(2);
  }
  const docs = files.flatMap((f) => YAML.parseAllDocuments(fs.readFileSync(f, 'utf8')).map((d) => d.toJS()).filter(Boolean));
  const problems = checkContainerfile(fs.readFileSync(containerfile, 'utf8'), docs, repoRoot);
  for (const p of problems) console.error(p);
  if (!problems.length) console.log(`${containerfile}: consistent with ${files.length} rendered files`);
  process.exit(problems.length ? 1 : 0);
}
