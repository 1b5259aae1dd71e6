import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/api/types.js';
import { applyDefaults } from '../../src/api/defaults.js';
import { validateObject } from '../../src/api/validation.js';
import { mutatePodForLimitRanges, validateClaimForLimitRanges, validatePodForLimitRanges } from '../../src/api/limit-range.js';

type Obj = Record<string, any>;
const range = (limits: Obj[]): KubeObject => applyDefaults({ apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'lr', namespace: 'ns' }, spec: { limits } } as KubeObject);
const messages = (obj: KubeObject) => validateObject(obj, { operation: 'create', fieldValidation: 'Strict' }).causes.map((c) => `${c.field}: ${c.message}`);
const pod = (containers: Obj[], initContainers?: Obj[]): Obj => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'ns' },
  spec: { containers: containers.map((resources, i) => ({ name: `c${i}`, image: 'nginx', resources })), ...(initContainers ? { initContainers: initContainers.map((resources, i) => ({ name: `i${i}`, image: 'busybox', resources })) } : {}) },
});

describe('LimitRange defaults and validation (SetDefaults_LimitRangeItem, ValidateLimitRange)', () => {
  it('defaults a Container item\'s default limit to max and default request to the default limit, else min', () => {
    const lr = range([{ type: 'Container', max: { cpu: '2' }, min: { memory: '64Mi' } }, { type: 'Pod', max: { cpu: '4' } }]) as Obj;
    expect(lr.spec.limits[0]).toEqual({ type: 'Container', max: { cpu: '2' }, min: { memory: '64Mi' }, default: { cpu: '2' }, defaultRequest: { cpu: '2', memory: '64Mi' } });
    expect(lr.spec.limits[1]).toEqual({ type: 'Pod', max: { cpu: '4' } });
    expect(messages(lr as KubeObject)).toEqual([]);
  });

  it('refuses inconsistent bounds with the real field paths and messages', () => {
    const m = messages(range([{ type: 'Container', max: { cpu: '1' }, min: { cpu: '2' } }]));
    expect(m[0]).toBe('spec.limits[0].min[cpu]: Invalid value: resource.Quantity{i:resource.int64Amount{value:2, scale:0}, d:resource.infDecAmount{Dec:(*inf.Dec)(nil)}, s:"2", Format:"DecimalSI"}: min value 2 is greater than max value 1');
    expect(messages(range([{ type: 'Pod', default: { cpu: '1' }, max: { cpu: '2' } }]))).toEqual(["spec.limits[0].default: Forbidden: may not be specified when `type` is 'Pod'"]);
    expect(messages(range([{ type: 'PersistentVolumeClaim', max: { cpu: '1' } }]))).toContain('spec.limits[0].limits: Required value: either minimum or maximum storage value is required, but neither was provided');
    // the defaults copied from max are checked too, as the real server checks the defaulted object
    expect(messages(range([{ type: 'Container', max: { pods: '1' } }]))).toEqual([
      'spec.limits[0].max[pods]: Invalid value: "pods": must be a standard resource for containers',
      'spec.limits[0].default[pods]: Invalid value: "pods": must be a standard resource for containers',
      'spec.limits[0].defaultRequest[pods]: Invalid value: "pods": must be a standard resource for containers',
    ]);
    expect(messages(range([{ type: 'Widget', max: { cpu: '1' } }]))).toEqual(['spec.limits[0].type: Invalid value: "Widget": must be a standard limit type or fully qualified']);
    expect(messages(range([{ type: 'Container', maxLimitRequestRatio: { cpu: '500m' } }]))[0]).toMatch(/maxLimitRequestRatio\[cpu\]: Invalid value: .*: ratio 500m is less than 1$/);
    expect(messages(range([{ type: 'Container', max: { cpu: '1' } }, { type: 'Container', min: { cpu: '1' } }]))).toContain('spec.limits[1].type: Duplicate value: "Container"');
  });
});

