/**
 * Typed client calls (src/api/resource-types.ts): the object type follows from the resource name or
 * the kind, and typos in names, kinds and fields fail at compile time. The `expectTypeOf` checks and
 * `@ts-expect-error` lines are checked by `tsc --noEmit` (tsconfig.json includes test/: an expected
 * error that no longer happens is itself an error); the calls run too, on a real cluster.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { createCluster, type Deployment, type KubeObject, type Node, type Pod } from '../../src/index.js';
import type { KindName, KindTypes, ResourceName, ResourceTypes } from '../../src/api/resource-types.js';
import { RESOURCES } from '../../src/api/resources.js';

describe('the resource type map', () => {
  it('maps names and kinds to kubernetes-models types', () => {
    expectTypeOf<ResourceTypes['pods']>().toEqualTypeOf<Pod>();
    expectTypeOf<ResourceTypes['deployments']>().toEqualTypeOf<Deployment>();
    expectTypeOf<KindTypes['Pod']>().toEqualTypeOf<Pod>();
    expectTypeOf<KindTypes['Node']>().toEqualTypeOf<Node>();
    expectTypeOf<'podz'>().not.toExtend<ResourceName>();
    expectTypeOf<'Deploymnet'>().not.toExtend<KindName>();
  });

  it('knows every resource of the registry (a new resource gets a line in ResourceTypes and here)', () => {
    // exactly the map's keys: the compiler refuses a missing or an extra one
    const typed: Record<ResourceName, true> = {
      pods: true, nodes: true, namespaces: true, services: true, endpoints: true, events: true, configmaps: true, secrets: true, serviceaccounts: true,
      persistentvolumes: true, persistentvolumeclaims: true, deployments: true, replicasets: true, daemonsets: true, statefulsets: true,
      controllerrevisions: true, leases: true, roles: true, clusterroles: true, rolebindings: true, clusterrolebindings: true, endpointslices: true, storageclasses: true,
      jobs: true, cronjobs: true, poddisruptionbudgets: true, replicationcontrollers: true, resourcequotas: true, limitranges: true, ingresses: true, ingressclasses: true, networkpolicies: true, priorityclasses: true, horizontalpodautoscalers: true,
      selfsubjectreviews: true, tokenreviews: true, localsubjectaccessreviews: true, selfsubjectaccessreviews: true, selfsubjectrulesreviews: true, subjectaccessreviews: true,
    };
    const served = RESOURCES.map((r) => r.plural);
    expect(served.filter((name) => !(name in typed)), 'resources of src/api/resources.ts missing from ResourceTypes (src/api/resource-types.ts)').toEqual([]);
    expect(Object.keys(typed).filter((name) => !served.includes(name))).toEqual([]);
  });
});

describe('typed calls', { timeout: 60_000 }, () => {
  it('infer the object type from the resource name and the kind, and refuse typos at compile time', () => {
    const cluster = createCluster({ nodes: 1, seed: 3 });
    cluster.runUntil(() => cluster.count('nodes') === 1, { timeout: 60_000 });

    const created = cluster.client.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web' },
      spec: { containers: [{ name: 'web', image: 'nginx' }] },
    });
    expectTypeOf(created).toEqualTypeOf<Pod>();
    expect(created.metadata?.name).toBe('web');

    const deployment = cluster.client.apply({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd' },
      spec: { selector: { matchLabels: { app: 'd' } }, template: { metadata: { labels: { app: 'd' } }, spec: { containers: [{ name: 'd', image: 'nginx' }] } } },
    });
    expectTypeOf(deployment).toEqualTypeOf<Deployment>();

    // typos in a field's type and a field's name of a known kind
    expect(() =>
      // @ts-expect-error image is a string
      cluster.client.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'typo' }, spec: { containers: [{ name: 'x', image: 1 }] } }),
    ).toThrow(/containers.*image/);
    expect(() =>
      // @ts-expect-error nam is not a field of a container
      cluster.client.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'typo' }, spec: { containers: [{ nam: 'x', image: 'nginx' }] } }),
    ).toThrow(/nam/);

    // a kind typo: not a known kind, and not a kind only known at run time
    expect(() =>
      // @ts-expect-error Deploymnet is not a kind
      cluster.client.create({ apiVersion: 'apps/v1', kind: 'Deploymnet', metadata: { name: 'x' } }),
    ).toThrow(/Deploymnet/);

    // the object type follows from the resource name
    const pod = cluster.object('pods', 'web');
    expectTypeOf(pod).toEqualTypeOf<Pod | undefined>();
    expectTypeOf(cluster.objects('nodes')).toEqualTypeOf<Node[]>();
    expectTypeOf(cluster.client.get('deployments', 'd')).toEqualTypeOf<Deployment>();
    expectTypeOf(cluster.client.list('pods').items).toEqualTypeOf<Pod[]>();
    // a type argument still names it (the call sites before the map)
    expectTypeOf(cluster.object<Pod>('pods', 'web')).toEqualTypeOf<Pod | undefined>();
    expectTypeOf(cluster.client.get<Deployment>('deployments', 'd')).toEqualTypeOf<Deployment>();

    // @ts-expect-error podz is not a resource
    expect(() => cluster.object<Pod>('podz', 'x')).toThrow(RangeError);
    // @ts-expect-error podz is not a resource
    expect(() => cluster.objects('podz')).toThrow(RangeError);
    // @ts-expect-error the pods resource holds Pods, not Deployments
    cluster.object<Deployment>('pods', 'web');
    // a type the map does not know yet (a resource added since) takes any name
    interface Widget extends KubeObject {
      kind: 'Widget';
      spec?: { size: number };
    }
    expect(() => cluster.object<Widget>('widgets', 'w')).toThrow(RangeError);
    expect(() => cluster.client.create<Widget>({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { size: 1 } })).toThrow(/Widget/);
    // @ts-expect-error an explicit type checks the object's fields too
    expect(() => cluster.client.create<Widget>({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { size: 'big' } })).toThrow(/Widget/);

    // a name only known at run time goes through the generic overload
    const resource: string = ['pods'][0]!;
    expectTypeOf(cluster.object(resource, 'web')).toEqualTypeOf<KubeObject | undefined>();
    expect(cluster.object(resource, 'web')?.metadata?.name).toBe('web');
    expectTypeOf(cluster.count(resource)).toEqualTypeOf<number>();

    // an object whose kind the map does not know (a KubeObject from a manifest) is created as it is
    const fromManifest: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' } };
    expectTypeOf(cluster.client.create(fromManifest)).toEqualTypeOf<KubeObject>();
    expect(cluster.object('configmaps', 'cm')?.metadata?.name).toBe('cm');
    cluster.stop();
  });
});
