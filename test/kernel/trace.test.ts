import { describe, it, expect } from 'vitest';
import { createActor, setup } from 'xstate';
import { Kernel, defaultSummarize, type KernelEvent } from '../../src/kernel/kernel.js';
import { traceEntryToJSON, type TraceEntry } from '../../src/kernel/trace.js';

/** An event with a payload. */
const ev = (type: string, payload: Record<string, unknown> = {}): KernelEvent => ({ type, ...payload });

const noop = { send() {} };

/**
 * client --req--> server; the server waits 100 ms (an XState `after`) and answers --resp-->;
 * the client then reports --done--> to `log`. Every hop goes through the kernel.
 */
function requestChain(kernel: Kernel) {
  const client = setup({
    types: { events: {} as { type: 'start' } | { type: 'resp' } },
    actions: {
      request: () => kernel.send('client', 'server', { type: 'req' }),
      report: () => kernel.send('client', 'log', { type: 'done' }),
    },
  }).createMachine({
    id: 'client',
    on: { start: { actions: 'request' }, resp: { actions: 'report' } },
  });
  const server = setup({
    types: { events: {} as { type: 'req' } },
    actions: { reply: () => kernel.send('server', 'client', { type: 'resp' }) },
  }).createMachine({
    id: 'server',
    initial: 'idle',
    states: {
      idle: { on: { req: 'working' } },
      working: { after: { 100: { target: 'idle', actions: 'reply' } } },
    },
  });
  const c = createActor(client, { clock: kernel.clock }).start();
  const s = createActor(server, { clock: kernel.clock }).start();
  kernel.register('client', c);
  kernel.register('server', s);
  const flowsSeenByLog: (string | undefined)[] = [];
  kernel.register('log', { send: () => flowsSeenByLog.push(kernel.currentFlow) });
  return { c, s, flowsSeenByLog };
}

function smallRun(seed: number, options: ConstructorParameters<typeof Kernel>[0] = {}) {
  const kernel = new Kernel({ seed, network: { remote: { latency: 1, jitter: 4, dropRate: 0.1, duplicateRate: 0.1 } }, ...options });
  const rng = kernel.fork('workload');
  const names = ['a', 'b', 'c'];
  for (const n of names) kernel.register(n, { send: () => rng.chance(0.5) && kernel.send(n, rng.pick(names), ev('echo', { secret: { token: 'hunter2' } })) });
  for (let i = 0; i < 30; i++) {
    kernel.send(rng.pick(names), rng.pick(names), ev('hello', { n: i, secret: { token: 'hunter2' } }));
    kernel.advance(rng.int(3));
  }
  kernel.runUntilIdle();
  return kernel;
}

