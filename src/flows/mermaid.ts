/**
 * Mermaid sequence diagrams from recorded traces: the documented flows in docs/flows/ are
 * generated from real runs, so a diagram cannot drift from what the machines do.
 */
import type { TraceEntry } from '../kernel/trace.js';

/** The order participants appear in, as in the architecture document's picture. */
const ORDER = ['kubectl', 'api-server', 'etcd', 'scheduler', 'controller-manager', 'kubelet', 'container-runtime', 'pod', 'kube-proxy', 'node', 'faults'];

function rank(name: string): number {
  const base = name.split('/')[0]!;
  const i = ORDER.indexOf(base);
  return i < 0 ? ORDER.length : i;
}

function id(name: string): string {
  return name.replace(/[^A-Za-z0-9]/g, '_');
}

function escape(text: string): string {
  return text.replace(/[;#]/g, ' ').replace(/\s+/g, ' ').trim();
}

/** A Mermaid `sequenceDiagram` of trace entries. */
export function sequenceDiagram(entries: readonly TraceEntry[], options: { title?: string; autonumber?: boolean } = {}): string {
  const participants = [...new Set(entries.flatMap((e) => [e.from, e.to]))].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  const lines = ['sequenceDiagram'];
  if (options.title) lines.push(`  title ${escape(options.title)}`);
  if (options.autonumber !== false) lines.push('  autonumber');
  for (const p of participants) lines.push(`  participant ${id(p)} as ${p}`);
  for (const e of entries) {
    const arrow = e.status === 'dropped' ? '-x' : e.type === 'api.response' || e.type === 'etcd.result' ? '-->>' : '->>';
    const label = escape(`${e.type} ${e.summary}`);
    lines.push(`  ${id(e.from)}${arrow}${id(e.to)}: ${label}`);
  }
  return lines.join('\n') + '\n';
}
