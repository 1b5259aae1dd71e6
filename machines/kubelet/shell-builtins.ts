/**
 * The shell's builtins and the commands it models (`echo`, `printf`, `sleep`, `date`, `cat`,
 * `ls`, `test`, `head`/`tail`, ...), with the busybox or GNU message style of the image.
 */
import { parseScript, ShellSyntaxError } from './shell-syntax.js';
import { curl, nslookup, wget } from './net-tools.js';
import type { Shell } from './shell.js';

/** Thrown by `exit` (and a fatal error) to unwind the run with its status. */
export class Exit {
  constructor(readonly code: number) {}
}
/** Thrown when the run reaches its horizon or its step budget: the process is still running. */
export class Stop {}

/** A command's standard streams. */
export interface Io {
  stdin: string | undefined;
  out: (text: string) => void;
  err: (text: string) => void;
}

/** Modelled commands only busybox images have (Debian-based ones do not install procps). */
export const BUSYBOX_ONLY: ReadonlySet<string> = new Set(['ps', 'wget', 'nslookup']);

/** Modelled commands an image has only when its catalog entry lists them in `commands` (curl). */
export const IMAGE_COMMANDS: ReadonlySet<string> = new Set(['curl']);

/**
 * busybox's applets (a default build's, the ones scripts and tutorials reach for): in a busybox
 * image each is a command, so one the interpreter does not model is reported as such rather than
 * `not found` (or, as argv[0], taken for a server that runs for ever).
 */
export const BUSYBOX_APPLETS: ReadonlySet<string> = new Set(
  (
    'arp arping awk base64 bc chmod chown chroot cksum clear cmp cp crond crontab cut dd df diff dmesg dnsdomainname du egrep expr fgrep find ' +
    'flock fold free fuser getopt gunzip gzip hd hexdump host hostid httpd ifconfig install ionice iostat ip ipcalc kill killall less ln logger ' +
    'lsof md5sum mkfifo mknod mktemp more mount mv nc netstat nice nohup nproc nsenter od passwd paste patch pgrep ping ping6 pkill pmap ' +
    'printf ps pstree readlink realpath renice reset rev route run-parts sed setsid sha1sum sha256sum sha512sum shuf sort split ' +
    'ssl_client stat strings stty su sync sysctl tac tar tcpdump telnet time timeout top tr traceroute traceroute6 tree truncate tty ' +
    'udhcpc umount uniq unzip uptime usleep uudecode uuencode vi watch which whois xargs xxd yes zcat'
  ).split(' '),
);

/** A builtin or modelled command: its exit status. */
type Builtin = (sh: Shell, args: string[], io: Io) => number;

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

export const BUILTINS: Record<string, Builtin> = {
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
  touch: (sh, args, io) => {
    sh.wrote = true;
    let code = 0;
    for (const a of args) {
      if (a.startsWith('-')) continue;
      if (sh.readOnlyAt(sh.path(a))) {
        io.err(`${sh.opts.flavor === 'gnu' ? `touch: cannot touch '${a}'` : `touch: ${a}`}: Read-only file system\n`);
        code = 1;
      } else if (!sh.files.has(sh.path(a))) sh.files.set(sh.path(a), '');
    }
    return code;
  },
  mkdir: (sh, args, io) => {
    sh.wrote = true;
    let code = 0;
    for (const a of args) {
      if (a.startsWith('-')) continue;
      if (sh.readOnlyAt(sh.path(a))) {
        io.err(`mkdir: ${sh.opts.flavor === 'gnu' ? 'cannot' : "can't"} create directory '${a}': Read-only file system\n`);
        code = 1;
      } else sh.files.set(`${sh.path(a)}/.keep`, '');
    }
    return code;
  },
  rm: (sh, args, io) => {
    sh.wrote = true;
    const force = args.some((a) => /^-[a-z]*f/.test(a));
    let code = 0;
    for (const a of args) {
      if (a.startsWith('-')) continue;
      const p = sh.path(a);
      if (sh.readOnlyAt(p) && (sh.files.has(p) || sh.isDir(p))) {
        io.err(`rm: ${sh.opts.flavor === 'gnu' ? 'cannot' : "can't"} remove '${a}': Read-only file system\n`);
        code = 1;
        continue;
      }
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
    let code = 0;
    for (const a of args) {
      if (a.startsWith('-')) continue;
      if (sh.readOnlyAt(sh.path(a))) {
        io.err(`tee: ${a}: Read-only file system\n`);
        code = 1;
      } else sh.files.set(sh.path(a), (append ? (sh.files.get(sh.path(a)) ?? '') : '') + text);
    }
    io.out(text);
    return code;
  },
  /**
   * busybox's `ps` (its default `-o pid,user,time,args`): the processes of the container's PID
   * namespace, then itself. TIME (CPU time) is not modelled and shows 0:00; options are ignored.
   */
  ps: (sh, args, io) => {
    const processes = sh.opts.processes ?? [];
    const self = { pid: processes.reduce((max, p) => Math.max(max, p.pid), 0) + 1, user: 'root', command: ['ps', ...args].join(' ') };
    io.out('PID   USER     TIME  COMMAND\n');
    for (const p of [...processes, self]) io.out(`${String(p.pid).padStart(5)} ${p.user.slice(0, 8).padEnd(8)}  0:00 ${p.command}\n`);
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
  nslookup,
  wget,
  curl,
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
