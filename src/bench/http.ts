/**
 * Load benchmark of the HTTP API (`kube-actors serve`) on loopback: a served cluster driven in
 * real time, `clients` concurrent HTTPS clients on keep-alive connections sending a fixed mix of
 * requests (get, list, list as Table, create, merge patch, delete, discovery, and the intended
 * errors: 404 for a missing object, 403 for the guest), while `watches` watches of the same
 * collection are open. It checks that no request is lost, that nothing but the intended errors
 * comes back, and that every watch saw every write; it prints throughput and latency
 * percentiles (p50/p90/p99). Timings vary from run to run and are never asserted.
 *
 *   npx tsx src/bench/http.ts [--clients 50] [--requests 3000] [--watches 10] [--nodes 3] [--speed 1] [--json]
 */
import { Agent, request as httpsRequest } from 'node:https';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { startServing, type Serving } from '../http/serve.js';

/** Options of {@link benchHttp}. */
export interface HttpBenchOptions {
  /** Concurrent clients (each on its own keep-alive connection). Default 50. */
  clients?: number;
  /** Requests in all (rounded up to whole cycles of 10 per client). Default 3,000. */
  requests?: number;
  /** Watches open during the load. Default 10. */
  watches?: number;
  /** Worker nodes of the cluster. Default 3. */
  nodes?: number;
  /** Virtual ms per wall ms. Default 1. */
  speed?: number;
  /** Wall ms between the driver's advances. Default 10. */
  tickMs?: number;
}

/** Latency percentiles in ms. */
export interface Percentiles {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** What {@link benchHttp} measured. */
export interface HttpBenchResult {
  name: 'http';
  clients: number;
  requests: number;
  watches: number;
  nodes: number;
  speed: number;
  wallMs: number;
  requestsPerSecond: number;
  latency: Percentiles;
  byKind: Record<string, Percentiles>;
  codes: Record<string, number>;
  /** Requests that got no answer (connection errors). */
  lost: number;
  /** Answers whose code was not the one expected (intended errors are expected). */
  unexpected: number;
  /** A few of the unexpected answers. */
  unexpectedSamples: string[];
  /** Watch events about the benchmark's objects each watch should see, and the fewest and most one saw. */
  watchEventsExpected: number;
  watchEventsMin: number;
  watchEventsMax: number;
  /** ConfigMaps left in etcd that should have been deleted. */
  leftovers: number;
  /** Errors the simulation's actors threw. */
  actorErrors: number;
}

interface Step {
  kind: string;
  method: string;
  path: (i: number, k: number) => string;
  body?: (i: number, k: number) => string;
  contentType?: string;
  accept?: string;
  token?: 'guest';
  expect: number;
  /** A write the watches see (ADDED, MODIFIED or DELETED). */
  watched?: boolean;
}

const NS = '/api/v1/namespaces/default';
const name = (i: number, k: number) => `bench-${i}-${k}`;
const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';
const AGG = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json';

/** One cycle of a client: ten requests about its own ConfigMap `bench-<client>-<cycle>`. */
const CYCLE: Step[] = [
  { kind: 'create', method: 'POST', path: () => `${NS}/configmaps?fieldManager=bench`, body: (i, k) => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: name(i, k), labels: { client: String(i) } }, data: { n: '0' } }), contentType: 'application/json', expect: 201, watched: true },
  { kind: 'get', method: 'GET', path: (i, k) => `${NS}/configmaps/${name(i, k)}`, expect: 200 },
  { kind: 'list', method: 'GET', path: (i) => `${NS}/configmaps?labelSelector=client%3D${i}&limit=500`, expect: 200 },
  { kind: 'patch', method: 'PATCH', path: (i, k) => `${NS}/configmaps/${name(i, k)}`, body: () => '{"data":{"n":"1"}}', contentType: 'application/merge-patch+json', expect: 200, watched: true },
  { kind: 'table', method: 'GET', path: () => `${NS}/pods?limit=500`, accept: TABLE, expect: 200 },
  { kind: 'error', method: 'GET', path: (i, k) => `${NS}/configmaps/missing-${i}-${k}`, expect: 404 },
  { kind: 'error', method: 'GET', path: () => `${NS}/configmaps`, token: 'guest', expect: 403 },
  { kind: 'get', method: 'GET', path: () => '/api/v1/nodes', expect: 200 },
  { kind: 'delete', method: 'DELETE', path: (i, k) => `${NS}/configmaps/${name(i, k)}`, body: () => '{"propagationPolicy":"Background"}', contentType: 'application/json', expect: 200, watched: true },
  { kind: 'discovery', method: 'GET', path: () => '/apis', accept: AGG, expect: 200 },
];

