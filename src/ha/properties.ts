/**
 * The properties of a highly available control plane, checked from what a run left behind: the
 * message trace (watched live, so nothing is missed however little of it is kept) and the etcd
 * members' data directories.
 *
 * - no acknowledged write is lost: every write an etcd member acknowledged to an API server is,
 *   at the end, in every member's history at the revision it was acknowledged with, with the
 *   value it was acknowledged with;
 * - the members agree: the same change at every revision, and (after the faults heal) the same
 *   revision;
 * - at most one scheduler and one controller manager act in any lease term: every request a
 *   scheduler or controller manager sends (the electors' own Lease requests aside) is sent while
 *   the Lease, as etcd committed it, is held by the elector of that same node;
 * - a pod is bound once: at most one successful binding per pod uid;
 * - resourceVersions tell the truth: every value a client wrote or read came with the
 *   resourceVersion of the revision at which etcd's history holds that value.
 */
import type { Subscription } from 'rxjs';
import type { Cluster } from '../cluster/create-cluster.js';
import type { TraceEntry } from '../kernel/trace.js';
import type { ApiRequest, ApiResponse, EtcdResult, KeyValue } from '../../machines/protocol.js';
import type { MvccStore } from '../../machines/etcd/store.js';
import { CONTROLLER_MANAGER_LEASE, SCHEDULER_LEASE } from '../cluster/control-plane.js';

/** A property that did not hold. */
export interface HaViolation {
  property: 'acknowledged-writes-persist' | 'members-agree' | 'one-leader-per-lease-term' | 'pod-bound-once' | 'linearizable' | 'resource-versions' | 'converges';
  message: string;
  time?: number;
}

/** A write an etcd member acknowledged. */
export interface AckedWrite {
  key: string;
  revision: number;
  value: unknown;
  /** Virtual time of the acknowledgement. */
  time: number;
  /** The member that sent it. */
  by: string;
}

/** One version of a Lease as etcd committed it. */
export interface LeaseVersion {
  lease: string;
  revision: number;
  holder: string;
  /** Earliest virtual time the version was seen acknowledged or read (its commit is at or before). */
  time: number;
}

/** A request a scheduler or controller manager sent. */
export interface ActingRequest {
  lease: string;
  /** The node of the instance that sent it (from its per-node token). */
  node: string;
  from: string;
  summary: string;
  sent: number;
}

const LEASE_KEYS: Record<string, string> = {
  [`/registry/leases/kube-system/${SCHEDULER_LEASE}`]: SCHEDULER_LEASE,
  [`/registry/leases/kube-system/${CONTROLLER_MANAGER_LEASE}`]: CONTROLLER_MANAGER_LEASE,
};

/**
 * Watches a cluster's trace live and keeps what the properties need: acknowledged etcd writes,
 * the Lease versions, the requests of elected components, and bindings.
 */
export class HaObserver {
  readonly acked: AckedWrite[] = [];
  readonly leaseVersions = new Map<string, Map<number, LeaseVersion>>();
  readonly acting: ActingRequest[] = [];
  /** Successful bindings per pod uid. */
  readonly bindings = new Map<string, { pod: string; by: string; time: number }[]>();
  private readonly writeIds = new Set<string>();
  private readonly bindingRequests = new Map<string, { uid: string; pod: string }>();
  private readonly subscription: Subscription;

  constructor(readonly cluster: Cluster) {
    const tokens = cluster.controlPlane?.componentTokens ?? new Map();
    this.subscription = cluster.kernel.trace.entries$.subscribe((entry) => this.see(entry, tokens));
  }

