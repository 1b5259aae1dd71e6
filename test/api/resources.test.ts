import { describe, it, expect } from 'vitest';
import { test, fc } from '@fast-check/vitest';
import {
  RESOURCES,
  isMetricsResource,
  findResource,
  resourceForKind,
  etcdKey,
  etcdListPrefix,
  apiPath,
  parseApiPath,
  qualifiedResource,
  qualifiedKind,
} from '../../src/api/resources.js';

describe('registry', () => {
  it('has every required resource once, in a fixed order', () => {
    expect(RESOURCES.map((r) => r.plural)).toEqual([
      'pods', 'nodes', 'namespaces', 'services', 'endpoints', 'events', 'configmaps', 'secrets', 'serviceaccounts',
      'persistentvolumes', 'persistentvolumeclaims', 'replicationcontrollers', 'resourcequotas', 'limitranges',
      'deployments', 'replicasets', 'daemonsets', 'statefulsets', 'controllerrevisions', 'jobs', 'cronjobs', 'horizontalpodautoscalers', 'poddisruptionbudgets',
      'leases', 'priorityclasses', 'roles', 'clusterroles', 'rolebindings', 'clusterrolebindings', 'endpointslices', 'ingresses', 'ingressclasses', 'networkpolicies', 'storageclasses',
      // metrics.k8s.io
      'nodes', 'pods',
      'selfsubjectreviews', 'tokenreviews', 'localsubjectaccessreviews', 'selfsubjectaccessreviews', 'selfsubjectrulesreviews', 'subjectaccessreviews',
    ]);
  });
  it('describes pods as discovery does', () => {
    const pods = findResource('po')!;
    expect(pods).toMatchObject({ group: '', version: 'v1', apiVersion: 'v1', kind: 'Pod', listKind: 'PodList', singular: 'pod', namespaced: true, categories: ['all'] });
    expect(pods.subresources.map((s) => s.name).sort()).toEqual(['attach', 'binding', 'ephemeralcontainers', 'eviction', 'exec', 'log', 'portforward', 'status']);
    expect(pods.subresources.find((s) => s.name === 'eviction')!.responseKind).toEqual({ group: 'policy', version: 'v1', kind: 'Eviction' });
    expect(pods.verbs).toContain('deletecollection');
  });
  it('gives deployments scale and status, and the all category', () => {
    const d = findResource('deploy')!;
    expect(d.apiVersion).toBe('apps/v1');
    expect(d.subresources.find((s) => s.name === 'scale')!.responseKind).toEqual({ group: 'autoscaling', version: 'v1', kind: 'Scale' });
    expect(RESOURCES.filter((r) => r.categories.includes('all')).map((r) => r.plural).sort()).toEqual(['cronjobs', 'daemonsets', 'deployments', 'horizontalpodautoscalers', 'jobs', 'pods', 'replicasets', 'replicationcontrollers', 'services', 'statefulsets']);
  });
  it('knows the workload and storage kinds by their short names', () => {
    expect(findResource('ds')).toMatchObject({ group: 'apps', kind: 'DaemonSet', namespaced: true, categories: ['all'] });
    expect(findResource('sts')).toMatchObject({ group: 'apps', kind: 'StatefulSet', namespaced: true, categories: ['all'] });
    expect(findResource('sts')!.subresources.map((s) => s.name).sort()).toEqual(['scale', 'status']);
    expect(findResource('controllerrevisions')).toMatchObject({ group: 'apps', kind: 'ControllerRevision', shortNames: [], categories: [] });
    expect(findResource('pv')).toMatchObject({ group: '', kind: 'PersistentVolume', namespaced: false, categories: [] });
    expect(findResource('pvc')).toMatchObject({ group: '', kind: 'PersistentVolumeClaim', namespaced: true });
    expect(findResource('sc')).toMatchObject({ group: 'storage.k8s.io', apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', namespaced: false });
    expect(etcdKey(findResource('pvc')!, 'default', 'data-db-0')).toBe('/registry/persistentvolumeclaims/default/data-db-0');
    expect(etcdKey(findResource('sc')!, undefined, 'standard')).toBe('/registry/storageclasses/standard');
  });
  it('uses the real etcd layout', () => {
    expect(etcdKey(findResource('pods')!, 'default', 'x')).toBe('/registry/pods/default/x');
    expect(etcdKey(findResource('nodes')!, undefined, 'n1')).toBe('/registry/minions/n1');
    expect(etcdKey(findResource('svc')!, 'kube-system', 'dns')).toBe('/registry/services/specs/kube-system/dns');
    expect(etcdKey(findResource('ep')!, 'default', 'k')).toBe('/registry/services/endpoints/default/k');
    expect(etcdKey(findResource('leases')!, 'kube-node-lease', 'n1')).toBe('/registry/leases/kube-node-lease/n1');
    expect(etcdKey(findResource('clusterroles')!, 'ignored', 'admin')).toBe('/registry/clusterroles/admin');
    expect(etcdListPrefix(findResource('deployments')!)).toBe('/registry/deployments/');
    expect(etcdListPrefix(findResource('deployments')!, 'ns1')).toBe('/registry/deployments/ns1/');
    expect(etcdListPrefix(findResource('nodes')!, 'ns1')).toBe('/registry/minions/');
    expect(() => etcdKey(findResource('pods')!, undefined, 'x')).toThrow(/namespace/);
  });
  it('keeps every etcd prefix distinct and not a prefix of another list prefix', () => {
    const prefixes = RESOURCES.map((r) => r.etcdPrefix);
    for (const a of prefixes) for (const b of prefixes) if (a !== b) expect(b.startsWith(a)).toBe(false);
  });
});

describe('findResource', () => {
  it('resolves plural, singular, kind and short names case-insensitively', () => {
    for (const name of ['pods', 'pod', 'Pod', 'PO', 'po']) expect(findResource(name)?.plural).toBe('pods');
    expect(findResource('deployments.apps')?.kind).toBe('Deployment');
    expect(findResource('deploy.apps')?.kind).toBe('Deployment');
    expect(findResource('deployments.v1.apps')?.kind).toBe('Deployment');
    expect(findResource('leases.coordination.k8s.io')?.kind).toBe('Lease');
    expect(findResource('clusterrolebinding')?.plural).toBe('clusterrolebindings');
    expect(findResource('deployments.batch')).toBeUndefined();
    expect(findResource('widgets')).toBeUndefined();
    expect(findResource('')).toBeUndefined();
  });
  it('resolves by apiVersion and kind', () => {
    expect(resourceForKind('apps/v1', 'ReplicaSet')?.plural).toBe('replicasets');
    expect(resourceForKind('v1', 'Deployment')).toBeUndefined();
    expect(resourceForKind('rbac.authorization.k8s.io/v1', 'Role')?.namespaced).toBe(true);
  });
  it('qualifies names as errors print them', () => {
    expect(qualifiedResource(findResource('pods')!)).toBe('pods');
    expect(qualifiedResource(findResource('deploy')!)).toBe('deployments.apps');
    expect(qualifiedKind(findResource('deploy')!)).toBe('Deployment.apps');
    expect(qualifiedKind(findResource('pods')!)).toBe('Pod');
  });
  it('every name of every resource finds that resource', () => {
    for (const r of RESOURCES) {
      // the metrics API's plurals (nodes, pods) are the core kinds' unless qualified, as in kubectl
      const names = isMetricsResource(r) ? [r.singular, r.kind, `${r.plural}.${r.group}`] : [r.plural, r.singular, r.kind, ...r.shortNames, `${r.plural}.${r.group}`];
      for (const n of names) {
        if (r.group === '' && n.endsWith('.')) continue;
        expect(findResource(n)).toBe(r);
      }
    }
    expect(findResource('pods')!.group).toBe('');
    expect(findResource('pods.metrics.k8s.io')!.kind).toBe('PodMetrics');
  });
});

describe('API paths', () => {
  it('builds paths', () => {
    expect(apiPath(findResource('pods')!, 'default', 'x')).toBe('/api/v1/namespaces/default/pods/x');
    expect(apiPath(findResource('pods')!)).toBe('/api/v1/pods');
    expect(apiPath(findResource('deploy')!, 'ns', 'web', 'scale')).toBe('/apis/apps/v1/namespaces/ns/deployments/web/scale');
    expect(apiPath(findResource('nodes')!, 'ignored', 'n1')).toBe('/api/v1/nodes/n1');
  });
  it('parses paths', () => {
    expect(parseApiPath('/api/v1/namespaces/default/pods/x/binding')).toMatchObject({ namespace: 'default', name: 'x', subresource: 'binding', info: { plural: 'pods' } });
    expect(parseApiPath('/api/v1/pods?limit=500')).toEqual({ info: findResource('pods') });
    expect(parseApiPath('/api/v1/namespaces')).toEqual({ info: findResource('ns') });
    expect(parseApiPath('/api/v1/namespaces/kube-system')).toEqual({ info: findResource('ns'), name: 'kube-system' });
    expect(parseApiPath('/api/v1/namespaces/kube-system/finalize')).toEqual({ info: findResource('ns'), name: 'kube-system', subresource: 'finalize' });
    expect(parseApiPath('/api/v1/namespaces/kube-system/status')).toEqual({ info: findResource('ns'), name: 'kube-system', subresource: 'status' });
    expect(parseApiPath('/api/v1/namespaces/default/pods')).toEqual({ info: findResource('pods'), namespace: 'default' });
    expect(parseApiPath('/api/v1/nodes/n1/status')).toEqual({ info: findResource('nodes'), name: 'n1', subresource: 'status' });
    expect(parseApiPath('/apis/apps/v1/namespaces/a/deployments/b/scale')).toMatchObject({ namespace: 'a', name: 'b', subresource: 'scale' });
    expect(parseApiPath('/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/n1')?.info.kind).toBe('Lease');
    expect(parseApiPath('/api/v1/watch/namespaces/default/pods')).toEqual({ info: findResource('pods'), namespace: 'default', watch: true });
  });
  it('rejects what the server would 404', () => {
    for (const p of ['/api/v1/namespaces/default/nodes', '/apis/apps/v2/deployments', '/api/v1/widgets', '/api/v1/pods/x/log', '/healthz', '/api', '/apis/apps/v1/namespaces/x/pods', '/api/v1/namespaces/d/pods/x/status/extra']) {
      expect(parseApiPath(p)).toBeUndefined();
    }
  });
  const nameArb = fc.stringMatching(/^[a-z0-9]([-a-z0-9.]{0,20}[a-z0-9])?$/);
  test.prop([fc.constantFrom(...RESOURCES), nameArb, nameArb])('parseApiPath inverts apiPath', (info, ns, name) => {
    const sub = info.subresources[0]?.name;
    expect(parseApiPath(apiPath(info, ns, name))).toEqual(info.namespaced ? { info, namespace: ns, name } : { info, name });
    if (sub) expect(parseApiPath(apiPath(info, ns, name, sub))).toMatchObject({ info, name, subresource: sub });
    expect(parseApiPath(apiPath(info, ns))).toEqual(info.namespaced ? { info, namespace: ns } : { info });
  });
});
