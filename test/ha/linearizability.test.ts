import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import {
  checkLinearizable,
  pruneRegisterHistory,
  registerModel,
  type Model,
  type Operation,
  type RegisterInput,
  type RegisterOutput,
} from '../../src/ha/linearizability.js';

type Op = Operation<RegisterInput, RegisterOutput>;
const op = (client: string, call: number, ret: number, input: RegisterInput, output: RegisterOutput): Op => ({ client, call, return: ret, input, output });

describe('linearizability checker', () => {
  it('accepts a sequential history that follows the model', () => {
    const h = [
      op('a', 0, 1, { kind: 'create', key: 'k', value: 'x' }, { result: 'ok' }),
      op('a', 2, 3, { kind: 'get', key: 'k' }, { result: 'ok', value: 'x' }),
      op('b', 4, 5, { kind: 'create', key: 'k', value: 'y' }, { result: 'exists' }),
      op('b', 6, 7, { kind: 'update', key: 'k', value: 'z' }, { result: 'ok' }),
      op('a', 8, 9, { kind: 'delete', key: 'k' }, { result: 'ok' }),
      op('a', 10, 11, { kind: 'get', key: 'k' }, { result: 'notfound' }),
    ];
    expect(checkLinearizable(registerModel, h).ok).toBe(true);
  });

  it('rejects a stale read after a write was acknowledged (real-time order)', () => {
    const h = [
      op('a', 0, 1, { kind: 'create', key: 'k', value: 'x' }, { result: 'ok' }),
      op('a', 2, 3, { kind: 'update', key: 'k', value: 'y' }, { result: 'ok' }),
      op('b', 4, 5, { kind: 'get', key: 'k' }, { result: 'ok', value: 'x' }),
    ];
    const r = checkLinearizable(registerModel, h);
    expect(r.ok).toBe(false);
    expect(r.inconclusive).toBeUndefined();
    expect(r.counterexample!.map((o) => registerModel.describe!(o))).toEqual([
      '[0 .. 1] a: create k=x -> ok',
      '[2 .. 3] a: update k=y -> ok',
      '[4 .. 5] b: get k -> ok x',
    ]);
  });

  it('lets concurrent operations take effect in either order', () => {
    const h = [
      op('a', 0, 1, { kind: 'create', key: 'k', value: 'x' }, { result: 'ok' }),
      op('a', 2, 10, { kind: 'update', key: 'k', value: 'y' }, { result: 'ok' }),
      op('b', 3, 4, { kind: 'get', key: 'k' }, { result: 'ok', value: 'y' }),
      op('c', 5, 6, { kind: 'get', key: 'k' }, { result: 'ok', value: 'y' }),
    ];
    expect(checkLinearizable(registerModel, h).ok).toBe(true);
    // but a read that saw y followed by one that saw x again is not linearizable
    h.push(op('c', 7, 8, { kind: 'get', key: 'k' }, { result: 'ok', value: 'x' }));
    expect(checkLinearizable(registerModel, h).ok).toBe(false);
  });

  it('an unknown outcome may take effect at any time after its call, or never', () => {
    const lost = op('a', 2, Infinity, { kind: 'update', key: 'k', value: 'y' }, { result: 'unknown' });
    const base = [op('a', 0, 1, { kind: 'create', key: 'k', value: 'x' }, { result: 'ok' }), lost];
    expect(checkLinearizable(registerModel, [...base, op('b', 50, 51, { kind: 'get', key: 'k' }, { result: 'ok', value: 'y' })]).ok).toBe(true);
    expect(checkLinearizable(registerModel, [...base, op('b', 50, 51, { kind: 'get', key: 'k' }, { result: 'ok', value: 'x' })]).ok).toBe(true);
    // but not before it was called
    expect(checkLinearizable(registerModel, [...base, op('b', 1.5, 1.8, { kind: 'get', key: 'k' }, { result: 'ok', value: 'y' })]).ok).toBe(false);
    // and once seen, it cannot be undone
    expect(
      checkLinearizable(registerModel, [
        ...base,
        op('b', 50, 51, { kind: 'get', key: 'k' }, { result: 'ok', value: 'y' }),
        op('b', 52, 53, { kind: 'get', key: 'k' }, { result: 'ok', value: 'x' }),
      ]).ok,
    ).toBe(false);
  });

  it('checks each key on its own (P-compositionality) and reports the failing key', () => {
    const h = [
      op('a', 0, 1, { kind: 'create', key: 'k1', value: 'x' }, { result: 'ok' }),
      op('b', 0, 1, { kind: 'create', key: 'k2', value: 'x' }, { result: 'ok' }),
      op('b', 2, 3, { kind: 'get', key: 'k2' }, { result: 'notfound' }),
    ];
    const r = checkLinearizable(registerModel, h);
    expect(r.ok).toBe(false);
    expect(r.counterexample!.every((o) => o.input.key === 'k2')).toBe(true);
  });

  it('pruning drops only unknown updates nobody read', () => {
    const h = [
      op('a', 0, 1, { kind: 'create', key: 'k', value: 'x' }, { result: 'ok' }),
      op('a', 2, Infinity, { kind: 'update', key: 'k', value: 'y' }, { result: 'unknown' }),
      op('a', 3, Infinity, { kind: 'update', key: 'k', value: 'z' }, { result: 'unknown' }),
      op('a', 4, Infinity, { kind: 'delete', key: 'k' }, { result: 'unknown' }),
      op('b', 5, 6, { kind: 'get', key: 'k' }, { result: 'ok', value: 'z' }),
    ];
    expect(pruneRegisterHistory(h).map((o) => (o.input.kind === 'update' ? o.input.value : o.input.kind))).toEqual(['create', 'z', 'delete', 'get']);
  });

  it('gives up (inconclusive) rather than running forever', () => {
    const h: Op[] = [];
    for (let i = 0; i < 40; i++) h.push(op(`c${i}`, 0, Infinity, { kind: 'update', key: 'k', value: `v${i}` }, { result: 'unknown' }));
    h.push(op('r', 0, 100, { kind: 'get', key: 'k' }, { result: 'ok', value: 'never-written' }));
    const r = checkLinearizable(registerModel, h, { maxSteps: 10_000 });
    expect(r.ok).toBe(false);
    expect(r.inconclusive).toBe(true);
  });

  /** A counter with reads: histories generated from a sequential run are always linearizable. */
  const counter: Model<number, { kind: 'inc' } | { kind: 'read' }, number | undefined> = {
    init: () => 0,
    key: (s) => String(s),
    step: (s, input, output) => (input.kind === 'inc' ? { ok: true, state: s + 1 } : { ok: output === s, state: s }),
  };

  test.prop([fc.array(fc.record({ inc: fc.boolean(), gap: fc.nat(3), len: fc.integer({ min: 1, max: 6 }) }), { maxLength: 25 })])(
    'histories cut from a sequential run at its real times are linearizable; a wrong read makes them not',
    (steps) => {
      let t = 0;
      let value = 0;
      const h: Operation<{ kind: 'inc' } | { kind: 'read' }, number | undefined>[] = [];
      for (const s of steps) {
        t += s.gap;
        // each operation takes effect at its call time; it may answer later (overlapping the next)
        if (s.inc) value++;
        h.push({ client: 'c', call: t, return: t + s.len, input: s.inc ? { kind: 'inc' } : { kind: 'read' }, output: s.inc ? undefined : value });
        t += 1;
      }
      expect(checkLinearizable(counter, h).ok).toBe(true);
      const reads = h.filter((o) => o.input.kind === 'read');
      if (reads.length > 0) {
        const last = reads[reads.length - 1]!;
        last.output = (last.output as number) + 100;
        expect(checkLinearizable(counter, h).ok).toBe(false);
      }
    },
  );
});
