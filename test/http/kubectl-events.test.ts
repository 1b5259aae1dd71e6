/**
 * events.k8s.io/v1 with the real kubectl: the same stored Events as core/v1, converted as
 * kube-apiserver converts them (note, regarding, reportingController, deprecated*), with the
 * events.k8s.io field selectors, the strict validation of that version, RBAC on its own group,
 * and `kubectl events`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HAS_KUBECTL, NO_KUBECTL_REASON, parseTable, startTestServer, waitFor, type TestServer } from './helpers.js';

type Obj = Record<string, any>;

const POD = `apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: nginx
    image: nginx:1.27
`;

const V1_EVENT = `apiVersion: events.k8s.io/v1
kind: Event
metadata:
  name: web.manual
eventTime: "2026-01-01T00:00:00.000000Z"
reportingController: example.com/checker
reportingInstance: checker-1
action: Check
reason: Checked
note: the pod was checked
type: Normal
regarding:
  apiVersion: v1
  kind: Pod
  name: web
  namespace: default
`;

describe.skipIf(!HAS_KUBECTL)(`events.k8s.io/v1 with kubectl${HAS_KUBECTL ? '' : ` (${NO_KUBECTL_REASON})`}`, () => {
  let s: TestServer;

  beforeAll(async () => {
    s = await startTestServer({ cluster: { nodes: 1, seed: 5 }, speed: 10 });
    const file = join(s.dir, 'pod.yaml');
    writeFileSync(file, POD);
    expect((await s.kubectl(['apply', '-f', file])).stderr).toBe('');
    await waitFor('a Scheduled event', () => s.cluster.objects<Obj>('events', 'default').some((e) => e.reason === 'Scheduled' && e.involvedObject?.name === 'web'));
  });
  afterAll(async () => {
    await s?.stop();
  });

  it('discovery lists events under events.k8s.io/v1 beside the core events', async () => {
    const r = await s.kubectl(['api-resources', '--api-group=events.k8s.io', '-o', 'wide']);
    expect(r.stderr).toBe('');
    const rows = parseTable(r.stdout);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ NAME: 'events', SHORTNAMES: 'ev', APIVERSION: 'events.k8s.io/v1', NAMESPACED: 'true', KIND: 'Event' });
    expect((await s.kubectl(['api-versions'])).stdout.split('\n')).toContain('events.k8s.io/v1');
    const explain = await s.kubectl(['explain', 'events.regarding', '--api-version=events.k8s.io/v1']);
    expect(explain.stderr).toBe('');
    expect(explain.stdout).toMatch(/^GROUP:\s+events\.k8s\.io$/m);
  });

  it('get events.events.k8s.io shows the stored core events converted', async () => {
    const core = s.cluster.objects<Obj>('events', 'default').find((e) => e.reason === 'Scheduled' && e.involvedObject?.name === 'web')!;
    const r = await s.kubectl(['get', 'events.events.k8s.io', core.metadata.name, '-o', 'json']);
    expect(r.stderr).toBe('');
    const ev = JSON.parse(r.stdout) as Obj;
    expect(ev.apiVersion).toBe('events.k8s.io/v1');
    expect(ev.metadata.uid).toBe(core.metadata.uid);
    expect(ev.note).toBe(core.message);
    expect(ev.regarding).toEqual(core.involvedObject);
    expect(ev.reportingController).toBe(core.reportingComponent);
    expect(ev.reportingInstance).toBe(core.reportingInstance);
    expect(ev.deprecatedSource).toEqual(core.source);
    expect(ev.deprecatedFirstTimestamp).toBe(core.firstTimestamp);
    expect(ev.deprecatedLastTimestamp).toBe(core.lastTimestamp);
    expect(ev.deprecatedCount).toBe(core.count);
    expect(ev.eventTime).toBeNull();
    for (const k of ['message', 'involvedObject', 'source', 'firstTimestamp', 'count', 'reportingComponent']) expect(ev).not.toHaveProperty(k);

    const list = JSON.parse((await s.kubectl(['get', 'events.events.k8s.io', '-o', 'json'])).stdout) as Obj;
    expect(list.items.length).toBe(s.cluster.objects<Obj>('events', 'default').length);
    expect(list.items.every((i: Obj) => i.apiVersion === 'events.k8s.io/v1' && i.note !== undefined)).toBe(true);

    const table = parseTable((await s.kubectl(['get', 'events.events.k8s.io'])).stdout);
    expect(Object.keys(table[0]!)).toEqual(['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE']);
    expect(table.some((row) => row.REASON === 'Scheduled' && row.OBJECT === 'pod/web' && row.MESSAGE === core.message)).toBe(true);
  });

  it('selects on the events.k8s.io field names and refuses the core ones', async () => {
    const r = await s.kubectl(['get', 'events.events.k8s.io', '--field-selector', 'regarding.name=web,reason=Scheduled', '-o', 'jsonpath={.items[*].regarding.name}']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('web');
    const none = await s.kubectl(['get', 'events.events.k8s.io', '--field-selector', 'regarding.name=ghost', '-o', 'name']);
    expect(none.stdout).toBe('');
    const bad = await s.kubectl(['get', 'events.events.k8s.io', '--field-selector', 'involvedObject.name=web']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('field label not supported: involvedObject.name');
    const kubelet = s.cluster.objects<Obj>('events', 'default').find((e) => e.reportingComponent === 'kubelet');
    if (kubelet) {
      const byController = await s.kubectl(['get', 'events.events.k8s.io', '--field-selector', 'reportingController=kubelet', '-o', 'jsonpath={.items[*].reportingController}']);
      expect(new Set(byController.stdout.split(' '))).toEqual(new Set(['kubelet']));
    }
  });

  it('creates through events.k8s.io/v1: stored as a core event; the strict rules of that version apply', async () => {
    const file = join(s.dir, 'event.yaml');
    writeFileSync(file, V1_EVENT);
    const r = await s.kubectl(['create', '-f', file]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('event.events.k8s.io/web.manual created\n');
    const stored = s.cluster.object<Obj>('events', 'web.manual', 'default')!;
    expect(stored).toMatchObject({ message: 'the pod was checked', reportingComponent: 'example.com/checker', reportingInstance: 'checker-1', action: 'Check', involvedObject: { kind: 'Pod', name: 'web' } });
    expect(stored).not.toHaveProperty('note');

    // core/v1 sees it under its own names
    const core = JSON.parse((await s.kubectl(['get', 'events', 'web.manual', '-o', 'json'])).stdout) as Obj;
    expect(core.message).toBe('the pod was checked');

    // no eventTime, a bad type, a deprecated field: refused as ValidateEventCreate refuses them for this version
    writeFileSync(file, V1_EVENT.replace('name: web.manual', 'name: web.bad').replace(/^eventTime: .*\n/m, '').replace('type: Normal', 'type: Info').concat('deprecatedCount: 3\n'));
    const bad = await s.kubectl(['create', '-f', file]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('The Event "web.bad" is invalid');
    expect(bad.stderr).toContain('eventTime: Required value');
    expect(bad.stderr).toContain('type: Invalid value: "": has invalid value: Info');
    expect(bad.stderr).toContain('count: Invalid value: "": needs to be unset');
    // the same event through core/v1 passes the legacy rules only
    const legacy = await s.kubectl(['create', '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'v1', kind: 'Event', metadata: { name: 'web.legacy' }, involvedObject: { kind: 'Pod', name: 'web', namespace: 'default' }, reason: 'Old', message: 'old style', type: 'Info', count: 3 }),
    });
    expect(legacy.stderr).toBe('');
    // an unknown field is refused under strict validation (kubectl's default)
    writeFileSync(file, V1_EVENT.replace('name: web.manual', 'name: web.unknown').replace('note:', 'message:'));
    const unknown = await s.kubectl(['create', '-f', file]);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('unknown field "message"');
  });

  it('an update through events.k8s.io/v1 may extend the series but not change the event', async () => {
    const series = await s.kubectl(['patch', 'events.events.k8s.io', 'web.manual', '--type=merge', '-p', '{"series":{"count":2,"lastObservedTime":"2026-01-01T00:01:00.000000Z"}}']);
    expect(series.stderr).toBe('');
    expect(s.cluster.object<Obj>('events', 'web.manual', 'default')!.series).toEqual({ count: 2, lastObservedTime: '2026-01-01T00:01:00.000000Z' });
    const bad = await s.kubectl(['patch', 'events.events.k8s.io', 'web.manual', '--type=merge', '-p', '{"note":"rewritten","series":{"count":1}}']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('series.count: Invalid value: "": should be at least 2');
    expect(bad.stderr).toContain('message: Invalid value: "rewritten": field is immutable');
    expect(s.cluster.object<Obj>('events', 'web.manual', 'default')!.message).toBe('the pod was checked');
  });

  it('apply --server-side through events.k8s.io/v1: creates, then applies to the event in v1 form, owned by the field manager', async () => {
    const file = join(s.dir, 'applied.yaml');
    writeFileSync(file, V1_EVENT.replace('name: web.manual', 'name: web.applied'));
    const created = await s.kubectl(['apply', '--server-side', '-f', file]);
    expect(created.stderr).toBe('');
    expect(created.stdout).toBe('event.events.k8s.io/web.applied serverside-applied\n');
    const stored = s.cluster.object<Obj>('events', 'web.applied', 'default')!;
    expect(stored).toMatchObject({ message: 'the pod was checked', reportingComponent: 'example.com/checker', involvedObject: { kind: 'Pod', name: 'web' } });
    expect(stored.metadata!.managedFields).toEqual([
      expect.objectContaining({ manager: 'kubectl', operation: 'Apply', apiVersion: 'events.k8s.io/v1', fieldsV1: expect.objectContaining({ 'f:note': {}, 'f:regarding': expect.anything() }) }),
    ]);
    // applied again with a series: the event is extended, not replaced
    writeFileSync(file, V1_EVENT.replace('name: web.manual', 'name: web.applied').concat('series:\n  count: 2\n  lastObservedTime: "2026-01-01T00:02:00.000000Z"\n'));
    const again = await s.kubectl(['apply', '--server-side', '-f', file]);
    expect(again.stderr).toBe('');
    expect(s.cluster.object<Obj>('events', 'web.applied', 'default')!.series).toEqual({ count: 2, lastObservedTime: '2026-01-01T00:02:00.000000Z' });
    const v1 = JSON.parse((await s.kubectl(['get', 'events.events.k8s.io', 'web.applied', '-o', 'json'])).stdout) as Obj;
    expect(v1).toMatchObject({ apiVersion: 'events.k8s.io/v1', note: 'the pod was checked', series: { count: 2 } });
    // the strict rules still apply: the note may not change
    writeFileSync(file, V1_EVENT.replace('name: web.manual', 'name: web.applied').replace('note: the pod was checked', 'note: changed'));
    const changed = await s.kubectl(['apply', '--server-side', '-f', file]);
    expect(changed.code).not.toBe(0);
    expect(changed.stderr).toContain('message: Invalid value: "changed": field is immutable');
  });

  it('RBAC decides on the events.k8s.io group', async () => {
    const r = await s.kubectl(['get', 'events.events.k8s.io', '--as=guest']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('events.events.k8s.io is forbidden: User "guest" cannot list resource "events" in API group "events.k8s.io" in the namespace "default"');
  });

  it('a watch sends events.k8s.io/v1 objects', async () => {
    const w = await s.call('GET', '/apis/events.k8s.io/v1/namespaces/default/events?watch=true&fieldSelector=regarding.name%3Dweb', { streamMs: 10_000, streamUntil: (t) => t.includes('\n') });
    expect(w.code).toBe(200);
    const first = JSON.parse(w.text.split('\n')[0]!) as Obj;
    expect(first.type).toBe('ADDED');
    expect(first.object).toMatchObject({ apiVersion: 'events.k8s.io/v1', kind: 'Event', regarding: { name: 'web' } });
  });

  it('kubectl events lists the events of an object', async () => {
    const r = await s.kubectl(['events', '--for', 'pod/web']);
    expect(r.stderr).toBe('');
    const rows = parseTable(r.stdout);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((row) => row.OBJECT === 'Pod/web')).toBe(true);
    expect(rows.some((row) => row.REASON === 'Scheduled')).toBe(true);
    expect(rows.some((row) => row.REASON === 'Checked' && row.MESSAGE === 'the pod was checked')).toBe(true);
  });
});