describe('trace entries', () => {
  it('record seq, time, sent, msg, from, to, type, summary and status', () => {
    const kernel = new Kernel({ seed: 1, network: { remote: { latency: 2, jitter: 0 } } });
    const event = ev('pod.sync', { pod: 'default/nginx', attempt: 3, ready: false, spec: { containers: [] } });
    kernel.register('kubelet/node-1', noop);
    kernel.register('api-server', noop);
    kernel.advance(10);
    kernel.send('api-server', 'kubelet/node-1', event);
    kernel.send('api-server', 'kubelet/node-1', ev('pod.delete', { summary: 'DELETE default/nginx' }));
    kernel.advance(5);
    const entries = kernel.trace.toArray();
    expect(entries).toHaveLength(2);
    expect(entries[0]).toEqual({
      seq: 0,
      time: 12,
      sent: 10,
      msg: 0,
      from: 'api-server',
      to: 'kubelet/node-1',
      type: 'pod.sync',
      summary: 'pod=default/nginx attempt=3 ready=false',
      status: 'delivered',
      event,
    });
    // the payload is kept by reference, not copied
    expect(entries[0]!.event).toBe(event);
    expect(entries[1]).toMatchObject({ seq: 1, msg: 1, type: 'pod.delete', summary: 'DELETE default/nginx' });
    expect(entries[0]!.reason).toBeUndefined();
    expect(entries[0]!.duplicate).toBeUndefined();
    expect(entries[0]!.flow).toBeUndefined();
    // absent fields are left out of the JSON
    expect(Object.keys(JSON.parse(traceEntryToJSON(entries[0]!))).sort()).toEqual(['from', 'msg', 'sent', 'seq', 'status', 'summary', 'time', 'to', 'type']);
    expect(kernel.trace.total).toBe(2);
  });

  it('the default summary shows at most four primitive fields', () => {
    expect(defaultSummarize(ev('x', { a: 1, b: 'two', c: true, d: { deep: 1 }, e: 5, f: 6 }))).toBe('a=1 b=two c=true e=5');
    expect(defaultSummarize({ type: 'bare' })).toBe('');
  });

  it('uses the summarizer given to the kernel', () => {
    const kernel = new Kernel({ seed: 1, summarize: (e) => `<${e.type}>` });
    kernel.register('b', noop);
    kernel.send('a', 'b', ev('api.request', { verb: 'GET' }));
    kernel.runUntilIdle();
    expect(kernel.trace.toArray()[0]!.summary).toBe('<api.request>');
  });

  it('writes a summary when the entry is read or streamed, once, and only for the entries a bounded trace keeps', () => {
    let calls = 0;
    const kernel = new Kernel({ seed: 1, trace: { capacity: 3, payloads: false }, summarize: (e) => `<${e.type} #${++calls}>` });
    kernel.register('b', noop);
    for (let i = 0; i < 10; i++) kernel.send('a', 'b', ev(`m${i}`));
    kernel.runUntilIdle();
    expect(calls).toBe(0); // nothing read yet: the seven forgotten entries never cost a summary
    expect(kernel.trace.toArray().map((e) => e.summary)).toEqual(['<m7 #1>', '<m8 #2>', '<m9 #3>']);
    expect(kernel.trace.toArray().map((e) => e.summary)).toEqual(['<m7 #1>', '<m8 #2>', '<m9 #3>']);
    expect(calls).toBe(3);
    // a live subscriber gets its entries with their summaries at once
    const live: string[] = [];
    const sub = kernel.trace.entries$.subscribe((e) => live.push(e.summary));
    kernel.send('a', 'b', ev('m10'));
    kernel.runUntilIdle();
    sub.unsubscribe();
    expect(live).toEqual(['<m10 #4>']);
    expect(kernel.trace.toArray().at(-1)!.summary).toBe('<m10 #4>');
  });

  it('records drops with time, sent and reason, and sequence numbers in the order things happened', () => {
    const kernel = new Kernel({ seed: 1, network: { remote: { latency: 5, jitter: 0 } } });
    kernel.register('a', noop, { host: 'h1' });
    kernel.register('b', noop, { host: 'h2' });
    kernel.send('a', 'b', { type: 'first' }); // delivered at 5
    kernel.advance(1);
    kernel.network.cut('h1', 'h2');
    kernel.send('a', 'b', { type: 'cut' }); // dropped at once
    kernel.trySend('a', 'nobody', { type: 'nowhere' }); // dropped at once
    kernel.network.heal();
    kernel.runUntilIdle();
    const entries = kernel.trace.toArray();
    expect(entries.map((e) => [e.seq, e.type, e.status, e.reason, e.sent, e.time])).toEqual([
      [0, 'cut', 'dropped', 'partition', 1, 1],
      [1, 'nowhere', 'dropped', 'unknown address', 1, 1],
      [2, 'first', 'delivered', undefined, 0, 5],
    ]);
    // message ids are in send order, trace seqs in the order things happened
    expect(entries.map((e) => e.msg)).toEqual([1, 2, 0]);
  });
});

