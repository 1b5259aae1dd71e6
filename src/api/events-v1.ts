/**
 * The `events.k8s.io/v1` Event, served as kube-apiserver serves it: the same objects as core/v1
 * Events (which is what is stored, under `/registry/events/`), converted on the way in and out by
 * `pkg/apis/events/v1/conversion.go`:
 *
 * - `note` is `message`, `regarding` is `involvedObject`, `reportingController` is
 *   `reportingComponent`; `deprecatedSource`, `deprecatedFirstTimestamp`,
 *   `deprecatedLastTimestamp` and `deprecatedCount` are `source`, `firstTimestamp`,
 *   `lastTimestamp` and `count`; `eventTime`, `series`, `action`, `reason`, `related`,
 *   `reportingInstance` and `type` keep their names;
 * - field selectors name the events.k8s.io fields (`regarding.name`, `reportingController`) and
 *   are mapped to the core selectable fields (`AddFieldLabelConversionsForEvent`);
 * - the printer columns are the core Event's (kube-apiserver prints the internal object).
 *
 * The functions here are pure: the HTTP layer (`src/http/events-v1.ts`) calls them around the API
 * server, which only knows core/v1 Events.
 */
import type { ResourceInfo } from './resources.js';
import { resourceForGroupResource } from './resources.js';
import { parseFieldSelector } from './field-selectors.js';
import { isObject } from './json-values.js';

type Obj = Record<string, any>;
const isObj: (v: unknown) => v is Obj = isObject;

const core = resourceForGroupResource('', 'events');
if (!core) throw new Error('the registry has no events');

/** The stored version's registry entry: core/v1 Event. */
export const CORE_EVENTS: ResourceInfo = core;

/** The `events.k8s.io/v1` Event: discovery lists it as its own group, with the core short name `ev`. */
export const EVENTS_V1: ResourceInfo = Object.freeze({ ...core, group: 'events.k8s.io', apiVersion: 'events.k8s.io/v1' });

/** True for the events.k8s.io/v1 Event entry. */
export function isEventsV1(info: ResourceInfo | undefined): boolean {
  return info === EVENTS_V1;
}

/** The fields renamed by the conversion: core name → events.k8s.io/v1 name. */
const RENAMED: Readonly<Record<string, string>> = {
  involvedObject: 'regarding',
  message: 'note',
  reportingComponent: 'reportingController',
  source: 'deprecatedSource',
  firstTimestamp: 'deprecatedFirstTimestamp',
  lastTimestamp: 'deprecatedLastTimestamp',
  count: 'deprecatedCount',
};
const TO_CORE: Readonly<Record<string, string>> = Object.fromEntries(Object.entries(RENAMED).map(([k, v]) => [v, k]));

/** The fields both versions share under one name. */
const SHARED = ['metadata', 'eventTime', 'series', 'action', 'reason', 'related', 'reportingInstance', 'type'];

/** `Convert_core_Event_To_v1_Event`: a stored core/v1 Event as events.k8s.io/v1 shows it. */
export function eventToV1(ev: Obj): Obj {
  const out: Obj = { apiVersion: 'events.k8s.io/v1', kind: 'Event' };
  for (const k of SHARED) if (ev[k] !== undefined) out[k] = ev[k];
  // `eventTime` has no omitempty in events.k8s.io/v1: an old event shows it as null
  out.eventTime ??= null;
  for (const [from, to] of Object.entries(RENAMED)) if (ev[from] !== undefined) out[to] = ev[from];
  return out;
}

/** `Convert_v1_Event_To_core_Event`: an events.k8s.io/v1 body as the core/v1 Event the API server stores. */
export function eventFromV1(body: Obj): Obj {
  const out: Obj = { apiVersion: 'v1', kind: 'Event' };
  for (const k of SHARED) if (body[k] !== undefined && body[k] !== null) out[k] = body[k];
  for (const [from, to] of Object.entries(TO_CORE)) if (body[from] !== undefined && body[from] !== null) out[to] = body[from];
  return out;
}

