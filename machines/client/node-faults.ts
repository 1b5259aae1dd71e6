/**
 * The fault states every machine of a host shares (a worker node, a control-plane node): `ready`,
 * `partitioned` (its host cut off the network), `down` (crashed: its components stopped) and back
 * to its boot state on `node.restart`. A node machine spreads them into its `states` and provides
 * the action `stopComponents`.
 *
 * The machine does not cut the network itself: the fault injector (src/cluster/faults.ts) cuts
 * and heals it and tells the machine (`node.partition`, `node.heal`), so that its chart shows
 * what the simulator did; a machine's Port offers no fault API.
 */

/** The `ready`, `partitioned` and `down` states of a host machine whose boot state is `boot`. */
export function nodeFaultStates<B extends string>(boot: B) {
  return {
    ready: {
      on: {
        'node.crash': 'down',
        'node.partition': 'partitioned',
      },
    },
    partitioned: {
      on: {
        'node.heal': 'ready',
        'node.crash': 'down',
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

/** The kubelet's crash-loop back-off before restarting a component that failed `failures` times: 10 s, doubling, at most 5 min. */
export function crashLoopBackOffMs(failures: number): number {
  return Math.min(10_000 * 2 ** (Math.max(1, failures) - 1), 300_000);
}