describe('flows', () => {
  it('a message sent while handling a message of flow F belongs to F, through XState timers too', () => {
    const kernel = new Kernel({ seed: 1, network: { remote: { latency: 1, jitter: 0 } } });
    const { c, s, flowsSeenByLog } = requestChain(kernel);
    kernel.send('user', 'client', { type: 'start' }, { flow: 'F1' });
    kernel.advance(1000);
    kernel.withFlow('F2', () => kernel.send('user', 'client', { type: 'start' }));
    kernel.send('user', 'client', { type: 'start' }, { flow: undefined }); // outside any flow... but sent right after F2's
    kernel.advance(1000);

    const entries = kernel.trace.toArray();
    const chain = (flow: string | undefined) => entries.filter((e) => e.flow === flow).map((e) => `${e.from}>${e.to}:${e.type}`);
    expect(chain('F1')).toEqual(['user>client:start', 'client>server:req', 'server>client:resp', 'client>log:done']);
    expect(chain('F2')).toEqual(['user>client:start', 'client>server:req', 'server>client:resp', 'client>log:done']);
    // the flowless start: its req reached the server while it was busy with F2's, so it ends there
    expect(chain(undefined)).toEqual(['user>client:start', 'client>server:req']);
    expect(flowsSeenByLog).toEqual(['F1', 'F2']);
    expect(kernel.currentFlow).toBeUndefined();
    c.stop();
    s.stop();
  });

  it('raw timers keep the flow they were armed in, even when flows interleave', () => {
    const kernel = new Kernel({ seed: 1, network: { remote: { latency: 1, jitter: 0 } } });
    const seen: string[] = [];
    kernel.register('sink', { send: (e) => seen.push(`${e.type}:${kernel.currentFlow}`) });
    kernel.withFlow('A', () => kernel.setTimer(() => kernel.send('timer', 'sink', { type: 'late' }), 50));
    kernel.withFlow('B', () => kernel.setTimer(() => kernel.send('timer', 'sink', { type: 'early' }), 10));
    kernel.setTimer(() => kernel.send('timer', 'sink', { type: 'none' }), 30);
    expect(kernel.currentFlow).toBeUndefined();
    kernel.advance(100);
    expect(seen).toEqual(['early:B', 'none:undefined', 'late:A']);
    expect(kernel.trace.toArray().map((e) => e.flow)).toEqual(['B', undefined, 'A']);
  });

  it('an explicit flow option overrides the inherited flow; withFlow restores the previous flow on throw', () => {
    const kernel = new Kernel({ seed: 1 });
    kernel.register('b', noop);
    kernel.withFlow('outer', () => {
      kernel.send('a', 'b', { type: 'inherited' });
      kernel.send('a', 'b', { type: 'explicit' }, { flow: 'other' });
      expect(() => kernel.withFlow('inner', () => { throw new Error('x'); })).toThrow('x');
      expect(kernel.currentFlow).toBe('outer');
    });
    kernel.runUntilIdle();
    expect(kernel.trace.toArray().map((e) => [e.type, e.flow])).toEqual([
      ['inherited', 'outer'],
      ['explicit', 'other'],
    ]);
  });
});

describe('JSON Lines', () => {
  it('is byte-identical for identical runs and different for another seed', () => {
    const a = smallRun(7).trace.toJSONL();
    const b = smallRun(7).trace.toJSONL();
    const c = smallRun(8).trace.toJSONL();
    expect(a.length).toBeGreaterThan(0);
    expect(a).toBe(b);
    expect(c).not.toBe(a);
  });

  it('carries no payload: one JSON object per line with only the trace fields', () => {
    const kernel = smallRun(7);
    const jsonl = kernel.trace.toJSONL();
    expect(jsonl).not.toContain('hunter2');
    expect(jsonl).not.toContain('secret');
    expect(jsonl.endsWith('\n')).toBe(true);
    const lines = jsonl.trimEnd().split('\n');
    expect(lines.length).toBe(kernel.trace.toArray().length);
    const allowed = new Set(['seq', 'time', 'sent', 'msg', 'from', 'to', 'type', 'summary', 'status', 'reason', 'duplicate', 'flow']);
    const statuses = new Set<string>();
    for (const [i, line] of lines.entries()) {
      const obj = JSON.parse(line) as Record<string, unknown>;
      for (const key of Object.keys(obj)) expect(allowed.has(key)).toBe(true);
      expect(obj.seq).toBe(i);
      statuses.add(String(obj.status));
    }
    expect(statuses).toEqual(new Set(['delivered', 'dropped']));
    // the in-memory entries still hold the payloads
    expect(kernel.trace.toArray().every((e) => e.event !== undefined)).toBe(true);
    expect(traceEntryToJSON(kernel.trace.toArray()[0]!)).toBe(lines[0]);
  });

  it('payloads: false keeps no reference to events', () => {
    const kernel = smallRun(7, { trace: { payloads: false } });
    expect(kernel.trace.toArray().every((e) => e.event === undefined)).toBe(true);
    expect(kernel.trace.toJSONL()).toBe(smallRun(7).trace.toJSONL());
  });
});