function percentiles(samples: number[]): Percentiles {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => (s.length === 0 ? 0 : s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!);
  return { count: s.length, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: s.at(-1) ?? 0 };
}

interface Answer {
  code: number;
  text: string;
}

function call(agent: Agent, port: number, ca: string, method: string, path: string, token: string, o: { body?: string; contentType?: string; accept?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (o.accept) headers.accept = o.accept;
    if (o.contentType) headers['content-type'] = o.contentType;
    if (o.body !== undefined) headers['content-length'] = String(Buffer.byteLength(o.body));
    const req = httpsRequest({ host: '127.0.0.1', port, method, path, headers, agent, ca }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ code: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(o.body);
  });
}

/** Opens a watch of the default namespace's ConfigMaps from `rv`; counts events about bench objects. */
function openWatch(port: number, ca: string, token: string, rv: string, counter: { n: number }): () => void {
  const req = httpsRequest(
    { host: '127.0.0.1', port, method: 'GET', path: `${NS}/configmaps?watch=true&resourceVersion=${rv}`, headers: { authorization: `Bearer ${token}` }, ca, agent: false },
    (res) => {
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let nl: number;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          if (!line) continue;
          const e = JSON.parse(line) as { type: string; object: { metadata?: { name?: string } } };
          if (e.object?.metadata?.name?.startsWith('bench-')) counter.n++;
        }
      });
      res.on('error', () => {});
    },
  );
  req.on('error', () => {});
  req.end();
  return () => req.destroy();
}

