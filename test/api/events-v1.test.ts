/**
 * events.k8s.io/v1 conversion and the Event validation of `pkg/apis/core/validation/events.go`,
 * with cases ported from its events_test.go (TestValidateEventForCoreV1Events,
 * TestValidateEventCreateForNewV1Events).
 */
import { describe, expect, it } from 'vitest';
import { eventFromV1, eventsV1FieldSelector, eventToV1, unknownEventsV1Fields } from '../../src/api/events-v1.js';
import { legacyValidateEvent, strictValidateEventCreate, strictValidateEventUpdate } from '../../src/api/validation-events.js';
import type { StatusCause } from '../../src/api/types.js';

type Obj = Record<string, any>;

const legacy = (ev: Obj): StatusCause[] => {
  const c: StatusCause[] = [];
  legacyValidateEvent(c, ev);
  return c;
};
const strictCreate = (ev: Obj): StatusCause[] => {
  const c = legacy(ev);
  strictValidateEventCreate(c, ev);
  return c;
};

const SOME_TIME = '2017-09-19T13:49:16.000000Z';
const ev = (ns: string, involved: Obj, more: Obj = {}): Obj => ({ metadata: { name: 'test', namespace: ns }, involvedObject: involved, ...more });

describe('legacyValidateEvent (core/v1 writes)', () => {
  const cases: [string, Obj, boolean][] = [
    ['test1', ev('foo', { namespace: 'bar', kind: 'Pod' }), false],
    ['test2', ev('aoeu-_-aoeu', { namespace: 'aoeu-_-aoeu', kind: 'Pod' }), false],
    ['test3', ev('default', { apiVersion: 'v1', kind: 'Node' }), true],
    ['test5', ev('default', { apiVersion: 'apps/v1', kind: 'NoKind', namespace: 'default' }), true],
    ['test6', ev('default', { apiVersion: 'batch/v1', kind: 'Job', namespace: 'foo' }), false],
    ['test9', ev('foo', { apiVersion: 'other/v1beta1', kind: 'Job', namespace: 'foo' }), true],
    ['test13', ev('', { apiVersion: 'other/v1beta1', kind: 'FooBar', namespace: 'bar' }), false],
    ['test14', ev('foo', { apiVersion: 'other/v1beta1', kind: 'FooBar', namespace: '' }), false],
  ];
  for (const [name, event, valid] of cases) it(`${name}: ${valid ? 'valid' : 'invalid'}`, () => expect(legacy(event).length === 0).toBe(valid));

  it('an event with an eventTime needs the reporting fields, whichever API wrote it', () => {
    const causes = legacy(ev('default', { apiVersion: 'v1', kind: 'Node' }, { eventTime: SOME_TIME }));
    // an empty reportingController is also not a qualified name (IsQualifiedName(""))
    expect(causes.filter((c) => c.reason === 'FieldValueRequired').map((c) => c.field)).toEqual(['reportingController', 'reportingInstance', 'action', 'reason']);
    expect(causes.filter((c) => c.reason !== 'FieldValueRequired').every((c) => c.field === 'reportingController')).toBe(true);
    const controller = legacy(ev('kube-system', { kind: 'Node' }, { eventTime: SOME_TIME, reportingComponent: 'my-contr@ller', reportingInstance: 'node-xyz', action: 'Do', reason: 'Because' }));
    expect(controller.map((c) => c.field)).toEqual(['reportingController']);
    const long = legacy(ev('default', { kind: 'Node' }, { eventTime: SOME_TIME, reportingComponent: 'k8s.io/my-controller', reportingInstance: 'x'.repeat(129), action: 'Do', reason: 'Because', message: 'z'.repeat(1025) }));
    expect(long.map((c) => `${c.field}: ${c.message}`)).toEqual(['reportingInstance: Invalid value: "": can have at most 128 characters', 'message: Invalid value: "": can have at most 1024 characters']);
  });

  it('the type is not checked for core/v1 writes', () => expect(legacy(ev('default', { kind: 'Node' }, { type: 'Info' }))).toEqual([]));
});

