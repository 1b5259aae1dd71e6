/**
 * The Table printer of PodDisruptionBudgets, as kube-apiserver's `printPodDisruptionBudget`
 * (`pkg/printers/internalversion/printers.go`): NAME, MIN AVAILABLE, MAX UNAVAILABLE (`N/A` when
 * unset), ALLOWED DISRUPTIONS and AGE; and of ResourceQuotas (`printResourceQuota`): NAME, AGE,
 * REQUEST and LIMIT; and of LimitRanges (`printLimitRange`): NAME, CREATED AT.
 */
import type { BatchPrinter, PrinterKit } from './batch-printers.js';
import { ageSince } from './printers-common.js';
import { formatQuantity, isExactQuantity, parseExact } from './quantity-math.js';
import { isObject } from './json-values.js';

type Obj = Record<string, unknown>;
const isObj: (v: unknown) => v is Obj = isObject;
const obj = (v: unknown): Obj => (isObj(v) ? v : {});

/** An IntOrString as `intstr.IntOrString.String()` prints it, or `N/A` when nil. */
function intOrStringText(v: unknown): string {
  if (typeof v === 'number' || typeof v === 'string') return String(v);
  return 'N/A';
}

/**
 * `printResourceQuota`: REQUEST and LIMIT list `name: used/hard` for each resource of
 * `status.hard` in name order (`limits.*` in LIMIT, the rest in REQUEST), `used` 0 when unknown.
 */
function quotaColumns(o: Obj): [string, string] {
  const status = obj(o['status']);
  const hard = obj(status['hard']);
  const used = obj(status['used']);
  const request: string[] = [];
  const limit: string[] = [];
  for (const name of Object.keys(hard).sort()) {
    const text = `${name}: ${quantityText(used[name])}/${quantityText(hard[name])}`;
    const pieces = name.split('.');
    (pieces.length > 1 && pieces[0] === 'limits' ? limit : request).push(text);
  }
  return [request.join(', '), limit.join(', ')];
}

/** `Quantity.String()` of a stored quantity (`0` for a missing one). */
function quantityText(v: unknown): string {
  if ((typeof v !== 'string' && typeof v !== 'number') || !isExactQuantity(v)) return '0';
  return formatQuantity(parseExact(v));
}

/** The printers by plural: poddisruptionbudgets, resourcequotas, limitranges. */
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
    limitranges: {
      // printLimitRange: the creation time in RFC 3339, not an age
      columns: [NAME, { ...AGE, name: 'Created At', type: 'date' }],
      row(o) {
        const m = obj(o['metadata']);
        return { cells: [String(m['name'] ?? ''), String(m['creationTimestamp'] ?? '')] };
      },
    },
    resourcequotas: {
      columns: [
        NAME,
        AGE,
        col('Request', 'string', 'Request represents a minimum amount of cpu/memory that a container may consume.'),
        col('Limit', 'string', 'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.'),
      ],
      row(o, now) {
        const m = obj(o['metadata']);
        return { cells: [String(m['name'] ?? ''), ageSince(m['creationTimestamp'], now), ...quotaColumns(o)] };
      },
    },
  };
}
