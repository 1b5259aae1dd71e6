/**
 * Helpers of the HTTP end-to-end tests: a served cluster on 127.0.0.1 port 0 with its
 * kubeconfig in a temporary directory, the real kubectl with a temporary HOME and cache dir, a
 * raw HTTPS client that trusts the server's self-signed CA, and polling.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { startServing, type Serving, type StartServingOptions } from '../../src/http/serve.js';

/** The real kubectl: the first on the PATH (/usr/bin/kubectl when the PATH has none). */
export const KUBECTL = (process.env['PATH'] ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, 'kubectl')).find((file) => existsSync(file)) ?? '/usr/bin/kubectl';
/** True when the real kubectl is installed. */
export const HAS_KUBECTL = existsSync(KUBECTL);
/** Why kubectl tests are skipped, when they are. */
export const NO_KUBECTL_REASON = `skipped: no kubectl installed (expected at ${KUBECTL})`;

/** A served cluster with a temporary directory holding its kubeconfig, HOME and kubectl cache. */
export interface TestServer extends Serving {
  dir: string;
  kubeconfig: string;
  /** Runs kubectl with the kubeconfig, a temporary HOME and `--cache-dir`. */
  kubectl(args: string[], options?: { input?: string; context?: string; cacheDir?: string; timeoutMs?: number }): Promise<KubectlResult>;
  /** Starts a long-running kubectl (e.g. `get -w`). */
  spawnKubectl(args: string[], options?: { context?: string }): ChildProcess;
  /** One HTTPS request, trusting the server's CA. */
  call(method: string, path: string, options?: CallOptions): Promise<CallResult>;
  stop(): Promise<void>;
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CallOptions {
  token?: string | null;
  body?: string | Buffer;
  contentType?: string;
  accept?: string;
  headers?: Record<string, string>;
  /** For streaming answers: stop reading after this many ms and return what came. */
  streamMs?: number;
  /** For streaming answers: stop reading as soon as what came satisfies this (`streamMs` bounds the wait). */
  streamUntil?: (text: string) => boolean;
}

export interface CallResult {
  code: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: any;
}

/** Starts a served cluster for a test file. */
export async function startTestServer(options: StartServingOptions = {}): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'kube-actors-http-'));
  const kubeconfig = join(dir, 'kubeconfig');
  const serving = await startServing({ port: 0, kubeconfigPath: kubeconfig, ...options });
  const env = { ...process.env, HOME: dir, KUBECONFIG: kubeconfig };
  delete (env as Record<string, string | undefined>).KUBERNETES_SERVICE_HOST;
  const base = (args: string[], o: { context?: string; cacheDir?: string } = {}) => [
    '--kubeconfig',
    kubeconfig,
    '--cache-dir',
    o.cacheDir ?? join(dir, 'cache'),
    ...(o.context ? ['--context', o.context] : []),
    ...args,
  ];
  const ca = serving.server.certificate?.cert;
  const admin = serving.cluster.users.admin.token;
  return {
    ...serving,
    dir,
    kubeconfig,
    kubectl(args, o = {}) {
      return new Promise((resolve) => {
        const child = execFile(KUBECTL, base(args, o), { env, timeout: o.timeoutMs ?? 60_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
          const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: number }).code) : 1) : 0;
          resolve({ code, stdout: String(stdout), stderr: String(stderr) });
        });
        if (o.input !== undefined) {
          child.stdin?.end(o.input);
        }
      });
    },
    spawnKubectl(args, o = {}) {
      return spawn(KUBECTL, base(args, o), { env, stdio: ['ignore', 'pipe', 'pipe'] });
    },
    call(method, path, o = {}) {
      return new Promise((resolve, reject) => {
        const headers: Record<string, string> = { ...(o.headers ?? {}) };
        const token = o.token === undefined ? admin : o.token;
        if (token !== null) headers.authorization = `Bearer ${token}`;
        if (o.contentType) headers['content-type'] = o.contentType;
        if (o.accept) headers.accept = o.accept;
        if (o.body !== undefined) headers['content-length'] = String(Buffer.byteLength(o.body));
        const req = httpsRequest(
          { host: '127.0.0.1', port: serving.server.port, method, path, headers, ca, servername: undefined },
          (res) => {
            const chunks: Buffer[] = [];
            let done = false;
            const finish = () => {
              if (done) return;
              done = true;
              const text = Buffer.concat(chunks).toString('utf8');
              let json: unknown;
              try {
                json = String(res.headers['content-type']).startsWith('application/yaml') ? parseYaml(text) : JSON.parse(text);
              } catch {
                json = undefined;
              }
              resolve({ code: res.statusCode ?? 0, headers: res.headers, text, json });
            };
            res.on('data', (c: Buffer) => {
              chunks.push(c);
              if (o.streamUntil?.(Buffer.concat(chunks).toString('utf8'))) {
                finish();
                req.destroy();
              }
            });
            res.on('end', finish);
            res.on('close', finish);
            res.on('error', finish);
            if (o.streamMs !== undefined) {
              setTimeout(() => {
                finish();
                req.destroy();
              }, o.streamMs);
            }
          },
        );
        req.on('error', reject);
        if (o.body !== undefined) req.end(o.body);
        else req.end();
      });
    },
    async stop() {
      await serving.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls `predicate` (wall time) until it holds; throws with `what` after `ms`. */
export async function waitFor(what: string, predicate: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await predicate()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Splits kubectl's table output into rows of cells by its column starts (cells may be empty or have spaces). */
export function parseTable(text: string): Record<string, string>[] {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  if (lines.length === 0) return [];
  const header = lines[0]!;
  const starts: { name: string; at: number }[] = [];
  const re = /\S+(?: \S+)*/g;
  for (const m of header.matchAll(re)) starts.push({ name: m[0], at: m.index });
  return lines.slice(1).map((line) => {
    const row: Record<string, string> = {};
    starts.forEach((c, i) => {
      const end = i + 1 < starts.length ? starts[i + 1]!.at : line.length;
      row[c.name] = line.slice(c.at, end).trim();
    });
    return row;
  });
}

/** Whether Python's `pty` module is there to give kubectl a terminal. */
export const HAS_PYTHON_PTY = spawnSync('python3', ['-c', 'import pty'], { stdio: 'ignore' }).status === 0;

/**
 * One turn of a terminal dialogue: wait until the output holds `until`, type `write`, print what
 * the terminal showed so far (`show`: kept when `signal` aborts the dialogue later), or read until
 * the terminal closes (`end`: kubectl exited).
 */
export type PtyStep = { until: string } | { write: string } | { show: true } | { end: true };

/**
 * Runs the real kubectl in a pseudo-terminal (Python's `pty`), waits for what it expects before
 * typing (no timed waits; `seconds` guards against a hang), and resolves with Python's `repr` of
 * everything the terminal showed, a space, and kubectl's exit code (nothing when `signal` aborts it:
 * the terminal closes and kubectl goes).
 */
export function kubectlInPty(s: { kubeconfig: string; dir: string }, args: readonly string[], steps: readonly PtyStep[], seconds = 40, signal?: AbortSignal): Promise<string> {
  const py = [
    'import os, pty, select, sys, time',
    'pid, fd = pty.fork()',
    'if pid == 0:',
    `    os.execv(${JSON.stringify(KUBECTL)}, ${JSON.stringify(['kubectl', '--kubeconfig', s.kubeconfig, ...args])})`,
    "out = b''",
    `deadline = time.time() + ${seconds}`,
    'def until(marker):',
    '    global out',
    '    while marker not in out and time.time() < deadline:',
    '        r, _, _ = select.select([fd], [], [], 0.5)',
    '        if r:',
    '            try: out += os.read(fd, 4096)',
    '            except OSError: return',
    'def end():',
    '    global out',
    '    while time.time() < deadline:',
    '        r, _, _ = select.select([fd], [], [], 0.5)',
    '        if r:',
    '            try: chunk = os.read(fd, 4096)',
    '            except OSError: return',
    '            if not chunk: return',
    '            out += chunk',
    ...steps.map((step) =>
      'until' in step ? `until(${JSON.stringify(step.until)}.encode())` : 'write' in step ? `os.write(fd, ${JSON.stringify(step.write)}.encode())` : 'show' in step ? 'sys.stdout.write(repr(out.decode()) + "\\n"); sys.stdout.flush()' : 'end()',
    ),
    '_, status = os.waitpid(pid, 0)',
    'sys.stdout.write(repr(out.decode()) + " " + str(os.waitstatus_to_exitcode(status)))',
  ].join('\n');
  return new Promise<string>((resolve) => execFile('python3', ['-c', py], { env: { ...process.env, HOME: s.dir }, timeout: (seconds + 20) * 1000, ...(signal ? { signal } : {}) }, (_e, stdout) => resolve(String(stdout))));
}
