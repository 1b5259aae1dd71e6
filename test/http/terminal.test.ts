import { describe, expect, it } from 'vitest';
import { Terminal, isInteractiveShell } from '../../src/http/terminal.js';

/** A terminal over a fake shell whose lines finish when the test says. */
function harness() {
  const out: string[] = [];
  const runs: { line: string; done: (code: number) => void }[] = [];
  let exit: number | undefined;
  const t = new Terminal({
    echo: (text) => out.push(text),
    run: (line, done) => runs.push({ line, done }),
    exit: (code) => (exit = code),
  });
  return { t, out, runs, exit: () => exit };
}

describe('Terminal', () => {
  it('echoes keystrokes, edits the line, runs it and prompts again when it finished', () => {
    const h = harness();
    h.t.start();
    h.t.feed('echo hx\x7fi\r');
    expect(h.out.join('')).toBe('# echo hx\b \bi\r\n');
    expect(h.runs.map((r) => r.line)).toEqual(['echo hi']);
    // typed while the line runs: kept until it finished
    h.t.feed('false\r');
    expect(h.runs).toHaveLength(1);
    h.runs[0]!.done(0);
    expect(h.runs.map((r) => r.line)).toEqual(['echo hi', 'false']);
    h.runs[1]!.done(1);
    expect(h.out.join('')).toBe('# echo hx\b \bi\r\n# false\r\n# ');
    // Ctrl-C drops the line; arrows are ignored; Ctrl-D on an empty line exits with the last status
    h.t.feed('abc\x03\x1b[A\x04');
    expect(h.out.join('').endsWith('abc^C\r\n# ')).toBe(true);
    expect(h.exit()).toBe(1);
  });

  it('exit N ends with N; an empty line prompts again; stdin closing ends after the running line', () => {
    const a = harness();
    a.t.start();
    a.t.feed('\rexit 3\r');
    expect(a.out.join('')).toBe('# \r\n# exit 3\r\n');
    expect(a.exit()).toBe(3);
    const b = harness();
    b.t.start();
    b.t.feed('sleep 1\r');
    b.t.end();
    expect(b.exit()).toBeUndefined();
    b.runs[0]!.done(7);
    expect(b.exit()).toBe(7);
  });

  it('knows an interactive shell', () => {
    expect(isInteractiveShell(['sh'])).toBe(true);
    expect(isInteractiveShell(['/bin/bash', '-i'])).toBe(true);
    expect(isInteractiveShell(['sh', '-c', 'echo'])).toBe(false);
    expect(isInteractiveShell(['cat'])).toBe(false);
  });
});
