/**
 * Admitting a request, after authentication and authorization, as kube-apiserver does before its
 * registry runs: the handler's request checks (the resource and subresource exist, the body
 * decodes into the kind, namespace and name are where the resource wants them, selectors parse,
 * DeleteOptions' dryRun), the review APIs answered at once, and for a create the object prepared
 * (metadata the server owns, defaults, the resource's strategy) and the admission chain run in
 * kube-apiserver's order: LimitRanger, Priority, RuntimeClass, validation, NamespaceLifecycle,
 * ServiceAccount, LimitRanger's validation, ResourceQuota.
 */
import { applyDefaults } from '../../src/api/defaults.js';
import { decodeError, excessiveNestingOf, jsonPrefix, tooDeepMessage } from '../../src/api/decoding.js';
import { admitPodPriority, admitPriorityClass } from '../../src/api/priority.js';
import { admitPodRuntimeClass } from '../../src/api/runtime-class.js';
import { validateObject } from '../../src/api/validation.js';
import { pruneUnknownFields } from '../../src/api/validation-schema.js';
import { parseFieldSelector } from '../../src/api/field-selectors.js';
import { parseLabelSelector } from '../../src/api/selectors.js';
import { etcdKey, findResource, qualifiedResource, type ResourceInfo } from '../../src/api/resources.js';
import * as S from '../../src/api/status.js';
import type { Status } from '../../src/api/types.js';
import { mutatePodForLimitRanges, validateClaimForLimitRanges, validatePodForLimitRanges } from '../../src/api/limit-range.js';
import type { UserInfo } from './auth.js';
import type { AuthorizationRequest } from '../../src/api/rbac.js';
import type { ApiServerCore, Operation } from './core.js';
import { answerReview, isReviewRequest } from './reviews.js';
import { isPods } from './watch-cache.js';
import { admitServiceAccount, safeSuffix } from './admission.js';
import { strategyFor, type Obj } from './strategy.js';
import { admitDeepValues } from './deep-values.js';
import { cannotBeHandled, isObject, meta } from './objects.js';
import { admitNodeRestriction } from './node-restriction.js';
import { nodeIdentity } from './node-authorizer.js';

const NAMESPACES = findResource('namespaces')!;
const NODES = findResource('nodes')!;
const SERVICE_ACCOUNTS = findResource('serviceaccounts')!;
const LIMIT_RANGES = findResource('limitranges')!;

/** The admitting step of one API server (its state is the server's: the cache, the quotas). */
export class RequestAdmission {
  constructor(private readonly core: ApiServerCore) {}

