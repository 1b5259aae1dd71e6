import { describe, it, expect } from 'vitest';
import { validateObject } from '../../src/api/validation.js';
import { applyDefaults } from '../../src/api/defaults.js';
import type { AnyObject, KubeObject } from '../../src/api/types.js';

const create = (obj: unknown) => validateObject(applyDefaults(obj as KubeObject), { operation: 'create', fieldValidation: 'Strict' });
const update = (obj: unknown, old: unknown) =>
  validateObject(applyDefaults(obj as KubeObject), { operation: 'update', old: applyDefaults(old as KubeObject), fieldValidation: 'Strict' });
const messages = (r: { causes: { field?: string; message?: string }[] }) => r.causes.map((c) => `${c.field}: ${c.message}`);

const quota = (spec: AnyObject): AnyObject => ({ apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q', namespace: 'default' }, spec });

describe('ResourceQuota (ValidateResourceQuota)', () => {
  it('accepts standard and fully qualified resource names', () => {
    expect(create(quota({ hard: { pods: '10', 'requests.cpu': '1', 'limits.memory': '2Gi', 'count/deployments.apps': '3', 'gold.storageclass.storage.k8s.io/requests.storage': '10Gi', 'requests.nvidia.com/gpu': '2' } })).causes).toEqual([]);
  });

  it('refuses unknown names, negative values and fractional counts with the real messages', () => {
    expect(messages(create(quota({ hard: { widgets: '1' } })))).toEqual([
      'spec.hard[widgets]: Invalid value: "widgets": must be a standard resource type or fully qualified',
      'spec.hard[widgets]: Invalid value: "widgets": must be a standard resource for quota',
    ]);
    expect(messages(create(quota({ hard: { pods: '-1' } })))).toEqual(['spec.hard[pods]: Invalid value: "-1": must be greater than or equal to 0']);
    expect(messages(create(quota({ hard: { pods: '1500m' } })))).toEqual(['spec.hard[pods]: Invalid value: "1500m": must be an integer']);
    // storage is a standard resource, but not one quota knows
    expect(messages(create(quota({ hard: { storage: '1Gi' } })))).toEqual(['spec.hard[storage]: Invalid value: "storage": must be a standard resource for quota']);
  });

  it('validates scopes: standard, valid for the hard resources, not conflicting', () => {
    expect(create(quota({ hard: { pods: '5', 'requests.cpu': '1' }, scopes: ['NotTerminating', 'NotBestEffort'] })).causes).toEqual([]);
    expect(messages(create(quota({ hard: { pods: '5' }, scopes: ['Sometimes'] })))).toEqual(['spec.scopes: Invalid value: []core.ResourceQuotaScope{"Sometimes"}: unsupported scope']);
    expect(messages(create(quota({ hard: { 'requests.cpu': '1' }, scopes: ['BestEffort'] })))).toEqual([
      'spec.scopes: Invalid value: []core.ResourceQuotaScope{"BestEffort"}: unsupported scope applied to resource',
    ]);
    expect(messages(create(quota({ hard: { services: '1' }, scopes: ['Terminating'] })))).toEqual([
      'spec.scopes: Invalid value: []core.ResourceQuotaScope{"Terminating"}: unsupported scope applied to resource',
    ]);
    expect(messages(create(quota({ hard: { pods: '1' }, scopes: ['BestEffort', 'NotBestEffort'] })))).toEqual([
      'spec.scopes: Invalid value: []core.ResourceQuotaScope{"BestEffort", "NotBestEffort"}: conflicting scopes',
    ]);
  });

  it('validates the scope selector', () => {
    const sel = (expr: AnyObject) => quota({ hard: { pods: '1' }, scopeSelector: { matchExpressions: [expr] } });
    expect(create(sel({ scopeName: 'PriorityClass', operator: 'In', values: ['high'] })).causes).toEqual([]);
    expect(messages(create(sel({ scopeName: 'PriorityClass', operator: 'In', values: [] })))).toEqual([
      "spec.scopeSelector.matchExpressions.values: Required value: must be at least one value when `operator` is 'In' or 'NotIn' for scope selector",
    ]);
    expect(messages(create(sel({ scopeName: 'BestEffort', operator: 'In', values: ['x'] })))[0]).toBe(
      'spec.scopeSelector.matchExpressions.operator: Invalid value: "In": must be \'Exist\' when scope is any of ResourceQuotaScopeTerminating, ResourceQuotaScopeNotTerminating, ResourceQuotaScopeBestEffort, ResourceQuotaScopeNotBestEffort or ResourceQuotaScopeCrossNamespacePodAffinity',
    );
    expect(messages(create(sel({ scopeName: 'PriorityClass', operator: 'Exists', values: ['x'] })))).toEqual([
      'spec.scopeSelector.matchExpressions.values: Invalid value: []string{"x"}: must be no value when `operator` is \'Exist\' or \'DoesNotExist\' for scope selector',
    ]);
  });

  it('keeps the scopes on update (ValidateResourceQuotaUpdate)', () => {
    const old = quota({ hard: { pods: '1' }, scopes: ['BestEffort'] });
    expect(messages(update(quota({ hard: { pods: '1' }, scopes: ['NotBestEffort'] }), old))).toEqual(['spec.scopes: Invalid value: []core.ResourceQuotaScope{"NotBestEffort"}: field is immutable']);
    expect(update(quota({ hard: { pods: '2' }, scopes: ['BestEffort'] }), old).causes).toEqual([]);
  });
});
