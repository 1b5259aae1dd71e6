/**
 * The generic registry, as kube-apiserver's `pkg/registry/generic/registry/store.go`: get, list,
 * watch, create, update and patch (with conflict retries, server-side apply, the scale and status
 * subresources), delete (graceful, finalizers, propagation, preconditions) and deletecollection,
 * through etcd, the same for every resource. What differs by resource is its strategy
 * (strategy.ts, strategies/); pods/binding and pods/eviction are the pod's own REST (eviction.ts),
 * the metrics API and the pods' connect subresources are served beside it.
 */
import { applyDefaults } from '../../src/api/defaults.js';
import { decodeError, goValue } from '../../src/api/decoding.js';
import { validateObject } from '../../src/api/validation.js';
import { pruneUnknownFields } from '../../src/api/validation-schema.js';
import { applyConfiguration, conflictStatus } from '../../src/api/server-side-apply.js';
import { jsonPatch } from '../../src/api/json-patch.js';
import { jsonMergePatch } from '../../src/api/merge-patch.js';
import { strategicMergePatch } from '../../src/api/strategic-merge-patch.js';
import { parseFieldSelector } from '../../src/api/field-selectors.js';
import { parseLabelSelector } from '../../src/api/selectors.js';
import { etcdKey, etcdListPrefix, findResource, isMetricsResource, type ResourceInfo } from '../../src/api/resources.js';
import * as S from '../../src/api/status.js';
import type { KubeObject, Status } from '../../src/api/types.js';
import { deepEqual } from '../../src/api/json-values.js';
import type { KeyValue } from '../protocol.js';
import type { ApiServerCore, Operation } from './core.js';
import { serveMetrics } from './metrics.js';
import { decode, isPods, type Watcher } from './watch-cache.js';
import { asStored } from './protobuf-storage.js';
import { strategyFor, type Obj } from './strategy.js';
import { limitEphemeralContainerSecretReferences } from './mountable-secrets.js';
import { admitNodeRestriction } from './node-restriction.js';
import { nodeIdentity } from './node-authorizer.js';
import { isObject, meta } from './objects.js';

const PODS = findResource('pods')!;
const SERVICE_ACCOUNTS = findResource('serviceaccounts')!;
const CONNECT_SUBRESOURCES = new Set(['attach', 'exec', 'portforward', 'log']);

/** True for the pod subresources whose answer is a stream (served by the HTTP layer). */
function isConnectSubresource(info: ResourceInfo, subresource: string | undefined): boolean {
  return info === PODS && subresource !== undefined && CONNECT_SUBRESOURCES.has(subresource);
}

/** The generic registry of one API server (its state is the server's: the cache, etcd requests in flight). */
export class GenericStore {
  constructor(private readonly core: ApiServerCore) {}

  /** Starts the storage work of an admitted request. */
  dispatch(): void {
    const op = this.core.current!;
    const { req } = op;
    const info = op.info!;
    if (isMetricsResource(info)) return this.doMetrics(op, info);
    if (isConnectSubresource(info, req.subresource)) return this.doConnect(op, info);
    switch (req.verb) {
      case 'get':
        return this.doGet(op, info);
      case 'list':
        return this.doList(op, info);
      case 'watch':
        return this.doWatch(op, info);
      case 'create':
        if (req.subresource === 'binding') return this.doBinding(op);
        if (req.subresource === 'eviction') return this.doEviction(op);
        return this.core.quota.charge(op, info, () =>
          this.core.etcd(op, { type: 'etcd.create', key: etcdKey(info, req.namespace, meta(op.object!).name!), value: op.object! }, (r) => {
            if (r.ok) return this.core.finish(op, 201, decodeCreated(r.kv!));
            if (r.error === 'KeyExists') return this.core.finish(op, 409, S.alreadyExists(info, meta(op.object!).name!));
            return this.core.storageError(op, r);
          }),
        );
      case 'update':
      case 'patch':
        return this.doUpdate(op, info);
      case 'delete':
        return this.doDelete(op, info);
      case 'deletecollection':
        return this.doDeleteCollection(op, info);
      default:
        return this.core.finish(op, 405, S.methodNotAllowed(info, req.verb));
    }
  }

