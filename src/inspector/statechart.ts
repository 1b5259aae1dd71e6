/**
 * A machine's definition as plain JSON for the page to lay out (with elkjs) and draw: the state
 * node tree (atomic, compound, parallel, final, history), each node's transitions with their
 * event, targets, guard and actions, `always` and `after` transitions included. Read from the
 * machine's root StateNode (`machine.root`), the same structure `machine.definition` exposes,
 * and cached per machine.
 */
import type { AnyActorLogic, AnyActorRef } from 'xstate';
import type { StateNodeJSON, StatechartJSON, TransitionJSON } from './protocol.js';
import { childrenOf, invokedSources, names, nameOf, rootOf, statesIn, transitionLabel, transitionsOf, type StateNodeLike, type TransitionLike } from './state-nodes.js';

const cache = new WeakMap<object, StatechartJSON>();

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

function transitionJSON(t: TransitionLike): TransitionJSON {
  const out: TransitionJSON = {
    event: t.eventType,
    label: transitionLabel(t.eventType, t.delay),
    targets: statesIn(t.target).map((s) => s.id),
    actions: names(t.actions),
    reenter: Boolean(t.reenter),
  };
  const guard = t.guard !== undefined ? nameOf(t.guard) : '';
  if (guard) out.guard = guard;
  return out;
}

function nodeJSON(node: StateNodeLike): StateNodeJSON {
  const out: StateNodeJSON = {
    id: node.id,
    key: node.key,
    path: node.path.join('.'),
    type: node.type,
    states: childrenOf(node).map(nodeJSON),
    transitions: transitionsOf(node).map(transitionJSON),
    entry: names(node.entry),
    exit: names(node.exit),
    invoke: invokedSources(node),
    tags: [...(node.tags ?? [])],
  };
  const initial = statesIn(node.initial?.target).map((s) => s.id);
  if (initial.length > 0) out.initial = initial;
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
