/**
 * A linearizability checker: Wing & Gong's search with Lowe's memoisation, as Porcupine does it.
 * A history is a set of operations, each with the (virtual) time it was invoked and the time its
 * response arrived; an operation whose outcome is unknown (the client gave up) returns at
 * `Infinity` and may take effect at any point after its invocation, or never. The history is
 * linearizable when some total order of the operations, consistent with real time (an operation
 * that returned before another was invoked comes first), is a legal run of the sequential model.
 *
 * Histories of independent objects (one register per key) are checked one at a time
 * (P-compositionality, `partition`), which keeps the search small.
 */

/** One operation of a history. */
export interface Operation<I, O> {
  /** Who invoked it (for messages). */
  client: string;
  input: I;
  /** The output; the model decides what an unknown outcome means. */
  output: O;
  /** Virtual time of the invocation. */
  call: number;
  /** Virtual time of the response; `Infinity` when it never came. */
  return: number;
}

/** A sequential specification. */
export interface Model<S, I, O> {
  init(): S;
  /** Applies an operation: whether the output is possible from `state`, and the next state. */
  step(state: S, input: I, output: O): { ok: boolean; state: S };
  /** A key identifying a state (for memoisation). */
  key(state: S): string;
  /** Splits a history into independent ones (default: one). */
  partition?(operations: readonly Operation<I, O>[]): Operation<I, O>[][];
  /** Text of an operation, for reports. */
  describe?(operation: Operation<I, O>): string;
}

/** The verdict on a history. */
export interface CheckResult<I, O> {
  ok: boolean;
  /** When not linearizable: the operations of the first partition that is not, in call order. */
  counterexample?: Operation<I, O>[];
  /** The longest prefix (in the order found) that could be linearized, for the report. */
  longest?: Operation<I, O>[];
  /** Search steps taken (for the cost log). */
  steps: number;
  /** True when the search gave up (too many steps): not a proof either way. */
  inconclusive?: boolean;
}

interface Node {
  id: number;
  call: boolean;
  time: number;
  match: Node | undefined;
  prev: Node | undefined;
  next: Node | undefined;
}

function bitsKey(bits: Uint32Array): string {
  let out = '';
  for (let i = 0; i < bits.length; i++) out += bits[i]!.toString(36) + ',';
  return out;
}

/** Checks one (partition of a) history. */
function checkOne<S, I, O>(model: Model<S, I, O>, ops: readonly Operation<I, O>[], maxSteps: number): CheckResult<I, O> {
  const n = ops.length;
  if (n === 0) return { ok: true, steps: 0 };
  const events: Node[] = [];
  for (let i = 0; i < n; i++) {
    const c: Node = { id: i, call: true, time: ops[i]!.call, match: undefined, prev: undefined, next: undefined };
    const r: Node = { id: i, call: false, time: ops[i]!.return, match: undefined, prev: undefined, next: undefined };
    c.match = r;
    events.push(c, r);
  }
  // by time; at the same instant invocations first (concurrent: the permissive reading)
  events.sort((a, b) => a.time - b.time || (a.call === b.call ? a.id - b.id : a.call ? -1 : 1));
  const head: Node = { id: -1, call: false, time: -Infinity, match: undefined, prev: undefined, next: undefined };
  let last = head;
  for (const e of events) {
    last.next = e;
    e.prev = last;
    last = e;
  }
  const lift = (call: Node): void => {
    call.prev!.next = call.next;
    if (call.next) call.next.prev = call.prev;
    const ret = call.match!;
    ret.prev!.next = ret.next;
    if (ret.next) ret.next.prev = ret.prev;
  };
  const unlift = (call: Node): void => {
    const ret = call.match!;
    ret.prev!.next = ret;
    if (ret.next) ret.next.prev = ret;
    call.prev!.next = call;
    if (call.next) call.next.prev = call;
  };
  const words = Math.ceil(n / 32);
  const linearized = new Uint32Array(words);
  const cache = new Map<string, Set<string>>();
  const stack: { call: Node; state: S }[] = [];
  let state = model.init();
  let entry = head.next;
  let steps = 0;
  let longest: number[] = [];
  while (head.next) {
    if (++steps > maxSteps) return { ok: false, inconclusive: true, steps };
    if (!entry) return { ok: false, steps }; // cannot happen: the list ends with a return
    if (entry.call) {
      const op = ops[entry.id]!;
      const result = model.step(state, op.input, op.output);
      if (result.ok) {
        linearized[entry.id >> 5]! |= 1 << (entry.id & 31);
        const bits = bitsKey(linearized);
        const stateKey = model.key(result.state);
        let seen = cache.get(bits);
        if (!seen) cache.set(bits, (seen = new Set()));
        if (!seen.has(stateKey)) {
          seen.add(stateKey);
          stack.push({ call: entry, state });
          state = result.state;
          lift(entry);
          if (stack.length > longest.length) longest = stack.map((s) => s.call.id);
          entry = head.next;
          continue;
        }
        linearized[entry.id >> 5]! &= ~(1 << (entry.id & 31));
      }
      entry = entry.next;
    } else {
      // a response: every operation that could come before it has been tried
      const top = stack.pop();
      if (!top) {
        return {
          ok: false,
          steps,
          counterexample: [...ops].sort((a, b) => a.call - b.call),
          longest: longest.map((i) => ops[i]!),
        };
      }
      state = top.state;
      linearized[top.call.id >> 5]! &= ~(1 << (top.call.id & 31));
      unlift(top.call);
      entry = top.call.next;
    }
  }
  return { ok: true, steps };
}