  private see(entry: TraceEntry, tokens: ReadonlyMap<string, { node: string; component: string }>): void {
    const e = entry.event as { type: string } | undefined;
    if (!e) return;
    switch (entry.type) {
      case 'etcd.create':
      case 'etcd.update':
      case 'etcd.delete':
        if (entry.from.startsWith('api-server/')) this.writeIds.add((e as unknown as { id: string }).id);
        return;
      case 'etcd.result': {
        if (entry.status !== 'delivered') return;
        const r = e as EtcdResult;
        if (!r.ok) return;
        const kvs: KeyValue[] = r.kv ? [r.kv] : r.kvs ?? [];
        for (const kv of kvs) {
          const lease = LEASE_KEYS[kv.key];
          if (lease && kv.version > 0) this.noteLease(lease, kv, entry.sent);
        }
        if (r.kv && entry.to.startsWith('api-server/') && this.writeIds.has(r.id)) {
          this.writeIds.delete(r.id);
          this.acked.push({ key: r.kv.key, revision: r.kv.modRevision, value: r.kv.version === 0 ? undefined : r.kv.value, time: entry.sent, by: entry.from });
        }
        return;
      }
      case 'api.request': {
        const req = e as ApiRequest;
        const who = tokens.get(req.token);
        if (!who || entry.from.startsWith('leader-elector/')) {
          return;
        }
        if (entry.duplicate) return;
        this.acting.push({
          lease: who.component === 'scheduler' ? SCHEDULER_LEASE : CONTROLLER_MANAGER_LEASE,
          node: who.node,
          from: entry.from,
          summary: entry.summary,
          sent: entry.sent,
        });
        if (req.subresource === 'binding' && req.verb === 'create') {
          const body = req.body as { metadata?: { uid?: string } } | undefined;
          this.bindingRequests.set(req.id, { uid: body?.metadata?.uid ?? `${req.namespace}/${req.name}`, pod: `${req.namespace}/${req.name}` });
        }
        return;
      }
      case 'api.response': {
        if (entry.status !== 'delivered') return;
        const res = e as ApiResponse;
        const binding = this.bindingRequests.get(res.id);
        if (!binding) return;
        this.bindingRequests.delete(res.id);
        if (res.code === 201) {
          let list = this.bindings.get(binding.uid);
          if (!list) this.bindings.set(binding.uid, (list = []));
          list.push({ pod: binding.pod, by: entry.to, time: entry.time });
        }
        return;
      }
    }
  }

  private noteLease(lease: string, kv: KeyValue, time: number): void {
    let versions = this.leaseVersions.get(lease);
    if (!versions) this.leaseVersions.set(lease, (versions = new Map()));
    const v = versions.get(kv.modRevision);
    const holder = ((kv.value as { spec?: { holderIdentity?: string } }).spec?.holderIdentity) ?? '';
    if (!v || time < v.time) versions.set(kv.modRevision, { lease, revision: kv.modRevision, holder, time });
  }

  /** The holder terms of a Lease, in revision order: each version whose holder differs from the one before. */
  terms(lease: string): LeaseVersion[] {
    const versions = [...(this.leaseVersions.get(lease)?.values() ?? [])].sort((a, b) => a.revision - b.revision);
    const out: LeaseVersion[] = [];
    for (const v of versions) if (out.length === 0 || out[out.length - 1]!.holder !== v.holder) out.push(v);
    // a version seen late must not start its term after a later one
    for (let i = out.length - 2; i >= 0; i--) if (out[i]!.time > out[i + 1]!.time) out[i]!.time = out[i + 1]!.time;
    return out;
  }

  /** Stops watching. */
  stop(): void {
    this.subscription.unsubscribe();
  }
}

function sameValue(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

/** Every acknowledged write is in every member's store history, at its revision, with its value. */
export function checkAcknowledgedWrites(observer: HaObserver, stores: ReadonlyMap<string, MvccStore>): HaViolation[] {
  const out: HaViolation[] = [];
  for (const [member, store] of stores) {
    let reported = 0;
    for (const w of observer.acked) {
      if (w.revision <= store.compactRevision) continue;
      const found = store.changesSince(w.revision, w.key)?.[0];
      let problem: string | undefined;
      if (store.revision < w.revision) problem = `${member} is at revision ${store.revision}`;
      else if (!found || found.revision !== w.revision) problem = `${member} has no change of ${w.key} at revision ${w.revision}`;
      else if (w.value !== undefined && !sameValue(found.change.kv.value, w.value)) problem = `${member} holds another value of ${w.key} at revision ${w.revision}`;
      else if (w.value === undefined && found.change.kind !== 'delete') problem = `${member} has no delete of ${w.key} at revision ${w.revision}`;
      if (problem && reported++ < 5) {
        out.push({ property: 'acknowledged-writes-persist', time: w.time, message: `${w.by} acknowledged ${w.key} at revision ${w.revision} (t=${w.time}ms), but ${problem}` });
      }
    }
  }
  return out;
}

/** The members hold the same change at every revision they share (and, when `converged`, the same revision). */
export function checkMembersAgree(stores: ReadonlyMap<string, MvccStore>, converged: boolean): HaViolation[] {
  const out: HaViolation[] = [];
  const entries = [...stores];
  if (entries.length < 2) return out;
  const [firstName, first] = entries[0]!;
  for (const [name, store] of entries.slice(1)) {
    if (converged && store.revision !== first.revision) {
      out.push({ property: 'members-agree', message: `${firstName} is at revision ${first.revision} but ${name} at ${store.revision}` });
    }
    const from = Math.max(first.compactRevision, store.compactRevision) + 1;
    const a = first.changesSince(from, '/') ?? [];
    const b = store.changesSince(from, '/') ?? [];
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
      const x = a[i]!;
      const y = b[i]!;
      if (x.revision !== y.revision || x.change.kind !== y.change.kind || x.change.kv.key !== y.change.kv.key || !sameValue(x.change.kv.value, y.change.kv.value)) {
        out.push({
          property: 'members-agree',
          message: `${firstName} and ${name} differ at revision ${x.revision}: ${x.change.kind} ${x.change.kv.key} vs ${y.change.kind} ${y.change.kv.key} (rev ${y.revision})`,
        });
        break;
      }
    }
  }
  return out;
}

