import { describe, it, expect } from 'vitest';
import { validateObject } from '../../src/api/validation.js';
import { applyDefaults } from '../../src/api/defaults.js';
import type { AnyObject, KubeObject } from '../../src/api/types.js';

const create = (obj: unknown) => validateObject(applyDefaults(obj as KubeObject), { operation: 'create', fieldValidation: 'Strict' });
const update = (obj: unknown, old: unknown) =>
  validateObject(applyDefaults(obj as KubeObject), { operation: 'update', old: applyDefaults(old as KubeObject), fieldValidation: 'Strict' });
const messages = (r: { causes: { field?: string; message?: string }[] }) => r.causes.map((c) => `${c.field}: ${c.message}`);

const template = { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'agent', image: 'fluentd:1' }] } };

function daemonSet(spec: AnyObject = {}): AnyObject {
  return { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent', namespace: 'default' }, spec: { selector: { matchLabels: { app: 'agent' } }, template, ...spec } };
}

function statefulSet(spec: AnyObject = {}): AnyObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'db', namespace: 'default' },
    spec: {
      serviceName: 'db',
      selector: { matchLabels: { app: 'agent' } },
      template,
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
      ...spec,
    },
  };
}

describe('DaemonSet validation and defaults', () => {
  it('defaults RollingUpdate with maxUnavailable 1, maxSurge 0 and ten revisions', () => {
    const ds = applyDefaults(daemonSet() as KubeObject) as AnyObject;
    expect((ds.spec as AnyObject).updateStrategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
    expect((ds.spec as AnyObject).revisionHistoryLimit).toBe(10);
    expect(create(daemonSet()).causes).toEqual([]);
  });

  it('refuses a bad selector, restart policy and rolling update as ValidateDaemonSetSpec does', () => {
    expect(messages(create(daemonSet({ selector: { matchLabels: { app: 'other' } } })))).toEqual([
      'spec.template.metadata.labels: Invalid value: map[string]string{"app":"agent"}: `selector` does not match template `labels`',
    ]);
    expect(messages(create(daemonSet({ selector: {} })))).toContain(
      'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for daemonset',
    );
    const never = { ...template, spec: { ...template.spec, restartPolicy: 'Never' } };
    expect(messages(create(daemonSet({ template: never })))).toEqual(['spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"']);
    expect(messages(create(daemonSet({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 0 } } })))).toEqual([
      'spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be 0 when maxSurge is 0',
    ]);
    expect(messages(create(daemonSet({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 1 } } })))).toEqual([
      'spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: intstr.IntOrString{Type:0, IntVal:1, StrVal:""}: may not be set when maxUnavailable is non-zero',
    ]);
    expect(messages(create(daemonSet({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '150%' } } })))).toContain(
      'spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: "150%": must not be greater than 100%',
    );
    expect(create(daemonSet({ updateStrategy: { type: 'Sometimes' } })).causes.map((c) => c.field)).toContain('spec.updateStrategy');
  });

  it('keeps the selector immutable', () => {
    const old = daemonSet();
    const next = daemonSet({ selector: { matchLabels: { app: 'agent', tier: 'x' } }, template: { ...template, metadata: { labels: { app: 'agent', tier: 'x' } } } });
    expect(messages(update(next, old))[0]).toMatch(/^spec.selector: Invalid value: .*: field is immutable$/);
  });
});

describe('StatefulSet validation and defaults', () => {
  it('defaults OrderedReady, RollingUpdate partition 0, Retain/Retain and the claim templates', () => {
    const sts = applyDefaults(statefulSet() as KubeObject) as AnyObject;
    const spec = sts.spec as AnyObject;
    expect(spec.podManagementPolicy).toBe('OrderedReady');
    expect(spec.updateStrategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
    expect(spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
    expect(spec.replicas).toBe(1);
    expect((spec.volumeClaimTemplates as AnyObject[])[0]).toMatchObject({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', spec: { volumeMode: 'Filesystem' } });
    expect(create(statefulSet()).causes).toEqual([]);
  });

  it('refuses bad policies with the real messages', () => {
    expect(messages(create(statefulSet({ podManagementPolicy: 'Random' })))).toEqual(["spec.podManagementPolicy: Invalid value: \"Random\": must be 'OrderedReady' or 'Parallel'"]);
    expect(messages(create(statefulSet({ persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Keep' } })))).toEqual([
      'spec.persistentVolumeClaimRetentionPolicy.whenDeleted: Unsupported value: "Keep": supported values: "Retain", "Delete"',
    ]);
    expect(messages(create(statefulSet({ updateStrategy: { type: 'OnDelete', rollingUpdate: { partition: 1 } } })))).toEqual([
      "spec.updateStrategy.rollingUpdate: Invalid value: apps.RollingUpdateStatefulSetStrategy: only allowed for updateStrategy 'RollingUpdate'",
    ]);
    expect(messages(create(statefulSet({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: -1 } } })))).toEqual([
      'spec.updateStrategy.rollingUpdate.partition: Invalid value: -1: must be greater than or equal to 0',
    ]);
    expect(messages(create(statefulSet({ volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: [] } }] })))).toEqual([
      'spec.volumeClaimTemplates[0].spec.accessModes: Required value: at least 1 access mode is required',
      'spec.volumeClaimTemplates[0].spec.resources[storage]: Required value',
    ]);
  });

  it('refuses maxUnavailable, which it does not implement, instead of ignoring it', () => {
    expect(messages(create(statefulSet({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 2 } } })))).toEqual([
      'spec.updateStrategy.rollingUpdate.maxUnavailable: Forbidden: not supported by kube-actors (the MaxUnavailableStatefulSet feature gate is off)',
    ]);
  });

  it('lets an update change replicas, template and strategy only', () => {
    expect(update(statefulSet({ replicas: 5, updateStrategy: { type: 'OnDelete' } }), statefulSet()).causes).toEqual([]);
    expect(messages(update(statefulSet({ serviceName: 'other' }), statefulSet()))).toEqual([
      "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
    ]);
  });
});

