/**
 * The package another project installs: `npm run build` compiles JavaScript and declarations (ESM,
 * and a CommonJS bundle with CommonJS-scoped declarations), `npm pack` makes a tarball of them, and
 * a fresh project installs it (dependencies from the local npm cache, or the registry), imports it
 * under plain Node ESM (no tsx), requires it from CommonJS, runs a pod on a simulated cluster,
 * type-checks, compiles and runs TypeScript consumers with `module: nodenext` in both modes, and runs
 * the `kube-actors` bin.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], cwd: string, timeout = 240_000): Promise<Result> {
  return new Promise((resolvePromise, reject) => {
    execFile(command, args, { cwd, timeout, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false' } }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') return reject(error);
      resolvePromise({ code: error ? (error.code as number) : 0, stdout, stderr });
    });
  });
}

let work = '';
let project = '';
let tarball = '';
let packed: string[] = [];

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'kube-actors-pack-'));
  const build = await run('npm', ['run', 'build'], ROOT);
  if (build.code !== 0) throw new Error(`npm run build failed (exit ${build.code}):\n${(build.stdout + build.stderr).slice(-4000)}`);
  // the build above is the one prepack would run again
  const pack = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], ROOT);
  if (pack.code !== 0) throw new Error(`npm pack failed:\n${pack.stderr}`);
  const info = JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[];
  tarball = join(work, info[0]!.filename);
  packed = info[0]!.files.map((f) => f.path);
  project = join(work, 'consumer');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module' }, null, 2));
  const install = await run('npm', ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'], project);
  if (install.code !== 0) throw new Error(`npm install of the tarball failed:\n${install.stderr.slice(-4000)}`);
}, 420_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
}, 120_000);

describe('the packed package', { timeout: 120_000 }, () => {
  it('holds the compiled JavaScript and declarations of src and machines, and nothing else of the repository', () => {
    for (const f of ['package.json', 'README.md', 'LICENSE', 'dist/src/index.js', 'dist/src/index.d.ts', 'bin/kube-actors.js', 'dist/src/cli/main.js', 'dist/cjs/package.json', 'dist/cjs/src/index.js', 'dist/cjs/src/index.d.ts', 'dist/cjs/machines/etcd.d.ts', 'dist/machines/etcd.js', 'dist/machines/etcd.d.ts', 'dist/machines/scheduler/registry.d.ts']) {
      expect(packed, f).toContain(f);
    }
    // the sources stay out; the inspector's page (plain JavaScript, CSS, HTML) ships as it is
    const page = packed.filter((f) => f.startsWith('src/inspector/page/'));
    expect(page).toContain('src/inspector/page/index.html');
    expect(page.filter((f) => !/\.(html|js|css|svg|png)$/.test(f))).toEqual([]);
    expect(packed.filter((f) => f.startsWith('dist/test/') || f.startsWith('dist/examples/') || (/^src\//.test(f) && !f.startsWith('src/inspector/page/')) || /^machines\//.test(f) || f.startsWith('test/'))).toEqual([]);
    expect(packed.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
    const pkg = JSON.parse(readFileSync(join(project, 'node_modules', 'kube-actors', 'package.json'), 'utf8')) as {
      exports: Record<string, Record<'import' | 'require', { types: string; default: string }>>;
      bin: Record<string, string>;
      dependencies: Record<string, string>;
    };
    expect(pkg.exports['.']!.import).toEqual({ types: './dist/src/index.d.ts', default: './dist/src/index.js' });
    expect(pkg.exports['.']!.require).toEqual({ types: './dist/cjs/src/index.d.ts', default: './dist/cjs/src/index.js' });
    expect(JSON.parse(readFileSync(join(project, 'node_modules', 'kube-actors', 'dist', 'cjs', 'package.json'), 'utf8'))).toEqual({ type: 'commonjs' });
    // only what the built code imports is a runtime dependency (tsx and esbuild build and run the sources)
    expect(Object.keys(pkg.dependencies)).not.toContain('tsx');
    expect(Object.keys(pkg.dependencies)).not.toContain('esbuild');
    expect(readFileSync(join(project, 'node_modules', 'kube-actors', pkg.bin['kube-actors']!), 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
  });

  it('works under plain Node ESM: every relative import names a .js file that is in the package', () => {
    const base = join(project, 'node_modules', 'kube-actors');
    const bad: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const full = join(dir, name);
        if (statSync(full).isDirectory()) walk(full);
        else if (name.endsWith('.js')) {
          const text = readFileSync(full, 'utf8');
          for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])(\.{1,2}\/[^'"]*)\1/g)) {
            const spec = m[2]!;
            const target = resolve(dirname(full), spec);
            if (!/\.(js|json)$/.test(spec)) bad.push(`${relative(base, full)}: "${spec}" has no .js suffix`);
            else if (!existsSync(target)) bad.push(`${relative(base, full)}: "${spec}" is not in the package`);
          }
          if (/\brequire\(\s*['"]\./.test(text)) bad.push(`${relative(base, full)}: uses require() of a relative path`);
        }
      }
    };
    walk(join(base, 'dist', 'src'));
    walk(join(base, 'dist', 'machines'));
    expect(bad).toEqual([]);
  });

  it('imports from the built code only packages that are its dependencies (or Node built-ins)', () => {
    const base = join(project, 'node_modules', 'kube-actors');
    const pkg = JSON.parse(readFileSync(join(base, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const used = new Set<string>();
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const full = join(dir, name);
        if (statSync(full).isDirectory()) walk(full);
        else if (name.endsWith('.js')) {
          const text = readFileSync(full, 'utf8');
          for (const m of text.matchAll(/(?:^import\s[^'"]*?from\s*|^export\s[^'"]*?from\s*|\bimport\(\s*|\brequire\(\s*)(['"])([^.'"/][^'"]*)\1/gm)) {
            const spec = m[2]!;
            if (spec.startsWith('node:')) continue;
            used.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
          }
        }
      }
    };
    walk(join(base, 'dist'));
    expect([...used].filter((p) => !(p in pkg.dependencies))).toEqual([]);
    expect(used.has('xstate')).toBe(true);
  });

  it('is required from a CommonJS project and runs a pod on a simulated cluster', async () => {
    const cjs = join(project, 'cjs');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(cjs, { recursive: true });
    writeFileSync(join(cjs, 'package.json'), JSON.stringify({ name: 'consumer-cjs', version: '1.0.0', private: true }, null, 2));
    writeFileSync(
      join(cjs, 'run-pod.js'),
      `const { createCluster, verify, Kernel, StatusError } = require('kube-actors');
const cluster = createCluster({ nodes: 1, seed: 4 });
cluster.runUntil(() => cluster.count('nodes') === 1, { timeout: 60_000 });
cluster.client.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'nginx' }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.14.2' }] } });
const running = cluster.runUntil(() => cluster.object('pods', 'nginx')?.status?.phase === 'Running', { timeout: 60_000 });
let refused = '';
try { cluster.client.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'nginx' }, spec: { containers: [{ name: 'nginx', image: 'nginx' }] } }); } catch (e) { refused = e instanceof StatusError ? e.status.reason : String(e); }
console.log(JSON.stringify({ running, refused, api: [typeof verify, typeof Kernel], format: typeof module }));
cluster.stop();
`,
    );
    const r = await run(process.execPath, ['run-pod.js'], cjs);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ running: true, refused: 'AlreadyExists', api: ['function', 'function'], format: 'object' });
  });

  for (const mode of ['module', 'commonjs'] as const) {
    it(`compiles and runs a TypeScript project with module: nodenext as ${mode === 'module' ? 'ES modules ("type": "module")' : 'CommonJS (no "type")'}`, async () => {
      const dir = join(project, `ts-${mode}`);
      const { mkdirSync } = await import('node:fs');
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `consumer-ts-${mode}`, version: '1.0.0', private: true, ...(mode === 'module' ? { type: 'module' } : {}) }, null, 2));
      writeFileSync(
        join(dir, 'main.ts'),
        `import { createCluster, type Pod } from 'kube-actors';
declare const require: unknown;
const cluster = createCluster({ nodes: 1, seed: 2 });
cluster.runUntil(() => cluster.count('nodes') === 1, { timeout: 60_000 });
cluster.client.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web' }, spec: { containers: [{ name: 'web', image: 'nginx' }] } });
cluster.runUntil(() => cluster.object<Pod>('pods', 'web')?.status?.phase === 'Running', { timeout: 60_000 });
const pod: Pod | undefined = cluster.object<Pod>('pods', 'web');
console.log(JSON.stringify({ phase: pod?.status?.phase, format: typeof require === 'function' ? 'commonjs' : 'module' }));
cluster.stop();
`,
      );
      writeFileSync(
        join(dir, 'tsconfig.json'),
        JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, outDir: 'out', skipLibCheck: false, types: [] }, files: ['main.ts'] }),
      );
      const tsc = await run(process.execPath, [TSC, '-p', 'tsconfig.json'], dir);
      expect(tsc.stdout + tsc.stderr).toBe('');
      expect(tsc.code).toBe(0);
      const r = await run(process.execPath, [join('out', 'main.js')], dir);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual({ phase: 'Running', format: mode });
    });
  }

  it('is imported by another project and runs a pod on a simulated cluster', async () => {
    writeFileSync(
      join(project, 'run-pod.mjs'),
      `import { createCluster, verify, Kernel, createProfile, defineController } from 'kube-actors';
const cluster = createCluster({ nodes: 2, seed: 4 });
cluster.runUntil(() => cluster.objects('nodes').length === 2, { timeout: 60_000 });
cluster.client.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'nginx' }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.14.2' }] } });
const running = cluster.runUntil(() => cluster.object('pods', 'nginx')?.status?.phase === 'Running', { timeout: 60_000 });
const pod = cluster.object('pods', 'nginx');
console.log(JSON.stringify({ running, node: pod.spec.nodeName, messages: cluster.kernel.trace.total, api: [typeof verify, typeof Kernel, typeof createProfile, typeof defineController] }));
cluster.stop();
`,
    );
    const r = await run(process.execPath, ['run-pod.mjs'], project);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { running: boolean; node: string; messages: number; api: string[] };
    expect(out.running).toBe(true);
    expect(out.node).toMatch(/^node-[12]$/);
    expect(out.messages).toBeGreaterThan(50);
    expect(out.api).toEqual(['function', 'function', 'function', 'function']);
  });

  it("type-checks a TypeScript consumer against the package's declarations", async () => {
    writeFileSync(
      join(project, 'consumer.ts'),
      `import { createCluster, createProfile, defineController, watch, SUCCESS, unresolvable, type ClusterOptions, type FilterPlugin, type Pod, type TraceEntry } from 'kube-actors';
const avoid: FilterPlugin = { name: 'Avoid', filter: (_pod, node) => (node.labels['x'] === 'y' ? unresolvable('no') : SUCCESS) };
const options: ClusterOptions = { nodes: 1, schedulerProfile: createProfile({ addFilters: [avoid] }) };
const counter = defineController({ name: 'counter', watches: { pods: watch<Pod>({ resource: 'pods' }) }, sync: (_key, ctx) => { ctx.list('pods'); } });
const cluster = createCluster({ ...options, controllerManager: { controllers: [counter] } });
export const entries: TraceEntry[] = cluster.kernel.trace.toArray();
// @ts-expect-error nodes is a number or a list of nodes
createCluster({ nodes: 'three' });
`,
    );
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: true, types: [] }, files: ['consumer.ts'] }),
    );
    const r = await run(process.execPath, [TSC, '-p', 'tsconfig.json'], project);
    expect(r.stdout + r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('installs the kube-actors bin, which prints its help and runs a flow', async () => {
    const bin = join(project, 'node_modules', '.bin', 'kube-actors');
    const help = await run(bin, ['--help'], project);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: kube-actors <command> [options]');
    const flow = await run(bin, ['flow', 'get-pods', '--json'], project);
    expect(flow.code).toBe(0);
    const lines = flow.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { from: string; to: string; type: string });
    expect(lines.map((e) => `${e.from}>${e.to}:${e.type}`)).toEqual([
      'kubectl>api-server:api.request',
      'api-server>etcd:etcd.range',
      'etcd>api-server:etcd.result',
      'api-server>kubectl:api.response',
    ]);
    const unknown = await run(bin, ['frobnicate'], project);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
  });

  it('serves the inspector page from the installed package', async () => {
    const bin = join(project, 'node_modules', '.bin', 'kube-actors');
    const child = spawn(bin, ['inspect', '--port', '0', '--no-demo', '--paused'], { cwd: project, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let output = '';
      const url = await new Promise<string>((resolveUrl, reject) => {
        const timer = setTimeout(() => reject(new Error(`the inspector did not start within 30 s:\n${output}`)), 30_000);
        const onData = (chunk: Buffer) => {
          output += chunk.toString();
          const m = /kube-actors inspector: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(output);
          if (m) {
            clearTimeout(timer);
            resolveUrl(m[1]!);
          }
        };
        child.stdout.on('data', onData);
        child.stderr.on('data', onData);
        child.on('exit', (code) => reject(new Error(`the inspector exited with ${code}:\n${output}`)));
      });
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/<html/i);
      const script = await fetch(new URL('app.js', url));
      expect(script.status).toBe(200);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
