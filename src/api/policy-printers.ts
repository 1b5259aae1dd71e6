/**
 * The Table printer of PodDisruptionBudgets, as kube-apiserver's `printPodDisruptionBudget`
 * (`pkg/printers/internalversion/printers.go`): NAME, MIN AVAILABLE, MAX UNAVAILABLE (`N/A` when
 * unset), ALLOWED DISRUPTIONS and AGE.
 */
import type { BatchPrinter, PrinterKit } from './batch-printers.js';
import { ageSince } from './printers.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const obj = (v: unknown): Obj => (isObj(v) ? v : {});

/** An IntOrString as `intstr.IntOrString.String()` prints it, or `N/A` when nil. */
function intOrStringText(v: unknown): string {
  if (typeof v === 'number' || typeof v === 'string') return String(v);
  return 'N/A';
}

/** The printers by plural: poddisruptionbudgets. */
export function policyPrinters(kit: PrinterKit): Record<string, BatchPrinter> {
  const { NAME, AGE, col } = kit;
  return {
    poddisruptionbudgets: {
      columns: [
        NAME,
        col('Min Available', 'string', 'The minimum number of pods that must be available.'),
        col('Max Unavailable', 'string', 'The maximum number of pods that may be unavailable.'),
        col('Allowed Disruptions', 'integer', 'Calculated number of pods that may be disrupted at this time.'),
        AGE,
      ],
      row(o, now) {
        const spec = obj(o['spec']);
        const allowed = obj(o['status'])['disruptionsAllowed'];
        const m = obj(o['metadata']);
        return { cells: [String(m['name'] ?? ''), intOrStringText(spec['minAvailable']), intOrStringText(spec['maxUnavailable']), typeof allowed === 'number' ? allowed : 0, ageSince(m['creationTimestamp'], now)] };
      },
    },
  };
}