describe('the LimitRanger admission plugin (plugin/pkg/admission/limitranger)', () => {
  it('sets missing requests and limits from the Container defaults and says so in an annotation', () => {
    const lr = range([{ type: 'Container', default: { cpu: '500m', memory: '256Mi' }, defaultRequest: { cpu: '100m' } }]);
    const p = pod([{ requests: { cpu: '250m' } }, {}], [{}]);
    mutatePodForLimitRanges(p, [lr]);
    expect(p.spec.containers[0].resources).toEqual({ requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '500m', memory: '256Mi' } });
    expect(p.spec.containers[1].resources).toEqual({ requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '500m', memory: '256Mi' } });
    expect(p.metadata.annotations['kubernetes.io/limit-ranger']).toBe(
      'LimitRanger plugin set: memory request for container c0; cpu, memory limit for container c0; cpu, memory request for container c1; cpu, memory limit for container c1; cpu, memory request for init container i0; cpu, memory limit for init container i0',
    );
  });

  it('checks containers and pods against min, max and maxLimitRequestRatio (limitranger admission_test.go cases)', () => {
    const lr = range([
      { type: 'Container', min: { cpu: '50m', memory: '1Mi' }, max: { cpu: '1', memory: '1Gi' }, maxLimitRequestRatio: { memory: '2' } },
      { type: 'Pod', max: { cpu: '1500m' } },
    ]);
    expect(validatePodForLimitRanges(pod([{ requests: { cpu: '100m', memory: '100Mi' }, limits: { cpu: '500m', memory: '200Mi' } }]) as KubeObject, [lr])).toBeUndefined();
    expect(validatePodForLimitRanges(pod([{ requests: { cpu: '100m', memory: '100Mi' }, limits: { cpu: '2', memory: '200Mi' } }]) as KubeObject, [lr])).toBe(
      '[maximum cpu usage per Container is 1, but limit is 2, maximum cpu usage per Pod is 1500m, but limit is 2]',
    );
    expect(validatePodForLimitRanges(pod([{ requests: { cpu: '100m', memory: '100Mi' }, limits: { cpu: '1', memory: '300Mi' } }]) as KubeObject, [lr])).toBe(
      'memory max limit to request ratio per Container is 2, but provided ratio is 3.000000',
    );
    expect(validatePodForLimitRanges(pod([{ limits: { cpu: '1', memory: '100Mi' } }]) as KubeObject, [lr])).toBe(
      '[minimum cpu usage per Container is 50m.  No request is specified, minimum memory usage per Container is 1Mi.  No request is specified, memory max limit to request ratio per Container is 2, but no request is specified or request is 0]',
    );
    // two containers of 1 cpu each: each within the Container max, the pod over the Pod max
    expect(validatePodForLimitRanges(pod([1, 2].map(() => ({ requests: { cpu: '1', memory: '10Mi' }, limits: { cpu: '1', memory: '10Mi' } }))) as KubeObject, [lr])).toBe(
      'maximum cpu usage per Pod is 1500m, but limit is 2',
    );
  });

  it('checks a claim\'s storage request against PersistentVolumeClaim items', () => {
    const lr = range([{ type: 'PersistentVolumeClaim', min: { storage: '1Gi' }, max: { storage: '10Gi' } }]);
    const claim = (storage: string) => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'c' }, spec: { resources: { requests: { storage } } } }) as KubeObject;
    expect(validateClaimForLimitRanges(claim('5Gi'), [lr])).toBeUndefined();
    expect(validateClaimForLimitRanges(claim('20Gi'), [lr])).toBe('maximum storage usage per PersistentVolumeClaim is 10Gi, but request is 20Gi');
    expect(validateClaimForLimitRanges(claim('500Mi'), [lr])).toBe('minimum storage usage per PersistentVolumeClaim is 1Gi, but request is 500Mi');
  });
});
