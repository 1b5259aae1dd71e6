/** The one key of an object in stores, queues and maps: `namespace/name`, or the name of a cluster-scoped object. */
import { describe, expect, it } from 'vitest';
import { keyDefaultingNamespace, objectKey } from '../../src/api/object-key.js';

describe('objectKey', () => {
  it('is namespace/name for a namespaced object and the name for a cluster-scoped one (cache.MetaNamespaceKeyFunc)', () => {
    expect(objectKey({ metadata: { namespace: 'kube-system', name: 'coredns' } })).toBe('kube-system/coredns');
    expect(objectKey({ metadata: { name: 'node-1' } })).toBe('node-1');
    expect(objectKey({ metadata: { namespace: '', name: 'node-1' } })).toBe('node-1');
    expect(objectKey({})).toBe('');
  });
});

describe('keyDefaultingNamespace', () => {
  it('takes an unset namespace as default, as the API server would have', () => {
    expect(keyDefaultingNamespace({ metadata: { namespace: 'team-a', name: 'web-0' } })).toBe('team-a/web-0');
    expect(keyDefaultingNamespace({ metadata: { name: 'web-0' } })).toBe('default/web-0');
    expect(keyDefaultingNamespace({})).toBe('default/');
  });
});