/** Every scheduler and controller-manager request is sent while its own node's elector holds the Lease. */
export function checkOneLeaderPerLeaseTerm(observer: HaObserver): HaViolation[] {
  const out: HaViolation[] = [];
  const terms = new Map<string, LeaseVersion[]>();
  for (const lease of [SCHEDULER_LEASE, CONTROLLER_MANAGER_LEASE]) terms.set(lease, observer.terms(lease));
  const reported = new Set<string>();
  for (const r of observer.acting) {
    const list = terms.get(r.lease)!;
    // the term in force when the request was sent: the last one that started at or before it
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid]!.time <= r.sent) lo = mid + 1;
      else hi = mid;
    }
    const term = lo > 0 ? list[lo - 1] : undefined;
    const holderNode = term?.holder.split('_')[0];
    if (holderNode === r.node) continue;
    const key = `${r.lease}|${term?.revision ?? 0}|${r.node}`;
    if (reported.has(key)) continue;
    reported.add(key);
    out.push({
      property: 'one-leader-per-lease-term',
      time: r.sent,
      message: term
        ? `${r.from} (on ${r.node}) sent "${r.summary}" at t=${r.sent}ms while the ${r.lease} Lease was held by ${term.holder} (since revision ${term.revision}, t=${term.time}ms)`
        : `${r.from} (on ${r.node}) sent "${r.summary}" at t=${r.sent}ms before anyone held the ${r.lease} Lease`,
    });
  }
  return out;
}

/** At most one successful binding per pod. */
export function checkPodsBoundOnce(observer: HaObserver): HaViolation[] {
  const out: HaViolation[] = [];
  for (const [uid, list] of observer.bindings) {
    if (list.length > 1) {
      out.push({ property: 'pod-bound-once', time: list[1]!.time, message: `pod ${list[0]!.pod} (uid ${uid}) was bound ${list.length} times: ${list.map((b) => `${b.by} at t=${b.time}ms`).join(', ')}` });
    }
  }
  return out;
}

/**
 * Every value a client was told it wrote, or read, came with a resourceVersion at which the
 * store's history holds exactly that value (`data.v`) for that ConfigMap.
 */
export function checkResourceVersions(
  store: MvccStore,
  seen: readonly { key: string; value: string; resourceVersion: string; time: number }[],
  namespace = 'default',
): HaViolation[] {
  const out: HaViolation[] = [];
  for (const s of seen) {
    const rv = Number(s.resourceVersion);
    if (!(rv > store.compactRevision)) continue;
    const key = `/registry/configmaps/${namespace}/${s.key}`;
    const found = store.changesSince(rv, key)?.[0];
    const value = (found?.change.kv.value as { data?: { v?: string } } | undefined)?.data?.v;
    if (!found || found.revision !== rv || found.change.kind !== 'put' || value !== s.value) {
      out.push({ property: 'resource-versions', time: s.time, message: `${s.key}=${s.value} came with resourceVersion ${rv} (t=${s.time}ms), but the history holds ${found ? `${found.change.kind} ${value ?? ''} at ${found.revision}` : 'nothing'} there` });
      if (out.length >= 5) break;
    }
  }
  return out;
}
