/**
 * Housekeeping on a grid, armed for when something is due. Kubernetes components run their
 * housekeeping loops every period (kube-apiserver's, client-go's, kube-scheduler's queue flush
 * every second); a component here runs the same checks at the same virtual instants, the ticks of a
 * `period` grid counted from when its loop began, but arms its timer only for the ticks at which a
 * check has something to do, so an idle component does not wake every second. The observable
 * behaviour (what is sent, and when) is that of the loop ticking every period.
 */

/** Longest sleep when nothing is due at all: a tick that finds nothing to do is harmless. */
const IDLE_TICKS = 60;

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