describe('bounded trace', () => {
  function sendMany(kernel: Kernel, n: number) {
    kernel.register('b', noop);
    for (let i = 0; i < n; i++) kernel.send('a', 'b', ev('m', { i }));
    kernel.runUntilIdle();
  }

  it('keeps the newest entries of a ring buffer', () => {
    const kernel = new Kernel({ seed: 1, trace: { capacity: 5 } });
    sendMany(kernel, 12);
    const kept = kernel.trace.toArray();
    expect(kept.map((e) => e.seq)).toEqual([7, 8, 9, 10, 11]);
    expect(kept.map((e) => e.summary)).toEqual(['i=7', 'i=8', 'i=9', 'i=10', 'i=11']);
    expect(kernel.trace.total).toBe(12);
    expect(kernel.trace.toJSONL().trimEnd().split('\n')).toHaveLength(5);
  });

  it('since(seq) gives the kept entries from seq on', () => {
    const kernel = new Kernel({ seed: 1, trace: { capacity: 5 } });
    sendMany(kernel, 12);
    expect(kernel.trace.since(9).map((e) => e.seq)).toEqual([9, 10, 11]);
    expect(kernel.trace.since(11).map((e) => e.seq)).toEqual([11]);
    expect(kernel.trace.since(12)).toEqual([]);
    expect(kernel.trace.since(0).map((e) => e.seq)).toEqual([7, 8, 9, 10, 11]); // the older ones are gone

    const unbounded = new Kernel({ seed: 1 });
    sendMany(unbounded, 12);
    expect(unbounded.trace.since(0)).toHaveLength(12);
    expect(unbounded.trace.since(10).map((e) => e.seq)).toEqual([10, 11]);
  });

  it('clear() forgets the kept entries but the sequence goes on', () => {
    const kernel = new Kernel({ seed: 1, trace: { capacity: 3 } });
    sendMany(kernel, 4);
    kernel.trace.clear();
    expect(kernel.trace.toArray()).toEqual([]);
    kernel.send('a', 'b', { type: 'after' });
    kernel.runUntilIdle();
    expect(kernel.trace.toArray().map((e) => [e.seq, e.type])).toEqual([[4, 'after']]);
  });

  it('refuses a capacity that is not positive', () => {
    expect(() => new Kernel({ trace: { capacity: 0 } })).toThrow(RangeError);
  });
});

describe('live entries$', () => {
  it('emits each entry as it is recorded, before the target handles the message, and completes on stop', () => {
    const kernel = new Kernel({ seed: 1, network: { remote: { latency: 1, jitter: 0 } } });
    const live: TraceEntry[] = [];
    let completed = false;
    const sub = kernel.trace.entries$.subscribe({ next: (e) => live.push(e), complete: () => (completed = true) });
    expect(kernel.trace.observed).toBe(true);
    const seenAtDelivery: number[] = [];
    kernel.register('b', { send: () => seenAtDelivery.push(live.length) });
    kernel.send('a', 'b', { type: 'one' });
    kernel.send('a', 'b', { type: 'two' });
    kernel.trySend('a', 'ghost', { type: 'lost' });
    expect(live.map((e) => e.type)).toEqual(['lost']); // drops are emitted at once
    kernel.advance(1);
    expect(seenAtDelivery).toEqual([2, 3]);
    expect(live).toEqual(kernel.trace.toArray());
    kernel.stop();
    expect(completed).toBe(true);
    sub.unsubscribe();
  });

  it('emits even when the trace keeps nothing', () => {
    const kernel = new Kernel({ seed: 1, trace: { enabled: false } });
    kernel.register('b', noop);
    kernel.send('a', 'b', { type: 'unseen' });
    kernel.runUntilIdle();
    const live: TraceEntry[] = [];
    const sub = kernel.trace.entries$.subscribe((e) => live.push(e));
    kernel.send('a', 'b', { type: 'seen' });
    kernel.runUntilIdle();
    expect(kernel.trace.toArray()).toEqual([]);
    expect(live.map((e) => [e.seq, e.type])).toEqual([[1, 'seen']]);
    expect(kernel.trace.total).toBe(2);
    sub.unsubscribe();
  });
});

describe('stepMessage', () => {
  it('fires the timers before the next message and returns that message’s entry', () => {
    const kernel = new Kernel({ seed: 1, network: { remote: { latency: 10, jitter: 0 } } });
    const fired: number[] = [];
    kernel.setTimer(() => {
      fired.push(kernel.now());
      kernel.trySend('timer', 'gone', { type: 'from-timer' });
    }, 3);
    // while handling the message, the target sends to a vanished address (a drop is recorded first)
    kernel.register('b', { send: () => kernel.trySend('b', 'gone', { type: 'reply' }) });
    kernel.send('a', 'b', { type: 'hello' });
    const entry = kernel.stepMessage();
    expect(fired).toEqual([3]);
    expect(entry).toMatchObject({ seq: 1, type: 'hello', status: 'delivered', time: 10 });
    expect(kernel.trace.toArray().map((e) => e.type)).toEqual(['from-timer', 'hello', 'reply']);
    expect(kernel.stepMessage()).toBeUndefined();
  });
});
