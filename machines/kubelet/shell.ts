/**
 * The shell of a simulated container: a small POSIX `sh` interpreter for the idioms manifests use
 * (`echo`, `printf`, `sleep`, `exit N`, `true`/`false`, `date`, `hostname`, `env`/`printenv`,
 * `cat` and `ls` of the pod's files, `;`, `&&`, `||`, `|`, `!`, `$VAR`, `${VAR:-x}`, `$(...)`,
 * `$((...))`, `if`, `while`, `until`, `for`, `{ }`, redirections to files and `2>&1`).
 *
 * It runs on a virtual clock of its own: `sleep` advances it, every output line is stamped with it.
 * A run is a pure function of the script and its inputs (environment, files, start time), so the
 * kubelet can replay a process to learn when it exits (its fate) and what it wrote up to now (its
 * logs) without arming a timer per line. A run stops at `horizonMs` (still running then), after
 * `maxSteps` commands (a loop with no end: still running) or at `exit`.
 *
 * This file is the interpreter and the entry points; the tokenizer and parser are in
 * shell-syntax.ts, the builtins and modelled commands in shell-builtins.ts.
 */
import type { ImageProgram } from '../../src/profiles/images.js';
import { files as treeFiles, type FileTree } from './files.js';
import { BUILTINS, BUSYBOX_APPLETS, BUSYBOX_ONLY, Exit, IMAGE_COMMANDS, type Io, Stop } from './shell-builtins.js';
import type { NetRequest, RequestFlow } from './net-tools.js';
import { LoopWatch } from './shell-loop.js';
import type { NetworkTimeline } from './network.js';
import { type AndOr, type Command, type List, parseScript, type Pipeline, type Redirect, ShellSyntaxError, type Simple, type Word } from './shell-syntax.js';

/** One line a process wrote, at `atMs` after its start. */
export interface OutputLine {
  atMs: number;
  stream: 'stdout' | 'stderr';
  text: string;
}

/** What a run needs. */
export interface ShellOptions {
  /** Environment variables, in the container's order. */
  env: [string, string][];
  /** The container's files (its image's and its pod's volumes). */
  files: FileTree;
  /** `hostname` (the pod's name). */
  hostname: string;
  /** Absolute time (ms since 1970) of the process start, for `date`. */
  startAbsMs: number;
  /** The shell's name in its messages (`sh`, `bash`). */
  shellName?: string;
  /** Message style of `cat`, `ls` and friends: busybox (busybox, alpine) or GNU (debian-based images). */
  flavor?: 'busybox' | 'gnu';
  /** Programs the image ships besides the modelled commands (servers run until stopped). */
  programs?: Record<string, ImageProgram>;
  /** The container's declared TCP ports (what a program with `ports: 'declared'` listens on). */
  declaredPorts?: number[];
  /** Stop here (ms since the start); default: never. */
  horizonMs?: number;
  /** Stop after this many commands (a loop with no end); default 20,000. */
  maxSteps?: number;
  /** Keep at most this many lines (the latest). Default 50,000. */
  maxLines?: number;
  /** Standard input of the process (for `cat` with no file). */
  stdin?: string;
  /** The processes of its PID namespace that `ps` lists (before `ps` itself); default none. */
  processes?: readonly PsEntry[];
  /** The network the process sees over time (machines/kubelet/network.ts); default: none but its own addresses. */
  network?: NetworkTimeline;
  /** Modelled commands the image ships besides the shell's (`curl`: its catalog entry's `commands`). */
  commands?: readonly string[];
  /** `nslookup`'s output format: busybox 1.28's (the image tag 1.28) or current busybox's (default). */
  nslookupStyle?: 'busybox-1.28' | 'busybox';
  /** Mount paths of read-only file systems (ConfigMap, Secret, projected, downward API volumes; `readOnly` mounts): writing under them fails. */
  readOnly?: readonly string[];
}

