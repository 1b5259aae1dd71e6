import { describe, expect, it } from 'vitest';
import type { Pod } from '../../../src/api/types.js';
import { createCluster } from '../../../src/cluster/create-cluster.js';
import { StatusError } from '../../../src/api/status.js';
import { admitServiceAccount } from '../../../machines/api-server/admission.js';

function pod(name: string, serviceAccountName?: string): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: { ...(serviceAccountName ? { serviceAccountName } : {}), containers: [{ name: 'c', image: 'nginx:1.27' }] },
  };
}

function refusal(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    if (error instanceof StatusError) return error.status;
    throw error;
  }
  return undefined;
}

describe('ServiceAccount admission', () => {
  it('refuses a pod whose ServiceAccount does not exist with kube-apiserver\'s 403, and admits it once the account exists', () => {
    const c = createCluster({ nodes: 0 });
    c.advance(1_000);
    expect(refusal(() => c.client.create(pod('ghostly', 'ghost')))).toMatchObject({
      code: 403,
      reason: 'Forbidden',
      message: 'pods "ghostly" is forbidden: error looking up service account default/ghost: serviceaccount "ghost" not found',
      details: { name: 'ghostly', kind: 'pods' },
    });
    expect(c.object('pods', 'ghostly')).toBeUndefined();
    c.client.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'ghost' } });
    expect(c.client.create(pod('ghostly', 'ghost')).spec?.serviceAccountName).toBe('ghost');
    // no account named: the default one, which every namespace of a booted cluster has
    expect(c.client.create(pod('plain')).spec?.serviceAccountName).toBe('default');
    c.stop();
  });

  it('leaves mirror pods alone', () => {
    const mirror = { metadata: { annotations: { 'kubernetes.io/config.mirror': 'abc' } }, spec: { serviceAccountName: 'nobody' } };
    expect(admitServiceAccount(mirror as never, 'kube-system', () => false)).toBeUndefined();
    expect(admitServiceAccount({ spec: {} } as never, 'team', () => false)).toBe('error looking up service account team/default: serviceaccount "default" not found');
  });
});
