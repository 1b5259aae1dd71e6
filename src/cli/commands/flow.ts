/** `kube-actors flow <create-pod|get-pods|delete-pod> [--seed N] [--json]`: run a documented flow and print its trace. */
import { traceEntryToJSON } from '../../kernel/trace.js';
import { FLOW_NAMES, recordFlow, type FlowName } from '../../flows/flows.js';
import { UsageError, type Command } from '../main.js';
import { noMorePositionals, parseFlags, parseSeed } from '../args.js';

const help = `Usage: kube-actors flow <${FLOW_NAMES.join('|')}> [--seed N] [--json]

Runs one of the architecture document's flows on a fresh 3-node cluster and prints every
message of it, in order: who sent what to whom, at which virtual time.

  create-pod   kubectl create pod → api-server → etcd → scheduler → binding → kubelet → running → etcd → kubectl's watch
  get-pods     kubectl get pods: authenticated, validated, read from etcd only
  delete-pod   graceful stop on the node, status to the API server, removal from etcd

Options:
  --seed N     root seed of the simulation (default 1); the same seed prints the same trace
  --json       one JSON trace entry per line (JSON Lines)
  -h, --help   this help`;

export const command: Command = {
  name: 'flow',
  summary: 'run a documented flow and print its trace',
  help,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, { seed: { type: 'string' }, json: { type: 'boolean' } });
    const name = positionals[0];
    if (!name) throw new UsageError(`which flow? one of ${FLOW_NAMES.join(', ')}`);
    if (!(FLOW_NAMES as readonly string[]).includes(name)) throw new UsageError(`unknown flow "${name}"; the flows are ${FLOW_NAMES.join(', ')}`);
    noMorePositionals(positionals, 1);
    const seed = parseSeed(values.seed);
    const rec = recordFlow(name as FlowName, seed);
    if (values.json) {
      for (const e of rec.entries) process.stdout.write(traceEntryToJSON(e) + '\n');
    } else {
      console.log(`flow ${name} (seed ${seed}): ${rec.entries.length} messages`);
      const w = Math.max(...rec.entries.map((e) => e.from.length));
      for (const e of rec.entries) {
        const drop = e.status === 'dropped' ? `  [dropped: ${e.reason}]` : '';
        console.log(`${String(e.seq).padStart(6)}  ${(e.time / 1000).toFixed(4).padStart(9)}s  ${e.from.padEnd(w)} → ${e.to.padEnd(24)} ${e.type.padEnd(16)} ${e.summary}${drop}`);
      }
    }
    rec.cluster.stop();
    return 0;
  },
};