/**
 * Checks a history against a model. Each partition (see `Model.partition`) is searched on its
 * own, with at most `maxSteps` steps (default 5,000,000) before the verdict is `inconclusive`.
 */
export function checkLinearizable<S, I, O>(model: Model<S, I, O>, history: readonly Operation<I, O>[], options: { maxSteps?: number } = {}): CheckResult<I, O> {
  const parts = model.partition ? model.partition(history) : [history.slice()];
  let steps = 0;
  let inconclusive = false;
  for (const part of parts) {
    const r = checkOne(model, part, options.maxSteps ?? 5_000_000);
    steps += r.steps;
    if (r.inconclusive) {
      inconclusive = true;
      continue;
    }
    if (!r.ok) return { ...r, steps };
  }
  return inconclusive ? { ok: false, inconclusive: true, steps } : { ok: true, steps };
}

// ---- the register of the HA workload ---------------------------------------------------------

/** An operation on one ConfigMap (a register that may be absent). */
export type RegisterInput =
  | { kind: 'get'; key: string }
  | { kind: 'create'; key: string; value: string }
  | { kind: 'update'; key: string; value: string }
  | { kind: 'delete'; key: string };

/**
 * What came back: `ok` (with the value read, for a get), `exists` (409 AlreadyExists),
 * `notfound` (404), `conflict` (409 Conflict: nothing written), `unknown` (no answer, or a 5xx: it
 * may or may not have taken effect).
 */
export type RegisterOutput = { result: 'ok'; value?: string } | { result: 'exists' | 'notfound' | 'conflict' | 'unknown' };

/** The register's state: its value, or null when the ConfigMap does not exist. */
export type RegisterState = string | null;

/** The sequential ConfigMap register: create, update, delete, get, with their failures. */
export const registerModel: Model<RegisterState, RegisterInput, RegisterOutput> = {
  init: () => null,
  key: (s) => (s === null ? '\u0000' : s),
  step(state, input, output) {
    const r = output.result;
    switch (input.kind) {
      case 'get':
        if (r === 'ok') return { ok: state !== null && state === output.value, state };
        if (r === 'notfound') return { ok: state === null, state };
        return { ok: true, state };
      case 'create':
        if (r === 'ok') return { ok: state === null, state: input.value };
        if (r === 'exists') return { ok: state !== null, state };
        if (r === 'unknown') return { ok: true, state: state === null ? input.value : state };
        return { ok: true, state };
      case 'update':
        if (r === 'ok') return { ok: state !== null, state: input.value };
        if (r === 'notfound') return { ok: state === null, state };
        if (r === 'unknown') return { ok: true, state: state !== null ? input.value : state };
        return { ok: true, state };
      case 'delete':
        if (r === 'ok') return { ok: state !== null, state: null };
        if (r === 'notfound') return { ok: state === null, state };
        if (r === 'unknown') return { ok: true, state: null };
        return { ok: true, state };
    }
  },
  partition(ops) {
    const byKey = new Map<string, Operation<RegisterInput, RegisterOutput>[]>();
    for (const op of ops) {
      let list = byKey.get(op.input.key);
      if (!list) byKey.set(op.input.key, (list = []));
      list.push(op);
    }
    return [...byKey.keys()].sort().map((k) => byKey.get(k)!);
  },
  describe(op) {
    const i = op.input;
    const what = i.kind === 'create' || i.kind === 'update' ? `${i.kind} ${i.key}=${i.value}` : `${i.kind} ${i.key}`;
    const out = op.output.result === 'ok' && 'value' in op.output && op.output.value !== undefined ? `ok ${op.output.value}` : op.output.result;
    const ret = Number.isFinite(op.return) ? `${op.return}` : '∞';
    return `[${op.call} .. ${ret}] ${op.client}: ${what} -> ${out}`;
  },
};

/**
 * Removes the updates whose outcome is unknown and whose value nobody ever read. Such an update
 * can only change the value to one no read returned, so a history is linearizable with it exactly
 * when it is without it (put it last); dropping them keeps the search small.
 */
export function pruneRegisterHistory(ops: readonly Operation<RegisterInput, RegisterOutput>[]): Operation<RegisterInput, RegisterOutput>[] {
  const read = new Set<string>();
  for (const op of ops) if (op.input.kind === 'get' && op.output.result === 'ok' && 'value' in op.output && op.output.value !== undefined) read.add(`${op.input.key}\u0000${op.output.value}`);
  return ops.filter((op) => !(op.input.kind === 'update' && op.output.result === 'unknown' && !read.has(`${op.input.key}\u0000${op.input.value}`)));
}
