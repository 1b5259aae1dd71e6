import { describe, it, expect } from 'vitest';
import { validateObject } from '../../src/api/validation.js';
import { applyDefaults } from '../../src/api/defaults.js';
import type { AnyObject, KubeObject } from '../../src/api/types.js';

const create = (obj: unknown) => validateObject(applyDefaults(obj as KubeObject), { operation: 'create', fieldValidation: 'Strict' });
const update = (obj: unknown, old: unknown) => validateObject(applyDefaults(obj as KubeObject), { operation: 'update', old: applyDefaults(old as KubeObject), fieldValidation: 'Strict' });
const messages = (r: { causes: { field?: string; message?: string }[] }) => r.causes.map((c) => `${c.field}: ${c.message}`);

const ingress = (spec: AnyObject): AnyObject => ({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web', namespace: 'default' }, spec });
const path = (p: AnyObject): AnyObject => ({ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } }, ...p });
const rule = (p: AnyObject, host = 'example.com'): AnyObject => ({ host, http: { paths: [path(p)] } });

describe('Ingress (ValidateIngressSpec)', () => {
  it('accepts rules, a default backend, wildcard hosts', () => {
    expect(create(ingress({ rules: [rule({}, '*.example.com')], tls: [{ hosts: ['*.example.com'], secretName: 'tls' }] })).causes).toEqual([]);
    expect(create(ingress({ defaultBackend: { service: { name: 'web', port: { name: 'http' } } } })).causes).toEqual([]);
  });

  it('refuses what kube-apiserver refuses, with its paths and messages', () => {
    expect(messages(create(ingress({})))).toEqual(['spec: Invalid value: []networking.IngressRule(nil): either `defaultBackend` or `rules` must be specified']);
    expect(messages(create(ingress({ rules: [rule({ pathType: 'Exact', path: 'relative' })] })))).toEqual(['spec.rules[0].http.paths[0].path: Invalid value: "relative": must be an absolute path']);
    expect(messages(create(ingress({ rules: [rule({ path: '/a//b' })] })))).toEqual(["spec.rules[0].http.paths[0].path: Invalid value: \"/a//b\": must not contain '//'"]);
    expect(messages(create(ingress({ rules: [rule({ pathType: 'Regex' })] })))).toEqual([
      'spec.rules[0].http.paths[0].pathType: Unsupported value: "Regex": supported values: "Exact", "ImplementationSpecific", "Prefix"',
    ]);
    expect(messages(create(ingress({ rules: [rule({ backend: { service: { name: 'web', port: {} } } })] })))).toEqual(['spec.rules[0].http.paths[0].backend: Required value: port name or number is required']);
    expect(messages(create(ingress({ rules: [rule({ backend: { service: { name: 'web', port: { name: 'http', number: 80 } } } })] })))).toEqual([
      'spec.rules[0].http.paths[0].backend: Invalid value: "": cannot set both port name & port number',
    ]);
    expect(messages(create(ingress({ rules: [rule({ backend: { service: { name: 'Web', port: { number: 80 } } } })] })))[0]).toMatch(/^spec\.rules\[0\]\.http\.paths\[0\]\.backend\.service\.name: Invalid value: "Web": a DNS-1035 label must consist of lower case/);
    expect(messages(create(ingress({ rules: [{ host: 'example.com', http: { paths: [] } }] })))).toContain('spec.rules[0].http.paths: Required value');
  });
});

describe('IngressClass and NetworkPolicy', () => {
  const cls = (spec: AnyObject): AnyObject => ({ apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'nginx' }, spec });
  const np = (spec: AnyObject): AnyObject => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'np', namespace: 'default' }, spec });

  it('validates the IngressClass controller, defaults the parameters\' scope, keeps the controller', () => {
    expect(messages(create(cls({ controller: 'nginx' })))).toEqual(['spec.controller: Invalid value: "nginx": must be a domain-prefixed path (such as "acme.io/foo")']);
    expect(messages(create(cls({})))).toEqual(['spec.controller: Required value']);
    const withParams = applyDefaults(cls({ controller: 'example.com/lb', parameters: { kind: 'Params', name: 'p' } }) as KubeObject) as Record<string, any>;
    expect(withParams.spec.parameters.scope).toBe('Cluster');
    expect(messages(update(cls({ controller: 'example.com/other' }), cls({ controller: 'example.com/lb' })))).toEqual(['spec.controller: Invalid value: "example.com/other": field is immutable']);
  });

  it('defaults policyTypes and protocols and validates peers and ports', () => {
    const d = applyDefaults(np({ podSelector: {}, egress: [{ ports: [{ port: 53 }] }] }) as KubeObject) as Record<string, any>;
    expect(d.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(d.spec.egress[0].ports).toEqual([{ port: 53, protocol: 'TCP' }]);
    expect(messages(create(np({ podSelector: {}, ingress: [{ from: [{}] }] })))).toEqual(['spec.ingress[0].from[0]: Required value: must specify a peer']);
    expect(messages(create(np({ podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/16', except: ['10.1.0.0/24'] }, podSelector: {} }] }] })))).toEqual([
      'spec.ingress[0].from[0].ipBlock.except[0]: Invalid value: "10.1.0.0/24": must be a strict subset of `cidr`',
      'spec.ingress[0].from[0]: Forbidden: may not specify both ipBlock and another peer',
    ]);
    expect(messages(create(np({ podSelector: {}, egress: [{ ports: [{ port: 'dns', endPort: 60 }] }] })))).toEqual(['spec.egress[0].ports[0].endPort: Invalid value: 60: may not be specified when `port` is non-numeric']);
    expect(messages(create(np({ podSelector: {}, policyTypes: ['Sideways'] })))).toEqual(['spec.policyTypes[0]: Unsupported value: "Sideways": supported values: "Ingress", "Egress"']);
  });
});
