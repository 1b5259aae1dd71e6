import { describe, expect, it } from 'vitest';
import { networkPolicyAllows, type NetworkPolicyLike, type PolicyPod, type PolicyWorld } from '../../../machines/kubelet/network-policy.js';

const pod = (namespace: string, labels: Record<string, string>, ports: PolicyPod['ports'] = []): PolicyPod => ({ namespace, labels, ports });
const policy = (namespace: string, spec: NetworkPolicyLike['spec']): NetworkPolicyLike => ({ metadata: { namespace, name: 'p' }, spec });

// the pods of the examples on kubernetes.io's NetworkPolicy concept page
const db = pod('default', { role: 'db' }, [{ name: 'postgres', containerPort: 6379 }]);
const frontend = pod('default', { role: 'frontend' });
const other = pod('default', { role: 'other' });
const myproject = pod('myproject', { app: 'x' });
const world = (policies: NetworkPolicyLike[], pods: Record<string, PolicyPod> = { '10.64.1.2': db, '10.64.1.3': frontend, '10.64.1.4': other, '10.64.2.2': myproject }): PolicyWorld => ({
  policies,
  namespaces: { default: { 'kubernetes.io/metadata.name': 'default' }, myproject: { project: 'myproject', 'kubernetes.io/metadata.name': 'myproject' } },
  pods,
});
const at = (w: PolicyWorld, ip: string) => ({ ip, ...(w.pods[ip] ? { pod: w.pods[ip] } : {}) });
const allows = (w: PolicyWorld, from: string, to: string, port: number, protocol = 'TCP') => networkPolicyAllows(w, at(w, from), at(w, to), port, protocol);

describe('NetworkPolicy enforcement', () => {
  it('no policy: everything is allowed', () => {
    const w = world([]);
    expect(allows(w, '10.64.1.4', '10.64.1.2', 6379)).toBe(true);
  });

  it('default deny all ingress isolates every pod of the namespace for ingress only', () => {
    const w = world([policy('default', { podSelector: {}, policyTypes: ['Ingress'] })]);
    expect(allows(w, '10.64.1.3', '10.64.1.2', 6379)).toBe(false);
    expect(allows(w, '10.64.2.2', '10.64.1.2', 6379)).toBe(false);
    // egress from the isolated pods is not affected; pods of another namespace are not isolated
    expect(allows(w, '10.64.1.2', '10.64.2.2', 80)).toBe(true);
  });

  it('allow all ingress: an empty rule admits every peer and port', () => {
    const w = world([policy('default', { podSelector: {}, policyTypes: ['Ingress'], ingress: [{}] })]);
    expect(allows(w, '10.64.1.4', '10.64.1.2', 1)).toBe(true);
  });

  it('the concept page\'s test-network-policy: podSelector, namespaceSelector and ipBlock peers, port 6379/TCP', () => {
    const w = world([
      policy('default', {
        podSelector: { matchLabels: { role: 'db' } },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [{ from: [{ ipBlock: { cidr: '172.17.0.0/16', except: ['172.17.1.0/24'] } }, { namespaceSelector: { matchLabels: { project: 'myproject' } } }, { podSelector: { matchLabels: { role: 'frontend' } } }], ports: [{ protocol: 'TCP', port: 6379 }] }],
        egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/24' } }], ports: [{ protocol: 'TCP', port: 5978 }] }],
      }),
    ]);
    expect(allows(w, '10.64.1.3', '10.64.1.2', 6379)).toBe(true); // role=frontend
    expect(allows(w, '10.64.2.2', '10.64.1.2', 6379)).toBe(true); // namespace project=myproject
    expect(allows(w, '172.17.0.5', '10.64.1.2', 6379)).toBe(true); // in the block
    expect(allows(w, '172.17.1.5', '10.64.1.2', 6379)).toBe(false); // in the except
    expect(allows(w, '10.64.1.4', '10.64.1.2', 6379)).toBe(false); // role=other
    expect(allows(w, '10.64.1.3', '10.64.1.2', 6380)).toBe(false); // other port
    expect(allows(w, '10.64.1.3', '10.64.1.2', 6379, 'UDP')).toBe(false); // other protocol
    // the db pod's egress: only 10.0.0.0/24 on 5978
    expect(allows(w, '10.64.1.2', '10.0.0.7', 5978)).toBe(true);
    expect(allows(w, '10.64.1.2', '10.64.1.3', 80)).toBe(false);
    // frontend is not selected: its egress is free
    expect(allows(w, '10.64.1.3', '10.64.1.4', 80)).toBe(true);
  });

  it('namespaceSelector and podSelector in one peer select the pods of the namespaces; in two peers either', () => {
    const and = world([policy('default', { podSelector: { matchLabels: { role: 'db' } }, policyTypes: ['Ingress'], ingress: [{ from: [{ namespaceSelector: { matchLabels: { project: 'myproject' } }, podSelector: { matchLabels: { role: 'frontend' } } }] }] })]);
    expect(allows(and, '10.64.2.2', '10.64.1.2', 6379)).toBe(false); // myproject but not frontend
    expect(allows(and, '10.64.1.3', '10.64.1.2', 6379)).toBe(false); // frontend but not myproject
    const or = world([policy('default', { podSelector: { matchLabels: { role: 'db' } }, policyTypes: ['Ingress'], ingress: [{ from: [{ namespaceSelector: { matchLabels: { project: 'myproject' } } }, { podSelector: { matchLabels: { role: 'frontend' } } }] }] })]);
    expect(allows(or, '10.64.2.2', '10.64.1.2', 6379)).toBe(true);
    expect(allows(or, '10.64.1.3', '10.64.1.2', 6379)).toBe(true);
  });

  it('a named port matches the destination pod\'s container port of that name; endPort a range', () => {
    const named = world([policy('default', { podSelector: { matchLabels: { role: 'db' } }, policyTypes: ['Ingress'], ingress: [{ ports: [{ port: 'postgres' }] }] })]);
    expect(allows(named, '10.64.1.3', '10.64.1.2', 6379)).toBe(true);
    expect(allows(named, '10.64.1.3', '10.64.1.2', 5432)).toBe(false);
    const range = world([policy('default', { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ ports: [{ port: 32000, endPort: 32768 }] }] })]);
    expect(allows(range, '10.64.1.3', '10.64.1.2', 32000)).toBe(true);
    expect(allows(range, '10.64.1.3', '10.64.1.2', 32768)).toBe(true);
    expect(allows(range, '10.64.1.3', '10.64.1.2', 32769)).toBe(false);
  });

  it('policies add up: one allowing is enough; default deny egress blocks the source', () => {
    const w = world([
      policy('default', { podSelector: {}, policyTypes: ['Ingress'] }),
      policy('default', { podSelector: { matchLabels: { role: 'db' } }, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: { matchLabels: { role: 'frontend' } } }] }] }),
    ]);
    expect(allows(w, '10.64.1.3', '10.64.1.2', 6379)).toBe(true);
    expect(allows(w, '10.64.1.3', '10.64.1.4', 80)).toBe(false);
    const egress = world([policy('default', { podSelector: {}, policyTypes: ['Egress'] })]);
    expect(allows(egress, '10.64.1.3', '10.64.2.2', 80)).toBe(false);
    expect(allows(egress, '10.64.2.2', '10.64.1.3', 80)).toBe(true);
  });
});
