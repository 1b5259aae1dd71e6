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
 */
import type { ImageProgram } from '../../src/profiles/images.js';
import { files as treeFiles, type FileTree } from './files.js';

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
}

// ---- tokens and syntax -----------------------------------------------------------------------

type Part = { q: 'none' | 'single' | 'double'; text: string } | { q: 'subst'; script: string; quoted: boolean } | { q: 'arith'; expr: string };
interface Word {
  kind: 'word';
  parts: Part[];
}
interface Op {
  kind: 'op';
  op: string;
}
type Token = Word | Op;

/** A syntax error in a script (reported as the shell does: exit 2). */
class ShellSyntaxError extends Error {}

const OPERATORS = ['&&', '||', ';;', '2>&1', '>&2', '1>&2', '2>>', '2>', '&>', '>>', ';', '|', '&', '(', ')', '>', '<', '\n'];

function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let parts: Part[] = [];
  let current = '';
  let inWord = false;
  const flushText = () => {
    if (current) parts.push({ q: 'none', text: current });
    current = '';
  };
  const endWord = () => {
    flushText();
    if (inWord) tokens.push({ kind: 'word', parts });
    parts = [];
    inWord = false;
  };
  const readParen = (start: number): [string, number] => {
    // from after `$(`: to the matching `)`
    let depth = 1;
    let j = start;
    while (j < src.length) {
      const c = src[j]!;
      if (c === "'") {
        const end = src.indexOf("'", j + 1);
        if (end < 0) throw new ShellSyntaxError('unterminated quoted string');
        j = end + 1;
        continue;
      }
      if (c === '(') depth++;
      else if (c === ')' && --depth === 0) return [src.slice(start, j), j + 1];
      j++;
    }
    throw new ShellSyntaxError("missing ')'");
  };
  const readDollar = (quoted: boolean): boolean => {
    // at `$`: $((..)), $(..); variables stay in text and are expanded later
    if (src.startsWith('$((', i)) {
      const [inner, next] = readParen(i + 2);
      if (!inner.endsWith(')')) throw new ShellSyntaxError("missing '))'");
      flushText();
      parts.push({ q: 'arith', expr: inner.slice(0, -1) });
      i = next;
      return true;
    }
    if (src.startsWith('$(', i)) {
      const [inner, next] = readParen(i + 2);
      flushText();
      parts.push({ q: 'subst', script: inner, quoted });
      i = next;
      return true;
    }
    return false;
  };
  while (i < src.length) {
    const c = src[i]!;
    if (c === '\\' && i + 1 < src.length) {
      if (src[i + 1] === '\n') {
        i += 2;
        continue;
      }
      // an escaped character is literal: keep it single-quoted
      flushText();
      parts.push({ q: 'single', text: src[i + 1]! });
      inWord = true;
      i += 2;
      continue;
    }
    if (c === "'") {
      const end = src.indexOf("'", i + 1);
      if (end < 0) throw new ShellSyntaxError('unterminated quoted string');
      flushText();
      parts.push({ q: 'single', text: src.slice(i + 1, end) });
      inWord = true;
      i = end + 1;
      continue;
    }
    if (c === '"') {
      flushText();
      inWord = true;
      i++;
      let text = '';
      while (i < src.length && src[i] !== '"') {
        if (src[i] === '\\' && i + 1 < src.length && '"\\$`\n'.includes(src[i + 1]!)) {
          if (src[i + 1] !== '\n') text += src[i + 1] === '$' ? '\\$' : src[i + 1];
          i += 2;
          continue;
        }
        if (src[i] === '$' && src[i + 1] === '(') {
          if (text) parts.push({ q: 'double', text });
          text = '';
          readDollar(true);
          continue;
        }
        if (src[i] === '`') {
          const end = src.indexOf('`', i + 1);
          if (end < 0) throw new ShellSyntaxError('unterminated `');
          if (text) parts.push({ q: 'double', text });
          text = '';
          parts.push({ q: 'subst', script: src.slice(i + 1, end), quoted: true });
          i = end + 1;
          continue;
        }
        text += src[i];
        i++;
      }
      if (i >= src.length) throw new ShellSyntaxError('unterminated quoted string');
      parts.push({ q: 'double', text });
      i++;
      continue;
    }
    if (c === '`') {
      const end = src.indexOf('`', i + 1);
      if (end < 0) throw new ShellSyntaxError('unterminated `');
      flushText();
      parts.push({ q: 'subst', script: src.slice(i + 1, end), quoted: false });
      inWord = true;
      i = end + 1;
      continue;
    }
    if (c === '$' && src[i + 1] === '(') {
      inWord = true;
      readDollar(false);
      continue;
    }
    if (c === '#' && !inWord) {
      while (i < src.length && src[i] !== '\n') i++;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      endWord();
      i++;
      continue;
    }
    const op = OPERATORS.find((o) => src.startsWith(o, i));
    if (op && !(inWord && /^\d/.test(op))) {
      if (op === '<' && src[i + 1] === '<') throw new ShellSyntaxError('here-documents (<<) are not supported by the simulated shell');
      endWord();
      tokens.push({ kind: 'op', op });
      i += op.length;
      continue;
    }
    current += c;
    inWord = true;
    i++;
  }
  endWord();
  return tokens;
}

