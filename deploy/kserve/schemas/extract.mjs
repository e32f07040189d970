// Regenerates the JSON schemas in this folder from KServe's CRDs (config/crd/full/serving.kserve.io_*.yaml in the
// kserve/kserve repository, Apache-2.0): node deploy/kserve/schemas/extract.mjs <servingruntimes.yaml> <inferenceservices.yaml>
// Keeps each CRD's openAPIV3Schema for the served storage version, without the `description` texts, and for the
// InferenceService only the predictor component (canary, explainer and transformer repeat the pod spec: ~400 KB).
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const here = dirname(fileURLToPath(import.meta.url));
const strip = (o) =>
  Array.isArray(o) ? o.map(strip) : o && typeof o === 'object' ? Object.fromEntries(Object.entries(o).filter(([k]) => k !== 'description').map(([k, v]) => [k, strip(v)])) : o;

for (const [file, out] of [[process.argv[2], 'servingruntime.schema.json'], [process.argv[3], 'inferenceservice.schema.json']]) {
  const crd = parse(readFileSync(file, 'utf8'));
  const version = crd.spec.versions.find((v) => v.storage) ?? crd.spec.versions[0];
  const openApi = strip(version.schema.openAPIV3Schema);
  if (crd.spec.names.kind === 'InferenceService') {
    const spec = openApi.properties.spec;
    spec.properties = { predictor: spec.properties.predictor };
  }
  const schema = {
    $comment: `openAPIV3Schema of ${crd.spec.group}/${version.name} ${crd.spec.names.kind} from KServe's CRD ${crd.metadata.name} (descriptions removed${crd.spec.names.kind === 'InferenceService' ? '; spec.predictor only' : ''})`,
    ...openApi,
  };
  writeFileSync(join(here, out), JSON.stringify(schema) + '\n');
  console.log(`${out}: ${crd.spec.names.kind} ${crd.spec.group}/${version.name}, ${JSON.stringify(schema).length} bytes`);
}