describe('ControllerRevision validation', () => {
  const rev = (data: unknown, revision = 1) => ({ apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: 'agent-1', namespace: 'default' }, data, revision });
  it('needs data and keeps it immutable', () => {
    expect(create(rev({ spec: {} })).causes).toEqual([]);
    expect(messages(create(rev(undefined)))).toContain('data: Required value');
    expect(messages(update(rev({ spec: { a: 1 } }, 2), rev({ spec: {} })))).toEqual(['data: Invalid value: runtime.RawExtension: field is immutable']);
  });
});

// A selector metav1.LabelSelectorAsSelector cannot convert (here `In` without values, or a bad
// value) is reported by ValidateLabelSelector field by field; the template is then not checked
// against it. What else is said depends on the kind, as in pkg/apis/apps/validation and
// pkg/apis/batch/validation.
describe('selectors that do not convert (LabelSelectorAsSelector fails)', () => {
  const inWithoutValues = { matchExpressions: [{ key: 'app', operator: 'In' }] };
  const goInWithoutValues = 'v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement{v1.LabelSelectorRequirement{Key:"app", Operator:"In", Values:[]string(nil)}}}';
  const required = "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'";

  it('Deployment and ReplicaSet: spec.selector: Invalid value: ...: invalid label selector, and no template check', () => {
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default' },
      spec: { replicas: 1, selector: inWithoutValues, template: { ...template, metadata: { labels: { other: 'x' } } } },
    };
    expect(messages(create(deployment))).toEqual([required, `spec.selector: Invalid value: ${goInWithoutValues}: invalid label selector`]);
    const rs = { ...deployment, kind: 'ReplicaSet' };
    expect(messages(create(rs))).toEqual([required, `spec.selector: Invalid value: ${goInWithoutValues}: invalid label selector`]);
  });

  it('StatefulSet: spec.selector: Invalid value with no detail, and no template check', () => {
    expect(messages(create(statefulSet({ selector: inWithoutValues, template: { ...template, metadata: { labels: { other: 'x' } } } })))).toEqual([
      required,
      `spec.selector: Invalid value: ${goInWithoutValues}`,
    ]);
  });

  it('DaemonSet: only what ValidateLabelSelector reports', () => {
    expect(messages(create(daemonSet({ selector: inWithoutValues, template: { ...template, metadata: { labels: { other: 'x' } } } })))).toEqual([required]);
  });

  it('Job with a manual selector: a bad value in NotIn is reported once, the template is not checked', () => {
    const job = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'myjob', namespace: 'default' },
      spec: {
        manualSelector: true,
        selector: { matchLabels: { a: 'b' }, matchExpressions: [{ key: 'key', operator: 'NotIn', values: ['bad value'] }] },
        template: { metadata: { labels: { c: 'd' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'abc', image: 'image' }] } },
      },
    };
    const m = messages(create(job));
    expect(m.filter((x) => x.startsWith('spec.selector'))).toEqual([
      `spec.selector.matchExpressions[0].values[0]: Invalid value: "bad value": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
    ]);
    expect(m.some((x) => x.includes('does not match template'))).toBe(false);
    // the same selector with valid values converts, and then the template must match it
    const valid = { ...job, spec: { ...job.spec, selector: { matchLabels: { a: 'b' }, matchExpressions: [{ key: 'key', operator: 'NotIn', values: ['bad'] }] } } };
    expect(messages(create(valid))).toEqual(['spec.template.metadata.labels: Invalid value: map[string]string{"c":"d"}: `selector` does not match template `labels`']);
  });

  it('a CronJob job template: its selector is generated, so one given is refused', () => {
    const cronJob = {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'nightly', namespace: 'default' },
      spec: {
        schedule: '0 0 * * *',
        jobTemplate: { spec: { selector: { matchLabels: { a: 'b' } }, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'abc', image: 'image' }] } } } },
      },
    };
    expect(messages(create(cronJob))).toEqual([
      'spec.jobTemplate.spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"a":"b"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: `selector` will be auto-generated',
    ]);
  });
});