type Redirect = { op: string; target?: Word };
interface Simple {
  type: 'simple';
  words: Word[];
  redirects: Redirect[];
}
type Command =
  | Simple
  | { type: 'if'; branches: { cond: List; body: List }[]; otherwise?: List; redirects: Redirect[] }
  | { type: 'while'; until: boolean; cond: List; body: List; redirects: Redirect[] }
  | { type: 'for'; name: string; items: Word[] | undefined; body: List; redirects: Redirect[] }
  | { type: 'group'; body: List; subshell: boolean; redirects: Redirect[] };
interface Pipeline {
  negate: boolean;
  commands: Command[];
}
interface AndOr {
  first: Pipeline;
  rest: { op: '&&' | '||'; pipeline: Pipeline }[];
  background: boolean;
}
type List = AndOr[];

const REDIRECTS = new Set(['>', '>>', '<', '2>', '2>>', '&>', '2>&1', '>&2', '1>&2']);
const RESERVED = new Set(['then', 'elif', 'else', 'fi', 'do', 'done', '}']);

function literal(word: Token | undefined): string | undefined {
  if (!word || word.kind !== 'word' || word.parts.length !== 1 || word.parts[0]!.q !== 'none') return undefined;
  return word.parts[0]!.text;
}

class Parser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  parseAll(): List {
    const list = this.list(new Set());
    if (this.pos < this.tokens.length) throw new ShellSyntaxError(`syntax error: unexpected "${this.show(this.tokens[this.pos]!)}"`);
    return list;
  }

  private show(t: Token): string {
    return t.kind === 'op' ? (t.op === '\n' ? 'newline' : t.op) : (literal(t) ?? 'word');
  }

  private skipNewlines(): void {
    while (this.peekOp(';') === false && this.tokens[this.pos]?.kind === 'op' && (this.tokens[this.pos] as Op).op === '\n') this.pos++;
  }

  private peekOp(op: string): boolean {
    const t = this.tokens[this.pos];
    return t?.kind === 'op' && t.op === op;
  }

  private peekWord(word: string): boolean {
    return literal(this.tokens[this.pos]) === word;
  }

  private expectWord(word: string): void {
    this.skipNewlines();
    if (!this.peekWord(word)) {
      const t = this.tokens[this.pos];
      throw new ShellSyntaxError(`syntax error: ${t ? `unexpected "${this.show(t)}"` : 'unexpected end of file'} (expecting "${word}")`);
    }
    this.pos++;
  }

  /** A list up to one of the `stops` words (not consumed). */
  private list(stops: Set<string>): List {
    const list: List = [];
    for (;;) {
      this.skipNewlines();
      while (this.peekOp(';') || this.peekOp('\n')) this.pos++;
      const t = this.tokens[this.pos];
      if (!t) break;
      const lit = literal(t);
      if (lit !== undefined && stops.has(lit)) break;
      if (t.kind === 'op' && t.op === ')') break;
      list.push(this.andOr());
      if (this.peekOp('&')) {
        list[list.length - 1]!.background = true;
        this.pos++;
      } else if (this.peekOp(';') || this.peekOp('\n')) this.pos++;
      else if (this.pos < this.tokens.length && !(literal(this.tokens[this.pos]) !== undefined && stops.has(literal(this.tokens[this.pos])!)) && !this.peekOp(')')) {
        throw new ShellSyntaxError(`syntax error: unexpected "${this.show(this.tokens[this.pos]!)}"`);
      }
    }
    return list;
  }

  private andOr(): AndOr {
    const first = this.pipeline();
    const rest: AndOr['rest'] = [];
    while (this.peekOp('&&') || this.peekOp('||')) {
      const op = (this.tokens[this.pos] as Op).op as '&&' | '||';
      this.pos++;
      this.skipNewlines();
      rest.push({ op, pipeline: this.pipeline() });
    }
    return { first, rest, background: false };
  }

  private pipeline(): Pipeline {
    let negate = false;
    if (this.peekWord('!')) {
      negate = true;
      this.pos++;
    }
    const commands = [this.command()];
    while (this.peekOp('|')) {
      this.pos++;
      this.skipNewlines();
      commands.push(this.command());
    }
    return { negate, commands };
  }

  private redirects(): Redirect[] {
    const out: Redirect[] = [];
    for (;;) {
      const t = this.tokens[this.pos];
      if (t?.kind !== 'op' || !REDIRECTS.has(t.op)) return out;
      this.pos++;
      if (t.op === '2>&1' || t.op === '>&2' || t.op === '1>&2') out.push({ op: t.op });
      else {
        const target = this.tokens[this.pos];
        if (target?.kind !== 'word') throw new ShellSyntaxError(`syntax error: missing file name after "${t.op}"`);
        this.pos++;
        out.push({ op: t.op, target });
      }
    }
  }

  private command(): Command {
    const t = this.tokens[this.pos];
    if (!t) throw new ShellSyntaxError('syntax error: unexpected end of file');
    const lit = literal(t);
    if (lit === 'if') {
      this.pos++;
      const branches: { cond: List; body: List }[] = [];
      let otherwise: List | undefined;
      const cond = this.list(new Set(['then']));
      this.expectWord('then');
      branches.push({ cond, body: this.list(new Set(['elif', 'else', 'fi'])) });
      for (;;) {
        if (this.peekWord('elif')) {
          this.pos++;
          const c = this.list(new Set(['then']));
          this.expectWord('then');
          branches.push({ cond: c, body: this.list(new Set(['elif', 'else', 'fi'])) });
        } else if (this.peekWord('else')) {
          this.pos++;
          otherwise = this.list(new Set(['fi']));
        } else break;
      }
      this.expectWord('fi');
      return { type: 'if', branches, otherwise, redirects: this.redirects() };
    }
    if (lit === 'while' || lit === 'until') {
      this.pos++;
      const cond = this.list(new Set(['do']));
      this.expectWord('do');
      const body = this.list(new Set(['done']));
      this.expectWord('done');
      return { type: 'while', until: lit === 'until', cond, body, redirects: this.redirects() };
    }
    if (lit === 'for') {
      this.pos++;
      const name = literal(this.tokens[this.pos]);
      if (!name || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new ShellSyntaxError('syntax error: bad for loop variable');
      this.pos++;
      let items: Word[] | undefined;
      if (this.peekWord('in')) {
        this.pos++;
        items = [];
        while (this.tokens[this.pos]?.kind === 'word' && !this.peekWord('do')) items.push(this.tokens[this.pos++] as Word);
      }
      while (this.peekOp(';') || this.peekOp('\n')) this.pos++;
      this.expectWord('do');
      const body = this.list(new Set(['done']));
      this.expectWord('done');
      return { type: 'for', name, items, body, redirects: this.redirects() };
    }
    if (lit === '{') {
      this.pos++;
      const body = this.list(new Set(['}']));
      this.expectWord('}');
      return { type: 'group', body, subshell: false, redirects: this.redirects() };
    }
    if (t.kind === 'op' && t.op === '(') {
      this.pos++;
      const body = this.list(new Set());
      if (!this.peekOp(')')) throw new ShellSyntaxError("syntax error: missing ')'");
      this.pos++;
      return { type: 'group', body, subshell: true, redirects: this.redirects() };
    }
    if (lit !== undefined && RESERVED.has(lit)) throw new ShellSyntaxError(`syntax error: unexpected "${lit}"`);
    const words: Word[] = [];
    const redirects: Redirect[] = [];
    for (;;) {
      const n = this.tokens[this.pos];
      if (!n) break;
      if (n.kind === 'word') {
        words.push(n);
        this.pos++;
        continue;
      }
      if (REDIRECTS.has(n.op)) {
        redirects.push(...this.redirects());
        continue;
      }
      break;
    }
    if (words.length === 0 && redirects.length === 0) throw new ShellSyntaxError(`syntax error: unexpected "${this.show(t)}"`);
    return { type: 'simple', words, redirects };
  }
}