/** A get's, list's or write's answer body, its Events as events.k8s.io/v1 shows them. */
export function answerAsEventsV1(body: unknown): unknown {
  if (!isObj(body)) return body;
  if (body.kind === 'Event') return eventToV1(body);
  if (body.kind === 'EventList' && Array.isArray(body.items)) return { ...body, apiVersion: 'events.k8s.io/v1', items: body.items.map((i: Obj) => eventToV1(i)) };
  return body;
}

/** `AddFieldLabelConversionsForEvent`: the events.k8s.io/v1 selectable fields and the core ones they are. */
const FIELD_LABELS: Readonly<Record<string, string>> = {
  reason: 'reason',
  'regarding.kind': 'involvedObject.kind',
  'regarding.namespace': 'involvedObject.namespace',
  'regarding.name': 'involvedObject.name',
  'regarding.uid': 'involvedObject.uid',
  'regarding.apiVersion': 'involvedObject.apiVersion',
  'regarding.resourceVersion': 'involvedObject.resourceVersion',
  'regarding.fieldPath': 'involvedObject.fieldPath',
  reportingController: 'reportingComponent',
  source: 'source',
  type: 'type',
  'metadata.namespace': 'metadata.namespace',
  'metadata.name': 'metadata.name',
};

const escapeValue = (s: string): string => s.replace(/[\\,=]/g, (c) => '\\' + c);

/**
 * An events.k8s.io/v1 field selector as the core one the API server matches.
 * @throws SelectorError for a malformed selector or `field label not supported: x`.
 */
export function eventsV1FieldSelector(text: string): string {
  const selector = parseFieldSelector(text);
  return selector.requirements
    .map((r) => {
      const label = Object.hasOwn(FIELD_LABELS, r.field) ? FIELD_LABELS[r.field] : undefined;
      if (label === undefined) throw new EventsV1SelectorError(`field label not supported: ${r.field}`);
      return `${label}${r.operator === '!=' ? '!=' : '='}${escapeValue(r.value)}`;
    })
    .join(',');
}

/** A field label events.k8s.io/v1 does not convert. */
export class EventsV1SelectorError extends Error {}

/** The JSON fields of events.k8s.io/v1 Event and of the structs it holds (metadata is the API server's). */
const V1_FIELDS: Readonly<Record<string, readonly string[]>> = {
  '': ['apiVersion', 'kind', 'metadata', 'eventTime', 'series', 'reportingController', 'reportingInstance', 'action', 'reason', 'regarding', 'related', 'note', 'type', 'deprecatedSource', 'deprecatedFirstTimestamp', 'deprecatedLastTimestamp', 'deprecatedCount'],
  series: ['count', 'lastObservedTime'],
  regarding: ['kind', 'namespace', 'name', 'uid', 'apiVersion', 'resourceVersion', 'fieldPath'],
  related: ['kind', 'namespace', 'name', 'uid', 'apiVersion', 'resourceVersion', 'fieldPath'],
  deprecatedSource: ['component', 'host'],
};

/** The fields of an events.k8s.io/v1 body that the version does not have (`message`, `regarding.foo`), as the strict decoder names them. */
export function unknownEventsV1Fields(body: Obj): string[] {
  const found: string[] = [];
  for (const [path, known] of Object.entries(V1_FIELDS)) {
    const at = path === '' ? body : body[path];
    if (!isObj(at)) continue;
    for (const k of Object.keys(at)) if (!known.includes(k)) found.push(path === '' ? k : `${path}.${k}`);
  }
  return found;
}

/** `body` without the given fields (`fieldValidation=Ignore` or `Warn`). */
export function withoutFields(body: Obj, fields: readonly string[]): Obj {
  const out = structuredClone(body);
  for (const path of fields) {
    const [head, tail] = path.split('.') as [string, string | undefined];
    if (tail === undefined) delete out[head];
    else if (isObj(out[head])) delete out[head][tail];
  }
  return out;
}
