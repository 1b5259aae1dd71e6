import { describe, expect, it } from 'vitest';
import type { ConfigMap, ServiceAccount } from '../../../src/api/types.js';
import { CLUSTER_CA_CERT, DESCRIPTION_ANNOTATION, ROOT_CA_CONFIGMAP, ROOT_CA_DESCRIPTION } from '../../../machines/controllers/root-ca-publisher.js';
import { miniCluster, object } from './harness.js';

describe('serviceaccount controller', () => {
  it('gives every namespace, old and new, its default ServiceAccount, and puts it back when deleted', () => {
    const c = miniCluster(['serviceaccount']);
    for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
      expect(object<ServiceAccount>(c, 'serviceaccounts', 'default', ns), ns).toBeDefined();
    }
    c.client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } });
    c.advance(1_000);
    const sa = object<ServiceAccount>(c, 'serviceaccounts', 'default', 'team-a')!;
    expect(sa.metadata!.namespace).toBe('team-a');
    c.client.delete('serviceaccounts', 'default', { namespace: 'team-a' });
    c.advance(1_000);
    const again = object<ServiceAccount>(c, 'serviceaccounts', 'default', 'team-a')!;
    expect(again.metadata!.uid).not.toBe(sa.metadata!.uid);
    // other accounts are not the controller's business
    c.client.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'build', namespace: 'team-a' } });
    c.client.delete('serviceaccounts', 'build', { namespace: 'team-a' });
    c.advance(1_000);
    expect(object(c, 'serviceaccounts', 'build', 'team-a')).toBeUndefined();
  });
});

describe('root CA publisher', () => {
  it('publishes kube-root-ca.crt in every namespace and puts back what is changed or deleted', () => {
    const c = miniCluster(['root-ca-cert-publisher']);
    c.client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } });
    c.advance(1_000);
    for (const ns of ['default', 'kube-system', 'team-a']) {
      const cm = object<ConfigMap>(c, 'configmaps', ROOT_CA_CONFIGMAP, ns)!;
      expect(cm.data).toEqual({ 'ca.crt': CLUSTER_CA_CERT });
      expect(cm.metadata!.annotations![DESCRIPTION_ANNOTATION]).toBe(ROOT_CA_DESCRIPTION);
    }
    c.client.patch('configmaps', ROOT_CA_CONFIGMAP, { data: { 'ca.crt': 'tampered' } }, { namespace: 'team-a', type: 'merge' });
    c.advance(1_000);
    expect(object<ConfigMap>(c, 'configmaps', ROOT_CA_CONFIGMAP, 'team-a')!.data).toEqual({ 'ca.crt': CLUSTER_CA_CERT });
    c.client.delete('configmaps', ROOT_CA_CONFIGMAP, { namespace: 'team-a' });
    c.advance(1_000);
    expect(object<ConfigMap>(c, 'configmaps', ROOT_CA_CONFIGMAP, 'team-a')!.data).toEqual({ 'ca.crt': CLUSTER_CA_CERT });
  });
});