  /** A read of the metrics API: computed from the watch cache and the usage model, as metrics-server answers it. */
  private doMetrics(op: Operation, info: ResourceInfo): void {
    const io = this.core.io;
    const now = io.now();
    const answer = serveMetrics(op.req, info, this.core.cache, {
      usage: this.core.usage,
      rng: (this.core.metricsRng ??= io.metricsRng ?? io.rng.fork('metrics')),
      now,
      timestampAt: (ms) => io.timestamp(ms - now),
      timeOf: (ts) => (io.timeOf ? io.timeOf(ts) : Number.NaN),
      ...(this.core.flows ? { flows: this.core.flows } : {}),
    });
    this.core.finish(op, answer.code, answer.body);
  }

  /**
   * pods/exec, pods/attach, pods/portforward and pods/log: kube-apiserver's connecters read the
   * pod and hand the stream to the kubelet; here the answer is the pod (the caller is authorized,
   * the pod exists), and the HTTP layer streams from the container's process.
   */
  private doConnect(op: Operation, info: ResourceInfo): void {
    const { req } = op;
    this.core.etcd(op, { type: 'etcd.get', key: etcdKey(info, req.namespace, req.name!) }, (r) => {
      if (!r.ok) return r.error === 'KeyNotFound' ? this.core.finish(op, 404, S.notFound(info, req.name!)) : this.core.storageError(op, r);
      this.core.finish(op, 200, decode(r.kv!));
    });
  }

  private doGet(op: Operation, info: ResourceInfo): void {
    const { req } = op;
    this.core.etcd(op, { type: 'etcd.get', key: etcdKey(info, req.namespace, req.name!) }, (r) => {
      if (!r.ok) return r.error === 'KeyNotFound' ? this.core.finish(op, 404, S.notFound(info, req.name!)) : this.core.storageError(op, r);
      const obj = decode(r.kv!) as Obj;
      if (req.subresource === 'scale') return this.core.finish(op, 200, toScale(info, obj));
      this.core.finish(op, 200, obj);
    });
  }

  private doList(op: Operation, info: ResourceInfo): void {
    const { req } = op;
    const q = req.query ?? {};
    let startAfter: string | undefined;
    if (q.continue) {
      try {
        startAfter = JSON.parse(Buffer.from(q.continue, 'base64').toString('utf8')).start;
      } catch {
        return this.core.finish(op, 400, S.badRequest('continue key is not valid: illegal base64 data'));
      }
    }
    const labels = q.labelSelector ? parseLabelSelector(q.labelSelector) : undefined;
    const fields = q.fieldSelector ? parseFieldSelector(q.fieldSelector, info.kind) : undefined;
    this.core.etcd(op, { type: 'etcd.range', prefix: etcdListPrefix(info, req.namespace), limit: q.limit, startAfter }, (r) => {
      if (!r.ok) return this.core.storageError(op, r);
      const items: KubeObject[] = [];
      for (const kv of r.kvs!) {
        const obj = decode(kv);
        if (labels && !labels.matches(obj.metadata?.labels)) continue;
        if (fields && !fields.matches(obj)) continue;
        items.push(obj);
      }
      const metadata: Record<string, unknown> = { resourceVersion: String(r.revision) };
      if (r.more && r.kvs!.length > 0) {
        metadata.continue = Buffer.from(JSON.stringify({ start: r.kvs!.at(-1)!.key, rv: r.revision })).toString('base64');
        metadata.remainingItemCount = undefined;
      }
      this.core.finish(op, 200, { apiVersion: info.apiVersion, kind: info.listKind, metadata, items } as KubeObject);
    });
  }