  /** Admitting: the resource must exist; for writes decode, default, validate, namespace lifecycle. Reads pass. */
  admit(): void {
    const op = this.core.current!;
    const { info } = op;
    let { req } = op;
    if (req.nonResourceURL !== undefined) {
      // the document itself is served by the HTTP layer: the API server has authorized it
      op.response = { code: 200, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 200 } };
      return;
    }
    const tooDeep = req.body !== undefined ? excessiveNestingOf(req.body) : undefined;
    if (tooDeep) {
      // the decoder stops at Go's maximum nesting depth, before anything walks the body
      const objectBody = (req.verb === 'create' || req.verb === 'update') && !req.subresource;
      op.response = { code: 400, body: S.badRequest(tooDeepMessage(tooDeep, objectBody ? info?.kind : undefined, objectBody ? jsonPrefix(req.body) : undefined)) };
      return;
    }
    if (!info) {
      op.response = { code: 404, body: { ...S.notFound(req.resource, req.name ?? ''), message: 'the server could not find the requested resource' } };
      return;
    }
    if (req.subresource) {
      const sub = info.subresources.find((s) => s.name === req.subresource);
      if (!sub) {
        op.response = { code: 404, body: S.notFound(`${info.plural}/${req.subresource}`, req.name ?? '') };
        return;
      }
      if (!sub.verbs.includes(req.verb)) {
        op.response = { code: 405, body: S.methodNotAllowed(info, `${req.verb} on ${info.plural}/${req.subresource}`) };
        return;
      }
    }
    // values nested deeper than the kind's types bound are emptied or refused before anything walks them
    const deep = admitDeepValues(req, info);
    if ('error' in deep) {
      op.response = { code: 400, body: deep.error };
      return;
    }
    if (deep.body !== req.body) op.req = req = { ...req, body: deep.body };
    if (req.verb === 'patch' && req.query?.patchType === 'apply') {
      const body = req.body as Obj | undefined;
      if (!req.query.fieldManager) {
        op.response = { code: 400, body: S.badRequest('PATCH with apply patches requires a fieldManager (fieldManager is required for apply requests)') };
        return;
      }
      if (isObject(body) && !req.subresource && (body.apiVersion !== info.apiVersion || body.kind !== info.kind)) {
        const message =
          body.kind === undefined || body.apiVersion === undefined
            ? `Object 'Kind' is missing in the apply configuration: apiVersion and kind must be set (${info.apiVersion} ${info.kind})`
            : `the API version in the data (${String(body.apiVersion)}) and kind (${String(body.kind)}) do not match the resource ${info.plural} (${info.apiVersion} ${info.kind})`;
        op.response = { code: 400, body: S.badRequest(message) };
        return;
      }
    }
    if (info.namespaced && !req.namespace && !['list', 'watch', 'deletecollection'].includes(req.verb)) {
      op.response = { code: 400, body: S.badRequest(`the namespace of the object must be given for ${qualifiedResource(info)}`) };
      return;
    }
    if (!info.namespaced && req.namespace && req.verb !== 'list' && req.verb !== 'watch') {
      op.response = { code: 404, body: S.notFound(info, req.name ?? '') };
      return;
    }
    if (!['list', 'watch', 'deletecollection', 'create'].includes(req.verb) && !req.name) {
      op.response = { code: 405, body: S.methodNotAllowed(info, req.verb) };
      return;
    }
    try {
      if (req.verb === 'list' || req.verb === 'watch' || req.verb === 'deletecollection') {
        if (req.query?.labelSelector) parseLabelSelector(req.query.labelSelector);
        if (req.query?.fieldSelector) parseFieldSelector(req.query.fieldSelector, info.kind);
      }
    } catch (error) {
      op.response = { code: 400, body: S.badRequest(error instanceof Error ? error.message : String(error)) };
      return;
    }
    if (info.virtual && req.verb !== 'create') {
      op.response = { code: 405, body: S.methodNotAllowed(info, req.verb) };
      return;
    }
    if (isReviewRequest(info, req)) {
      op.response = answerReview(info, req, this.reviewContext(op.user!));
      return;
    }
    if (!this.admitDryRun(op)) return;
    if (!this.admitNodeDeletes(op)) return;
    if (req.verb === 'create' && !req.subresource) {
      this.admitCreate(op);
      return;
    }
    if ((req.verb === 'update' || req.verb === 'patch') && req.body === undefined) {
      op.response = { code: 400, body: S.badRequest('the request body is missing') };
      return;
    }
    if (req.verb === 'update' && !req.subresource && !isObject(req.body)) {
      op.response = { code: 400, body: S.badRequest('the request body must be a JSON object') };
      return;
    }
    if (req.verb === 'update' && isObject(req.body) && (!req.subresource || req.subresource === 'status' || req.subresource === 'scale' || req.subresource === 'ephemeralcontainers')) {
      // the body is decoded into the kind (a Scale for the scale subresource) before anything reads it
      const [apiVersion, kind, version] = req.subresource === 'scale' ? ['autoscaling/v1', 'Scale', 'v1'] : [info.apiVersion, info.kind, info.version];
      const typeError = decodeError(req.body, apiVersion, kind);
      if (typeError) op.response = { code: 400, body: cannotBeHandled(kind, version, typeError) };
    }
    if (req.verb === 'patch' && req.query?.patchType === 'apply' && isObject(req.body) && !req.subresource) {
      // server-side apply types the configuration with structured-merge-diff first
      const typeError = decodeError(req.body, info.apiVersion, info.kind, 'apply');
      if (typeError) {
        const m = isObject(req.body.metadata) ? req.body.metadata : {};
        const gvk = `${info.group}/${info.version}, Kind=${info.kind}`;
        op.response = { code: 500, body: { ...S.internalError(''), reason: undefined, details: undefined, message: `failed to create typed patch object (${gvk}; ${String(m.namespace ?? req.namespace ?? '')}/${String(m.name ?? req.name ?? '')}): ${typeError}` } as Status };
      }
    }
  }

  /** What the review APIs and TokenRequest need of this server. */
  private reviewContext(user: UserInfo) {
    return {
      user,
      rbac: this.core.rbac,
      authorize: (request: AuthorizationRequest) => this.core.authorizeRequest(request),
      timestamp: (offsetMs?: number) => this.core.io.timestamp(offsetMs),
      nowSeconds: () => this.core.nowSeconds(),
      authenticateToken: (token: string, audiences: readonly string[]) => this.core.authenticateToken(token, audiences),
      serviceAccount: (namespace: string, name: string) => this.core.cache.objects.get(etcdKey(SERVICE_ACCOUNTS, namespace, name)),
      tokens: this.core.serviceAccountTokens,
      object: (resource: 'pods' | 'secrets' | 'nodes', namespace: string | undefined, name: string) => this.core.cache.objects.get(etcdKey(findResource(resource)!, namespace, name)),
      jti: () => this.core.tokenIds.uuid(),
    };
  }

  /**
   * NodeRestriction on what a kubelet deletes or evicts: only a pod bound to its node (the pod as
   * the cache holds it; a pod that is not there goes on to its 404).
   */
  private admitNodeDeletes(op: Operation): boolean {
    const { req, info } = op;
    const node = op.user ? nodeIdentity(op.user.username, op.user.groups) : undefined;
    if (node === undefined || !info || !isPods(info)) return true;
    const evicting = req.verb === 'create' && req.subresource === 'eviction';
    if (!evicting && !(req.verb === 'delete' && !req.subresource)) return true;
    const pod = this.core.cache.objects.get(etcdKey(info, req.namespace, req.name ?? ''));
    if (!pod) return true;
    const refused = admitNodeRestriction(node, op.user!.username, { operation: evicting ? 'create' : 'delete', resource: 'pods', group: '', subresource: req.subresource, namespace: req.namespace, name: req.name, old: pod });
    if (!refused) return true;
    op.response = { code: 403, body: S.forbiddenWithMessage(info, req.name, refused) };
    return false;
  }

  /**
   * `dryRun` in a DeleteOptions body (kubectl's `delete --dry-run=server` sends `{"dryRun":["All"]}`),
   * or in an Eviction's deleteOptions, counts as `?dryRun=All`; any value but `All` is refused as
   * kube-apiserver's ValidateDeleteOptions refuses it.
   */
  private admitDryRun(op: Operation): boolean {
    const { req } = op;
    const body = req.body as Obj | undefined;
    let options: unknown;
    if ((req.verb === 'delete' || req.verb === 'deletecollection') && isObject(body)) options = body;
    else if (req.verb === 'create' && req.subresource === 'eviction' && isObject(body) && isObject(body.deleteOptions)) options = body.deleteOptions;
    if (!isObject(options) || options.dryRun === undefined || options.dryRun === null) return true;
    const values = options.dryRun;
    if (!Array.isArray(values) || values.some((v) => typeof v !== 'string')) {
      op.response = { code: 400, body: S.badRequest(`json: cannot unmarshal ${jsonTypeName(values)} into Go struct field DeleteOptions.dryRun of type []string`) };
      return false;
    }
    const bad = values.filter((v) => v !== 'All');
    if (bad.length > 0) {
      op.response = { code: 422, body: S.invalid('DeleteOptions.meta.k8s.io', '', [S.fieldError.notSupported('dryRun', values, ['All'])]) };
      return false;
    }
    if (values.length > 0) op.req = { ...req, query: { ...req.query, dryRun: true } };
    return true;
  }

  admitCreate(op: Operation): boolean {
    const { req } = op;
    const info = op.info!;
    if (!isObject(req.body)) {
      op.response = { code: 400, body: S.badRequest(`the body of a create must be a ${info.kind} object`) };
      return false;
    }
    const body = req.body;
    const typeError = req.query?.patchType === 'apply' ? undefined : decodeError(body, info.apiVersion, info.kind);
    if (typeError) {
      op.response = { code: 400, body: cannotBeHandled(info.kind, info.version, typeError) };
      return false;
    }
    if (body.kind !== undefined && body.kind !== info.kind) {
      op.response = {
        code: 400,
        body: S.badRequest(`the API version in the data (${body.apiVersion}) and kind (${body.kind}) do not match the resource ${qualifiedResource(info)} (${info.apiVersion} ${info.kind})`),
      };
      return false;
    }
    if (body.apiVersion !== undefined && body.apiVersion !== info.apiVersion) {
      op.response = { code: 400, body: S.badRequest(`the API version in the data (${body.apiVersion}) does not match the expected API version (${info.apiVersion})`) };
      return false;
    }
    const bodyNs = isObject(body.metadata) ? (body.metadata.namespace) : undefined;
    if (info.namespaced && bodyNs && req.namespace && bodyNs !== req.namespace) {
      op.response = { code: 400, body: S.badRequest('the namespace of the provided object does not match the namespace sent on the request') };
      return false;
    }
    let obj: Obj = { ...body, apiVersion: info.apiVersion, kind: info.kind, metadata: { ...(isObject(body.metadata) ? body.metadata : {}) } };
    const m = meta(obj);
    if (info.namespaced) m.namespace = req.namespace;
    else delete m.namespace;
    // apiserver's maxGeneratedNameLength: the base is cut to 58 characters before the 5 random ones
    if (!m.name && m.generateName) m.name = `${String(m.generateName).slice(0, 58)}${safeSuffix(this.core.io.rng.nextUint32())}`;
    delete m.resourceVersion;
    m.uid = this.core.io.rng.uuid();
    this.core.io.tagObject(m.uid);
    m.creationTimestamp = this.core.io.timestamp();
    delete m.deletionTimestamp;
    delete m.deletionGracePeriodSeconds;
    const strategy = strategyFor(info);
    if (strategy.generation) m.generation = 1;
    obj = applyDefaults(obj);
    // LimitRanger (mutating admission, before the strategy): the namespace's container defaults
    if (isPods(info)) mutatePodForLimitRanges(obj, this.core.cache.list(LIMIT_RANGES, req.namespace));
    op.object = obj;
    const refused = strategy.prepareForCreate?.(obj, this.core.strategyContext(req.query?.dryRun === true, op));
    if (refused) {
      op.response = { code: refused.code ?? 500, body: refused };
      return false;
    }
    const denied = this.admitPriority(info, obj, isObject(body.spec) ? body.spec : {}) ?? (isPods(info) ? admitPodRuntimeClass(isObject(obj.spec) ? obj.spec : {}) : undefined);
    if (denied) {
      op.response = { code: 403, body: S.forbiddenWithMessage(info, m.name, denied) };
      return false;
    }
    const verdict = validateObject(obj, { operation: 'create', fieldValidation: req.query?.fieldValidation });
    if (verdict.unknownFields.length > 0 && req.query?.fieldValidation === 'Strict') {
      op.response = { code: 400, body: S.strictDecodingError(info.kind, info.version, verdict.unknownFields) };
      return false;
    }
    op.warnings.push(...verdict.warnings);
    if (verdict.causes.length > 0) {
      op.response = { code: 422, body: S.invalid(info, m.name ?? '', verdict.causes) };
      return false;
    }
    // with Warn or Ignore the real server stores the object without the fields it does not know
    if (verdict.unknownFields.length > 0 || verdict.warnings.length > 0) op.object = obj = pruneUnknownFields(obj, info);
    if (info.namespaced) {
      const ns = this.core.cache.objects.get(`${NAMESPACES.etcdPrefix}${req.namespace}`) as Obj | undefined;
      if (!ns) {
        op.response = { code: 404, body: S.notFound(NAMESPACES, req.namespace!) };
        return false;
      }
      if (ns.metadata?.deletionTimestamp || ns.status?.phase === 'Terminating') {
        op.response = {
          code: 403,
          body: S.forbiddenWithMessage(info, m.name, `unable to create new content in namespace ${req.namespace} because it is being terminated`),
        };
        return false;
      }
    }
    // NodeRestriction: what a kubelet creates (its mirror pods, its Node, its Lease, its CSINode)
    const node = op.user ? nodeIdentity(op.user.username, op.user.groups) : undefined;
    if (node !== undefined) {
      const refused = admitNodeRestriction(node, op.user!.username, {
        operation: 'create', resource: info.plural, group: info.group, namespace: req.namespace, object: obj,
        nodeObject: (name) => this.core.cache.objects.get(etcdKey(NODES, undefined, name)),
      });
      if (refused) {
        op.response = { code: 403, body: S.forbiddenWithMessage(info, m.name, refused) };
        return false;
      }
    }
    if (isPods(info)) {
      const refused = admitServiceAccount(obj, req.namespace!, (ns, name) => this.core.cache.objects.get(etcdKey(SERVICE_ACCOUNTS, ns, name)) as Obj | undefined, this.core.serviceAccountVolumeNames);
      if (refused) {
        op.response = { code: 403, body: S.forbiddenWithMessage(info, m.name, refused) };
        return false;
      }
    }
    // LimitRanger's validation, then ResourceQuota (the validating admission order)
    const ranges = isPods(info) || (info.plural === 'persistentvolumeclaims' && info.group === '') ? this.core.cache.list(LIMIT_RANGES, req.namespace) : [];
    const outOfRange = ranges.length === 0 ? undefined : isPods(info) ? validatePodForLimitRanges(obj, ranges) : validateClaimForLimitRanges(obj, ranges);
    if (outOfRange) {
      op.response = { code: 403, body: S.forbiddenWithMessage(info, m.name, outOfRange) };
      return false;
    }
    const exceeded = this.core.quota.admit(op, info, obj, req.namespace!);
    if (exceeded) {
      op.response = { code: 403, body: S.forbiddenWithMessage(info, m.name, exceeded) };
      return false;
    }
    return true;
  }

  /**
   * The Priority admission plugin on create: a pod's PriorityClass resolved into its priority and
   * preemption policy (`given`: what the client sent, before defaulting); a second global
   * default PriorityClass refused. @returns the Forbidden message, or undefined.
   */
  private admitPriority(info: ResourceInfo, obj: Obj, given: Obj): string | undefined {
    if (info.plural !== 'pods' && info.plural !== 'priorityclasses') return undefined;
    const classes = findResource('priorityclasses')!;
    if (info.plural === 'priorityclasses') return admitPriorityClass(obj, 'create', this.core.cache.list(classes) as Obj[]);
    return admitPodPriority(
      obj,
      { priority: given.priority, preemptionPolicy: given.preemptionPolicy },
      (name) => this.core.cache.objects.get(`${classes.etcdPrefix}${name}`) as Obj | undefined,
      () => this.core.cache.list(classes) as Obj[],
    );
  }
}

/** The JSON type of a value as Go's decoder names it in `cannot unmarshal <type>`. */
function jsonTypeName(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'object';
  return typeof value === 'boolean' ? 'bool' : typeof value;
}

