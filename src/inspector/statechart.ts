/**
 * A machine's definition as plain JSON for the page to lay out (with elkjs) and draw: the state
 * node tree (atomic, compound, parallel, final, history), each node's transitions with their
 * event, targets, guard and actions, `always` and `after` transitions included. Read from the
 * machine's root StateNode (`machine.root`), the same structure `machine.definition` exposes,
 * and cached per machine.
 */
import type { AnyActorLogic, AnyActorRef } from 'xstate';
import type { StateNodeJSON, StatechartJSON, TransitionJSON } from './protocol.js';

/** The parts of XState's StateNode this module reads. */
interface StateNodeLike {
  id: string;
  key: string;
  path: string[];
  type: StateNodeJSON['type'];
  states: Record<string, StateNodeLike>;
  initial?: { target?: StateNodeLike[] };
  transitions: Map<string, TransitionLike[]>;
  always?: TransitionLike[];
  entry?: unknown[];
  exit?: unknown[];
  invoke?: { src?: unknown; id?: string }[];
  tags?: string[];
  description?: string;
  order?: number;
}

interface TransitionLike {
  eventType: string;
  target?: StateNodeLike[] | undefined;
  guard?: unknown;
  actions?: unknown[];
  reenter?: boolean;
  delay?: unknown;
}

const cache = new WeakMap<object, StatechartJSON>();

/** The root state node of a machine logic, or undefined for other logic (callbacks, promises). */
function rootOf(logic: unknown): StateNodeLike | undefined {
  const root = (logic as { root?: StateNodeLike } | undefined)?.root;
  return root && typeof root === 'object' && root.transitions instanceof Map ? root : undefined;
}

/** The statechart of a machine logic, or null when the logic is not a state machine. */
export function statechartOf(logic: AnyActorLogic | unknown): StatechartJSON | null {
  if (!logic || typeof logic !== 'object') return null;
  const hit = cache.get(logic);
  if (hit) return hit;
  const root = rootOf(logic);
  if (!root) return null;
  const chart: StatechartJSON = { id: root.id, root: nodeJSON(root) };
  cache.set(logic, chart);
  return chart;
}

/** The statechart of a running actor's logic. */
export function statechartOfActor(actor: AnyActorRef): StatechartJSON | null {
  return statechartOf((actor as unknown as { logic?: unknown }).logic);
}

/** A name for an action, guard or invoked source (`assign`, a named action's type, a function's name). */
export function nameOf(thing: unknown): string {
  if (thing === undefined || thing === null) return '';
  if (typeof thing === 'string') return thing;
  if (typeof thing === 'function') {
    const fn = thing as { type?: unknown; name?: string };
    if (typeof fn.type === 'string') return fn.type.replace(/^xstate\./, '');
    return fn.name && fn.name !== 'anonymous' ? fn.name : 'inline';
  }
  if (typeof thing === 'object') {
    const t = (thing as { type?: unknown }).type;
    if (typeof t === 'string') return t;
    if (typeof t === 'function') return nameOf(t);
    const id = (thing as { id?: unknown }).id;
    if (typeof id === 'string') return id;
  }
  return String(thing);
}

function names(list: readonly unknown[] | undefined): string[] {
  return (list ?? []).map(nameOf).filter((n) => n !== '');
}

/** `xstate.after.5000.pod.syncing.sandbox` → `after 5000ms`; `xstate.after.sandboxTime.…` → `after sandboxTime`. */
export function transitionLabel(event: string, delay?: unknown): string {
  if (event === '') return 'always';
  if (event.startsWith('xstate.after.')) {
    const d = delay !== undefined ? delay : event.slice('xstate.after.'.length).split('.')[0];
    if (typeof d === 'number' || (typeof d === 'string' && /^\d+$/.test(d))) return `after ${d}ms`;
    return `after ${typeof d === 'string' ? d : nameOf(d) || 'delay'}`;
  }
  if (event.startsWith('xstate.done.actor.')) return `done: ${event.slice('xstate.done.actor.'.length)}`;
  if (event.startsWith('xstate.error.actor.')) return `error: ${event.slice('xstate.error.actor.'.length)}`;
  if (event.startsWith('xstate.done.state.')) return 'done';
  return event;
}

function transitionJSON(t: TransitionLike): TransitionJSON {
  const out: TransitionJSON = {
    event: t.eventType,
    label: transitionLabel(t.eventType, t.delay),
    targets: (t.target ?? []).filter(Boolean).map((s) => s.id),
    actions: names(t.actions),
    reenter: Boolean(t.reenter),
  };
  const guard = t.guard !== undefined ? nameOf(t.guard) : '';
  if (guard) out.guard = guard;
  return out;
}

function nodeJSON(node: StateNodeLike): StateNodeJSON {
  const children = Object.values(node.states ?? {}).sort((a, b) => (a.order ?? 0) - (b.order ?? 0));
  const transitions: TransitionJSON[] = [];
  for (const list of node.transitions.values()) for (const t of list) transitions.push(transitionJSON(t));
  for (const t of node.always ?? []) transitions.push(transitionJSON(t));
  const out: StateNodeJSON = {
    id: node.id,
    key: node.key,
    path: node.path.join('.'),
    type: node.type,
    states: children.map(nodeJSON),
    transitions,
    entry: names(node.entry),
    exit: names(node.exit),
    invoke: (node.invoke ?? []).map((i) => (typeof i.src === 'string' ? i.src : nameOf(i.src) || i.id || 'actor')),
    tags: [...(node.tags ?? [])],
  };
  const initial = node.initial?.target?.filter(Boolean).map((s) => s.id);
  if (initial && initial.length > 0) out.initial = initial;
  if (node.description) out.description = node.description;
  return out;
}

/**
 * The active state paths of a state value: `{ syncing: 'containers' }` → `['syncing',
 * 'syncing.containers']` (every active node, ancestors included; the root's path is `''`).
 */
export function activePaths(value: unknown, prefix = ''): string[] {
  const out: string[] = [];
  const join = (k: string) => (prefix ? `${prefix}.${k}` : k);
  if (typeof value === 'string') out.push(join(value));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      out.push(join(k));
      out.push(...activePaths(v, join(k)));
    }
  }
  return out;
}