  private doWatch(op: Operation, info: ResourceInfo): void {
    const { req } = op;
    const q = req.query ?? {};
    const rv = q.resourceVersion;
    const initial = q.sendInitialEvents === true || rv === undefined || rv === '' || rv === '0';
    let nodeName: string | undefined;
    let fields = q.fieldSelector ? parseFieldSelector(q.fieldSelector, info.kind) : undefined;
    if (fields && isPods(info)) {
      const pin = fields.requirements.find((r) => r.field === 'spec.nodeName' && r.operator !== '!=');
      if (pin) {
        nodeName = pin.value;
        if (fields.requirements.length === 1) fields = undefined;
      }
    }
    // a watch of one object by name (a kubelet's own Node): its initial state is one lookup (the
    // selector still filters every event)
    const name = fields?.requirements.find((r) => r.field === 'metadata.name' && r.operator !== '!=')?.value;
    const watcher: Watcher = {
      id: req.id,
      to: req.from,
      info,
      namespace: info.namespaced ? req.namespace : undefined,
      labels: q.labelSelector ? parseLabelSelector(q.labelSelector) : undefined,
      fields,
      nodeName,
      name,
      fromRevision: initial ? this.core.cache.revision : Number(rv),
      seq: 0,
      bookmarks: q.allowWatchBookmarks === true,
    };
    if (!initial && !(Number(rv) >= 0)) return this.core.finish(op, 400, S.badRequest(`invalid resource version "${rv}"`));
    this.core.respond(op, 200, { apiVersion: 'v1', kind: 'Status', metadata: {}, status: 'Success', message: 'watch started' });
    if (!this.core.cache.addWatcher(watcher, initial, this.core.sink)) {
      this.core.sink(req.from, {
        type: 'watch.error',
        watchId: req.id,
        seq: 1,
        object: S.tooOldResourceVersion(rv!, this.core.cache.revision),
      });
    }
  }

  /** Reads the object an update, patch or delete starts from: the watch cache, or etcd on a retry. */
  private readCurrent(op: Operation, info: ResourceInfo, fresh: boolean, then: (kv: KeyValue | undefined) => void): void {
    this.readKey(op, etcdKey(info, op.req.namespace, op.req.name!), fresh, then);
  }

  /** Reads one key: the watch cache, or etcd when `fresh`. */
  readKey(op: Operation, key: string, fresh: boolean, then: (kv: KeyValue | undefined) => void): void {
    if (!fresh) {
      const cached = this.core.cache.objects.get(key);
      if (cached) {
        const rv = Number(cached.metadata?.resourceVersion);
        then({ key, value: cached, modRevision: rv, createRevision: 0, version: 0 });
        return;
      }
    }
    this.core.etcd(op, { type: 'etcd.get', key }, (r) => {
      if (r.ok) then(r.kv);
      else if (r.error === 'KeyNotFound') then(undefined);
      else this.core.storageError(op, r);
    });
  }

  private doUpdate(op: Operation, info: ResourceInfo, fresh = false): void {
    const { req } = op;
    this.readCurrent(op, info, fresh, (kv) => {
      if (!kv) {
        if (req.verb === 'patch' && req.query?.patchType === 'apply' && !req.subresource) return this.applyCreate(op, info);
        return this.core.finish(op, 404, S.notFound(info, req.name!));
      }
      const current = decode(kv) as Obj;
      const result = this.computeUpdate(op, info, current);
      if ('error' in result) return this.core.finish(op, result.error.code!, result.error);
      // compared as stored: an update that only adds an empty map is a no-op, as in kube-apiserver
      const next = asStored(result.next, current);
      const clientRv = req.verb === 'update' ? (isObject(req.body) ? (req.body.metadata as Obj | undefined)?.resourceVersion : undefined) : undefined;
      if (clientRv !== undefined && clientRv !== '' && String(clientRv) !== String(kv.modRevision)) {
        if (fresh) return this.core.finish(op, 409, S.conflict(info, req.name!));
        return this.doUpdate(op, info, true);
      }
      if (deepEqual(stripRv(next), stripRv(current))) return this.core.finish(op, 200, current); // no-op update
      const m = meta(next);
      if (m.deletionTimestamp && (m.finalizers?.length ?? 0) === 0 && (strategyFor(info).readyToDelete?.(next) ?? true)) {
        return this.core.etcd(op, { type: 'etcd.delete', key: kv.key, expectedModRevision: kv.modRevision }, (r) => {
          if (r.ok) return this.core.finish(op, 200, { ...next, metadata: { ...m, resourceVersion: String(r.kv!.modRevision) } });
          if (r.error === 'Conflict' || r.error === 'KeyNotFound') return this.retryOrConflict(op, info, clientRv, () => this.doUpdate(op, info, true));
          this.core.storageError(op, r);
        });
      }
      delete m.resourceVersion;
      this.core.quota.charge(op, info, () =>
        this.core.etcd(op, { type: 'etcd.update', key: kv.key, value: next, expectedModRevision: kv.modRevision }, (r) => {
          if (r.ok) {
            const stored = decode(r.kv!) as Obj;
            return this.core.finish(op, 200, req.subresource === 'scale' ? toScale(info, stored) : stored);
          }
          if (r.error === 'Conflict') return this.retryOrConflict(op, info, clientRv, () => this.doUpdate(op, info, true));
          if (r.error === 'KeyNotFound') return this.core.finish(op, 404, S.notFound(info, req.name!));
          this.core.storageError(op, r);
        }),
      );
    });
  }

