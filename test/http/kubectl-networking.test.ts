/**
 * networking.k8s.io/v1 with the real kubectl: `create ingress` (a protobuf body), `get ingress`
 * with kube-apiserver's CLASS, HOSTS, ADDRESS and PORTS columns, an Ingress refused by
 * validation; IngressClasses and NetworkPolicies applied, defaulted and listed. No controller acts
 * on them (as on a cluster without an ingress controller or a network plugin enforcing policies).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeObject } from '../../src/api/types.js';
import { HAS_KUBECTL, NO_KUBECTL_REASON, parseTable, startTestServer, type TestServer } from './helpers.js';

type Obj = KubeObject & Record<string, any>;

const MANIFESTS = `apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata:
  name: nginx
spec:
  controller: k8s.io/ingress-nginx
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: db
spec:
  podSelector:
    matchLabels:
      app: db
  ingress:
  - from:
    - podSelector:
        matchLabels:
          app: web
    ports:
    - port: 5432
`;

const BAD_INGRESS = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: bad
spec:
  rules:
  - host: 10.0.0.1
    http:
      paths:
      - path: /
        backend:
          service:
            name: web
            port:
              number: 80
`;

describe.skipIf(!HAS_KUBECTL)(`kubectl with Ingresses and NetworkPolicies${HAS_KUBECTL ? '' : ` (${NO_KUBECTL_REASON})`}`, () => {
  let s: TestServer;

  beforeAll(async () => {
    s = await startTestServer({ cluster: { nodes: 1, seed: 7 }, speed: 10 });
  });
  afterAll(async () => {
    await s?.stop();
  });

  it('create ingress and get ingress', async () => {
    const created = await s.kubectl(['create', 'ingress', 'web', '--class=nginx', '--rule=foo.example.com/bar=web:8080,tls=web-cert', '--rule=bar.example.com/*=api:http']);
    expect(created.stderr).toBe('');
    expect(created.stdout).toBe('ingress.networking.k8s.io/web created\n');
    const ing = s.cluster.object<Obj>('ingresses', 'web', 'default')!;
    expect(ing.spec).toEqual({
      ingressClassName: 'nginx',
      rules: [
        { host: 'foo.example.com', http: { paths: [{ path: '/bar', pathType: 'Exact', backend: { service: { name: 'web', port: { number: 8080 } } } }] } },
        { host: 'bar.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'api', port: { name: 'http' } } } }] } },
      ],
      tls: [{ hosts: ['foo.example.com'], secretName: 'web-cert' }],
    });
    const r = await s.kubectl(['get', 'ingress']);
    const [row] = parseTable(r.stdout);
    expect(Object.keys(row!)).toEqual(['NAME', 'CLASS', 'HOSTS', 'ADDRESS', 'PORTS', 'AGE']);
    expect(row).toMatchObject({ NAME: 'web', CLASS: 'nginx', HOSTS: 'foo.example.com,bar.example.com', ADDRESS: '', PORTS: '80, 443' });
    const d = await s.kubectl(['describe', 'ingress', 'web']);
    expect(d.code).toBe(0);
    expect(d.stdout).toMatch(/Ingress Class:\s+nginx/);
    expect(d.stdout).toMatch(/foo\.example\.com\s*\n\s+\/bar\s+web:8080/);
  });

  it('refuses an Ingress whose host is an IP address', async () => {
    const file = join(s.dir, 'bad.yaml');
    writeFileSync(file, BAD_INGRESS);
    const r = await s.kubectl(['apply', '-f', file]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('The Ingress "bad" is invalid: ');
    expect(r.stderr).toContain('spec.rules[0].host: Invalid value: "10.0.0.1": must be a DNS name, not an IP address');
    expect(r.stderr).toContain('spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified');
  });

  it('IngressClass and NetworkPolicy: applied, defaulted, listed', async () => {
    const file = join(s.dir, 'net.yaml');
    writeFileSync(file, MANIFESTS);
    const r = await s.kubectl(['apply', '-f', file]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('ingressclass.networking.k8s.io/nginx created\nnetworkpolicy.networking.k8s.io/db created\n');
    const np = s.cluster.object<Obj>('networkpolicies', 'db', 'default')!;
    expect(np.spec.policyTypes).toEqual(['Ingress']);
    expect(np.spec.ingress[0].ports).toEqual([{ port: 5432, protocol: 'TCP' }]);
    const [cls] = parseTable((await s.kubectl(['get', 'ingressclass'])).stdout);
    expect(cls).toMatchObject({ NAME: 'nginx', CONTROLLER: 'k8s.io/ingress-nginx', PARAMETERS: '<none>' });
    const [pol] = parseTable((await s.kubectl(['get', 'netpol'])).stdout);
    expect(pol).toMatchObject({ NAME: 'db', 'POD-SELECTOR': 'app=db' });
  });
});
