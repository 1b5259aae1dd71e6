import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { createActor, createMachine, setup, type AnyActorRef } from 'xstate';
import { CHECKED_XSTATE_VERSION, stopParentedActor } from '../../src/kernel/xstate-internals.js';

const require = createRequire(import.meta.url);

describe('xstate-internals: the one use of an XState internal', () => {
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

  it('fails loudly when the internal is gone', () => {
    expect(() => stopParentedActor({} as AnyActorRef)).toThrow(/no longer has Actor._stop/);
  });
});
