/**
 * no-actor-errors (safety): no actor throws. An exception out of a machine's action or guard is
 * caught by the kernel (the simulation goes on), but it is a bug: the component lost the event
 * and may be stuck.
 */
import { violation, type Invariant, type Violation } from '../invariant.js';

export const noActorErrors: Invariant = {
  name: 'no-actor-errors',
  kind: 'safety',
  description: 'no actor throws while the kernel delivers to it',
  check(cluster, history) {
    const state = history.scratch('no-actor-errors', () => ({ cursor: 0 }));
    const out: Violation[] = [];
    const errors = cluster.kernel.errors;
    for (let i = state.cursor; i < errors.length; i++) {
      const { address, error, time, message } = errors[i]!;
      const text = error instanceof Error ? `${error.name}: ${error.message}${error.stack ? `\n    ${error.stack.split('\n').slice(1, 4).map((l) => l.trim()).join('\n    ')}` : ''}` : String(error);
      out.push(violation('no-actor-errors', `${address} threw${message ? ` delivering #${message.msg} ${message.type} from ${message.from}` : ''}: ${text}`, time));
    }
    state.cursor = errors.length;
    return out;
  },
};
