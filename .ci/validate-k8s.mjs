// Validates the Kubernetes manifests under deploy/kubernetes against the Kubernetes OpenAPI
// schemas packaged by the npm package kubernetes-models (no cluster, no kubectl): parses every
// YAML document, then checks each object of a known apiVersion/kind with the model's validate().
// The kustomization is checked for the files it lists. Usage: node validate-k8s.mjs <dir> <node_modules>
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const [dir, modules] = process.argv.slice(2);
const require = createRequire(path.join(path.resolve(modules), 'noop.js'));
const YAML = require('yaml');
// apiVersion/kind -> module of kubernetes-models (an ES module package, imported by file path)
const models = {
  'v1/ConfigMap': 'v1/ConfigMap',
  'v1/Secret': 'v1/Secret',
  'v1/Service': 'v1/Service',
  'apps/v1/Deployment': 'apps/v1/Deployment',
  'policy/v1/PodDisruptionBudget': 'policy/v1/PodDisruptionBudget',
  'batch/v1/Job': 'batch/v1/Job',
};
const load = async (rel) => {
  const mod = await import(pathToFileURL(path.join(path.resolve(modules), 'kubernetes-models', `${rel}.js`)).href);
  return mod[rel.split('/').pop()];
};

let failures = 0;
let checked = 0;
const fail = (file, message) => { failures++; console.error(`FAIL ${file}: ${message}`); };

for (const name of fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort()) {
  const file = path.join(dir, name);
  const docs = YAML.parseAllDocuments(fs.readFileSync(file, 'utf8'));
  for (const doc of docs) {
    if (doc.errors.length) { fail(file, doc.errors.map((e) => e.message).join('; ')); continue; }
    const obj = doc.toJS();
    if (obj == null) continue;
    if (obj.kind === 'Kustomization') {
      for (const res of obj.resources || []) {
        if (!fs.existsSync(path.join(dir, res))) fail(file, `lists ${res}, which does not exist`);
      }
      checked++;
      continue;
    }
    const key = `${obj.apiVersion}/${obj.kind}`;
    const model = models[key];
    if (!model) { fail(file, `no schema known here for ${key}`); continue; }
    try {
      const Model = await load(model);
      new Model(obj).validate();
      checked++;
      console.log(`ok   ${file}: ${key} ${obj.metadata && obj.metadata.name}`);
    } catch (e) {
      fail(file, `${key} ${obj.metadata && obj.metadata.name}: ${e.message}`);
    }
  }
}
if (checked === 0) { console.error('no manifests found'); process.exit(1); }
process.exit(failures ? 1 : 0);