/** Runs the load benchmark; resolves to its figures. */
export async function benchHttp(options: HttpBenchOptions = {}): Promise<HttpBenchResult> {
  const clients = options.clients ?? 50;
  const cycles = Math.max(1, Math.ceil((options.requests ?? 3_000) / (clients * CYCLE.length)));
  const watches = options.watches ?? 10;
  const nodes = options.nodes ?? 3;
  const speed = options.speed ?? 1;
  const serving: Serving = await startServing({ port: 0, cluster: { nodes, seed: 1, trace: { capacity: 10_000 } }, speed, tickMs: options.tickMs ?? 10 });
  const port = serving.server.port;
  const ca = serving.server.certificate!.cert;
  const admin = serving.cluster.users.admin.token;
  const guest = serving.cluster.users.guest.token;
  const agent = new Agent({ keepAlive: true, maxSockets: clients, ca });
  const latencies: number[] = [];
  const byKind = new Map<string, number[]>();
  const codes: Record<string, number> = {};
  const samples: string[] = [];
  let lost = 0;
  let unexpected = 0;
  const counters = Array.from({ length: watches }, () => ({ n: 0 }));
  const stops: (() => void)[] = [];
  try {
    const list = await call(agent, port, ca, 'GET', `${NS}/configmaps`, admin);
    const rv = (JSON.parse(list.text) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
    for (const c of counters) stops.push(openWatch(port, ca, admin, rv, c));
    await new Promise((r) => setTimeout(r, 200));
    const start = performance.now();
    await Promise.all(
      Array.from({ length: clients }, async (_, i) => {
        for (let k = 0; k < cycles; k++) {
          for (const step of CYCLE) {
            const t0 = performance.now();
            let answer: Answer;
            try {
              answer = await call(agent, port, ca, step.method, step.path(i, k), step.token === 'guest' ? guest : admin, {
                body: step.body?.(i, k),
                contentType: step.contentType,
                accept: step.accept,
              });
            } catch (error) {
              lost++;
              if (samples.length < 5) samples.push(`${step.method} ${step.path(i, k)}: ${String(error)}`);
              continue;
            }
            const ms = performance.now() - t0;
            latencies.push(ms);
            const list = byKind.get(step.kind) ?? [];
            list.push(ms);
            byKind.set(step.kind, list);
            codes[answer.code] = (codes[answer.code] ?? 0) + 1;
            if (answer.code !== step.expect) {
              unexpected++;
              if (samples.length < 5) samples.push(`${step.method} ${step.path(i, k)} -> ${answer.code} ${answer.text.slice(0, 200)}`);
            }
          }
        }
      }),
    );
    const wallMs = performance.now() - start;
    const expected = clients * cycles * CYCLE.filter((s) => s.watched).length;
    const deadline = Date.now() + 15_000;
    while (counters.some((c) => c.n < expected) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const leftovers = serving.cluster.objects('configmaps', 'default').filter((o) => o.metadata?.name?.startsWith('bench-')).length;
    const total = clients * cycles * CYCLE.length;
    return {
      name: 'http',
      clients,
      requests: total,
      watches,
      nodes,
      speed,
      wallMs,
      requestsPerSecond: (latencies.length / wallMs) * 1000,
      latency: percentiles(latencies),
      byKind: Object.fromEntries([...byKind].map(([k, v]) => [k, percentiles(v)])),
      codes,
      lost: lost + (total - latencies.length - lost),
      unexpected,
      unexpectedSamples: samples,
      watchEventsExpected: expected,
      watchEventsMin: Math.min(...counters.map((c) => c.n)),
      watchEventsMax: Math.max(...counters.map((c) => c.n)),
      leftovers,
      actorErrors: serving.cluster.kernel.errors.length,
    };
  } finally {
    for (const stop of stops) stop();
    agent.destroy();
    await serving.close();
  }
}

const ms = (x: number) => `${x.toFixed(1)} ms`;
const int = (x: number) => Math.round(x).toLocaleString('en-US');

/** The benchmark's figures as text. */
export function formatHttpBench(r: HttpBenchResult): string {
  const kinds = Object.entries(r.byKind)
    .map(([k, p]) => `${k} ${ms(p.p50)}/${ms(p.p99)}`)
    .join(', ');
  const lostWatch = r.watchEventsExpected - r.watchEventsMin;
  const ok = r.lost === 0 && r.unexpected === 0 && lostWatch === 0 && r.watchEventsMax === r.watchEventsExpected && r.leftovers === 0 && r.actorErrors === 0;
  return [
    `HTTP API load (HTTPS on loopback, ${r.nodes} nodes, speed ${r.speed}x): ${r.clients} clients, ${int(r.requests)} requests, ${r.watches} watches open`,
    `  throughput   ${int(r.requestsPerSecond)} requests/s over ${(r.wallMs / 1000).toFixed(2)} s`,
    `  latency      p50 ${ms(r.latency.p50)}   p90 ${ms(r.latency.p90)}   p99 ${ms(r.latency.p99)}   max ${ms(r.latency.max)}`,
    `  by kind      (p50/p99) ${kinds}`,
    `  codes        ${Object.entries(r.codes).map(([c, n]) => `${c}: ${int(n)}`).join(', ')}  (404 and 403 are the intended errors)`,
    `  watches      each saw ${int(r.watchEventsMin)}${r.watchEventsMax !== r.watchEventsMin ? `..${int(r.watchEventsMax)}` : ''} of ${int(r.watchEventsExpected)} events`,
    `  checks       lost ${r.lost}, unexpected ${r.unexpected}, watch events missing ${lostWatch}, leftovers ${r.leftovers}, actor errors ${r.actorErrors}: ${ok ? 'OK' : 'FAILED'}`,
    ...r.unexpectedSamples.map((s) => `    ${s}`),
  ].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      clients: { type: 'string' },
      requests: { type: 'string' },
      watches: { type: 'string' },
      nodes: { type: 'string' },
      speed: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
  benchHttp({ clients: num(values.clients), requests: num(values.requests), watches: num(values.watches), nodes: num(values.nodes), speed: num(values.speed) }).then(
    (r) => {
      console.log(values.json ? JSON.stringify(r) : formatHttpBench(r));
      if (r.lost > 0 || r.unexpected > 0 || r.watchEventsMin < r.watchEventsExpected || r.leftovers > 0) process.exitCode = 1;
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 2;
    },
  );
}
