/**
 * The terminal side of `kubectl exec -it POD -- sh`: with a TTY, kubectl sends keystrokes raw
 * and the container's terminal echoes them, edits the line (backspace, Ctrl-C, Ctrl-D) and hands
 * each line to the shell. The interpreter runs a script at a time, not a session, so each line
 * runs as its own `sh -c LINE` in the container (variables and `cd` do not carry over to the
 * next line); `exit [N]` and Ctrl-D on an empty line end the session with the shell's status.
 */

/** What a terminal drives. */
export interface TerminalIo {
  /** Writes to the terminal as is (echo, prompt). */
  echo(text: string): void;
  /** Runs one line; calls `done` with its exit code once it has finished (on virtual time). */
  run(line: string, done: (code: number) => void): void;
  /** Ends the session with an exit code. */
  exit(code: number): void;
}

/** True for a command that starts an interactive shell (`sh`, `/bin/bash -i`, `ash -l`). */
export function isInteractiveShell(command: readonly string[]): boolean {
  const first = command[0] ?? '';
  const base = first.slice(first.lastIndexOf('/') + 1);
  return ['sh', 'bash', 'ash', 'dash'].includes(base) && command.slice(1).every((a) => a === '-i' || a === '-l' || a === '--login');
}

/** A line discipline and prompt loop over an interpreter that runs one line at a time. */
export class Terminal {
  private line = '';
  private busy = false;
  private ended = false;
  private last = 0;
  private escape = 0;
  private readonly queue: string[] = [];

  constructor(
    private readonly io: TerminalIo,
    private readonly prompt = '# ',
  ) {}

  start(): void {
    this.io.echo(this.prompt);
  }

  /** Keystrokes from the client. */
  feed(text: string): void {
    for (const ch of text) {
      if (this.ended) return;
      if (this.busy) this.queue.push(ch);
      else this.key(ch);
    }
  }

  /** stdin closed: the shell reads end of file. */
  end(): void {
    if (this.ended) return;
    if (this.busy) this.queue.push('\x04');
    else this.finish(this.last);
  }

  private finish(code: number): void {
    this.ended = true;
    this.io.exit(code);
  }

  private key(ch: string): void {
    // an escape sequence (arrow keys): ESC [ ... letter, not edited
    if (this.escape > 0) {
      if (this.escape === 1 && ch === '[') this.escape = 2;
      else if (this.escape === 1 || /[A-Za-z~]/.test(ch)) this.escape = 0;
      return;
    }
    switch (ch) {
      case '\x1b':
        this.escape = 1;
        return;
      case '\r':
      case '\n':
        this.io.echo('\r\n');
        return this.submit();
      case '\x7f':
      case '\b':
        if (this.line) {
          this.line = this.line.slice(0, -1);
          this.io.echo('\b \b');
        }
        return;
      case '\x03':
        this.line = '';
        this.io.echo(`^C\r\n${this.prompt}`);
        return;
      case '\x04':
        if (this.line === '') this.finish(this.last);
        return;
      default:
        if (ch >= ' ' || ch === '\t') {
          this.line += ch;
          this.io.echo(ch);
        }
    }
  }

  private submit(): void {
    const text = this.line;
    this.line = '';
    const exit = /^\s*exit(?:\s+(\d+))?\s*$/.exec(text);
    if (exit) return this.finish(exit[1] !== undefined ? Number(exit[1]) & 255 : this.last);
    if (text.trim() === '') {
      this.io.echo(this.prompt);
      return;
    }
    this.busy = true;
    this.io.run(text, (code) => {
      this.last = code;
      this.busy = false;
      if (this.ended) return;
      this.io.echo(this.prompt);
      const queued = this.queue.splice(0);
      for (let i = 0; i < queued.length; i++) {
        if (this.busy) {
          this.queue.push(...queued.slice(i));
          break;
        }
        if (queued[i] === '\x04' && this.line === '') return this.finish(this.last);
        this.key(queued[i]!);
        if (this.ended) return;
      }
    });
  }
}
