/**
 * The `kube-actors` command line: one entry point, one module per command under
 * `src/cli/commands/`, each with its own `--help`. Exit codes: 0 success, 1 a failure the
 * command found (a property violated, a flow that did not complete), 2 bad usage.
 */
import { pathToFileURL } from 'node:url';

/** A command of the CLI. */
export interface Command {
  name: string;
  summary: string;
  /** Full help text (usage, options, examples). */
  help: string;
  /** Runs the command; resolves to the exit code. */
  run(argv: string[]): Promise<number>;
}

/** The commands, in the order `--help` lists them. */
export const COMMANDS: readonly { name: string; summary: string }[] = [
  { name: 'inspect', summary: 'run a cluster and serve the visual statechart inspector (default port 4000)' },
  { name: 'flow', summary: 'run a documented flow (create-pod, get-pods, delete-pod) and print its trace' },
  { name: 'simulate', summary: 'apply manifests, run for a while with faults, print the cluster as kubectl get would' },
  { name: 'verify', summary: 'property-based verification: random workloads and faults against the invariants' },
  { name: 'serve', summary: 'serve the Kubernetes HTTP API for real kubectl and client libraries' },
  { name: 'bench', summary: 'benchmarks: kernel, cluster scale, verification speed' },
];

/** Each command's module, loaded when it runs (named one by one so bundlers and test runners see them). */
const LOADERS = {
  inspect: () => import('./commands/inspect.js'),
  flow: () => import('./commands/flow.js'),
  simulate: () => import('./commands/simulate.js'),
  verify: () => import('./commands/verify.js'),
  serve: () => import('./commands/serve.js'),
  bench: () => import('./commands/bench.js'),
} satisfies Record<string, () => Promise<{ command: Command }>>;

/** Thrown by commands for bad usage: a flag or a value (exit code 2, the message and a pointer to `--help` printed). */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Thrown by commands for bad input: a file that is not there, a manifest refused before it is sent (exit code 1, the message printed). */
export class InputError extends Error {
  override name = 'InputError';
}

function topHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'kube-actors: a Kubernetes cluster as XState actors on a deterministic simulation kernel',
    '',
    'Usage: kube-actors <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `kube-actors <command> --help` for the options of a command.',
  ].join('\n');
}

/** Runs the CLI with the given arguments; resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(topHelp());
    return name ? 0 : 2;
  }
  if (name === '--version' || name === 'version') {
    console.log('kube-actors 0.1.0');
    return 0;
  }
  if (!COMMANDS.some((c) => c.name === name)) {
    const { closest } = await import('./args.js');
    const suggestion = closest(name, COMMANDS.map((c) => c.name));
    console.error(`kube-actors: unknown command "${name}"${suggestion ? `\nDid you mean ${suggestion}?` : ''}\n\n${topHelp()}`);
    return 2;
  }
  const mod = await LOADERS[name as keyof typeof LOADERS]();
  const command = mod.command;
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(command.help);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || (error as { code?: string }).code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      console.error(`kube-actors ${name}: ${(error as Error).message}\nRun \`kube-actors ${name} --help\` for usage.`);
      return 2;
    }
    if (error instanceof InputError) {
      console.error(`kube-actors ${name}: ${error.message}`);
      return 1;
    }
    console.error(`kube-actors ${name}: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
    return 1;
  }
}

/**
 * A closed pipe (`kube-actors flow create-pod --json | head -1`) ends the process quietly, as
 * kubectl does, instead of an unhandled `write EPIPE` error.
 */
export function endQuietlyOnClosedPipes(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(0);
      throw error;
    });
  }
}

/** The executable's entry point (bin/kube-actors.js): runs {@link main} and sets the exit code. */
export async function runCli(argv: string[]): Promise<void> {
  endQuietlyOnClosedPipes();
  try {
    process.exitCode = await main(argv);
  } catch (error) {
    console.error(error);
    process.exitCode = 1;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) void runCli(process.argv.slice(2));
