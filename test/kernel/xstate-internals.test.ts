import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { assign, createActor, createMachine, setup, type AnyActorRef } from 'xstate';
import { CHECKED_XSTATE_VERSION, keepScheduledEventsAsDictionary, startParentedActor, stopParentedActor } from '../../src/kernel/xstate-internals.js';

const require = createRequire(import.meta.url);

describe('xstate-internals: the uses of XState internals', () => {
  it(`is checked against the installed XState (${CHECKED_XSTATE_VERSION}): an upgrade must check it again`, () => {
    expect((require('xstate/package.json') as { version: string }).version).toBe(CHECKED_XSTATE_VERSION);
  });

  it('stops an actor started with a parent but not among its children: its timers cancelled, its snapshot stopped', () => {
    const parent = createActor(createMachine({ id: 'parent' })).start();
    const child = setup({ delays: { later: 1_000 } }).createMachine({ id: 'child', initial: 'a', states: { a: { after: { later: 'b' } }, b: {} } });
    const ref = createActor(child, { parent: parent as AnyActorRef }) as AnyActorRef;
    ref.start();
    expect(() => ref.stop()).toThrow();
    stopParentedActor(ref);
    expect(ref.getSnapshot().status).toBe('stopped');
    expect(Object.keys(parent.getSnapshot().children)).toEqual([]);
    parent.stop();
  });

  it('starts a component its root starts while initializing once the root runs: its first timer armed once, cancelled by its stop', () => {
    const armed: number[] = [];
    const pending = new Map<number, () => void>();
    const clock = {
      setTimeout: (fn: () => void, ms: number) => {
        armed.push(ms);
        pending.set(armed.length, fn);
        return armed.length;
      },
      clearTimeout: (id: number) => void pending.delete(id),
    };
    const child = setup({ delays: { later: 1_000 } }).createMachine({ id: 'child', initial: 'a', states: { a: { after: { later: 'b' } }, b: {} } });
    let ref: AnyActorRef | undefined;
    const root = setup({
      actions: {
        // as a node starts its components: inside assign, which runs while the actor is created
        startChild: assign(({ self }) => {
          ref = createActor(child, { parent: self }) as AnyActorRef;
          startParentedActor(ref, self);
          return {};
        }),
      },
    }).createMachine({ id: 'root', entry: 'startChild' });
    const actor = createActor(root, { clock });
    expect(ref).toBeDefined();
    expect(armed).toEqual([]); // not started yet: the root is still initializing
    actor.start();
    // XState's system.start() would have armed a second copy of a timer armed before it
    expect(armed).toEqual([1_000]);
    stopParentedActor(ref!);
    expect(pending.size).toBe(0);
    actor.stop();
  });

  it('fails loudly when the internal is gone', () => {
    expect(() => stopParentedActor({} as AnyActorRef)).toThrow(/no longer has Actor._stop/);
  });

  it('keeps a root system\'s delayed events in a prototype-less object: the same entries, timers still fire and are still cancelled', () => {
    const pending = new Map<number, () => void>();
    let n = 0;
    const clock = {
      setTimeout: (fn: () => void, _ms: number) => {
        pending.set(++n, fn);
        return n;
      },
      clearTimeout: (id: number) => void pending.delete(id),
    };
    const machine = setup({ delays: { soon: 10, later: 1_000 } }).createMachine({
      id: 'root',
      initial: 'a',
      states: { a: { after: { soon: 'b', later: 'c' } }, b: { after: { later: 'c' } }, c: {} },
    });
    const root = createActor(machine, { clock }).start();
    const system = root.system as unknown as { _snapshot: { _scheduledEvents: Record<string, unknown> } };
    const before = Object.keys(system._snapshot._scheduledEvents);
    keepScheduledEventsAsDictionary(root as AnyActorRef);
    expect(Object.getPrototypeOf(system._snapshot._scheduledEvents)).toBe(null);
    expect(Object.keys(system._snapshot._scheduledEvents)).toEqual(before);
    // `soon` fires: leaving `a` cancels its `later`, `b` arms its own
    pending.get(1)!();
    expect(root.getSnapshot().value).toBe('b');
    expect(pending.has(2)).toBe(false);
    expect(Object.keys(system._snapshot._scheduledEvents)).toHaveLength(1);
    pending.get(3)!();
    expect(root.getSnapshot().value).toBe('c');
    expect(Object.keys(system._snapshot._scheduledEvents)).toHaveLength(0);
    root.stop();
  });
});