/** Parses a script; throws {@link ShellSyntaxError}. */
function parseScript(script: string): List {
  return new Parser(tokenize(script)).parseAll();
}

// ---- running ---------------------------------------------------------------------------------

class Exit {
  constructor(readonly code: number) {}
}
class Stop {}

interface Io {
  stdin: string | undefined;
  out: (text: string) => void;
  err: (text: string) => void;
}

type Builtin = (sh: Shell, args: string[], io: Io) => number;

/** The state of one run. */
class Shell {
  t = 0;
  steps = 0;
  status = 0;
  errexit = false;
  xtrace = false;
  vars = new Map<string, string>();
  exported = new Set<string>();
  files: Map<string, string>;
  cwd = '/';
  lines: OutputLine[] = [];
  partial: Record<'stdout' | 'stderr', string> = { stdout: '', stderr: '' };
  ports: number[] = [];
  /** Set once the process wrote, created or removed a file. */
  wrote = false;
  readonly horizon: number;
  readonly maxSteps: number;
  readonly maxLines: number;

  constructor(readonly opts: ShellOptions) {
    this.horizon = opts.horizonMs ?? Infinity;
    this.maxSteps = opts.maxSteps ?? 20_000;
    this.maxLines = opts.maxLines ?? 50_000;
    this.files = new Map(treeFiles(opts.files));
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
    this.runList(parseScript(script), { stdin: undefined, out: (t) => (out += t), err: (t) => this.write('stderr', t) }, true);
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
          for (;;) {
            this.step();
            this.runList(cmd.cond, io2, true);
            if ((this.status === 0) === cmd.until) break;
            this.runList(cmd.body, io2);
            last = this.status;
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
    if (builtin && (!name!.includes('/') || /^\/(usr\/)?s?bin\//.test(name!))) return builtin(this, args, io);
    const program = this.opts.programs?.[name!] ?? this.opts.programs?.[base];
    if (program) {
      if (program.wrapper) {
        // an entrypoint script: its lines, then it execs its arguments
        if (args[0] !== undefined && program.wrapper.wraps.includes(args[0])) this.startup(program);
        return args.length === 0 ? 0 : this.exec(args, io);
      }
      if (program.exitsWithoutArgs && args.length === 0) return 0;
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

// ---- builtins and modelled commands ---------------------------------------------------------

function escapes(text: string): string {
  return text.replace(/\\([nt\\0abcfrv])/g, (_m, c: string) => ({ n: '\n', t: '\t', '\\': '\\', '0': '\0', a: '\x07', b: '\b', c: '', f: '\f', r: '\r', v: '\v' })[c] ?? c);
}

function printf(format: string, args: string[]): string {
  let out = '';
  let k = 0;
  do {
    out += escapes(format).replace(/%(-?\d*)(?:\.(\d+))?([sdifxXc%])/g, (_m, width: string, precision: string | undefined, conv: string) => {
      if (conv === '%') return '%';
      const arg = args[k++] ?? '';
      let s: string;
      if (conv === 's' || conv === 'c') s = conv === 'c' ? arg.slice(0, 1) : arg;
      else if (conv === 'f') s = (Number(arg) || 0).toFixed(precision === undefined ? 6 : Number(precision));
      else if (conv === 'x' || conv === 'X') s = ((Number.parseInt(arg, 10) || 0) >>> 0).toString(16)[conv === 'X' ? 'toUpperCase' : 'toLowerCase']();
      else s = String(Number.parseInt(arg, 10) || 0);
      const w = Number.parseInt(width || '0', 10);
      return w < 0 ? s.padEnd(-w) : s.padStart(w);
    });
  } while (k > 0 && k < args.length);
  return out;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const p2 = (n: number) => String(n).padStart(2, '0');

/** `date`'s output for an absolute time (UTC): default format, or `+FORMAT`. */
export function formatDate(abs: number, format = '%a %b %e %H:%M:%S %Z %Y'): string {
  const d = new Date(abs);
  return format.replace(/%([a-zA-Z%])/g, (m, c: string) => {
    switch (c) {
      case 'a':
        return DAYS[d.getUTCDay()]!;
      case 'b':
        return MONTHS[d.getUTCMonth()]!;
      case 'e':
        return String(d.getUTCDate()).padStart(2, ' ');
      case 'd':
        return p2(d.getUTCDate());
      case 'm':
        return p2(d.getUTCMonth() + 1);
      case 'Y':
        return String(d.getUTCFullYear());
      case 'H':
        return p2(d.getUTCHours());
      case 'M':
        return p2(d.getUTCMinutes());
      case 'S':
        return p2(d.getUTCSeconds());
      case 's':
        return String(Math.floor(abs / 1000));
      case 'Z':
        return 'UTC';
      case 'z':
        return '+0000';
      case 'T':
        return `${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}`;
      case 'F':
        return `${d.getUTCFullYear()}-${p2(d.getUTCMonth() + 1)}-${p2(d.getUTCDate())}`;
      case 'N':
        return String((abs % 1000) * 1_000_000).padStart(9, '0');
      case '%':
        return '%';
      default:
        return m;
    }
  });
}

function parseDuration(arg: string): number | undefined {
  if (arg === 'infinity' || arg === 'inf') return Infinity;
  const m = /^(\d+(?:\.\d*)?|\.\d+)([smhd]?)$/.exec(arg);
  if (!m) return undefined;
  return Math.round(Number(m[1]) * { '': 1000, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2]!]!);
}

function lines(text: string): string[] {
  const out = text.split('\n');
  if (out[out.length - 1] === '') out.pop();
  return out;
}

function readInputs(sh: Shell, cmd: string, files: string[], io: Io): { texts: string[]; code: number } {
  if (files.length === 0) return { texts: [io.stdin ?? ''], code: 0 };
  const texts: string[] = [];
  let code = 0;
  for (const f of files) {
    if (f === '-') {
      texts.push(io.stdin ?? '');
      continue;
    }
    const content = sh.files.get(sh.path(f));
    if (content === undefined) {
      io.err(`${sh.isDir(sh.path(f)) ? `${cmd}: read error: Is a directory` : sh.noFile(cmd, f)}\n`);
      code = 1;
    } else texts.push(content);
  }
  return { texts, code };
}

function testExpr(sh: Shell, a: string[]): boolean {
  if (a[0] === '!') return !testExpr(sh, a.slice(1));
  if (a.length === 0) return false;
  if (a.length === 1) return a[0] !== '';
  if (a.length === 2) {
    const [op, v] = a as [string, string];
    const p = sh.path(v);
    switch (op) {
      case '-z':
        return v === '';
      case '-n':
        return v !== '';
      case '-f':
        return sh.files.has(p);
      case '-d':
        return sh.isDir(p);
      case '-e':
        return sh.files.has(p) || sh.isDir(p);
      case '-s':
        return (sh.files.get(p) ?? '').length > 0;
      case '-r':
      case '-w':
        return sh.files.has(p) || sh.isDir(p);
      case '-x':
        return sh.files.has(p);
      default:
        throw new ShellSyntaxError(`test: ${op}: unary operator expected`);
    }
  }
  const [l, op, r] = a as [string, string, string];
  const n = (x: string) => {
    if (!/^-?\d+$/.test(x.trim())) throw new ShellSyntaxError(`test: ${x}: integer expression expected`);
    return Number(x);
  };
  switch (op) {
    case '=':
    case '==':
      return l === r;
    case '!=':
      return l !== r;
    case '-eq':
      return n(l) === n(r);
    case '-ne':
      return n(l) !== n(r);
    case '-lt':
      return n(l) < n(r);
    case '-le':
      return n(l) <= n(r);
    case '-gt':
      return n(l) > n(r);
    case '-ge':
      return n(l) >= n(r);
    default:
      if (a[0] === '-n' || a[0] === '-z') return testExpr(sh, a.slice(0, 2));
      throw new ShellSyntaxError(`test: ${op}: binary operator expected`);
  }
}

const test: Builtin = (sh, args, io) => {
  try {
    return testExpr(sh, args) ? 0 : 1;
  } catch (e) {
    if (!(e instanceof ShellSyntaxError)) throw e;
    io.err(`${sh.name}: ${e.message}\n`);
    return 2;
  }
};

const BUILTINS: Record<string, Builtin> = {
  echo: (_sh, args, io) => {
    let newline = true;
    let interpret = false;
    while (args[0] && /^-[neE]+$/.test(args[0])) {
      const flag = args.shift()!;
      if (flag.includes('n')) newline = false;
      if (flag.includes('e')) interpret = true;
      if (flag.includes('E')) interpret = false;
    }
    const text = args.join(' ');
    io.out((interpret ? escapes(text) : text) + (newline ? '\n' : ''));
    return 0;
  },
  printf: (sh, args, io) => {
    if (args.length === 0) {
      io.err(`${sh.name}: printf: usage: printf format [arguments]\n`);
      return 2;
    }
    io.out(printf(args[0]!, args.slice(1)));
    return 0;
  },
  sleep: (sh, args, io) => {
    if (args.length === 0) {
      io.err('sleep: missing operand\n');
      return 1;
    }
    let ms = 0;
    for (const a of args) {
      const d = parseDuration(a);
      if (d === undefined) {
        io.err(`sleep: invalid number '${a}'\n`);
        return 1;
      }
      ms += d;
    }
    sh.advance(ms);
    return 0;
  },
  exit: (sh, args) => {
    throw new Exit(args[0] === undefined ? sh.status : (Number.parseInt(args[0], 10) & 255) || 0);
  },
  true: () => 0,
  false: () => 1,
  ':': () => 0,
  test,
  '[': (sh, args, io) => {
    if (args[args.length - 1] !== ']') {
      io.err(`${sh.name}: [: missing ]\n`);
      return 2;
    }
    return test(sh, args.slice(0, -1), io);
  },
  date: (sh, args, io) => {
    const format = args.find((a) => a.startsWith('+'));
    io.out(`${formatDate(sh.opts.startAbsMs + sh.t, format?.slice(1))}\n`);
    return 0;
  },
  hostname: (sh, _args, io) => {
    io.out(`${sh.opts.hostname}\n`);
    return 0;
  },
  env: (sh, args, io) => {
    if (args.length > 0) return sh.exec(args, io);
    for (const [k, v] of sh.vars) if (sh.exported.has(k) || k === 'HOSTNAME' || k === 'PATH' || k === 'HOME') io.out(`${k}=${v}\n`);
    return 0;
  },
  printenv: (sh, args, io) => {
    if (args.length === 0) return BUILTINS.env!(sh, [], io);
    let code = 0;
    for (const a of args) {
      const v = sh.vars.get(a);
      if (v === undefined) code = 1;
      else io.out(`${v}\n`);
    }
    return code;
  },
  export: (sh, args) => {
    for (const a of args) {
      const eq = a.indexOf('=');
      const name = eq < 0 ? a : a.slice(0, eq);
      if (eq >= 0) sh.vars.set(name, a.slice(eq + 1));
      sh.exported.add(name);
    }
    return 0;
  },
  unset: (sh, args) => {
    for (const a of args) {
      sh.vars.delete(a);
      sh.exported.delete(a);
    }
    return 0;
  },
  set: (sh, args) => {
    for (const a of args) {
      if (!/^[-+][a-z]+$/.test(a)) continue;
      const on = a[0] === '-';
      if (a.includes('e')) sh.errexit = on;
      if (a.includes('x')) sh.xtrace = on;
    }
    return 0;
  },
  cat: (sh, args, io) => {
    const { texts, code } = readInputs(sh, 'cat', args.filter((a) => !/^-[a-zA-Z]+$/.test(a)), io);
    for (const t of texts) io.out(t);
    return code;
  },
  ls: (sh, args, io) => {
    const flags = args.filter((a) => a.startsWith('-')).join('');
    const all = flags.includes('a');
    const paths = args.filter((a) => !a.startsWith('-'));
    let code = 0;
    const targets = paths.length > 0 ? paths : ['.'];
    targets.forEach((t, i) => {
      const p = sh.path(t);
      if (sh.files.has(p)) {
        io.out(`${t}\n`);
        return;
      }
      if (!sh.isDir(p)) {
        io.err(`${sh.noFile('ls', t)}\n`);
        code = sh.opts.flavor === 'gnu' ? 2 : 1;
        return;
      }
      const prefix = p === '/' ? '/' : `${p}/`;
      const names = new Set<string>();
      for (const k of sh.files.keys()) if (k.startsWith(prefix)) names.add(k.slice(prefix.length).split('/')[0]!);
      const list = [...names].filter((n) => all || !n.startsWith('.')).sort();
      if (all) list.unshift('.', '..');
      if (targets.length > 1) io.out(`${i > 0 ? '\n' : ''}${t}:\n`);
      for (const n of list) io.out(`${n}\n`);
    });
    return code;
  },
  pwd: (sh, _args, io) => {
    io.out(`${sh.cwd}\n`);
    return 0;
  },
  cd: (sh, args, io) => {
    const p = sh.path(args[0] ?? sh.vars.get('HOME') ?? '/');
    if (!sh.isDir(p)) {
      io.err(`${sh.name}: cd: can't cd to ${args[0]}: No such file or directory\n`);
      return 2;
    }
    sh.cwd = p;
    sh.vars.set('PWD', p);
    return 0;
  },
  seq: (_sh, args, io) => {
    const n = args.map(Number);
    const [first, last] = n.length === 1 ? [1, n[0]!] : [n[0]!, n[1]!];
    for (let i = first; i <= last && i - first < 100_000; i++) io.out(`${i}\n`);
    return 0;
  },
  wc: (sh, args, io) => {
    const flags = args.filter((a) => a.startsWith('-')).join('');
    const { texts, code } = readInputs(sh, 'wc', args.filter((a) => !a.startsWith('-')), io);
    const text = texts.join('');
    const counts: number[] = [];
    if (!flags || flags.includes('l')) counts.push((text.match(/\n/g) ?? []).length);
    if (!flags || flags.includes('w')) counts.push(text.split(/\s+/).filter(Boolean).length);
    if (!flags || flags.includes('c')) counts.push(text.length);
    io.out(`${counts.join(' ')}\n`);
    return code;
  },
  grep: (sh, args, io) => {
    const flags = args.filter((a) => /^-[a-zA-Z]+$/.test(a)).join('');
    const rest = args.filter((a) => !/^-[a-zA-Z]+$/.test(a));
    const pattern = rest.shift();
    if (pattern === undefined) {
      io.err('Usage: grep [OPTION]... PATTERNS [FILE]...\n');
      return 2;
    }
    const re = new RegExp(pattern.replace(/[.+^${}()|[\]\\?]/g, (c) => (c === '.' ? '.' : `\\${c}`)).replace(/\\\*/g, '*'), flags.includes('i') ? 'i' : '');
    const { texts, code } = readInputs(sh, 'grep', rest, io);
    let found = 0;
    for (const line of lines(texts.join(''))) {
      if (re.test(line) === !flags.includes('v')) {
        found++;
        if (!flags.includes('q') && !flags.includes('c')) io.out(`${line}\n`);
      }
    }
    if (flags.includes('c')) io.out(`${found}\n`);
    return code !== 0 ? 2 : found > 0 ? 0 : 1;
  },
  head: (sh, args, io) => headTail(sh, args, io, true),
  tail: (sh, args, io) => headTail(sh, args, io, false),
  touch: (sh, args) => {
    sh.wrote = true;
    for (const a of args) if (!a.startsWith('-') && !sh.files.has(sh.path(a))) sh.files.set(sh.path(a), '');
    return 0;
  },
  mkdir: (sh, args) => {
    sh.wrote = true;
    for (const a of args) if (!a.startsWith('-')) sh.files.set(`${sh.path(a)}/.keep`, '');
    return 0;
  },
  rm: (sh, args, io) => {
    sh.wrote = true;
    const force = args.some((a) => /^-[a-z]*f/.test(a));
    let code = 0;
    for (const a of args) {
      if (a.startsWith('-')) continue;
      const p = sh.path(a);
      if (sh.files.delete(p)) continue;
      if (sh.isDir(p)) {
        for (const k of [...sh.files.keys()]) if (k.startsWith(`${p}/`)) sh.files.delete(k);
      } else if (!force) {
        io.err(`rm: can't remove '${a}': No such file or directory\n`);
        code = 1;
      }
    }
    return code;
  },
  tee: (sh, args, io) => {
    sh.wrote = true;
    const append = args.includes('-a');
    const text = io.stdin ?? '';
    for (const a of args) if (!a.startsWith('-')) sh.files.set(sh.path(a), (append ? (sh.files.get(sh.path(a)) ?? '') : '') + text);
    io.out(text);
    return 0;
  },
  whoami: (_sh, _args, io) => {
    io.out('root\n');
    return 0;
  },
  id: (_sh, _args, io) => {
    io.out('uid=0(root) gid=0(root) groups=0(root)\n');
    return 0;
  },
  uname: (sh, args, io) => {
    io.out(args.includes('-a') ? `Linux ${sh.opts.hostname} 6.1.0-kube-actors #1 SMP x86_64 GNU/Linux\n` : args.includes('-r') ? '6.1.0-kube-actors\n' : args.includes('-m') ? 'x86_64\n' : 'Linux\n');
    return 0;
  },
  basename: (_sh, args, io) => {
    const p = (args[0] ?? '').replace(/\/+$/, '');
    io.out(`${p.slice(p.lastIndexOf('/') + 1)}\n`);
    return 0;
  },
  dirname: (_sh, args, io) => {
    const p = (args[0] ?? '').replace(/\/+$/, '');
    const i = p.lastIndexOf('/');
    io.out(`${i < 0 ? '.' : i === 0 ? '/' : p.slice(0, i)}\n`);
    return 0;
  },
  exec: (sh, args, io) => {
    if (args.length === 0) return 0;
    throw new Exit(sh.exec(args, io));
  },
  sh: (sh, args, io) => subShell(sh, args, io, 'sh'),
  bash: (sh, args, io) => subShell(sh, args, io, 'bash'),
  ash: (sh, args, io) => subShell(sh, args, io, 'sh'),
};

function subShell(sh: Shell, args: string[], io: Io, _name: string): number {
  const c = args.indexOf('-c');
  if (c < 0) {
    // `sh` with no script reads its standard input: at its end it exits
    const script = io.stdin ?? '';
    return runNested(sh, script, io, []);
  }
  return runNested(sh, args[c + 1] ?? '', io, args.slice(c + 2));
}

function runNested(sh: Shell, script: string, io: Io, params: string[]): number {
  const saved = { vars: sh.vars, exported: new Set(sh.exported), errexit: sh.errexit, xtrace: sh.xtrace, cwd: sh.cwd };
  sh.vars = new Map([...sh.vars].filter(([k]) => sh.exported.has(k) || k === 'HOSTNAME' || k === 'PATH' || k === 'HOME'));
  params.forEach((a, i) => sh.vars.set(String(i + 1), a));
  try {
    return sh.runList(parseScript(script), io);
  } catch (e) {
    if (e instanceof Exit) return e.code;
    if (e instanceof ShellSyntaxError) {
      io.err(`${sh.name}: ${e.message}\n`);
      return 2;
    }
    throw e;
  } finally {
    Object.assign(sh, saved);
  }
}

function headTail(sh: Shell, args: string[], io: Io, head: boolean): number {
  let n = 10;
  const files: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-n') n = Number(args[++i]);
    else if (/^-\d+$/.test(a)) n = Number(a.slice(1));
    else if (/^-n\d+$/.test(a)) n = Number(a.slice(2));
    else if (!a.startsWith('-')) files.push(a);
  }
  const { texts, code } = readInputs(sh, head ? 'head' : 'tail', files, io);
  const all = lines(texts.join(''));
  for (const line of head ? all.slice(0, n) : all.slice(Math.max(0, all.length - n))) io.out(`${line}\n`);
  return code;
}

// ---- entry points -----------------------------------------------------------------------------

/** True when `name` (a path or a bare word) is a command the interpreter runs itself. */
export function isModelledCommand(name: string): boolean {
  const base = name.slice(name.lastIndexOf('/') + 1);
  return base in BUILTINS;
}

function finish(sh: Shell, exit: { atMs: number; code: number } | undefined): ShellResult {
  sh.flush();
  const result: ShellResult = { lines: sh.lines.length > sh.maxLines ? sh.lines.slice(-sh.maxLines) : sh.lines, ports: sh.ports, atMs: sh.t };
  if (sh.wrote) result.files = Object.fromEntries(sh.files);
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