/** A process `ps` lists: its PID, user (a name or a numeric uid) and command line. */
export interface PsEntry {
  pid: number;
  user: string;
  command: string;
}

/** The outcome of a run. */
export interface ShellResult {
  lines: OutputLine[];
  /** Set when the process exited (by itself) before the horizon. */
  exit?: { atMs: number; code: number };
  /** Ports the process listens on (daemons it started). */
  ports: number[];
  /** Time reached (ms since the start). */
  atMs: number;
  /** The files as the process left them (what it wrote included), when it ran in the interpreter. */
  files?: Record<string, string>;
  /** The HTTP requests it made that a server of the cluster answered (their access-log lines). */
  requests?: NetRequest[];
  /** The steady request flows of its periodic loops (machines/kubelet/shell-loop.ts). */
  flows?: RequestFlow[];
  /** True when its last line is not finished yet (written without a newline, as `OK!OK!OK!` by a loop of `wget -O-`). */
  unfinished?: boolean;
}

/** The files of a run, counting the writes (a loop that writes a file is not steady). */
class Files extends Map<string, string> {
  writes = 0;
  override set(key: string, value: string): this {
    this.writes++;
    return super.set(key, value);
  }
  override delete(key: string): boolean {
    this.writes++;
    return super.delete(key);
  }
  override clear(): void {
    this.writes++;
    super.clear();
  }
}

/** The state of one run. */
export class Shell {
  t = 0;
  steps = 0;
  status = 0;
  errexit = false;
  xtrace = false;
  vars = new Map<string, string>();
  exported = new Set<string>();
  files: Files;
  cwd = '/';
  lines: OutputLine[] = [];
  partial: Record<'stdout' | 'stderr', string> = { stdout: '', stderr: '' };
  ports: number[] = [];
  /** Set once the process wrote, created or removed a file. */
  wrote = false;
  /** The requests it sent that a server answered (wget, curl). */
  requests: NetRequest[] = [];
  /** The steady request flows of its periodic loops. */
  flows: RequestFlow[] = [];
  /** Writes to its output that did not go through a command's I/O (a command substitution's errors). */
  directWrites = 0;
  readonly horizon: number;
  readonly maxSteps: number;
  readonly maxLines: number;

