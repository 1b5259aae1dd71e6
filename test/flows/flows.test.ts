import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Pod } from '../../src/api/types.js';
import type { TraceEntry } from '../../src/kernel/trace.js';
import { recordCreatePod, recordDeletePod, recordGetPods } from '../../src/flows/flows.js';
import { flowPage } from '../../src/docs/flows.js';
import { DOCS_DIR } from '../../src/docs/generate.js';
import { traceEntryToJSON } from '../../src/kernel/trace.js';

/** Index of the first entry at or after `from` that matches. */
function find(entries: TraceEntry[], from: number, match: (e: TraceEntry) => boolean, what: string): number {
  for (let i = from; i < entries.length; i++) if (match(entries[i]!)) return i;
  throw new Error(`the trace has no ${what} after message ${from}:\n${entries.map((e) => `${e.from} -> ${e.to} ${e.type} ${e.summary}`).join('\n')}`);
}

const phase = (e: TraceEntry) => ((e.event as { object?: Pod } | undefined)?.object?.status?.phase as string | undefined);

describe('the documented flows, compared with the architecture document', () => {
  it('create pod follows steps 1 to 9 in order, and only the API server talks to etcd', () => {
    const rec = recordCreatePod(1);
    const e = rec.entries;
    const s1 = find(e, 0, (x) => x.from === 'kubectl' && x.to === 'api-server' && x.type === 'api.request' && x.summary.startsWith('create pods default/nginx'), 'step 1: kubectl create pod');
    const s2 = find(e, s1, (x) => x.from === 'api-server' && x.to === 'etcd' && x.type === 'etcd.create', 'step 2: create in etcd');
    const s3 = find(e, s2, (x) => x.from === 'etcd' && x.to === 'api-server' && x.type === 'etcd.result' && x.summary.startsWith('ok'), 'step 3: entry created');
    const ack = find(e, s3, (x) => x.from === 'api-server' && x.to === 'kubectl' && x.type === 'api.response' && x.summary.startsWith('201'), 'the 201 to kubectl');
    const s4 = find(e, s3, (x) => x.from === 'api-server' && x.to === 'scheduler' && x.type === 'watch.added', 'step 4: the scheduler sees the pending pod');
    const s5 = find(e, s4, (x) => x.from === 'scheduler' && x.to === 'api-server' && x.summary.startsWith('create pods/binding default/nginx'), 'step 5: the binding');
    const bound = find(e, s5, (x) => x.from === 'api-server' && x.to === 'etcd' && x.type === 'etcd.update', 'the binding stored');
    const s6 = find(e, bound, (x) => x.from === 'api-server' && x.to.startsWith('kubelet/') && x.type === 'watch.added', "step 6: the chosen node's kubelet gets the pod");
    const node = e[s6]!.to.slice('kubelet/'.length);
    const pending = e[s6]!.event as { object: Pod };
    expect(pending.object.spec?.nodeName).toBe(node);
    const worker = find(e, s6, (x) => x.to === 'pod/default/nginx' && x.type === 'pod.sync', 'the pod worker');
    const s7 = find(e, worker, (x) => x.from === `kubelet/${node}` && x.to === 'api-server' && x.summary.startsWith('patch pods/status default/nginx') && (x.event as { body: Pod }).body.status?.phase === 'Running', 'step 7: the kubelet reports Running');
    const s8 = find(e, s7, (x) => x.from === 'api-server' && x.to === 'etcd' && x.type === 'etcd.update', 'step 8: recorded in etcd');
    const s9 = find(e, s8, (x) => x.from === 'api-server' && x.to === 'kubectl' && x.type === 'watch.modified' && phase(x) === 'Running', 'step 9: kubectl learns the pod runs');
    expect([s1, s2, s3, s4, s5, s6, s7, s8, s9]).toEqual([...[s1, s2, s3, s4, s5, s6, s7, s8, s9]].sort((a, b) => a - b));
    expect(ack).toBeLessThan(s9);
    // only the API server ever sends to etcd, in this flow and in the whole run
    for (const x of rec.cluster.kernel.trace.toArray()) if (x.to === 'etcd') expect(x.from).toBe('api-server');
    // the scheduler never writes etcd and never talks to a kubelet
    for (const x of e) if (x.from === 'scheduler') expect(x.to).toBe('api-server');
    rec.cluster.stop();
  });

  it('get pods is authenticated and read from etcd only: no kubelet is asked', () => {
    const rec = recordGetPods(1);
    expect(rec.entries.map((x) => `${x.from}>${x.to}:${x.type}`)).toEqual([
      'kubectl>api-server:api.request',
      'api-server>etcd:etcd.range',
      'etcd>api-server:etcd.result',
      'api-server>kubectl:api.response',
    ]);
    const response = rec.entries[3]!.event as { code: number; body: { items: Pod[] } };
    expect(response.code).toBe(200);
    expect(response.body.items.map((p) => [p.metadata?.name, p.status?.phase])).toEqual([['nginx', 'Running']]);
    rec.cluster.stop();
  });

  it('delete pod stops the pod gracefully on its node, reports its status, then removes it from etcd', () => {
    const rec = recordDeletePod(1);
    const e = rec.entries;
    const req = find(e, 0, (x) => x.from === 'kubectl' && x.summary.startsWith('delete pods default/nginx'), 'the delete');
    const mark = find(e, req, (x) => x.to === 'etcd' && x.type === 'etcd.update', 'the deletion mark');
    const kill = find(e, mark, (x) => x.to === 'pod/default/nginx' && x.type === 'pod.kill', 'the graceful stop');
    const done = find(e, kill, (x) => x.from === 'pod/default/nginx' && x.type === 'pod.terminated', 'the pod worker finishing');
    const status = find(e, done, (x) => x.from.startsWith('kubelet/') && x.summary.startsWith('patch pods/status'), 'the final status');
    const remove = find(e, status, (x) => x.from.startsWith('kubelet/') && x.summary.startsWith('delete pods default/nginx'), "the kubelet's final delete");
    const gone = find(e, remove, (x) => x.to === 'etcd' && x.type === 'etcd.delete', 'the removal from etcd');
    expect(gone).toBeGreaterThan(remove);
    expect(rec.cluster.object('pods', 'nginx')).toBeUndefined();
    rec.cluster.stop();
  });

  it('is reproducible: the same seed gives a byte-identical flow trace, another seed may differ', () => {
    const a = recordCreatePod(7);
    const b = recordCreatePod(7);
    const c = recordCreatePod(8);
    const jsonl = (r: typeof a) => r.entries.map(traceEntryToJSON).join('\n');
    expect(jsonl(a)).toBe(jsonl(b));
    expect(a.cluster.kernel.trace.toJSONL()).toBe(b.cluster.kernel.trace.toJSONL());
    expect(a.cluster.kernel.trace.toJSONL()).not.toBe(c.cluster.kernel.trace.toJSONL());
    for (const r of [a, b, c]) r.cluster.stop();
  });
});

describe('docs/flows', () => {
  for (const name of ['create-pod', 'get-pods', 'delete-pod'] as const) {
    it(`docs/flows/${name}.md is the diagram of a fresh recording (run \`npm run docs\` when this fails)`, () => {
      const committed = readFileSync(join(DOCS_DIR, 'flows', `${name}.md`), 'utf8');
      expect(committed).toBe(flowPage(name));
    });
  }
});
