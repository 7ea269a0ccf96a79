// Schema validation of one manifest with kubernetes-models (its JSON schemas of the
// Kubernetes API). Returns a list of messages; empty when the object is valid.
'use strict';

function modelModule(apiVersion) {
  // "v1" -> kubernetes-models/v1, "apps/v1" -> kubernetes-models/apps/v1, and so on.
  if (!/^[a-z0-9.]*\/?v[0-9a-z]+$/.test(apiVersion)) return null;
  try {
    return require(`kubernetes-models/${apiVersion}`);
  } catch (e) {
    return null;
  }
}

function validateSchema(doc) {
  const name = `${doc.kind}/${doc.metadata && doc.metadata.name}`;
  const mod = modelModule(String(doc.apiVersion || ''));
  if (!mod) return [`${name}: unknown apiVersion '${doc.apiVersion}'`];
  const Model = mod[doc.kind];
  if (typeof Model !== 'function') return [`${name}: unknown kind '${doc.kind}' in ${doc.apiVersion}`];
  try {
    new Model(doc).validate();
    return [];
  } catch (e) {
    const details = (e.errors || []).map((x) => `${x.instancePath || '/'} ${x.message}`);
    return [`${name}: schema: ${details.length ? details.join('; ') : e.message}`];
  }
}

module.exports = { validateSchema };
