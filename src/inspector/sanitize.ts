/**
 * Turns an event payload into plain JSON for the page: functions (`onResponse` callbacks) are
 * left out, internal objects (a Port, the kernel, an actor reference) become a short marker,
 * Maps and Sets become objects and arrays, cycles and very deep or very long parts are cut.
 */

/** Limits of {@link toPlainJSON}. */
export interface PlainJSONOptions {
  /** Deepest nesting kept. Default 24. */
  maxDepth?: number;
  /** Longest array kept (the rest is summarised). Default 200. */
  maxItems?: number;
  /** Longest string kept. Default 20,000 characters. */
  maxString?: number;
}

/** A JSON-serialisable copy of `value`. */
export function toPlainJSON(value: unknown, options: PlainJSONOptions = {}): unknown {
  const maxDepth = options.maxDepth ?? 24;
  const maxItems = options.maxItems ?? 200;
  const maxString = options.maxString ?? 20_000;
  const ancestors = new Set<object>();

  const walk = (v: unknown, depth: number): unknown => {
    switch (typeof v) {
      case 'string':
        return v.length > maxString ? `${v.slice(0, maxString)}… (${v.length} characters)` : v;
      case 'number':
        return Number.isFinite(v) ? v : String(v);
      case 'boolean':
        return v;
      case 'bigint':
        return `${v}n`;
      case 'undefined':
      case 'function':
      case 'symbol':
        return undefined;
    }
    if (v === null) return null;
    const o = v as object;
    if (ancestors.has(o)) return '[circular]';
    if (depth >= maxDepth) return '[…]';
    if (o instanceof Date) return Number.isNaN(o.getTime()) ? null : o.toISOString();
    ancestors.add(o);
    try {
      if (Array.isArray(o)) {
        const out: unknown[] = [];
        for (let i = 0; i < Math.min(o.length, maxItems); i++) {
          const x = walk(o[i], depth + 1);
          out.push(x === undefined ? null : x);
        }
        if (o.length > maxItems) out.push(`… ${o.length - maxItems} more`);
        return out;
      }
      if (o instanceof Map) {
        const out: Record<string, unknown> = {};
        let n = 0;
        for (const [k, x] of o) {
          if (n++ >= maxItems) {
            out['…'] = `${o.size - maxItems} more`;
            break;
          }
          const y = walk(x, depth + 1);
          if (y !== undefined) out[String(k)] = y;
        }
        return out;
      }
      if (o instanceof Set) return walk([...o], depth);
      const proto = Object.getPrototypeOf(o);
      if (proto !== Object.prototype && proto !== null) {
        // an actor reference, a Port, the kernel, a class instance: not part of the message
        const name = (o.constructor as { name?: string } | undefined)?.name || 'object';
        const id = (o as { id?: unknown }).id;
        const address = (o as { address?: unknown }).address;
        const label = typeof address === 'string' ? address : typeof id === 'string' ? id : '';
        return `[${name}${label ? ' ' + label : ''}]`;
      }
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(o)) {
        const y = walk((o as Record<string, unknown>)[k], depth + 1);
        if (y !== undefined) out[k] = y;
      }
      return out;
    } finally {
      ancestors.delete(o);
    }
  };
  return walk(value, 0);
}
