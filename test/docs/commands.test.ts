/**
 * Every command README.md and docs/ show works as written on a fresh clone after `npm install`.
 *
 * The test copies the repository's tracked files to a temporary directory (a clean checkout: no
 * dist/, no build), gives it the installed node_modules (what `npm install` leaves), and with a
 * fresh npm cache (so `npx` links the clone's bin the way a new user's first `npx` does):
 *
 * - reads every command line in the documentation (shell code blocks and inline code starting with
 *   `npx`, `npm` or `kube-actors`) and checks it: `npx kube-actors CMD`, `npm run kube-actors -- CMD`,
 *   `npx tsx src/cli/main.ts CMD`, `npm start -- …` and `npm run bench -- …` each run `--help` in the
 *   checkout, and every flag the documented line uses is one the command's help lists; `npm run X`
 *   names a script of package.json; `npx tsx FILE` and `npx vitest run PATH` name files that exist;
 *   `npm install kube-actors` (a package not published) is refused;
 * - runs `npx kube-actors flow get-pods` and `npm run kube-actors -- flow get-pods` for real, and
 *   `npm start` until the inspector listens.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS, type Command } from '../../src/cli/main.js';

const ROOT = join(import.meta.dirname, '..', '..');

/** The pages whose commands are checked. */
const PAGES = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`), ...readdirSync(join(ROOT, 'docs', 'flows')).filter((f) => f.endsWith('.md')).map((f) => `docs/flows/${f}`)];

/** A command line as a page shows it. */
interface Documented {
  page: string;
  line: string;
  /** In a shell code block (where it must be runnable as typed). */
  shell: boolean;
}

/** The command lines of a page: lines of code blocks and inline code spans that start with npx, npm or kube-actors. */
export function documentedCommands(page: string, text: string): Documented[] {
  const found: Documented[] = [];
  const add = (raw: string, shell: boolean) => {
    for (let part of raw.split(/\s&&\s/)) {
      part = part.replace(/^\$\s+/, '').replace(/\s+#.*$/, '').replace(/^(?:[A-Z_]+=\S+\s+)+/, '').trim();
      if (/^(npx|npm)\s/.test(part) || /^kube-actors [a-z][a-z-]*(\s|$)/.test(part) || part === 'npm test' || part === 'npm start' || part === 'npm install') found.push({ page, line: part, shell });
    }
  };
  let fence: string | undefined;
  for (const line of text.split('\n')) {
    const open = /^\s*```(\w*)/.exec(line);
    if (open) {
      fence = fence === undefined ? open[1] || 'plain' : undefined;
      continue;
    }
    if (fence !== undefined) {
      if (['sh', 'bash', 'shell', 'plain', 'console'].includes(fence)) add(line, fence !== 'plain');
      continue;
    }
    for (const m of line.matchAll(/`([^`]+)`/g)) add(m[1]!, false);
  }
  return found;
}

const documented = PAGES.flatMap((page) => documentedCommands(page, readFileSync(join(ROOT, page), 'utf8')));

/** How a documented line runs a CLI command: the runner's argv before the command, and the command. */
interface CliForm {
  form: string;
  argv: string[];
  command: string;
  args: string[];
}

const words = (line: string) => line.split(/\s+/).filter(Boolean);

function cliForm(line: string): CliForm | undefined {
  const w = words(line);
  if (w[0] === 'npx' && w[1] === 'kube-actors') return { form: 'npx kube-actors', argv: ['npx', 'kube-actors'], command: w[2]!, args: w.slice(3) };
  if (w[0] === 'kube-actors') return { form: 'npx kube-actors', argv: ['npx', 'kube-actors'], command: w[1]!, args: w.slice(2) };
  if (w[0] === 'npm' && w[1] === 'run' && w[2] === 'kube-actors' && w[3] === '--') return { form: 'npm run kube-actors --', argv: ['npm', 'run', '--silent', 'kube-actors', '--'], command: w[4]!, args: w.slice(5) };
  if (w[0] === 'npx' && w[1] === 'tsx' && w[2] === 'src/cli/main.ts') return { form: 'npx tsx src/cli/main.ts', argv: ['npx', 'tsx', 'src/cli/main.ts'], command: w[3]!, args: w.slice(4) };
  if (w[0] === 'npm' && w[1] === 'start') return { form: 'npm start --', argv: ['npm', 'start', '--silent', '--'], command: '', args: w.slice(w[2] === '--' ? 3 : 2) };
  if (w[0] === 'npm' && w[1] === 'run' && w[2] === 'bench') return { form: 'npm run bench --', argv: ['npm', 'run', '--silent', 'bench', '--'], command: '', args: w.slice(w[3] === '--' ? 4 : 3) };
  return undefined;
}

/** The flags a documented line uses (`[--port 4000]` and `-f FILE...` alike). */
function flags(args: string[]): string[] {
  return args.map((a) => a.replace(/^\[+/, '').replace(/[\].]+$/, '').replace(/=.*$/, '')).filter((a) => /^--?[a-z]/.test(a));
}

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

let checkout = '';
let npmCache = '';

function run(argv: string[], timeout = 120_000): Promise<Result> {
  return new Promise((resolve, reject) => {
    execFile(argv[0]!, argv.slice(1), { cwd: checkout, timeout, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, npm_config_cache: npmCache, npm_config_offline: 'true', npm_config_update_notifier: 'false', npm_config_audit: 'false', npm_config_fund: 'false' } }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') return reject(error);
      resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
    });
  });
}

beforeAll(() => {
  const work = mkdtempSync(join(tmpdir(), 'kube-actors-clone-'));
  checkout = join(work, 'kube-actors');
  npmCache = join(work, 'npm-cache');
  mkdirSync(npmCache);
  const files = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
  for (const f of files) {
    if (!existsSync(join(ROOT, f))) continue;
    mkdirSync(dirname(join(checkout, f)), { recursive: true });
    copyFileSync(join(ROOT, f), join(checkout, f));
  }
  symlinkSync(join(ROOT, 'node_modules'), join(checkout, 'node_modules'), 'dir');
});

afterAll(() => {
  if (checkout) rmSync(dirname(checkout), { recursive: true, force: true });
});

describe('the documented commands', () => {
  it('are found on the pages (the README shows the npx and npm forms)', () => {
    const readme = documented.filter((d) => d.page === 'README.md').map((d) => d.line);
    expect(readme).toContain('npm install');
    expect(readme).toContain('npm start');
    expect(readme).toContain('npm test');
    expect(readme.some((l) => l.startsWith('npx kube-actors verify'))).toBe(true);
    expect(documented.length).toBeGreaterThan(30);
  });

  it('install nothing that is not published, and name scripts, files and tests that exist', () => {
    const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    const problems: string[] = [];
    for (const d of documented) {
      const w = words(d.line);
      const where = `${d.page}: ${d.line}`;
      if (cliForm(d.line)) {
        if (d.shell && w[0] === 'kube-actors') problems.push(`${where}: a shell block must show a form that runs in a clone (npx kube-actors)`);
        continue;
      }
      if (w[0] === 'npm' && (w[1] === 'install' || w[1] === 'i')) {
        if (w.slice(2).some((a) => a === 'kube-actors' || a.startsWith('kube-actors@'))) problems.push(`${where}: kube-actors is not published on the registry`);
      } else if (w[0] === 'npm' && (w[1] === 'test' || w[1] === 'start')) {
        if (!scripts[w[1]]) problems.push(`${where}: no ${w[1]} script`);
      } else if (w[0] === 'npm' && w[1] === 'run') {
        if (!scripts[w[2]!]) problems.push(`${where}: package.json has no script "${w[2]}"`);
      } else if (w[0] === 'npm' && w[1] === 'pack') {
        // `npm pack` makes the tarball: test/package/pack.test.ts runs it
      } else if (w[0] === 'npx' && w[1] === 'tsx') {
        if (!existsSync(join(checkout, w[2]!))) problems.push(`${where}: ${w[2]} is not in the repository`);
      } else if (w[0] === 'npx' && w[1] === 'vitest' && w[2] === 'run') {
        for (const p of w.slice(3).filter((a) => !a.startsWith('-') && !/^--/.test(a))) if (!existsSync(join(checkout, p))) problems.push(`${where}: ${p} is not in the repository`);
      } else {
        problems.push(`${where}: not a command form this test knows how to check`);
      }
    }
    expect(problems).toEqual([]);
  });

  const cliLines = documented.flatMap((d) => {
    const form = cliForm(d.line);
    return form ? [{ ...d, form }] : [];
  });

  it('cover every command-line form the pages use', () => {
    expect([...new Set(cliLines.map((d) => d.form.form))]).toEqual(expect.arrayContaining(['npm run kube-actors --', 'npm start --', 'npx kube-actors']));
  });

  it("use only the commands and flags the commands' help lists", { timeout: 120_000 }, async () => {
    const problems: string[] = [];
    for (const d of cliLines) {
      const name = d.form.form === 'npm start --' ? 'inspect' : d.form.form === 'npm run bench --' ? 'bench' : d.form.command;
      if (/^(<[a-z]+>|…)$/.test(name)) continue; // a placeholder: `npx kube-actors <command> …`
      if (!COMMANDS.some((c) => c.name === name)) {
        problems.push(`${d.page}: ${d.line}: no command "${name}"`);
        continue;
      }
      const { help } = ((await import(/* @vite-ignore */ join(ROOT, 'src', 'cli', 'commands', `${name}.ts`))) as { command: Command }).command;
      for (const flag of flags(d.form.args)) {
        if (!new RegExp(`(^|[\\s,\\[|])${flag}(?![\\w-])`, 'm').test(help)) problems.push(`${d.page}: ${d.line}: ${name} has no ${flag}`);
      }
    }
    expect(problems).toEqual([]);
  });

  // every form runs once in the checkout (the flows below run the npx and npm run forms for real)
  const helpForms = [...new Map(cliLines.filter((d) => !['npx kube-actors', 'npm run kube-actors --'].includes(d.form.form)).map((d) => [d.form.form, d.form])).values()];
  describe.concurrent('run as written in a clean checkout', { timeout: 240_000 }, () => {
    for (const form of helpForms) {
      it(`${form.form} ${form.command} --help`.replace(/\s+/g, ' '), async () => {
        const r = await run([...form.argv, ...(form.command ? [form.command] : []), '--help']);
        expect(r.stderr, r.stderr).toBe('');
        expect(r.code).toBe(0);
        expect(r.stdout).toMatch(/^Usage: kube-actors \w+/);
      });
    }
  });

  it('npx kube-actors and npm run kube-actors run a flow in the clean checkout', { timeout: 240_000 }, async () => {
    expect(existsSync(join(checkout, 'dist'))).toBe(false);
    for (const argv of [['npx', 'kube-actors', 'flow', 'get-pods'], ['npm', 'run', '--silent', 'kube-actors', '--', 'flow', 'get-pods']]) {
      const r = await run(argv);
      expect(r.stderr, argv.join(' ')).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout.split('\n')[0]).toBe('flow get-pods (seed 1): 4 messages');
    }
  });

  it('npm start serves the inspector', { timeout: 120_000 }, async () => {
    const child = spawn('npm', ['start', '--', '--port', '0', '--no-demo', '--paused'], { cwd: checkout, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_cache: npmCache, npm_config_offline: 'true', npm_config_update_notifier: 'false' } });
    try {
      let output = '';
      const url = await new Promise<string>((resolve, reject) => {
        const onData = (chunk: Buffer) => {
          output += chunk.toString();
          const m = /kube-actors inspector: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(output);
          if (m) resolve(m[1]!);
        };
        child.stdout.on('data', onData);
        child.stderr.on('data', onData);
        child.on('exit', (code) => reject(new Error(`npm start exited with ${code}:\n${output}`)));
      });
      const page = await fetch(url);
      expect(page.status).toBe(200);
    } finally {
      process.kill(-child.pid!, 'SIGTERM');
    }
  });
});
