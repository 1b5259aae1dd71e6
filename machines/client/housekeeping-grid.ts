/**
 * Housekeeping on a grid, armed for when something is due. Kubernetes components run their
 * housekeeping loops every period (kube-apiserver's, client-go's, kube-scheduler's queue flush
 * every second); a component here runs the same checks at the same virtual instants, the ticks of a
 * `period` grid counted from when its loop began, but arms its timer only for the ticks at which a
 * check has something to do, so an idle component does not wake every second. The observable
 * behaviour (what is sent, and when) is that of the loop ticking every period.
 *
 * The grid is an immutable value ({@link HousekeepingGrid}); a machine keeps it in its context and
 * replaces it through `assign` with {@link beginGrid} (the loop ran, or began) and {@link armGrid}
 * (its timer was armed), and asks {@link gridDueEarlier} in the guard that re-arms the timer when
 * something became due before the tick it is armed for.
 */

/** Longest sleep when nothing is due at all: a tick that finds nothing to do is harmless. */
const IDLE_TICKS = 60;

/** A housekeeping loop's grid: when it last ran (or began), and the instant its timer is armed for. */
export interface HousekeepingGrid {
  /** When the loop last ran or began: the grid's ticks are `last + k·period`. */
  readonly last: number;
  /** When the armed timer fires (Infinity: not armed). */
  readonly armedAt: number;
}

/** A grid whose loop has not begun and whose timer is not armed. */
export const UNARMED_GRID: HousekeepingGrid = { last: 0, armedAt: Infinity };

/**
 * The tick of the grid `last + k·period` at which the loop next runs: the first after `now`
 * (at least one after `last`) and at or after `due`, the earliest moment a check may have
 * something to do (Infinity: nothing; the loop then sleeps {@link IDLE_TICKS} periods).
 */
export function gridWakeAt(last: number, now: number, due: number, period: number): number {
  const next = Math.floor((now - last) / period) + 1;
  const atDue = due === Infinity ? next + IDLE_TICKS - 1 : Math.ceil((due - last) / period);
  return last + Math.max(next, atDue) * period;
}

/** The grid of a loop that runs (or begins) `now`: its ticks count from now. */
export function beginGrid(grid: HousekeepingGrid, now: number): HousekeepingGrid {
  return { ...grid, last: now };
}

/** The grid with its timer armed for the tick at which a check is next due (see {@link gridWakeAt}). */
export function armGrid(grid: HousekeepingGrid, now: number, due: number, period: number): HousekeepingGrid {
  return { ...grid, armedAt: gridWakeAt(grid.last, now, due, period) };
}

/** True when something became due before the tick the timer is armed for: the timer must be armed again. */
export function gridDueEarlier(grid: HousekeepingGrid, now: number, due: number, period: number): boolean {
  return gridWakeAt(grid.last, now, due, period) < grid.armedAt;
}

/**
 * A timer with no grid, armed for exactly when something is due (kube-proxy's, whose checks are
 * not a periodic loop of the real component's): how long until `due`, in whole milliseconds rounded
 * up and at least 1 (`idleMs` when nothing is due). Virtual times are fractional, and a timer set
 * for exactly the deadline could land a rounding error short of it, find nothing due yet, and fire
 * again at the same instant.
 */
export function deadlineDelay(now: number, due: number, idleMs: number): number {
  return due === Infinity ? idleMs : Math.max(1, Math.ceil(due - now));
}
