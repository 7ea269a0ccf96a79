#!/usr/bin/env node
// Usage: node validate.js FILE.yaml...   (multi-document YAML, as `kubectl kustomize` prints)
// Validates every document against the Kubernetes schemas (kubernetes-models), then runs
// the cross-reference lint over all documents of each file together. Exit 0: clean;
// 1: problems (one line each on stderr); 2: bad usage or unreadable YAML.
'use strict';
const fs = require('fs');
const YAML = require('yaml');
const { validateSchema } = require('./schema');
const { lint } = require('./lint');

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: validate.js FILE.yaml...');
  process.exit(2);
}
let problems = 0;
for (const file of files) {
  let docs;
  try {
    docs = YAML.parseAllDocuments(fs.readFileSync(file, 'utf8')).map((d) => {
      if (d.errors.length) throw new Error(d.errors[0].message);
      return d.toJS();
    }).filter((d) => d !== null);
  } catch (e) {
    console.error(`${file}: cannot read: ${e.message}`);
    process.exit(2);
  }
  const found = docs.length ? [] : ['no manifests in the file'];
  for (const doc of docs) found.push(...validateSchema(doc));
  found.push(...lint(docs));
  for (const p of found) console.error(`${file}: ${p}`);
  problems += found.length;
  if (found.length === 0) console.log(`${file}: ${docs.length} manifests valid`);
}
process.exit(problems ? 1 : 0);