  private retryOrConflict(op: Operation, info: ResourceInfo, clientRv: unknown, retry: () => void): void {
    if (clientRv !== undefined && clientRv !== '') return this.core.finish(op, 409, S.conflict(info, op.req.name!));
    if (++op.attempts > this.core.maxRetries) return this.core.finish(op, 409, S.conflict(info, op.req.name!));
    retry();
  }

  /** The new object of an update, patch or subresource write, validated against the current one. */
  private computeUpdate(op: Operation, info: ResourceInfo, current: Obj): { next: Obj } | { error: Status } {
    const { req } = op;
    let incoming: Obj;
    if (req.verb === 'patch') {
      const base = req.subresource === 'scale' ? toScale(info, current) : current;
      try {
        incoming = this.applyPatch(base, req.body, req.query?.patchType ?? 'merge', info) as Obj;
      } catch (error) {
        if (error instanceof ApplyConflictError) return { error: error.status };
        return { error: S.badRequest(error instanceof Error ? error.message : String(error)) };
      }
      if (!isObject(incoming)) return { error: S.badRequest('the patch did not produce an object') };
      const patchType = req.query?.patchType ?? 'merge';
      if (patchType !== 'apply') {
        // the patched object is decoded into the kind: a JSON or merge patch's result by the JSON
        // decoder, a strategic merge patch's by the unstructured converter (patch.go)
        const [apiVersion, kind] = req.subresource === 'scale' ? ['autoscaling/v1', 'Scale'] : [info.apiVersion, info.kind];
        const strategic = patchType === 'strategic';
        const typeError = decodeError(incoming, apiVersion, kind, strategic ? 'unstructured' : 'json', base);
        if (typeError) return { error: patchInvalid(strategic ? goValue(req.body) : JSON.stringify(incoming), typeError) };
      }
    } else {
      incoming = req.body as Obj;
    }
    let next: Obj;
    if (req.subresource === 'status') {
      next = { ...current, status: incoming.status };
    } else if (req.subresource === 'scale') {
      const replicas = (incoming.spec as Obj | undefined)?.replicas;
      if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
        return { error: S.invalid({ group: 'autoscaling', version: 'v1', kind: 'Scale' } as never, req.name!, [S.fieldError.invalid('spec.replicas', replicas, 'must be greater than or equal to 0')]) };
      }
      next = { ...current, spec: { ...current.spec, replicas } };
      if (replicas !== current.spec?.replicas && current.metadata?.generation !== undefined) {
        next.metadata = { ...current.metadata, generation: current.metadata.generation + 1 };
      }
    } else if (req.subresource === 'ephemeralcontainers') {
      // podEphemeralContainersStrategy.PrepareForUpdate (dropNonEphemeralContainerUpdates): all but spec.ephemeralContainers is the stored pod's
      const ephemeralContainers = (incoming.spec as Obj | undefined)?.ephemeralContainers;
      const spec: Obj = { ...current.spec };
      if (ephemeralContainers === undefined || ephemeralContainers === null) delete spec.ephemeralContainers;
      else spec.ephemeralContainers = ephemeralContainers;
      next = applyDefaults({ ...current, spec });
    } else if (req.subresource === 'finalize') {
      next = { ...current, spec: { ...current.spec, finalizers: (incoming.spec as Obj | undefined)?.finalizers ?? [] } };
    } else {
      if (incoming.kind !== undefined && incoming.kind !== info.kind) return { error: S.badRequest(`kind ${incoming.kind} does not match ${info.kind}`) };
      const im = isObject(incoming.metadata) ? incoming.metadata : {};
      if (im.name !== undefined && im.name !== req.name) {
        return { error: S.badRequest(`the name of the object (${im.name}) does not match the name on the URL (${req.name})`) };
      }
      const cm = current.metadata!;
      next = {
        ...incoming,
        apiVersion: info.apiVersion,
        kind: info.kind,
        metadata: {
          ...im,
          name: cm.name,
          namespace: cm.namespace,
          uid: cm.uid,
          creationTimestamp: cm.creationTimestamp,
          deletionTimestamp: cm.deletionTimestamp,
          deletionGracePeriodSeconds: cm.deletionGracePeriodSeconds,
          generation: cm.generation,
        },
      };
      if (!next.metadata!.deletionTimestamp) delete next.metadata!.deletionTimestamp;
      if (next.metadata!.deletionGracePeriodSeconds === undefined) delete next.metadata!.deletionGracePeriodSeconds;
      if (next.metadata!.generation === undefined) delete next.metadata!.generation;
      // the main resource ignores status changes where a status subresource exists
      if (info.subresources.some((s) => s.name === 'status')) next.status = current.status;
      next = applyDefaults(next);
      const strategy = strategyFor(info);
      if (strategy.generation && !deepEqual(next.spec, current.spec)) next.metadata!.generation = (cm.generation ?? 1) + 1;
      // a retry starts over: what an earlier attempt allocated is given back
      op.nodePorts?.revert();
      op.nodePorts = undefined;
      const refused = strategy.prepareForUpdate?.(next, current, this.core.strategyContext(req.query?.dryRun === true, op));
      if (refused) return { error: refused };
    }
    const verdict = validateObject(next, { operation: 'update', old: current, fieldValidation: req.query?.fieldValidation, subresource: req.subresource });
    if (verdict.unknownFields.length > 0 && req.query?.fieldValidation === 'Strict') {
      return { error: S.strictDecodingError(info.kind, info.version, verdict.unknownFields) };
    }
    op.warnings.push(...verdict.warnings);
    if (verdict.causes.length > 0) return { error: S.invalid(info, req.name!, verdict.causes) };
    if (verdict.unknownFields.length > 0 || verdict.warnings.length > 0) next = pruneUnknownFields(next, info);
    // NodeRestriction on a kubelet's updates (its Node, its pods' status, its claims' status)
    const node = op.user ? nodeIdentity(op.user.username, op.user.groups) : undefined;
    if (node !== undefined) {
      const refused = admitNodeRestriction(node, op.user!.username, { operation: 'update', resource: info.plural, group: info.group, subresource: req.subresource, namespace: req.namespace, name: req.name, object: next, old: current });
      if (refused) return { error: S.forbiddenWithMessage(info, req.name, refused) };
    }
    // ServiceAccount's validation of ephemeral containers, then ResourceQuota on the main resource
    if (req.subresource === 'ephemeralcontainers' && isPods(info)) {
      const refused = limitEphemeralContainerSecretReferences(next, req.namespace!, (ns, name) => this.core.cache.objects.get(etcdKey(SERVICE_ACCOUNTS, ns, name)));
      if (refused) return { error: S.forbiddenWithMessage(info, req.name, refused) };
    }
    op.quotaCharges = undefined;
    if (!req.subresource && info.namespaced) {
      op.object = next;
      const exceeded = this.core.quota.admit(op, info, next, req.namespace!, current);
      if (exceeded) return { error: S.forbiddenWithMessage(info, req.name, exceeded) };
    }
    return { next };
  }

  private applyPatch(base: Obj, patch: unknown, type: string, info: ResourceInfo): unknown {
    switch (type) {
      case 'json':
        if (!Array.isArray(patch)) throw new Error('json patch must be an array of operations');
        return jsonPatch(base, patch);
      case 'strategic':
        if (!isObject(patch)) throw new Error('strategic merge patch must be a JSON object');
        return strategicMergePatch(base, patch, info.kind);
      case 'apply': {
        if (!isObject(patch)) throw new Error('apply patch must be a JSON or YAML object');
        const q = this.core.current?.req.query ?? {};
        const result = applyConfiguration(base, { ...patch, metadata: { ...(isObject(patch.metadata) ? patch.metadata : {}), name: base.metadata?.name } }, info.kind, {
          manager: q.fieldManager ?? 'unknown',
          force: q.force === true,
          time: this.core.io.timestamp(),
          ignoreStatus: info.subresources.some((s) => s.name === 'status'),
        });
        if (!result.ok) throw new ApplyConflictError(conflictStatus(result.conflicts));
        return result.object;
      }
      case 'merge':
        if (!isObject(patch)) throw new Error('merge patch must be a JSON object');
        return jsonMergePatch(base, patch);
      default:
        throw new Error(`unsupported patch type ${type}`);
    }
  }

  /** Server-side apply of an object that does not exist yet creates it. */
  private applyCreate(op: Operation, info: ResourceInfo): void {
    const q = op.req.query ?? {};
    const config = { ...(op.req.body as Obj) };
    config.metadata = { ...(isObject(config.metadata) ? config.metadata : {}), name: op.req.name };
    const made = applyConfiguration(undefined, config, info.kind, {
      manager: q.fieldManager ?? 'unknown',
      time: this.core.io.timestamp(),
      ignoreStatus: info.subresources.some((s) => s.name === 'status'),
    });
    if (!made.ok) return this.core.finish(op, 409, conflictStatus(made.conflicts));
    const body = made.object as Obj;
    const saved = op.req;
    op.req = { ...saved, verb: 'create', body, name: undefined };
    this.core.current = op;
    if (!this.core.admission.admitCreate(op)) return this.core.finish(op, op.response!.code, op.response!.body);
    this.core.quota.charge(op, info, () =>
      this.core.etcd(op, { type: 'etcd.create', key: etcdKey(info, saved.namespace, meta(op.object!).name!), value: op.object! }, (r) => {
        if (r.ok) return this.core.finish(op, 201, decodeCreated(r.kv!));
        if (r.error === 'KeyExists') {
          op.req = saved;
          return this.doUpdate(op, info, true);
        }
        this.core.storageError(op, r);
      }),
    );
  }

  /** pods/binding: set spec.nodeName once (a second binding is a conflict). */
  private doBinding(op: Operation, fresh = false): void {
    const { req } = op;
    const body = req.body as Obj | undefined;
    const target = body?.target as Obj | undefined;
    if (!target?.name) return this.core.finish(op, 422, S.invalid('Binding', req.name ?? '', [S.fieldError.required('target.name', '')]));
    this.readCurrent(op, PODS, fresh, (kv) => {
      if (!kv) return this.core.finish(op, 404, S.notFound(PODS, req.name!));
      const pod = decode(kv) as Obj;
      if (pod.metadata?.deletionTimestamp) return this.core.finish(op, 409, S.conflict(PODS, req.name!, `pod ${req.namespace}/${req.name} is being deleted, cannot be assigned to a host`));
      if (pod.spec?.nodeName) {
        return this.core.finish(op, 409, S.conflict(PODS, req.name!, `pod ${req.name} is already assigned to node "${pod.spec.nodeName}"`));
      }
      const uid = (body?.metadata as Obj | undefined)?.uid;
      if (uid && uid !== pod.metadata?.uid) return this.core.finish(op, 409, S.conflict(PODS, req.name!, `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${pod.metadata?.uid}`));
      const now = this.core.io.timestamp();
      const conditions = ((pod.status?.conditions as Obj[] | undefined) ?? []).filter((c) => c.type !== 'PodScheduled');
      conditions.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: now });
      // not `{ ...pod.spec, nodeName }`: V8 (Node 20) gives an object spread and then extended a
      // hidden class of its own, 430 B per pod for the pod's life (docs/performance.md)
      const spec = Object.assign({}, pod.spec, { nodeName: target.name }) as Obj;
      const next: Obj = { ...pod, spec, status: { ...pod.status, conditions } };
      delete next.metadata!.resourceVersion;
      next.metadata = { ...pod.metadata };
      delete next.metadata.resourceVersion;
      this.core.etcd(op, { type: 'etcd.update', key: kv.key, value: next, expectedModRevision: kv.modRevision }, (r) => {
        if (r.ok) return this.core.finish(op, 201, S.success());
        if (r.error === 'Conflict') return this.retryOrConflict(op, PODS, undefined, () => this.doBinding(op, true));
        if (r.error === 'KeyNotFound') return this.core.finish(op, 404, S.notFound(PODS, req.name!));
        this.core.storageError(op, r);
      });
    });
  }

  /** pods/eviction: a delete of the pod that honours its PodDisruptionBudget (eviction.ts). */
  private doEviction(op: Operation): void {
    this.core.eviction.create(op);
  }

  doDelete(op: Operation, info: ResourceInfo, fresh = false): void {
    const { req } = op;
    const q = req.query ?? {};
    this.readCurrent(op, info, fresh, (kv) => {
      if (!kv) return this.core.finish(op, 404, S.notFound(info, req.name!));
      const strategy = strategyFor(info);
      const forbidden = strategy.deleteForbidden?.(req.name!);
      if (forbidden) return this.core.finish(op, 403, S.forbiddenWithMessage(info, req.name, forbidden));
      const current = decode(kv) as Obj;
      const m = current.metadata!;
      const uid = isObject(req.body) ? ((req.body.preconditions as Obj | undefined)?.uid as string | undefined) : undefined;
      if (uid && uid !== m.uid) {
        return this.core.finish(op, 409, S.conflict(info, req.name!, `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${m.uid}`));
      }
      const rv = isObject(req.body) ? ((req.body.preconditions as Obj | undefined)?.resourceVersion as string | undefined) : undefined;
      if (rv && rv !== String(kv.modRevision)) {
        if (!fresh) return this.doDelete(op, info, true);
        return this.core.finish(op, 409, S.conflict(info, req.name!, `Precondition failed: ResourceVersion in precondition: ${rv}, ResourceVersion in object meta: ${kv.modRevision}`));
      }
      const policy = q.propagationPolicy ?? (isObject(req.body) ? (req.body.propagationPolicy as ApiRequestPolicy | undefined) : undefined);
      const graceBody = isObject(req.body) ? (req.body.gracePeriodSeconds as number | undefined) : undefined;
      const grace = strategy.gracePeriod?.(current, q.gracePeriodSeconds ?? graceBody) ?? 0;
      const finalizers = [...(m.finalizers ?? [])];
      if (policy === 'Foreground' && !finalizers.includes('foregroundDeletion')) finalizers.push('foregroundDeletion');
      if (policy === 'Orphan' && !finalizers.includes('orphan')) finalizers.push('orphan');
      const namespaceFinalizing = strategy.finalizing?.(current) ?? false;
      if (finalizers.length > 0 || grace > 0 || namespaceFinalizing) {
        // graceful: mark for deletion; the owner of the finalizer (or the kubelet) finishes it
        if (m.deletionTimestamp && finalizers.length === (m.finalizers?.length ?? 0) && !(grace < (m.deletionGracePeriodSeconds ?? Infinity))) {
          return this.core.finish(op, 200, current);
        }
        const next: Obj = {
          ...current,
          metadata: {
            ...m,
            deletionTimestamp: m.deletionTimestamp ?? this.core.io.timestamp(grace * 1000),
            deletionGracePeriodSeconds: grace,
            finalizers: finalizers.length > 0 ? finalizers : undefined,
          },
        };
        if (!next.metadata!.finalizers) delete next.metadata!.finalizers;
        delete next.metadata!.resourceVersion;
        if (namespaceFinalizing) next.status = { ...current.status, phase: 'Terminating' };
        return this.core.etcd(op, { type: 'etcd.update', key: kv.key, value: next, expectedModRevision: kv.modRevision }, (r) => {
          if (r.ok) return this.core.finish(op, 200, decode(r.kv!));
          if (r.error === 'Conflict') return this.retryOrConflict(op, info, undefined, () => this.doDelete(op, info, true));
          if (r.error === 'KeyNotFound') return this.core.finish(op, 404, S.notFound(info, req.name!));
          this.core.storageError(op, r);
        });
      }
      this.core.etcd(op, { type: 'etcd.delete', key: kv.key, expectedModRevision: kv.modRevision }, (r) => {
        if (r.ok) {
          if (!req.query?.dryRun) strategy.afterDelete?.(current, this.core.strategyContext(false));
          return this.core.finish(op, 200, info.plural === 'pods' || info.plural === 'namespaces' ? decode(r.kv!) : S.success({ name: req.name, group: info.group, kind: info.plural, uid: m.uid }));
        }
        if (r.error === 'Conflict') return this.retryOrConflict(op, info, undefined, () => this.doDelete(op, info, true));
        if (r.error === 'KeyNotFound') return this.core.finish(op, 404, S.notFound(info, req.name!));
        this.core.storageError(op, r);
      });
    });
  }

  /**
   * deletecollection: every matching object goes through the same delete as a single DELETE
   * (graceful pod deletion, finalizers, propagation), and the answer lists what was deleted.
   */
  private doDeleteCollection(op: Operation, info: ResourceInfo): void {
    const { req } = op;
    const labels = req.query?.labelSelector ? parseLabelSelector(req.query.labelSelector) : undefined;
    const fields = req.query?.fieldSelector ? parseFieldSelector(req.query.fieldSelector, info.kind) : undefined;
    const items = this.core.cache
      .list(info, req.namespace)
      .filter((o) => (!labels || labels.matches(o.metadata?.labels)) && (!fields || fields.matches(o)));
    const deleted: KubeObject[] = [];
    let left = items.length;
    const done = () => this.core.finish(op, 200, { apiVersion: info.apiVersion, kind: info.listKind, metadata: { resourceVersion: String(this.core.cache.revision) }, items: deleted } as KubeObject);
    if (left === 0) return done();
    for (const item of items) {
      const sub: Operation = {
        req: { ...req, verb: 'delete', name: item.metadata!.name, namespace: item.metadata?.namespace },
        info,
        user: op.user,
        warnings: [],
        attempts: 0,
        started: op.started,
        onFinish: (code, body) => {
          if (code < 300) deleted.push(item);
          if (--left === 0) done();
          void body;
        },
      };
      this.doDelete(sub, info);
    }
  }
}

