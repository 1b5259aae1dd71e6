/**
 * Writes `src/api/openapi-schemas.data.ts`: the OpenAPI v3 `components.schemas` of every kind the
 * API server serves, of their lists and subresource kinds, and of every struct they reach, named
 * and shaped as kube-apiserver publishes them (`io.k8s.api.core.v1.Pod`,
 * `io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta`; `$ref` wrapped in `allOf` beside a
 * description; `x-kubernetes-group-version-kind` on kinds). Read from the kubernetes-models
 * package through `models-reader.ts` (field names, types and formats, required fields, enums,
 * the upstream descriptions); the strategic-merge patch metadata (`x-kubernetes-patch-strategy`,
 * `x-kubernetes-patch-merge-key`, and the list types they imply) comes from `patch.ts`, the same
 * keys the API server merges and server-side apply tracks with, because the package does not
 * carry it and kubectl apply computes its patches from these schemas.
 *
 * Run: `npx tsx src/api/openapi-schemas.generate.ts` (again after adding a kind to resources.ts
 * or a merge key to patch.ts; a test fails while the data is stale).
 */
import { existsSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { ModelReader, type ModelField, type ModelStruct, type ModelType } from './models-reader.js';
import { patchSchemaFor, type PatchSchema } from './patch.js';
import { isMetricsResource, RESOURCES } from './resources.js';

type Json = Record<string, unknown>;

/** The name kube-apiserver gives the schema of a model (its long name and declaration file). */
function schemaName(long: string, file: string): string {
  const { machinery, path } = ModelReader.location(file);
  if (machinery) return `io.k8s.apimachinery.pkg.${path.split('/').join('.')}`;
  const m = /^IoK8sApi([A-Z][a-z0-9]*)(V\d+(?:alpha\d+|beta\d+)?)([A-Z]\w*)$/.exec(long);
  if (!m) throw new Error(`no schema name for ${long}`);
  return `io.k8s.api.${m[1]!.toLowerCase()}.${m[2]!.toLowerCase()}.${m[3]!}`;
}

/** Patch metadata per struct field: `long/field`. */
type FieldMeta = { strategy?: string; mergeKey?: string; list?: boolean };

function collectPatchMeta(reader: ModelReader, long: string, schema: PatchSchema, out: Map<string, FieldMeta>): void {
  const struct = reader.structs[long]!;
  for (const [name, meta] of Object.entries(schema)) {
    const field = struct.fields.find((f) => f.name === name);
    if (!field) throw new Error(`patch.ts names ${name}, which ${struct.go} does not have`);
    const strategies = [...(meta.strategy === 'merge' ? ['merge'] : []), ...(meta.retainKeys ? ['retainKeys'] : [])];
    if (strategies.length > 0 || meta.mergeKey) {
      out.set(`${long}/${name}`, { ...(strategies.length ? { strategy: strategies.join(',') } : {}), ...(meta.mergeKey ? { mergeKey: meta.mergeKey } : {}), list: field.type.kind === 'array' });
    }
    if (meta.fields) {
      const target = field.type.kind === 'array' ? field.type.items : field.type;
      if (target.kind !== 'struct') throw new Error(`patch.ts describes the fields of ${struct.go}.${name}, which is not a struct`);
      collectPatchMeta(reader, target.name, meta.fields, out);
    }
  }
}

/** Renders the data module. */
export function renderOpenApiSchemas(): string {
  const reader = new ModelReader();
  const roots: { long: string; kind: string }[] = [];
  const add = (group: string, version: string, kind: string): void => {
    const file = ModelReader.kindFile(group, version, kind);
    if (!existsSync(`${file}.d.ts`)) throw new Error(`kubernetes-models has no ${file}.d.ts`);
    roots.push({ long: reader.struct(file), kind });
  };
  for (const info of RESOURCES) {
    // the metrics API's kinds are not in kubernetes-models (metrics-server publishes their schemas)
    if (isMetricsResource(info)) continue;
    add(info.group, info.version, info.kind);
    if (existsSync(`${ModelReader.kindFile(info.group, info.version, info.listKind)}.d.ts`)) add(info.group, info.version, info.listKind);
    // the connect subresources' option kinds (PodExecOptions…) have no schema, as in kube-apiserver's
    for (const s of info.subresources) if (existsSync(`${ModelReader.kindFile(s.responseKind.group, s.responseKind.version, s.responseKind.kind)}.d.ts`)) add(s.responseKind.group, s.responseKind.version, s.responseKind.kind);
  }
  // autoscaling/v1 HorizontalPodAutoscaler, served by conversion beside the stored v2 (autoscaling-v1.ts)
  add('autoscaling', 'v1', 'HorizontalPodAutoscaler');
  add('autoscaling', 'v1', 'HorizontalPodAutoscalerList');
  // events.k8s.io/v1 Event, served by conversion from the stored core/v1 Event (events-v1.ts)
  add('events.k8s.io', 'v1', 'Event');
  add('events.k8s.io', 'v1', 'EventList');
  // what every group version's operations take and answer
  for (const name of ['Status', 'DeleteOptions', 'Patch', 'WatchEvent']) reader.struct(ModelReader.machineryFile(`apis/meta/v1/${name}`));
  // the descriptions of apiVersion and kind (TypeMeta), which the kinds' declarations leave out
  const status = reader.structs[reader.struct(ModelReader.machineryFile('apis/meta/v1/Status'))]!;
  const typeMetaDoc = (name: string) => status.fields.find((f) => f.name === name)!.description!;

  const patchMeta = new Map<string, FieldMeta>();
  for (const r of roots) {
    const schema = patchSchemaFor(r.kind);
    if (schema) collectPatchMeta(reader, r.long, schema, patchMeta);
  }

  const nameOf = (t: { kind: 'struct' | 'alias'; name: string }) => schemaName(t.name, t.kind === 'struct' ? reader.structs[t.name]!.file : reader.aliases[t.name]!.file);
  const ref = (t: { kind: 'struct' | 'alias'; name: string }) => ({ $ref: `#/components/schemas/${nameOf(t)}` });

  /** The schema of a type as a property (`field`), a list item or a map value. */
  function typeSchema(t: ModelType, where: 'field' | 'items' | 'values'): Json {
    switch (t.kind) {
      case 'string':
        return { ...(where === 'field' ? {} : { default: '' }), ...(t.enum ? { enum: t.enum } : {}), ...(t.format ? { format: t.format } : {}), type: 'string' };
      case 'boolean':
        return { type: 'boolean' };
      case 'number':
        return t.format === 'float64' ? { format: 'double', type: 'number' } : { format: t.format, type: 'integer' };
      case 'any':
        return { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
      case 'array':
        return { items: typeSchema(t.items, 'items'), type: 'array' };
      case 'map':
        return { additionalProperties: typeSchema(t.values, 'values'), type: 'object' };
      case 'struct':
        return where === 'field' ? { allOf: [ref(t)] } : { allOf: [ref(t)], default: {} };
      case 'alias':
        return where === 'field' ? { allOf: [ref(t)] } : ref(t);
    }
  }

  function fieldSchema(s: ModelStruct, f: ModelField): Json {
    if (s.typeMeta && (f.name === 'apiVersion' || f.name === 'kind')) return { description: typeMetaDoc(f.name), type: 'string' };
    const base = typeSchema(f.type, 'field');
    const meta = patchMeta.get(`${s.long}/${f.name}`);
    const ext: Json = {};
    if (meta?.list) {
      if (meta.mergeKey) Object.assign(ext, { 'x-kubernetes-list-map-keys': [meta.mergeKey], 'x-kubernetes-list-type': 'map' });
      else if (meta.strategy?.includes('merge')) ext['x-kubernetes-list-type'] = 'set';
    }
    if (meta?.mergeKey) ext['x-kubernetes-patch-merge-key'] = meta.mergeKey;
    if (meta?.strategy) ext['x-kubernetes-patch-strategy'] = meta.strategy;
    const { allOf, ...rest } = base;
    return { ...(allOf ? { allOf } : {}), ...(f.description ? { description: f.description } : {}), ...rest, ...ext };
  }

  const schemas: Record<string, Json> = {};
  for (const s of Object.values(reader.structs)) {
    const properties: Record<string, Json> = {};
    for (const f of [...s.fields].sort((a, b) => (a.name < b.name ? -1 : 1))) properties[f.name] = fieldSchema(s, f);
    const required = s.fields.filter((f) => f.required && !(s.typeMeta && (f.name === 'apiVersion' || f.name === 'kind'))).map((f) => f.name).sort();
    const schema: Json = { ...(s.description ? { description: s.description } : {}), ...(s.fields.length ? { properties } : {}), ...(required.length ? { required } : {}), type: 'object' };
    if (s.typeMeta) {
      const apiVersion = s.fields.find((f) => f.name === 'apiVersion')?.type;
      const kind = s.fields.find((f) => f.name === 'kind')?.type;
      if (apiVersion?.kind === 'string' && apiVersion.enum?.length === 1 && kind?.kind === 'string' && kind.enum?.length === 1) {
        const [group, version] = apiVersion.enum[0]!.includes('/') ? apiVersion.enum[0]!.split('/') : ['', apiVersion.enum[0]!];
        schema['x-kubernetes-group-version-kind'] = [{ group, kind: kind.enum[0]!, version }];
      }
    }
    schemas[schemaName(s.long, s.file)] = schema;
  }
  for (const a of Object.values(reader.aliases)) {
    const d = a.description ? { description: a.description } : {};
    const forms: Record<typeof a.form, Json> = {
      quantity: { ...d, oneOf: [{ type: 'string' }, { type: 'number' }] },
      intstr: { ...d, format: 'int-or-string', oneOf: [{ type: 'integer' }, { type: 'string' }] },
      time: { ...d, format: 'date-time', type: 'string' },
      any: { ...d, type: 'object' },
      string: { ...d, type: 'string' },
    };
    schemas[schemaName(a.long, a.file)] = forms[a.form];
  }
  const sorted = Object.fromEntries(Object.entries(schemas).sort(([a], [b]) => (a < b ? -1 : 1)));
  return `/**
 * The OpenAPI v3 schemas of the served kinds and the structs they reach, as kube-apiserver names
 * them, for \`/openapi/v3\` (\`src/http/openapi.ts\`): a JSON text parsed once, on first use.
 * Generated by \`npx tsx src/api/openapi-schemas.generate.ts\` from kubernetes-models and the
 * patch metadata of \`patch.ts\`: do not edit.
 */
export const OPENAPI_SCHEMAS_JSON = ${JSON.stringify(JSON.stringify(sorted))};
`;
}

/** Where the data module is written. */
export const OPENAPI_SCHEMAS_FILE = new URL('./openapi-schemas.data.ts', import.meta.url);

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  writeFileSync(OPENAPI_SCHEMAS_FILE, renderOpenApiSchemas());
  console.log(`wrote ${OPENAPI_SCHEMAS_FILE.pathname}`);
}
