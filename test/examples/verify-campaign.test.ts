/**
 * examples/verify-campaign/: the verification campaign as a Kubernetes Indexed Job and as a GitHub
 * Actions matrix. Their shell steps run here with a stand-in `npx` that records its arguments: the
 * shards they ask for are exactly 1/N .. N/N, each once, with distinct report files, a violation
 * (exit 1) leaves the report for the merge, and bad usage (exit 2) fails the step. The Job
 * manifest is applied to a simulated cluster, whose Job controller gives each pod its
 * JOB_COMPLETION_INDEX.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import type { KubeObject, Pod } from '../../src/api/types.js';
import { parseShardFlag } from '../../src/cli/commands/verify.js';
import { parseFlags } from '../../src/cli/args.js';
import { createCluster } from '../../src/cluster/create-cluster.js';

const ROOT = join(import.meta.dirname, '..', '..');
const DIR = join(ROOT, 'examples', 'verify-campaign');
const work = mkdtempSync(join(tmpdir(), 'kube-actors-campaign-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

// a stand-in npx: writes its arguments, one a line, to $NPX_ARGS and exits with $NPX_CODE
const bin = join(work, 'bin');
execFileSync('mkdir', ['-p', bin]);
writeFileSync(join(bin, 'npx'), '#!/bin/sh\nprintf "%s\\n" "$@" > "$NPX_ARGS"\nexit "${NPX_CODE:-0}"\n');
chmodSync(join(bin, 'npx'), 0o755);

/** Runs a shell step with the stand-in npx; its exit code and the arguments npx got. */
function runStep(shell: 'sh' | 'bash', script: string, env: Record<string, string>, npxCode = 0): { code: number; args: string[] } {
  const argsFile = join(work, 'args.txt');
  writeFileSync(argsFile, '');
  const r = spawnSync(shell, shell === 'bash' ? ['-e', '-c', script] : ['-c', script], { env: { ...process.env, ...env, PATH: `${bin}:${process.env.PATH}`, NPX_ARGS: argsFile, NPX_CODE: String(npxCode) }, encoding: 'utf8' });
  return { code: r.status ?? -1, args: readFileSync(argsFile, 'utf8').split('\n').filter(Boolean) };
}

/** The shard and report file of a `kube-actors verify` command line (parsed as the CLI parses it). */
function shardOf(args: string[]): { shard: string; report: string; seedFlag: boolean } {
  expect(args.slice(0, 2)).toEqual(['kube-actors', 'verify']);
  const { values } = parseFlags(args.slice(2), { runs: { type: 'string' }, faults: { type: 'boolean' }, workers: { type: 'string' }, shard: { type: 'string' }, report: { type: 'string' }, seed: { type: 'string' } });
  const shard = parseShardFlag(values.shard!);
  return { shard: `${shard.index}/${shard.count}`, report: values.report!, seedFlag: values.seed !== undefined };
}

