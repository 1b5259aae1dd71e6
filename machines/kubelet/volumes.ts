/**
 * The kubelet's wait for a pod's PersistentVolumeClaims (the volume manager's
 * `WaitForAttachAndMount`, reduced to what the simulation has): a pod that uses claims is not
 * started until each of them is Bound to a volume. The kubelet GETs each claim (as the real
 * kubelet does, which may only read the claims of its pods) and asks again on its housekeeping
 * tick while one is not bound; the pod stays Pending meanwhile, with a `FailedMount` Warning
 * ("unbound immediate PersistentVolumeClaims" when the claim is Pending).
 */
import type { PersistentVolumeClaim, Pod } from '../../src/api/types.js';
import type { ApiClient } from '../client/api-client.js';
import { objectKey } from '../../src/api/object-key.js';

/** The claims a pod's volumes name. */
function podClaimNames(pod: Pod): string[] {
  const out: string[] = [];
  for (const v of pod.spec?.volumes ?? []) if (v.persistentVolumeClaim?.claimName) out.push(v.persistentVolumeClaim.claimName);
  return out;
}

/** Tracks the claims of the pods waiting on this kubelet. */
export class ClaimWaiter {
  /** Claims (`namespace/name`) seen Bound, with their volume's name. */
  private readonly bound = new Map<string, string>();
  /** Claims asked for and not answered yet. */
  private readonly inFlight = new Set<string>();
  /** Pods (`namespace/name`) waiting, with the claims they wait for. */
  private readonly waiting = new Map<string, string[]>();
  /** Pod and claim pairs already warned about. */
  private readonly warned = new Set<string>();

  constructor(
    private readonly client: ApiClient,
    /** Called with a pod's key when its last claim turned out bound: sync it again. */
    private readonly resync: (podKey: string) => void,
    /** Called once per pod and claim that is not bound yet. */
    private readonly warn: (podKey: string, claim: string, message: string) => void,
  ) {}

  /** True when every claim of the pod is bound; otherwise asks for them and returns false. */
  ready(pod: Pod): boolean {
    const ns = pod.metadata!.namespace!;
    const key = objectKey(pod);
    const missing = podClaimNames(pod).map((n) => `${ns}/${n}`).filter((c) => !this.bound.has(c));
    if (missing.length === 0) {
      this.waiting.delete(key);
      return true;
    }
    this.waiting.set(key, missing);
    for (const claim of missing) this.ask(claim);
    return false;
  }

  /** Forgets a pod (deleted). */
  forget(podKey: string): void {
    this.waiting.delete(podKey);
    for (const w of [...this.warned]) if (w.startsWith(`${podKey}|`)) this.warned.delete(w);
  }

  /** Housekeeping: asks again for the claims pods still wait for. */
  tick(): void {
    for (const claims of this.waiting.values()) for (const c of claims) this.ask(c);
  }

  /** The name of the volume a claim (`namespace/name`) was seen bound to, if any. */
  volumeOf(claim: string): string | undefined {
    return this.bound.get(claim);
  }

  /** How many pods wait for claims. */
  get size(): number {
    return this.waiting.size;
  }

  private ask(claim: string): void {
    if (this.inFlight.has(claim) || this.bound.has(claim)) return;
    this.inFlight.add(claim);
    const [namespace, name] = claim.split('/') as [string, string];
    this.client.request({ verb: 'get', resource: 'persistentvolumeclaims', namespace, name }, (res) => {
      this.inFlight.delete(claim);
      const pvc = res.code === 200 ? (res.body as PersistentVolumeClaim) : undefined;
      if (pvc && pvc.status?.phase === 'Bound' && pvc.spec?.volumeName) {
        this.bound.set(claim, pvc.spec.volumeName);
        for (const [podKey, claims] of [...this.waiting]) {
          if (!claims.includes(claim)) continue;
          const rest = claims.filter((c) => !this.bound.has(c));
          if (rest.length === 0) {
            this.waiting.delete(podKey);
            this.resync(podKey);
          } else this.waiting.set(podKey, rest);
        }
        return;
      }
      const message = pvc ? `pod has unbound immediate PersistentVolumeClaims (claim ${name} is ${pvc.status?.phase ?? 'Pending'})` : `persistentvolumeclaim "${name}" not found`;
      for (const [podKey, claims] of this.waiting) {
        if (!claims.includes(claim) || this.warned.has(`${podKey}|${claim}`)) continue;
        this.warned.add(`${podKey}|${claim}`);
        this.warn(podKey, claim, message);
      }
    });
  }
}