type ApiRequestPolicy = 'Background' | 'Foreground' | 'Orphan';

/** 422 ` "" is invalid: patch: Invalid value: "<patched>": <decoder error>`, as patch.go answers a patch whose result does not decode. */
function patchInvalid(value: string, error: string): Status {
  return S.invalid('', '', [S.fieldError.invalid('patch', value, error)]);
}

/** Server-side apply found fields another manager owns (answered 409 FieldManagerConflict). */
class ApplyConflictError extends Error {
  constructor(readonly status: Status) {
    super(status.message);
  }
}

/** A created object as stored; a dry-run create (modRevision 0, nothing stored) has no resourceVersion. */
function decodeCreated(kv: KeyValue): KubeObject {
  return kv.modRevision === 0 ? kv.value : decode(kv);
}

function stripRv(obj: Obj): Obj {
  return { ...obj, metadata: { ...obj.metadata, resourceVersion: undefined } };
}

/** The autoscaling/v1 Scale of a deployment, replica set or replication controller. */
function toScale(info: ResourceInfo, obj: Obj): Obj {
  // a ReplicationController's selector is a plain map
  const selector = (info.kind === 'ReplicationController' ? obj.spec?.selector : obj.spec?.selector?.matchLabels) as Record<string, string> | undefined;
  return {
    apiVersion: 'autoscaling/v1',
    kind: 'Scale',
    metadata: {
      name: obj.metadata?.name,
      namespace: obj.metadata?.namespace,
      uid: obj.metadata?.uid,
      resourceVersion: obj.metadata?.resourceVersion,
      creationTimestamp: obj.metadata?.creationTimestamp,
    },
    spec: { replicas: obj.spec?.replicas ?? 0 },
    status: {
      replicas: obj.status?.replicas ?? 0,
      selector: selector ? Object.entries(selector).map(([k, v]) => `${k}=${v}`).join(',') : '',
    },
  };
}
