/** `kube-actors bench [--nodes N] [--pods P] [--full] [--json] [--only NAME]`: the benchmarks. */
import type { Command } from '../main.js';

const help = `Usage: kube-actors bench [--nodes N] [--pods P] [--full] [--json] [--only kernel|cluster|idle|verify|failover|http|scheduler]

Runs the benchmarks and prints their figures beside the targets (nothing is asserted):
  kernel    messages/s through the kernel's network vs plain XState sends; timers
  cluster   N nodes / P pods, every pod through the whole create-pod flow (100/3,000 and 1,000/30,000;
            --full adds 5,000/150,000); pods/s, messages/s, transitions, peak heap, garbage
            collection's share of the time, ratio to raw XState
  idle      1 virtual hour of an idle 1,000-node cluster
  verify    verification scenarios per second; and on 1, 2, ... worker threads: scenarios/s in
            total and per worker, speed-up over one worker
  failover  time to the first write and the next scheduled pod after killing the etcd leader (HA)
  http      the HTTP API under load (latency percentiles)
  scheduler one scheduling cycle at 5,000 nodes × 30 pods: the default profile against the older
            plugins only, and what PreFilter/PreScore's precomputation costs and saves

Options:
  --nodes N --pods P   run one cluster size only
  --full               include 5,000 nodes / 150,000 pods
  --json               one JSON object per result
  --only NAME          run only that benchmark (repeatable)`;

export const command: Command = {
  name: 'bench',
  summary: 'benchmarks: kernel, cluster scale, verification speed',
  help,
  async run(argv) {
    const { parseBenchArgs, runBenchmarks } = await import('../../bench/main.js');
    await runBenchmarks(parseBenchArgs(argv));
    return 0;
  },
};