  constructor(readonly opts: ShellOptions) {
    this.horizon = opts.horizonMs ?? Infinity;
    this.maxSteps = opts.maxSteps ?? 20_000;
    this.maxLines = opts.maxLines ?? 50_000;
    this.files = new Files(treeFiles(opts.files));
    for (const [k, v] of opts.env) {
      this.vars.set(k, v);
      this.exported.add(k);
    }
    if (!this.vars.has('HOSTNAME')) this.vars.set('HOSTNAME', opts.hostname);
    if (!this.vars.has('PATH')) this.vars.set('PATH', '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
    if (!this.vars.has('HOME')) this.vars.set('HOME', '/root');
    this.vars.set('PWD', '/');
  }

  get name(): string {
    return this.opts.shellName ?? 'sh';
  }

  /** Writes to the process's own output (stamped with the current time). */
  write(stream: 'stdout' | 'stderr', text: string): void {
    const all = this.partial[stream] + text;
    const pieces = all.split('\n');
    this.partial[stream] = pieces.pop()!;
    for (const line of pieces) this.push(stream, line);
  }

  push(stream: 'stdout' | 'stderr', text: string): void {
    this.lines.push({ atMs: this.t, stream, text });
    if (this.lines.length > this.maxLines * 2) this.lines.splice(0, this.lines.length - this.maxLines);
  }

  flush(): void {
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.partial[stream]) this.push(stream, this.partial[stream]);
      this.partial[stream] = '';
    }
  }

  advance(ms: number): void {
    if (ms === Infinity || this.t + ms > this.horizon) {
      if (this.horizon !== Infinity) this.t = this.horizon;
      throw new Stop();
    }
    this.t += ms;
  }

  step(): void {
    if (++this.steps > this.maxSteps) throw new Stop();
  }

  path(p: string): string {
    const abs = p.startsWith('/') ? p : `${this.cwd === '/' ? '' : this.cwd}/${p}`;
    const out: string[] = [];
    for (const seg of abs.split('/')) {
      if (seg === '' || seg === '.') continue;
      if (seg === '..') out.pop();
      else out.push(seg);
    }
    return `/${out.join('/')}`;
  }

  isDir(p: string): boolean {
    if (p === '/') return true;
    const prefix = `${p}/`;
    for (const k of this.files.keys()) if (k.startsWith(prefix)) return true;
    return false;
  }

  /** True when `path` (absolute) is on a read-only file system. */
  readOnlyAt(path: string): boolean {
    return (this.opts.readOnly ?? []).some((m) => path === m || path.startsWith(m === '/' ? '/' : `${m}/`));
  }

  /** The shell's message for a redirection to a file it cannot create (`Read-only file system`), and its status. */
  private cannotCreate(target: string, reason: string): { message: string; status: number } {
    if (this.name === 'bash') return { message: `bash: line 1: ${target}: ${reason}\n`, status: 1 };
    // Debian's /bin/sh is dash; busybox's is ash
    if (this.opts.flavor === 'gnu') return { message: `${this.name}: 1: cannot create ${target}: ${reason}\n`, status: 2 };
    return { message: `${this.name}: can't create ${target}: ${reason}\n`, status: 1 };
  }

  getVar(name: string): string | undefined {
    if (name === '?') return String(this.status);
    if (name === '$') return '1';
    if (name === '#') return '0';
    if (name === 'RANDOM') return '0';
    return this.vars.get(name);
  }

  // ---- expansion ----

  private expandVars(text: string, quoted: boolean): string {
    return text.replace(/\\\$|\$(\{[^}]*\}|[A-Za-z_][A-Za-z0-9_]*|[?$#0-9])/g, (m, ref: string | undefined) => {
      if (m === '\\$') return '$';
      if (!ref) return m;
      if (!ref.startsWith('{')) return ref === '0' ? this.name : (this.getVar(ref) ?? '');
      const inner = ref.slice(1, -1);
      const mm = /^([A-Za-z_][A-Za-z0-9_]*|[?#$])(?:(:?[-=+?])(.*))?$/.exec(inner);
      if (inner.startsWith('#') && inner.length > 1) return String((this.getVar(inner.slice(1)) ?? '').length);
      if (!mm) throw new ShellSyntaxError(`\${${inner}}: bad substitution`);
      const [, name, op, word] = mm;
      const value = this.getVar(name!);
      const unset = op?.startsWith(':') ? !value : value === undefined;
      const w = word === undefined ? '' : this.expandVars(word, quoted);
      switch (op?.replace(':', '')) {
        case '-':
          return unset ? w : value!;
        case '=':
          if (unset) this.vars.set(name!, w);
          return unset ? w : value!;
        case '+':
          return unset ? '' : w;
        case '?':
          if (unset) {
            this.write('stderr', `${this.name}: ${name}: ${w || 'parameter not set'}\n`);
            throw new Exit(2);
          }
          return value!;
        default:
          return value ?? '';
      }
    });
  }

  arith(expr: string): number {
    const src = expr.replace(/\$?([A-Za-z_][A-Za-z0-9_]*)/g, (_m, name: string) => String(Number.parseInt(this.getVar(name) ?? '0', 10) || 0));
    if (!/^[\d\s+\-*/%()<>=!&|]*$/.test(src)) throw new ShellSyntaxError(`arithmetic syntax error: ${expr}`);
    return evalArith(src);
  }

  /** Expands a word into fields (unquoted expansions split on whitespace). */
  expand(word: Word): string[] {
    const fields: string[] = [];
    let cur = '';
    let has = false;
    for (const part of word.parts) {
      if (part.q === 'single') {
        cur += part.text;
        has = true;
      } else if (part.q === 'double') {
        cur += this.expandVars(part.text, true);
        has = true;
      } else if (part.q === 'arith') {
        cur += String(this.arith(part.expr));
        has = true;
      } else {
        const text = part.q === 'subst' ? this.substitute(part.script) : this.expandVars(part.text, false);
        const quoted = part.q === 'subst' && part.quoted;
        if (quoted || (part.q === 'none' && !/\$/.test(part.text))) {
          cur += text;
          has = has || text.length > 0 || part.q === 'subst';
          continue;
        }
        const split = text.split(/[ \t\n]+/);
        for (let i = 0; i < split.length; i++) {
          if (i > 0) {
            if (has || cur) fields.push(cur);
            cur = '';
            has = false;
          }
          cur += split[i];
          if (split[i]) has = true;
        }
      }
    }
    if (has || cur) fields.push(cur);
    return fields;
  }

  expandOne(word: Word): string {
    return this.expand(word).join(' ');
  }

  private substitute(script: string): string {
    let out = '';
    const saved = this.status;
    this.runList(
      parseScript(script),
      {
        stdin: undefined,
        out: (t) => (out += t),
        err: (t) => {
          this.directWrites++;
          this.write('stderr', t);
        },
      },
      true,
    );
    this.status = saved;
    return out.replace(/\n+$/, '');
  }

  // ---- execution ----

  runList(list: List, io: Io, sub = false): number {
    for (const item of list) {
      if (item.background) {
        const t = this.t;
        try {
          this.runAndOr(item, io);
        } catch (e) {
          if (!(e instanceof Stop) && !(e instanceof Exit)) throw e;
        }
        this.t = t;
        this.status = 0;
        continue;
      }
      this.runAndOr(item, io);
      if (this.errexit && this.status !== 0 && !sub) throw new Exit(this.status);
    }
    return this.status;
  }

  private runAndOr(item: AndOr, io: Io): void {
    this.runPipeline(item.first, io);
    for (const { op, pipeline } of item.rest) {
      if ((op === '&&') === (this.status === 0)) this.runPipeline(pipeline, io);
    }
  }

  private runPipeline(p: Pipeline, io: Io): void {
    let stdin = io.stdin;
    for (let i = 0; i < p.commands.length; i++) {
      const last = i === p.commands.length - 1;
      if (last) this.runCommand(p.commands[i]!, { ...io, stdin });
      else {
        let out = '';
        this.runCommand(p.commands[i]!, { stdin, out: (t) => (out += t), err: io.err });
        stdin = out;
      }
    }
    if (p.negate) this.status = this.status === 0 ? 1 : 0;
  }

  private withRedirects(redirects: Redirect[], io: Io, run: (io: Io) => void): void {
    let next = io;
    const writes: { path: string; append: boolean; text: string }[] = [];
    for (const r of redirects) {
      if (r.op === '2>&1') next = { ...next, err: next.out };
      else if (r.op === '>&2' || r.op === '1>&2') next = { ...next, out: next.err };
      else {
        const target = this.expandOne(r.target!);
        if (r.op === '<') {
          const content = this.files.get(this.path(target));
          if (content === undefined) {
            io.err(`${this.name}: can't open ${target}: no such file\n`);
            this.status = 1;
            return;
          }
          next = { ...next, stdin: content };
          continue;
        }
        const sink = { path: this.path(target), append: r.op.endsWith('>>'), text: '' };
        const devnull = target === '/dev/null';
        if (!devnull && target !== '/dev/stdout' && target !== '/dev/stderr' && this.readOnlyAt(sink.path)) {
          const refused = this.cannotCreate(target, 'Read-only file system');
          io.err(refused.message);
          this.status = refused.status;
          return;
        }
        const toFile = (t: string) => {
          if (!devnull) sink.text += t;
        };
        if (target === '/dev/stdout') continue;
        if (target === '/dev/stderr') {
          next = r.op.startsWith('2') ? next : { ...next, out: next.err };
          continue;
        }
        if (!devnull) writes.push(sink);
        if (r.op === '&>') next = { ...next, out: toFile, err: toFile };
        else if (r.op.startsWith('2')) next = { ...next, err: toFile };
        else next = { ...next, out: toFile };
      }
    }
    try {
      run(next);
    } finally {
      for (const w of writes) this.files.set(w.path, (w.append ? (this.files.get(w.path) ?? '') : '') + w.text);
      if (writes.length > 0) this.wrote = true;
    }
  }

  private runCommand(cmd: Command, io: Io): void {
    this.step();
    this.withRedirects(cmd.redirects, io, (io2) => {
      switch (cmd.type) {
        case 'simple':
          return this.runSimple(cmd, io2);
        case 'if': {
          for (const b of cmd.branches) {
            this.runList(b.cond, io2, true);
            if (this.status === 0) {
              this.runList(b.body, io2);
              return;
            }
          }
          this.status = 0;
          if (cmd.otherwise) this.runList(cmd.otherwise, io2);
          return;
        }
        case 'while': {
          let last = 0;
          // a loop whose iterations repeat is run forward (machines/kubelet/shell-loop.ts)
          const watch = new LoopWatch(this);
          const tapped = watch.tap(io2);
          for (;;) {
            watch.begin();
            this.step();
            this.runList(cmd.cond, tapped, true);
            if ((this.status === 0) === cmd.until) break;
            this.runList(cmd.body, tapped);
            last = this.status;
            watch.end(io2);
          }
          this.status = last;
          return;
        }
        case 'for': {
          const items = cmd.items ? cmd.items.flatMap((w) => this.expand(w)) : [];
          this.status = 0;
          for (const item of items) {
            this.vars.set(cmd.name, item);
            this.runList(cmd.body, io2);
          }
          return;
        }
        case 'group': {
          if (!cmd.subshell) {
            this.runList(cmd.body, io2);
            return;
          }
          const saved = { vars: new Map(this.vars), cwd: this.cwd };
          try {
            this.runList(cmd.body, io2);
          } catch (e) {
            if (!(e instanceof Exit)) throw e;
            this.status = e.code;
          }
          this.vars = saved.vars;
          this.cwd = saved.cwd;
          return;
        }
      }
    });
  }

  private runSimple(cmd: Simple, io: Io): void {
    const argv: string[] = [];
    const assigns: [string, string][] = [];
    for (const w of cmd.words) {
      const lit = w.parts[0]?.q === 'none' ? (w.parts[0] as { text: string }).text : undefined;
      const m = argv.length === 0 && lit !== undefined ? /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(lit) : null;
      if (m) {
        const rest: Word = { kind: 'word', parts: [{ q: 'none', text: lit!.slice(m[0].length) }, ...w.parts.slice(1)] };
        assigns.push([m[1]!, this.expand(rest).join(' ')]);
        continue;
      }
      argv.push(...this.expand(w));
    }
    if (argv.length === 0) {
      for (const [k, v] of assigns) this.vars.set(k, v);
      this.status = 0;
      return;
    }
    if (this.xtrace) io.err(`+ ${argv.join(' ')}\n`);
    const saved = assigns.map(([k]) => [k, this.vars.get(k), this.exported.has(k)] as const);
    for (const [k, v] of assigns) {
      this.vars.set(k, v);
      this.exported.add(k);
    }
    try {
      this.status = this.exec(argv, io);
    } finally {
      for (const [k, v, e] of saved) {
        if (v === undefined) this.vars.delete(k);
        else this.vars.set(k, v);
        if (!e) this.exported.delete(k);
      }
    }
  }

  /** Runs one command line (a builtin, a daemon of the image, a script file); returns its status. */
  exec(argv: string[], io: Io): number {
    const [name, ...args] = argv;
    const base = name!.includes('/') ? name!.slice(name!.lastIndexOf('/') + 1) : name!;
    const builtin = BUILTINS[base];
    // busybox's applets that Debian-based images do not ship (procps is not installed)
    if (builtin && BUSYBOX_ONLY.has(base) && this.opts.flavor === 'gnu') return this.notFound(name!, io);
    if (builtin && IMAGE_COMMANDS.has(base) && !this.opts.commands?.includes(base)) return this.notFound(name!, io);
    if (builtin && (!name!.includes('/') || /^\/(usr\/)?s?bin\//.test(name!))) return builtin(this, args, io);
    const program = this.opts.programs?.[name!] ?? this.opts.programs?.[base];
    if (program) {
      if (program.wrapper) {
        // an entrypoint script: its lines, then it execs its arguments
        if (args[0] !== undefined && program.wrapper.wraps.includes(args[0])) this.startup(program);
        return args.length === 0 ? 0 : this.exec(args, io);
      }
      if (program.exitsWithoutArgs && args.length === 0) return 0;
      const ran = program.run?.(args);
      if (ran) {
        // a batch program: it computes, writes its output and exits
        this.advance(ran.ms);
        this.write('stdout', ran.stdout);
        return ran.code;
      }
      for (const p of program.ports === 'declared' ? (this.opts.declaredPorts ?? []) : program.ports) if (!this.ports.includes(p)) this.ports.push(p);
      this.startup(program);
      // a server never returns
      this.advance(Infinity);
      return 0;
    }
    const file = name!.includes('/') ? this.files.get(this.path(name!)) : undefined;
    if (file !== undefined) {
      if (/^#!\s*\/bin\/(ba)?sh/.test(file) || !file.startsWith('#!')) {
        const saved = this.vars;
        this.vars = new Map([...this.vars].filter(([k]) => this.exported.has(k)));
        args.forEach((a, i) => this.vars.set(String(i + 1), a));
        try {
          return this.runList(parseScript(file), io);
        } catch (e) {
          if (e instanceof Exit) return e.code;
          throw e;
        } finally {
          this.vars = saved;
        }
      }
    }
    if (this.opts.flavor === 'busybox' && BUSYBOX_APPLETS.has(base) && (!name!.includes('/') || /^\/(usr\/)?s?bin\//.test(name!))) {
      io.err(`${base}: kube-actors does not model the busybox applet '${base}' (the simulated container cannot run it)\n`);
      return 127;
    }
    return this.notFound(name!, io);
  }

  private notFound(name: string, io: Io): number {
    if (this.opts.shellName === 'bash') io.err(`bash: ${name}: command not found\n`);
    else io.err(`${this.name}: ${name}: not found\n`);
    return 127;
  }

  private startup(program: ImageProgram): void {
    for (const line of program.startup ?? []) {
      const l = line(this.opts.startAbsMs + this.t);
      this.write(l.stream, `${l.text}\n`);
    }
  }

  /** Messages in the image's style. */
  noFile(cmd: string, path: string): string {
    if (this.opts.flavor === 'gnu') return cmd === 'ls' ? `ls: cannot access '${path}': No such file or directory` : `${cmd}: ${path}: No such file or directory`;
    return cmd === 'cat' ? `cat: can't open '${path}': No such file or directory` : `${cmd}: ${path}: No such file or directory`;
  }
}

function evalArith(src: string): number {
  let i = 0;
  const s = src.replace(/\s+/g, '');
  const num = (): number => {
    if (s[i] === '(') {
      i++;
      const v = expr();
      i++;
      return v;
    }
    if (s[i] === '-') {
      i++;
      return -num();
    }
    if (s[i] === '!') {
      i++;
      return num() ? 0 : 1;
    }
    const m = /^\d+/.exec(s.slice(i));
    if (!m) throw new ShellSyntaxError(`arithmetic syntax error: ${src}`);
    i += m[0].length;
    return Number(m[0]);
  };
  const mul = (): number => {
    let v = num();
    while ('*/%'.includes(s[i] ?? 'x')) {
      const op = s[i++];
      const r = num();
      if ((op === '/' || op === '%') && r === 0) throw new ShellSyntaxError('arithmetic: division by zero');
      v = op === '*' ? v * r : op === '/' ? Math.trunc(v / r) : v % r;
    }
    return v;
  };
  const add = (): number => {
    let v = mul();
    while (s[i] === '+' || s[i] === '-') v = s[i++] === '+' ? v + mul() : v - mul();
    return v;
  };
  const cmp = (): number => {
    let v = add();
    for (;;) {
      const m = /^(<=|>=|==|!=|<|>)/.exec(s.slice(i));
      if (!m) return v;
      i += m[0].length;
      const r = add();
      v = Number(m[0] === '<=' ? v <= r : m[0] === '>=' ? v >= r : m[0] === '==' ? v === r : m[0] === '!=' ? v !== r : m[0] === '<' ? v < r : v > r);
    }
  };
  const expr = (): number => {
    let v = cmp();
    for (;;) {
      if (s.startsWith('&&', i)) {
        i += 2;
        const r = cmp();
        v = Number(v !== 0 && r !== 0);
      } else if (s.startsWith('||', i)) {
        i += 2;
        const r = cmp();
        v = Number(v !== 0 || r !== 0);
      } else return v;
    }
  };
  const v = expr();
  if (i < s.length) throw new ShellSyntaxError(`arithmetic syntax error: ${src}`);
  return v;
}

// ---- entry points -----------------------------------------------------------------------------

/** True when `name` (a path or a bare word) is a command the interpreter runs itself. */
export function isModelledCommand(name: string): boolean {
  const base = name.slice(name.lastIndexOf('/') + 1);
  return base in BUILTINS;
}

function finish(sh: Shell, exit: { atMs: number; code: number } | undefined): ShellResult {
  // a line still being written when the run stops (not when the process exits: its end finishes it)
  const open = (['stdout', 'stderr'] as const).filter((stream) => sh.partial[stream] !== '');
  sh.flush();
  const result: ShellResult = { lines: sh.lines.length > sh.maxLines ? sh.lines.slice(-sh.maxLines) : sh.lines, ports: sh.ports, atMs: sh.t };
  if (sh.wrote) result.files = Object.fromEntries(sh.files);
  if (sh.requests.length > 0) result.requests = sh.requests;
  if (sh.flows.length > 0) result.flows = sh.flows;
  if (!exit && open.length === 1 && result.lines.at(-1)?.stream === open[0]) result.unfinished = true;
  if (exit) result.exit = exit;
  return result;
}

/**
 * Runs an argv (`["sh", "-c", "echo hi; exit 3"]`, `["echo", "hi"]`) as a process would: the
 * lines it writes, when it exits and with what code (unless it still runs at the horizon).
 */
export function runProcess(argv: readonly string[], opts: ShellOptions): ShellResult {
  const sh = new Shell(opts);
  try {
    const code = sh.exec([...argv], { stdin: opts.stdin, out: (t) => sh.write('stdout', t), err: (t) => sh.write('stderr', t) });
    return finish(sh, { atMs: sh.t, code });
  } catch (e) {
    if (e instanceof Exit) return finish(sh, { atMs: sh.t, code: e.code });
    if (e instanceof Stop) return finish(sh, undefined);
    if (e instanceof ShellSyntaxError) {
      sh.write('stderr', `${sh.name}: ${e.message}\n`);
      return finish(sh, { atMs: sh.t, code: 2 });
    }
    throw e;
  }
}
