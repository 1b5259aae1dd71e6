/**
 * Garbage collection's share of a benchmark's time, from V8's own record of every collection
 * (`PerformanceObserver` entries of type `gc`: start and duration of each scavenge, mark-sweep,
 * incremental marking step and weak-callback pass). V8 reports them asynchronously: a run that
 * never yields to the event loop gets its entries once it does, so {@link GcMeter.within} waits
 * for one turn of the loop, then sums the collections that started within the run's window.
 */
import { PerformanceObserver } from 'node:perf_hooks';

/** The collections of a window of time. */
export interface GcFigures {
  /** Wall ms spent in garbage collection (the sum of the collections' durations). */
  gcMs: number;
  /** Collections. */
  gcCount: number;
}

/** Records garbage collections from its creation until `stop()`. */
export interface GcMeter {
  /** The collections that started between `from` and `to` (`performance.now()` times), once V8 has reported them. */
  within(from: number, to: number): Promise<GcFigures>;
  stop(): void;
}

/** Starts recording garbage collections. */
export function gcMeter(): GcMeter {
  const entries: { start: number; duration: number }[] = [];
  const keep = (list: readonly PerformanceEntry[]) => {
    for (const e of list) entries.push({ start: e.startTime, duration: e.duration });
  };
  const observer = new PerformanceObserver((list) => keep(list.getEntries()));
  observer.observe({ entryTypes: ['gc'] });
  return {
    async within(from, to) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      keep(observer.takeRecords());
      let gcMs = 0;
      let gcCount = 0;
      for (const e of entries) {
        if (e.start < from || e.start > to) continue;
        gcMs += e.duration;
        gcCount++;
      }
      return { gcMs, gcCount };
    },
    stop: () => observer.disconnect(),
  };
}
