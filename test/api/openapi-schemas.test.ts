/**
 * The generated OpenAPI v3 schemas (`src/api/openapi-schemas.data.ts`): up to date with their
 * generator, named and shaped as kube-apiserver publishes them, and carrying `patch.ts`'s
 * strategic-merge keys, which kubectl apply computes its patches from.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OPENAPI_SCHEMAS_JSON } from '../../src/api/openapi-schemas.data.js';
import { OPENAPI_SCHEMAS_FILE, renderOpenApiSchemas } from '../../src/api/openapi-schemas.generate.js';
import { isMetricsResource, RESOURCES } from '../../src/api/resources.js';

const schemas = JSON.parse(OPENAPI_SCHEMAS_JSON) as Record<string, any>;
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const CORE = 'io.k8s.api.core.v1';
const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';

describe('the OpenAPI v3 schemas', () => {
  it('are what the generator writes today (else: npx tsx src/api/openapi-schemas.generate.ts)', () => {
    expect(readFileSync(OPENAPI_SCHEMAS_FILE, 'utf8') === renderOpenApiSchemas()).toBe(true);
  }, 60_000);

  it('have one schema with x-kubernetes-group-version-kind for every served kind and its list', () => {
    const kinds = new Set(Object.values(schemas).flatMap((s) => (s['x-kubernetes-group-version-kind'] ?? []).map((g: any) => `${g.group}/${g.version}/${g.kind}`)));
    const missing = RESOURCES.filter((r) => !isMetricsResource(r)).flatMap((r) => [r.kind, r.listKind].map((k) => `${r.group}/${r.version}/${k}`)).filter((k) => !kinds.has(k));
    // the review kinds are never listed: they have no list kind
    expect(missing.filter((k) => !k.endsWith('ReviewList'))).toEqual([]);
    for (const sub of ['/v1/Binding', 'policy/v1/Eviction', 'autoscaling/v1/Scale', 'authentication.k8s.io/v1/TokenRequest']) expect(kinds.has(sub), sub).toBe(true);
  });

  it('name structs as kube-apiserver does, $ref them in allOf beside the description, and type their fields', () => {
    const pod = schemas[`${CORE}.Pod`];
    expect(pod['x-kubernetes-group-version-kind']).toEqual([{ group: '', kind: 'Pod', version: 'v1' }]);
    expect(pod.properties.metadata).toEqual({ allOf: [ref(`${META}.ObjectMeta`)], description: expect.stringMatching(/^Standard object's metadata/) });
    expect(pod.properties.apiVersion).toEqual({ description: expect.stringMatching(/^APIVersion defines the versioned schema/), type: 'string' });
    expect(pod.required).toBeUndefined();
    const container = schemas[`${CORE}.Container`];
    expect(container.required).toEqual(['name']);
    expect(container.properties.args).toEqual({ description: expect.any(String), items: { default: '', type: 'string' }, type: 'array' });
    expect(container.properties.imagePullPolicy).toMatchObject({ enum: ['Always', 'IfNotPresent', 'Never'], type: 'string' });
    expect(container.properties.imagePullPolicy.description).toContain('\n\nPossible enum values:\n - `"Always"` means');
    expect(schemas[`${CORE}.ContainerPort`].properties.containerPort).toMatchObject({ format: 'int32', type: 'integer' });
    expect(schemas[`${META}.ObjectMeta`].properties.generation).toMatchObject({ format: 'int64', type: 'integer' });
    expect(schemas[`${META}.ObjectMeta`].properties.creationTimestamp).toMatchObject({ allOf: [ref(`${META}.Time`)] });
    expect(schemas['io.k8s.api.autoscaling.v2.MetricTarget'].properties.averageValue).toMatchObject({ allOf: [ref('io.k8s.apimachinery.pkg.api.resource.Quantity')] });
    expect(schemas[`${CORE}.Secret`].properties.data.additionalProperties).toEqual({ default: '', format: 'byte', type: 'string' });
    expect(schemas[`${CORE}.ResourceRequirements`].properties.limits.additionalProperties).toEqual(ref('io.k8s.apimachinery.pkg.api.resource.Quantity'));
    expect(schemas[`${META}.Time`]).toEqual({ description: expect.stringMatching(/^Time is a wrapper/), format: 'date-time', type: 'string' });
    expect(schemas['io.k8s.apimachinery.pkg.util.intstr.IntOrString']).toMatchObject({ format: 'int-or-string', oneOf: [{ type: 'integer' }, { type: 'string' }] });
    expect(schemas['io.k8s.apimachinery.pkg.api.resource.Quantity']).toEqual({ oneOf: [{ type: 'string' }, { type: 'number' }] });
    expect(schemas['io.k8s.api.rbac.v1.PolicyRule']).toBeDefined();
    // a StatefulSet's claim templates are whole PersistentVolumeClaims
    expect(schemas['io.k8s.api.apps.v1.StatefulSetSpec'].properties.volumeClaimTemplates.items).toEqual({ allOf: [ref(`${CORE}.PersistentVolumeClaim`)], default: {} });
  });

  it('carry patch.ts strategic-merge keys, which kubectl apply merges lists by', () => {
    const container = schemas[`${CORE}.Container`].properties;
    expect(container.env).toMatchObject({ 'x-kubernetes-list-map-keys': ['name'], 'x-kubernetes-list-type': 'map', 'x-kubernetes-patch-merge-key': 'name', 'x-kubernetes-patch-strategy': 'merge' });
    expect(container.ports).toMatchObject({ 'x-kubernetes-patch-merge-key': 'containerPort', 'x-kubernetes-patch-strategy': 'merge' });
    expect(container.volumeMounts).toMatchObject({ 'x-kubernetes-patch-merge-key': 'mountPath', 'x-kubernetes-patch-strategy': 'merge' });
    expect(schemas[`${CORE}.EphemeralContainer`].properties.env).toMatchObject({ 'x-kubernetes-patch-merge-key': 'name' });
    const podSpec = schemas[`${CORE}.PodSpec`].properties;
    expect(podSpec.containers).toMatchObject({ 'x-kubernetes-patch-merge-key': 'name', 'x-kubernetes-patch-strategy': 'merge' });
    expect(podSpec.volumes).toMatchObject({ 'x-kubernetes-patch-merge-key': 'name', 'x-kubernetes-patch-strategy': 'merge,retainKeys' });
    expect(podSpec.tolerations['x-kubernetes-patch-strategy']).toBeUndefined();
    expect(schemas['io.k8s.api.apps.v1.DeploymentSpec'].properties.strategy).toMatchObject({ 'x-kubernetes-patch-strategy': 'retainKeys' });
    expect(schemas[`${META}.ObjectMeta`].properties.finalizers).toMatchObject({ 'x-kubernetes-list-type': 'set', 'x-kubernetes-patch-strategy': 'merge' });
    expect(schemas[`${CORE}.ServiceSpec`].properties.ports).toMatchObject({ 'x-kubernetes-patch-merge-key': 'port', 'x-kubernetes-patch-strategy': 'merge' });
    expect(schemas[`${CORE}.NodeStatus`].properties.addresses).toMatchObject({ 'x-kubernetes-patch-merge-key': 'type' });
  });

  it('every $ref resolves', () => {
    const refs = new Set<string>();
    const walk = (n: unknown): void => {
      if (Array.isArray(n)) n.forEach(walk);
      else if (n && typeof n === 'object') {
        for (const [k, v] of Object.entries(n)) {
          if (k === '$ref') refs.add(v as string);
          else walk(v);
        }
      }
    };
    walk(schemas);
    expect([...refs].filter((r) => !schemas[r.slice('#/components/schemas/'.length)])).toEqual([]);
  });
});
