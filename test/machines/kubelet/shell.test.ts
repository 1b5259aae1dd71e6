import { describe, expect, it } from 'vitest';
import { runProcess, type ShellOptions } from '../../../machines/kubelet/shell.js';
import { formatDate } from '../../../machines/kubelet/shell-builtins.js';
import { DEFAULT_CATALOG } from '../../../src/profiles/images.js';

const START = Date.UTC(2026, 0, 1, 12, 0, 0);
const opts = (extra: Partial<ShellOptions> = {}): ShellOptions => ({ env: [['GREETING', 'hello']], files: { '/etc/config/app.yaml': 'debug: true\n', '/etc/config/mode': 'prod' }, hostname: 'web-1', startAbsMs: START, ...extra });
const sh = (script: string, extra: Partial<ShellOptions> = {}) => runProcess(['sh', '-c', script], opts(extra));
const out = (script: string, extra: Partial<ShellOptions> = {}) => sh(script, extra).lines.map((l) => l.text);

describe('shell: the commands manifests use', () => {
  it('echo and exit codes: echo hi exits 0 at once; exit N, true, false', () => {
    expect(runProcess(['echo', 'hi'], opts())).toEqual({ lines: [{ atMs: 0, stream: 'stdout', text: 'hi' }], exit: { atMs: 0, code: 0 }, ports: [], atMs: 0 });
    expect(sh('exit 3').exit).toEqual({ atMs: 0, code: 3 });
    expect(sh('true').exit?.code).toBe(0);
    expect(sh('false').exit?.code).toBe(1);
    expect(runProcess(['false'], opts()).exit?.code).toBe(1);
  });

  it('sleep advances the process clock; lines carry their time', () => {
    const r = sh('echo start; sleep 5; echo done; sleep 1.5; exit 2');
    expect(r.lines.map((l) => [l.atMs, l.text])).toEqual([
      [0, 'start'],
      [5000, 'done'],
    ]);
    expect(r.exit).toEqual({ atMs: 6500, code: 2 });
    expect(sh('sleep 2m').exit?.atMs).toBe(120_000);
  });

  it('&&, || and ; follow exit statuses; ! negates', () => {
    expect(out('false && echo no; true && echo yes; false || echo fallback; ! false && echo negated')).toEqual(['yes', 'fallback', 'negated']);
    expect(sh('false; true').exit?.code).toBe(0);
    expect(sh('true && false').exit?.code).toBe(1);
  });

  it('variables: env, assignment, ${VAR:-default}, $?, $(...), $((...)), HOSTNAME', () => {
    expect(out('echo "$GREETING, $HOSTNAME"; X=1; echo ${X}${MISSING:-dflt}; false; echo $?; echo "now $(hostname)"; echo $((2 + 3 * 4))')).toEqual([
      'hello, web-1',
      '1dflt',
      '1',
      'now web-1',
      '14',
    ]);
    expect(out("echo '$GREETING'")).toEqual(['$GREETING']);
  });

  it('printf, date, hostname, env, printenv', () => {
    expect(out('printf "%s=%d\\n" a 1 b 2')).toEqual(['a=1', 'b=2']);
    expect(out('date')).toEqual(['Thu Jan  1 12:00:00 UTC 2026']);
    expect(out('sleep 61; date +%H:%M:%S')).toEqual(['12:01:01']);
    expect(out('hostname')).toEqual(['web-1']);
    expect(out('env')).toContain('GREETING=hello');
    expect(out('printenv GREETING')).toEqual(['hello']);
    expect(sh('printenv NOPE').exit?.code).toBe(1);
  });

  it('cat and ls see the container files; a missing file is an error', () => {
    expect(out('cat /etc/config/app.yaml')).toEqual(['debug: true']);
    expect(out('ls /etc/config')).toEqual(['app.yaml', 'mode']);
    const missing = sh('cat /nope');
    expect(missing.lines).toEqual([{ atMs: 0, stream: 'stderr', text: "cat: can't open '/nope': No such file or directory" }]);
    expect(missing.exit?.code).toBe(1);
    expect(sh('cat /nope', { flavor: 'gnu' }).lines[0]!.text).toBe('cat: /nope: No such file or directory');
  });

  it('an unknown word is "not found" with exit 127', () => {
    const r = sh('echo before; foo --bar; echo after $?');
    expect(r.lines.map((l) => [l.stream, l.text])).toEqual([
      ['stdout', 'before'],
      ['stderr', 'sh: foo: not found'],
      ['stdout', 'after 127'],
    ]);
    expect(sh('foo').exit?.code).toBe(127);
  });

  it('loops, conditionals, redirections and pipes', () => {
    expect(out('for i in 1 2 3; do echo n$i; done')).toEqual(['n1', 'n2', 'n3']);
    expect(out('i=0; while [ $i -lt 3 ]; do i=$((i+1)); echo $i; done')).toEqual(['1', '2', '3']);
    expect(out('if [ -f /etc/config/mode ]; then echo yes; else echo no; fi')).toEqual(['yes']);
    expect(out('echo data > /tmp/x; cat /tmp/x; echo more >> /tmp/x; wc -l < /tmp/x')).toEqual(['data', '2']);
    expect(out('echo err >&2').length).toBe(1);
    expect(sh('echo err >&2').lines[0]!.stream).toBe('stderr');
    expect(sh('cat /nope 2>&1').lines[0]!.stream).toBe('stdout');
    expect(out('ls /nope 2>/dev/null; echo ok')).toEqual(['ok']);
    expect(out('printf "a\\nb\\nc\\n" | grep b')).toEqual(['b']);
    expect(out('cat /etc/config/app.yaml | wc -l')).toEqual(['1']);
  });

  it('an endless loop runs until the horizon: lines up to then, no exit', () => {
    const r = sh('while true; do echo tick; sleep 10; done', { horizonMs: 35_000 });
    expect(r.exit).toBeUndefined();
    expect(r.lines.map((l) => l.atMs)).toEqual([0, 10_000, 20_000, 30_000]);
    expect(sh('sleep infinity').exit).toBeUndefined();
    // with no horizon, the step budget ends the replay: still running
    expect(sh('while true; do sleep 1; done').exit).toBeUndefined();
  });

  it('set -e stops at the first failure; syntax errors exit 2', () => {
    expect(sh('set -e; echo a; false; echo b').lines.map((l) => l.text)).toEqual(['a']);
    expect(sh('set -e; echo a; false; echo b').exit?.code).toBe(1);
    const bad = sh('if true; then echo x');
    expect(bad.exit?.code).toBe(2);
    expect(bad.lines.at(-1)!.text).toMatch(/^sh: syntax error/);
  });

  it('an image program: nginx runs until stopped, listens on 80, writes its start-up lines', () => {
    const nginx = DEFAULT_CATALOG.find((e) => e.repository.endsWith('/nginx'))!;
    const r = runProcess(['/docker-entrypoint.sh', 'nginx', '-g', 'daemon off;'], opts({ programs: nginx.programs }));
    expect(r.exit).toBeUndefined();
    expect(r.ports).toEqual([80]);
    expect(r.lines[0]!.text).toBe('/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration');
    expect(r.lines.find((l) => l.stream === 'stderr')!.text).toBe('2026/01/01 12:00:00 [notice] 1#1: using the "epoll" event method');
    // the entrypoint runs other arguments: `args: [sleep, 5]` on nginx sleeps and exits
    expect(runProcess(['/docker-entrypoint.sh', 'sleep', '5'], opts({ programs: nginx.programs })).exit).toEqual({ atMs: 5000, code: 0 });
  });

  it('formats dates as date(1) does', () => {
    expect(formatDate(Date.UTC(2026, 11, 6, 21, 2, 25))).toBe('Sun Dec  6 21:02:25 UTC 2026');
    expect(formatDate(Date.UTC(2026, 11, 6, 21, 2, 25), '%F %T %s')).toBe('2026-12-06 21:02:25 1796590945');
  });
});