describe('strict validation (events.k8s.io/v1 writes)', () => {
  const valid = ev('kube-system', { apiVersion: 'v1', kind: 'Node' }, { eventTime: SOME_TIME, reportingComponent: 'k8s.io/my-controller', reportingInstance: 'node-xyz', action: 'Do', reason: 'Because', type: 'Normal' });

  it('valid new event', () => expect(strictCreate(valid)).toEqual([]));
  it('missing EventTime', () => expect(strictCreate(ev('default', { apiVersion: 'v1', kind: 'Node' })).map((c) => c.field)).toEqual(['eventTime', 'type']));
  it('deprecated fields must be unset; the series counts at least 2', () => {
    const causes = strictCreate({ ...valid, firstTimestamp: SOME_TIME, lastTimestamp: SOME_TIME, count: 2, source: { component: 'kubelet' }, series: { count: 1 } });
    expect(causes.map((c) => `${c.field}: ${c.message}`)).toEqual([
      'series.count: Invalid value: "": should be at least 2',
      'series.lastObservedTime: Required value',
      'firstTimestamp: Invalid value: "": needs to be unset',
      'lastTimestamp: Invalid value: "": needs to be unset',
      'count: Invalid value: "": needs to be unset',
      'source: Invalid value: "": needs to be unset',
    ]);
  });
  it('an update may not change the event', () => {
    const c: StatusCause[] = [];
    strictValidateEventUpdate(c, { ...valid, message: 'changed', reportingComponent: 'k8s.io/other', series: { count: 2, lastObservedTime: SOME_TIME } }, valid);
    expect(c.map((x) => x.field)).toEqual(['message', 'reportingController']);
  });
});

describe('conversion', () => {
  const core: Obj = {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: 'x', namespace: 'default' },
    involvedObject: { kind: 'Pod', name: 'p', namespace: 'default' },
    related: { kind: 'Node', name: 'n' },
    reason: 'Started',
    message: 'Started container',
    source: { component: 'kubelet', host: 'n' },
    firstTimestamp: SOME_TIME,
    lastTimestamp: SOME_TIME,
    count: 3,
    type: 'Normal',
    series: { count: 2, lastObservedTime: SOME_TIME },
    action: 'Start',
    reportingComponent: 'kubelet',
    reportingInstance: 'n',
  };
  it('core → v1 renames as Convert_core_Event_To_v1_Event, and back', () => {
    const v1 = eventToV1(core);
    expect(v1).toEqual({
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: core.metadata,
      eventTime: null,
      series: core.series,
      action: 'Start',
      reason: 'Started',
      related: core.related,
      reportingInstance: 'n',
      type: 'Normal',
      regarding: core.involvedObject,
      note: 'Started container',
      reportingController: 'kubelet',
      deprecatedSource: core.source,
      deprecatedFirstTimestamp: SOME_TIME,
      deprecatedLastTimestamp: SOME_TIME,
      deprecatedCount: 3,
    });
    expect(unknownEventsV1Fields(v1)).toEqual([]);
    expect(eventFromV1(v1)).toEqual(core);
  });
  it('names the fields events.k8s.io/v1 does not have', () => {
    expect(unknownEventsV1Fields({ message: 'x', regarding: { nam: 'p' }, series: { count: 2 } })).toEqual(['message', 'regarding.nam']);
  });
  it('maps the field selector labels of AddFieldLabelConversionsForEvent', () => {
    expect(eventsV1FieldSelector('regarding.name=web,reportingController=kubelet,type!=Normal')).toBe('involvedObject.name=web,reportingComponent=kubelet,type!=Normal');
    expect(eventsV1FieldSelector('regarding.fieldPath=a\\,b\\=c')).toBe('involvedObject.fieldPath=a\\,b\\=c');
    expect(() => eventsV1FieldSelector('involvedObject.name=web')).toThrow('field label not supported: involvedObject.name');
    expect(() => eventsV1FieldSelector('reportingComponent=kubelet')).toThrow('field label not supported: reportingComponent');
  });
});
