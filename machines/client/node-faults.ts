/**
 * The fault states every machine of a host shares (a worker node, a control-plane node): `ready`,
 * `partitioned` (its host cut off the network: `isolate`, then `heal`), `down` (crashed: its
 * components stopped) and back to its boot state on `node.restart`. A node machine spreads them
 * into its `states` and provides the actions `isolate`, `heal` and `stopComponents`.
 */

/** The `ready`, `partitioned` and `down` states of a host machine whose boot state is `boot`. */
export function nodeFaultStates<B extends string>(boot: B) {
  return {
    ready: {
      on: {
        'node.crash': 'down',
        'node.partition': { target: 'partitioned', actions: 'isolate' },
      },
    },
    partitioned: {
      on: {
        'node.heal': { target: 'ready', actions: 'heal' },
        'node.crash': { target: 'down', actions: 'heal' },
      },
    },
    down: {
      entry: 'stopComponents',
      on: {
        'node.restart': boot,
      },
    },
  } as const;
}