describe('examples/verify-campaign/indexed-job.yaml', () => {
  const docs = parseAllDocuments(readFileSync(join(DIR, 'indexed-job.yaml'), 'utf8')).map((d) => d.toJS() as KubeObject & { spec: Record<string, any> });
  const job = docs.find((d) => d.kind === 'Job' && d.metadata?.name === 'verify-campaign')!;

  it('is an Indexed Job whose pods each run one shard, from JOB_COMPLETION_INDEX, with the same root seed', () => {
    expect(job.spec.completionMode).toBe('Indexed');
    const n = job.spec.completions as number;
    expect(job.spec.parallelism).toBe(n);
    const container = job.spec.template.spec.containers[0];
    expect(container.env).toContainEqual({ name: 'KUBE_ACTORS_SEED', value: expect.stringMatching(/^\d+$/) });
    const [shell, flag, script] = container.command as string[];
    expect([shell, flag]).toEqual(['sh', '-c']);
    const shards = new Set<string>();
    const reports = new Set<string>();
    for (let index = 0; index < n; index++) {
      const r = runStep('sh', script!, { JOB_COMPLETION_INDEX: String(index) });
      expect(r.code).toBe(0);
      const s = shardOf(r.args);
      shards.add(s.shard);
      reports.add(s.report);
      expect(s.report.startsWith(container.volumeMounts[0].mountPath + '/')).toBe(true);
    }
    expect([...shards].sort()).toEqual(Array.from({ length: n }, (_, i) => `${i + 1}/${n}`).sort());
    expect(reports.size).toBe(n);
    // a violation leaves its report and the pod succeeds; bad usage fails it, and the Job with it
    expect(runStep('sh', script!, { JOB_COMPLETION_INDEX: '0' }, 1).code).toBe(0);
    expect(runStep('sh', script!, { JOB_COMPLETION_INDEX: '0' }, 2).code).toBe(2);
    expect(job.spec.podFailurePolicy.rules).toContainEqual({ action: 'FailJob', onExitCodes: { containerName: 'verify', operator: 'In', values: [2] } });
  });

  it('the merge Job waits for every report and merges them', () => {
    const merge = docs.find((d) => d.kind === 'Job' && d.metadata?.name === 'verify-campaign-merge')!;
    const script = merge.spec.template.spec.containers[0].command[2] as string;
    expect(script).toContain(`-ge ${job.spec.completions as number}`);
    expect(script).toMatch(/npx kube-actors verify merge \/reports\/shard-\*\.json/);
  });

  it('is accepted by the API server, and the Job controller gives each pod its JOB_COMPLETION_INDEX', () => {
    const c = createCluster({ nodes: 1, seed: 3 });
    for (const d of docs) c.client.apply(d);
    const n = job.spec.completions as number;
    const pods = () => c.objects<Pod>('pods').filter((p) => p.metadata?.labels?.['job-name'] === 'verify-campaign');
    expect(c.runUntil(() => pods().length === n, { timeout: 60_000 })).toBe(true);
    const indexes = pods().map((p) => p.metadata?.annotations?.['batch.kubernetes.io/job-completion-index']);
    expect(indexes.sort()).toEqual(Array.from({ length: n }, (_, i) => String(i)).sort());
    for (const p of pods()) expect(p.spec?.containers[0]?.env?.map((e) => e.name)).toContain('JOB_COMPLETION_INDEX');
  });
});

describe('examples/verify-campaign/github-actions.yml', () => {
  const workflow = parseAllDocuments(readFileSync(join(DIR, 'github-actions.yml'), 'utf8'))[0]!.toJS() as { env: Record<string, string>; jobs: Record<string, { needs?: string; if?: string; strategy?: { matrix: { shard: number[] } }; steps: { run?: string; name?: string }[] }> };

  it('runs one shard per matrix entry with one root seed, and a merge job after them', () => {
    expect(workflow.env.KUBE_ACTORS_SEED).toBe('${{ inputs.seed || github.run_id }}');
    const shardJob = workflow.jobs.shard!;
    const matrix = shardJob.strategy!.matrix.shard;
    const n = matrix.length;
    expect(matrix).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    const step = shardJob.steps.find((s) => s.run?.includes('kube-actors verify'))!;
    const shards: string[] = [];
    for (const i of matrix) {
      const script = step.run!.replaceAll('${{ matrix.shard }}', String(i));
      const r = runStep('bash', script, {});
      expect(r.code).toBe(0);
      const s = shardOf(r.args);
      expect(s.seedFlag).toBe(false); // the seed comes from KUBE_ACTORS_SEED, the same for every shard
      shards.push(s.shard);
      expect(runStep('bash', script, {}, 1).code).toBe(0);
      expect(runStep('bash', script, {}, 2).code).not.toBe(0);
    }
    expect(shards).toEqual(matrix.map((i) => `${i}/${n}`));
    const merge = workflow.jobs.merge!;
    expect(merge.needs).toBe('shard');
    expect(merge.if).toBe('${{ !cancelled() }}');
    expect(merge.steps.some((s) => /^npx kube-actors verify merge reports\/\*\.json/.test(s.run ?? ''))).toBe(true);
  });
});
