/**
 * XState's state node definitions as the inspector's statecharts (./statechart.ts) and the
 * generated machine pages (../docs/machines.ts) read them: the parts of a `StateNode` and of a
 * transition definition both use, a machine's root node, a node's children in document order and
 * its transitions, and names for actions, guards, invoked sources and events.
 */

/** The parts of XState's StateNode read here (`machine.root` and its descendants). */
export interface StateNodeLike {
  id: string;
  key: string;
  path: string[];
  type: 'atomic' | 'compound' | 'parallel' | 'final' | 'history';
  history?: 'shallow' | 'deep' | false;
  states: Record<string, StateNodeLike>;
  initial?: { target?: (StateNodeLike | undefined)[] };
  /** The `on` and `after` transitions (the latter as `xstate.after.*` events), by event. */
  transitions: Map<string, TransitionLike[]>;
  always?: TransitionLike[];
  entry?: unknown[];
  exit?: unknown[];
  invoke?: { src?: unknown; id?: string }[];
  tags?: string[];
  description?: string;
  order?: number;
}

/** The parts of XState's transition definition read here. */
export interface TransitionLike {
  eventType: string;
  target?: (StateNodeLike | undefined)[] | undefined;
  guard?: unknown;
  actions?: unknown[];
  reenter?: boolean;
  delay?: unknown;
}

/** The root state node of a machine logic, or undefined for other logic (callbacks, promises). */
export function rootOf(logic: unknown): StateNodeLike | undefined {
  const root = (logic as { root?: StateNodeLike } | undefined)?.root;
  return root && typeof root === 'object' && root.transitions instanceof Map ? root : undefined;
}

/** A node's child states, in document order. */
export function childrenOf(node: StateNodeLike): StateNodeLike[] {
  return Object.values(node.states ?? {}).sort((a, b) => (a.order ?? 0) - (b.order ?? 0));
}

/** A node's transitions: `on` and `after` ones, then `always` ones. */
export function transitionsOf(node: StateNodeLike): TransitionLike[] {
  const out: TransitionLike[] = [];
  for (const list of node.transitions.values()) out.push(...list);
  out.push(...(node.always ?? []));
  return out;
}

/** The state nodes of a target or initial list, without the holes XState may leave. */
export function statesIn(list: readonly (StateNodeLike | undefined)[] | undefined): StateNodeLike[] {
  return (list ?? []).filter((s): s is StateNodeLike => Boolean(s));
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

/** The names of a list of actions (nameless ones left out). */
export function names(list: readonly unknown[] | undefined): string[] {
  return (list ?? []).map(nameOf).filter((n) => n !== '');
}

/** The sources of the actors a node invokes (a source's name, else the invocation's id). */
export function invokedSources(node: StateNodeLike): string[] {
  return (node.invoke ?? []).map((i) => (typeof i.src === 'string' ? i.src : nameOf(i.src) || i.id || 'actor'));
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
