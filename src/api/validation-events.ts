/**
 * Event validation, after `pkg/apis/core/validation/events.go`. Both APIs store the same object
 * (core/v1 Event): every write passes `legacyValidateEvent`; a write through events.k8s.io/v1
 * also passes the strict checks of `ValidateEventCreate` / `ValidateEventUpdate` (an event time,
 * a Normal or Warning type, none of the deprecated core fields, an immutable event). The field
 * paths are the stored (core) object's, as kube-apiserver reports them whatever the request's
 * version.
 */
import { fieldError } from './status.js';
import type { Causes } from './validation-meta.js';
import { isDNS1123Subdomain, isQualifiedName } from './names.js';
import { isObject } from './json-values.js';

type Obj = Record<string, any>;
const isObj: (v: unknown) => v is Obj = isObject;
const text = (v: unknown): string => (typeof v === 'string' ? v : '');
const isSet = (v: unknown): boolean => v !== undefined && v !== null && v !== '';

/** `ReportingInstanceLengthLimit`. */
const REPORTING_INSTANCE_LENGTH_LIMIT = 128;
/** `ActionLengthLimit`. */
const ACTION_LENGTH_LIMIT = 128;
/** `ReasonLengthLimit`. */
const REASON_LENGTH_LIMIT = 128;
/** `NoteLengthLimit`. */
const NOTE_LENGTH_LIMIT = 1024;

/** `legacyValidateEvent`: what every Event must satisfy, whichever API wrote it. */
export function legacyValidateEvent(c: Causes, ev: Obj): void {
  const meta: Obj = isObj(ev.metadata) ? ev.metadata : {};
  const ns = text(meta.namespace);
  const involved: Obj = isObj(ev.involvedObject) ? ev.involvedObject : {};
  const ins = text(involved.namespace);
  if (!isSet(ev.eventTime)) {
    // "old" events: the namespace and the involved object's agree ("default" for cluster-scoped objects)
    if (ins === '') {
      if (ns !== '' && ns !== 'default') c.push(fieldError.invalid('involvedObject.namespace', ins, 'does not match event.namespace'));
    } else if (ns !== ins) c.push(fieldError.invalid('involvedObject.namespace', ins, 'does not match event.namespace'));
  } else {
    if (ins === '' && ns !== 'default' && ns !== 'kube-system') c.push(fieldError.invalid('involvedObject.namespace', ins, 'does not match event.namespace'));
    const controller = text(ev.reportingComponent);
    if (controller === '') c.push(fieldError.required('reportingController'));
    for (const msg of isQualifiedName(controller)) c.push(fieldError.invalid('reportingController', controller, msg));
    const instance = text(ev.reportingInstance);
    if (instance === '') c.push(fieldError.required('reportingInstance'));
    if (instance.length > REPORTING_INSTANCE_LENGTH_LIMIT) c.push(fieldError.invalid('reportingInstance', '', `can have at most ${REPORTING_INSTANCE_LENGTH_LIMIT} characters`));
    const action = text(ev.action);
    if (action === '') c.push(fieldError.required('action'));
    if (action.length > ACTION_LENGTH_LIMIT) c.push(fieldError.invalid('action', '', `can have at most ${ACTION_LENGTH_LIMIT} characters`));
    const reason = text(ev.reason);
    if (reason === '') c.push(fieldError.required('reason'));
    if (reason.length > REASON_LENGTH_LIMIT) c.push(fieldError.invalid('reason', '', `can have at most ${REASON_LENGTH_LIMIT} characters`));
    if (text(ev.message).length > NOTE_LENGTH_LIMIT) c.push(fieldError.invalid('message', '', `can have at most ${NOTE_LENGTH_LIMIT} characters`));
  }
  for (const msg of isDNS1123Subdomain(ns)) c.push(fieldError.invalid('namespace', ns, msg));
}

/** `validateV1EventSeries`. */
function validateV1EventSeries(c: Causes, ev: Obj): void {
  if (!isObj(ev.series)) return;
  const count = typeof ev.series.count === 'number' ? ev.series.count : 0;
  if (count < 2) c.push(fieldError.invalid('series.count', '', 'should be at least 2'));
  if (!isSet(ev.series.lastObservedTime)) c.push(fieldError.required('series.lastObservedTime'));
}

/**
 * The strict checks of `ValidateEventCreate` for a create through events.k8s.io/v1 (the object
 * already converted to core/v1; metadata is the API server's to validate).
 */
export function strictValidateEventCreate(c: Causes, ev: Obj): void {
  validateV1EventSeries(c, ev);
  if (!isSet(ev.eventTime)) c.push(fieldError.required('eventTime'));
  const type = text(ev.type);
  if (type !== 'Normal' && type !== 'Warning') c.push(fieldError.invalid('type', '', `has invalid value: ${type}`));
  if (isSet(ev.firstTimestamp)) c.push(fieldError.invalid('firstTimestamp', '', 'needs to be unset'));
  if (isSet(ev.lastTimestamp)) c.push(fieldError.invalid('lastTimestamp', '', 'needs to be unset'));
  if (typeof ev.count === 'number' && ev.count !== 0) c.push(fieldError.invalid('count', '', 'needs to be unset'));
  const source: Obj = isObj(ev.source) ? ev.source : {};
  if (isSet(source.component) || isSet(source.host)) c.push(fieldError.invalid('source', '', 'needs to be unset'));
}

/** The fields `ValidateEventUpdate` keeps immutable (core names), in its order. */
const IMMUTABLE = ['involvedObject', 'reason', 'message', 'source', 'firstTimestamp', 'lastTimestamp', 'count', 'reason', 'type', 'eventTime', 'action', 'related', 'reportingComponent', 'reportingInstance'];

/** The field path `ValidateEventUpdate` names: the Go field's JSON name on the internal type. */
const PATH: Record<string, string> = { reportingComponent: 'reportingController' };

/** Deep equality of two JSON values, an absent value equal to an empty one (Go's zero values). */
function same(a: unknown, b: unknown): boolean {
  const empty = (v: unknown) => v === undefined || v === null || v === '' || v === 0 || (isObj(v) && Object.values(v).every(empty));
  if (empty(a) && empty(b)) return true;
  if (isObj(a) && isObj(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) if (!same(a[k], b[k])) return false;
    return true;
  }
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The strict checks of `ValidateEventUpdate` for an update through events.k8s.io/v1 (both objects as core/v1). */
export function strictValidateEventUpdate(c: Causes, next: Obj, old: Obj): void {
  if (!same(next.series, old.series)) validateV1EventSeries(c, next);
  for (const f of IMMUTABLE) if (!same(next[f], old[f])) c.push(fieldError.invalid(PATH[f] ?? f, next[f] ?? '', 'field is immutable'));
}
