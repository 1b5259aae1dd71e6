/**
 * The shell's syntax: the tokenizer (words with their quoting, `$(...)` and `$((...))` parts,
 * operators and redirections) and the parser of POSIX `sh` lists, pipelines, `if`, `while`,
 * `until`, `for`, `case` and `{ }` groups into the tree the interpreter (shell.ts) runs.
 */

// ---- tokens and syntax -----------------------------------------------------------------------

type Part = { q: 'none' | 'single' | 'double'; text: string } | { q: 'subst'; script: string; quoted: boolean } | { q: 'arith'; expr: string };
export interface Word {
  kind: 'word';
  parts: Part[];
}
interface Op {
  kind: 'op';
  op: string;
}
type Token = Word | Op;

/** A syntax error in a script (reported as the shell does: exit 2). */
export class ShellSyntaxError extends Error {}

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

export type Redirect = { op: string; target?: Word };
export interface Simple {
  type: 'simple';
  words: Word[];
  redirects: Redirect[];
}
export type Command =
  | Simple
  | { type: 'if'; branches: { cond: List; body: List }[]; otherwise?: List; redirects: Redirect[] }
  | { type: 'while'; until: boolean; cond: List; body: List; redirects: Redirect[] }
  | { type: 'for'; name: string; items: Word[] | undefined; body: List; redirects: Redirect[] }
  | { type: 'group'; body: List; subshell: boolean; redirects: Redirect[] };
export interface Pipeline {
  negate: boolean;
  commands: Command[];
}
export interface AndOr {
  first: Pipeline;
  rest: { op: '&&' | '||'; pipeline: Pipeline }[];
  background: boolean;
}
export type List = AndOr[];

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
export function parseScript(script: string): List {
  return new Parser(tokenize(script)).parseAll();
}
