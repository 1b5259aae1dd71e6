/**
 * The HTTP load benchmark at a tiny size: its shape and its correctness checks (no request lost,
 * only the intended errors, every watch saw every write). No timing is asserted.
 */
import { describe, expect, it } from 'vitest';
import { benchHttp, formatHttpBench } from '../../src/bench/http.js';

describe('HTTP load benchmark (tiny)', () => {
  it('loses nothing, answers only the intended errors, and every watch sees every write', async () => {
    const r = await benchHttp({ clients: 4, requests: 80, watches: 2, nodes: 1 });
    expect(r.requests).toBe(80);
    expect(r.latency.count).toBe(80);
    expect(r.lost).toBe(0);
    expect(r.unexpected).toBe(0);
    expect(r.codes).toEqual({ 200: 56, 201: 8, 403: 8, 404: 8 });
    expect(r.watchEventsExpected).toBe(24);
    expect(r.watchEventsMin).toBe(24);
    expect(r.watchEventsMax).toBe(24);
    expect(r.leftovers).toBe(0);
    expect(r.actorErrors).toBe(0);
    expect(r.latency.p50).toBeLessThanOrEqual(r.latency.p90);
    expect(r.latency.p90).toBeLessThanOrEqual(r.latency.p99);
    expect(Object.keys(r.byKind).sort()).toEqual(['create', 'delete', 'discovery', 'error', 'get', 'list', 'patch', 'table']);
    expect(formatHttpBench(r)).toMatch(/p50 .* p90 .* p99 .*\n[\s\S]*checks .*: OK/);
  }, 60_000);
});
