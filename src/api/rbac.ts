/**
 * The RBAC authorizer, with the semantics of Kubernetes' own (`plugin/pkg/auth/authorizer/rbac`,
 * `pkg/registry/rbac/validation`): ClusterRoleBindings grant everywhere, RoleBindings grant in
 * their namespace, permissions are purely additive, and the reasons read as the real ones.
 *
 * An {@link RbacIndex} is kept current from the API server's store (`upsert` / `remove` on every
 * change of a Role, ClusterRole, RoleBinding or ClusterRoleBinding) and indexes bindings by
 * subject, so a decision only looks at the bindings of the requesting user and its groups.
 * Aggregated ClusterRoles (`aggregationRule`) are not expanded. The bootstrap policy is in
 * rbac-bootstrap.ts.
 *
 * @packageDocumentation
 */
import type { ClusterRole, ClusterRoleBinding, KubeObject, PolicyRule, Role, RoleBinding } from './types.js';

/** The API group of the RBAC kinds. */
export const RBAC_API_GROUP = 'rbac.authorization.k8s.io';

/** The attributes of a request, as the API server's `authorizer.Attributes`. */
export interface AuthorizationRequest {
  /** The authenticated user name, e.g. `alice`, `system:kube-scheduler`, `system:serviceaccount:ns:sa`. */
  user: string;
  /** The user's groups, e.g. `system:authenticated`, `system:masters`. */
  groups: readonly string[];
  /** The verb: `get`, `list`, `watch`, `create`, `update`, `patch`, `delete`, `deletecollection`, ... (HTTP verbs in lower case for non-resource URLs). */
  verb: string;
  /** The resource (plural, e.g. `pods`); absent for non-resource requests. */
  resource?: string;
  /** The subresource, e.g. `status`, `binding`, `scale`, `log`. */
  subresource?: string;
  /** The API group (`""` for the core group). */
  apiGroup?: string;
  /** The namespace; empty or absent for cluster-scoped requests and for lists across all namespaces. */
  namespace?: string;
  /** The object name, when the request names one. */
  name?: string;
  /** Set for non-resource requests: the URL path, e.g. `/healthz`, `/apis`. */
  nonResourceURL?: string;
}

/** The authorizer's answer. */
export interface AuthorizationDecision {
  /** True when some rule allows the request. */
  allowed: boolean;
  /**
   * When allowed, which binding allowed it
   * (`RBAC: allowed by ClusterRoleBinding "cluster-admin" of ClusterRole "cluster-admin" to Group "system:masters"`);
   * when denied, empty, or the errors met resolving roles (`RBAC: clusterrole.rbac.authorization.k8s.io "x" not found`).
   */
  reason: string;
}

/** The four RBAC kinds the index holds. */
export type RbacKind = 'Role' | 'ClusterRole' | 'RoleBinding' | 'ClusterRoleBinding';

/** Any RBAC object. */
export type RbacObject = Role | ClusterRole | RoleBinding | ClusterRoleBinding;

/** A binding's subject (`rbacv1.Subject`). */
export interface Subject {
  kind: string;
  name: string;
  namespace?: string;
  apiGroup?: string;
}

interface BindingEntry {
  readonly kind: 'RoleBinding' | 'ClusterRoleBinding';
  readonly name: string;
  /** `""` for ClusterRoleBindings. */
  readonly namespace: string;
  readonly roleRefKind: string;
  readonly roleRefName: string;
  readonly subjects: readonly Subject[];
  /** The index keys this binding is filed under. */
  readonly keys: readonly string[];
}

const SA_PREFIX = 'system:serviceaccount:';

/**
 * The user name of a service account (`system:serviceaccount:<namespace>:<name>`).
 *
 * @param namespace - the service account's namespace.
 * @param name - the service account's name.
 */
export function serviceAccountUsername(namespace: string, name: string): string {
  return `${SA_PREFIX}${namespace}:${name}`;
}

/**
 * The groups a service account's token authenticates with: `system:serviceaccounts`,
 * `system:serviceaccounts:<namespace>` and `system:authenticated`.
 *
 * @param namespace - the service account's namespace.
 */
export function serviceAccountGroups(namespace: string): string[] {
  return ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'];
}

/** The index key under which a subject of a binding in `bindingNamespace` is filed; undefined if it can never apply. */
function subjectKey(s: Subject, bindingNamespace: string): string | undefined {
  switch (s.kind) {
    case 'User':
      return 'u:' + s.name;
    case 'Group':
      return 'g:' + s.name;
    case 'ServiceAccount': {
      // A RoleBinding's service account defaults to the binding's namespace; a ClusterRoleBinding's has none.
      const ns = s.namespace || bindingNamespace;
      return ns ? 'u:' + serviceAccountUsername(ns, s.name) : undefined;
    }
    default:
      return undefined;
  }
}

function appliesToUser(user: string, groups: readonly string[], s: Subject, bindingNamespace: string): boolean {
  switch (s.kind) {
    case 'User':
      return user === s.name;
    case 'Group':
      return groups.includes(s.name);
    case 'ServiceAccount': {
      const ns = s.namespace || bindingNamespace;
      return ns !== '' && user === serviceAccountUsername(ns, s.name);
    }
    default:
      return false;
  }
}

/** `describeSubject`: note the real text puts a service account as `name/namespace`. */
function describeSubject(s: Subject, bindingNamespace: string): string {
  if (s.kind === 'ServiceAccount') return `${s.kind} ${JSON.stringify(s.name + '/' + (s.namespace || bindingNamespace))}`;
  return `${s.kind} ${JSON.stringify(s.name)}`;
}

function describeBinding(b: BindingEntry, s: Subject): string {
  const name = b.kind === 'RoleBinding' ? `${b.name}/${b.namespace}` : b.name;
  return `${b.kind} ${JSON.stringify(name)} of ${b.roleRefKind} ${JSON.stringify(b.roleRefName)} to ${describeSubject(s, b.namespace)}`;
}

function has(list: readonly string[] | undefined, value: string): boolean {
  if (list === undefined) return false;
  for (let i = 0; i < list.length; i++) if (list[i] === value) return true;
  return false;
}

/**
 * Whether one policy rule allows a request (`rbac.RuleAllows`): verbs, API groups, resources
 * (`*`, `resource/subresource`, and `*` followed by `/subresource`) and resource names for resource requests;
 * verbs and non-resource URLs (`*`, exact, or a prefix ending in `*`) for the others.
 *
 * @param request - the request attributes.
 * @param rule - the rule.
 */
export function ruleAllows(request: AuthorizationRequest, rule: PolicyRule): boolean {
  const verbs = rule.verbs ?? [];
  if (!has(verbs, '*') && !has(verbs, request.verb)) return false;
  if (request.nonResourceURL !== undefined) {
    const path = request.nonResourceURL;
    for (const u of rule.nonResourceURLs ?? []) {
      if (u === '*' || u === path) return true;
      if (u.endsWith('*') && path.startsWith(u.replace(/\*+$/, ''))) return true;
    }
    return false;
  }
  const groups = rule.apiGroups ?? [];
  const group = request.apiGroup ?? '';
  if (!has(groups, '*') && !has(groups, group)) return false;
  const sub = request.subresource ?? '';
  const combined = sub ? `${request.resource ?? ''}/${sub}` : (request.resource ?? '');
  let resourceOk = false;
  for (const r of rule.resources ?? []) {
    if (r === '*' || r === combined || (sub !== '' && r === '*/' + sub)) {
      resourceOk = true;
      break;
    }
  }
  if (!resourceOk) return false;
  const names = rule.resourceNames;
  if (names === undefined || names.length === 0) return true;
  return has(names, request.name ?? '');
}

/** `utilerrors.NewAggregate(errs).Error()`. */
function aggregate(messages: readonly string[]): string {
  const unique = [...new Set(messages)];
  return unique.length === 1 ? unique[0]! : `[${unique.join(', ')}]`;
}

const byName = (a: BindingEntry, b: BindingEntry): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/**
 * The RBAC state of a cluster, indexed for authorization: roles by name, bindings by subject.
 * Keep it current with {@link RbacIndex.upsert} and {@link RbacIndex.remove}.
 */
export class RbacIndex {
  private readonly clusterRoles = new Map<string, readonly PolicyRule[]>();
  /** key `namespace/name`. */
  private readonly roles = new Map<string, readonly PolicyRule[]>();
  private readonly clusterRoleBindings = new Map<string, BindingEntry>();
  /** key `namespace/name`. */
  private readonly roleBindings = new Map<string, BindingEntry>();
  /** subject key → ClusterRoleBindings naming it. */
  private readonly crbBySubject = new Map<string, Set<BindingEntry>>();
  /** namespace → subject key → RoleBindings naming it. */
  private readonly rbBySubject = new Map<string, Map<string, Set<BindingEntry>>>();

  /** Decisions since the last change of a role or binding, by their request's key. */
  private readonly decisions = new Map<string, AuthorizationDecision>();
  /** Resources some rule limits by `resourceNames` (`*` for any): only for them does the name count. */
  private namedResources: Set<string> | undefined;

  /**
   * @param objects - initial objects, e.g. {@link bootstrapRbac}`()`.
   */
  constructor(objects: Iterable<RbacObject | KubeObject> = []) {
    for (const o of objects) this.upsert(o);
  }

  /** A role or binding changed: the cached decisions and the named resources no longer hold. */
  private changed(): void {
    this.decisions.clear();
    this.namedResources = undefined;
  }

  /**
   * Adds or replaces a Role, ClusterRole, RoleBinding or ClusterRoleBinding. Other kinds are ignored.
   * The index keeps its own copy: later changes to `obj` have no effect.
   *
   * @param obj - the object, as stored.
   * @returns true when the object was of an RBAC kind and is now indexed.
   */
  upsert(obj: RbacObject | KubeObject): boolean {
    this.changed();
    const o = obj as KubeObject & { rules?: PolicyRule[]; roleRef?: { kind?: string; name?: string }; subjects?: Subject[] };
    const name = o.metadata?.name ?? '';
    const namespace = o.metadata?.namespace ?? '';
    switch (o.kind) {
      case 'ClusterRole':
        this.clusterRoles.set(name, copyRules(o.rules));
        return true;
      case 'Role':
        this.roles.set(`${namespace}/${name}`, copyRules(o.rules));
        return true;
      case 'ClusterRoleBinding':
      case 'RoleBinding': {
        const isCluster = o.kind === 'ClusterRoleBinding';
        const bindingNs = isCluster ? '' : namespace;
        this.remove(o.kind, namespace, name);
        const subjects = (o.subjects ?? []).map((s) => ({ ...s }));
        const keys = [...new Set(subjects.map((s) => subjectKey(s, bindingNs)).filter((k): k is string => k !== undefined))];
        const entry: BindingEntry = Object.freeze({
          kind: o.kind,
          name,
          namespace: bindingNs,
          roleRefKind: o.roleRef?.kind ?? '',
          roleRefName: o.roleRef?.name ?? '',
          subjects,
          keys,
        });
        let bySubject: Map<string, Set<BindingEntry>>;
        if (isCluster) {
          this.clusterRoleBindings.set(name, entry);
          bySubject = this.crbBySubject;
        } else {
          this.roleBindings.set(`${namespace}/${name}`, entry);
          let m = this.rbBySubject.get(namespace);
          if (m === undefined) this.rbBySubject.set(namespace, (m = new Map()));
          bySubject = m;
        }
        for (const k of keys) {
          let set = bySubject.get(k);
          if (set === undefined) bySubject.set(k, (set = new Set()));
          set.add(entry);
        }
        return true;
      }
      default:
        return false;
    }
  }

  /**
   * Removes an object.
   *
   * @param kind - `Role`, `ClusterRole`, `RoleBinding` or `ClusterRoleBinding`.
   * @param namespace - the namespace (ignored for the cluster-scoped kinds).
   * @param name - the name.
   * @returns true when something was removed.
   */
  remove(kind: RbacKind | string, namespace: string | undefined, name: string): boolean {
    this.changed();
    switch (kind) {
      case 'ClusterRole':
        return this.clusterRoles.delete(name);
      case 'Role':
        return this.roles.delete(`${namespace ?? ''}/${name}`);
      case 'ClusterRoleBinding': {
        const e = this.clusterRoleBindings.get(name);
        if (e === undefined) return false;
        this.clusterRoleBindings.delete(name);
        unfile(this.crbBySubject, e);
        return true;
      }
      case 'RoleBinding': {
        const key = `${namespace ?? ''}/${name}`;
        const e = this.roleBindings.get(key);
        if (e === undefined) return false;
        this.roleBindings.delete(key);
        const m = this.rbBySubject.get(namespace ?? '');
        if (m !== undefined) {
          unfile(m, e);
          if (m.size === 0) this.rbBySubject.delete(namespace ?? '');
        }
        return true;
      }
      default:
        return false;
    }
  }

  /** How many objects of each kind the index holds. */
  counts(): Record<RbacKind, number> {
    return {
      Role: this.roles.size,
      ClusterRole: this.clusterRoles.size,
      RoleBinding: this.roleBindings.size,
      ClusterRoleBinding: this.clusterRoleBindings.size,
    };
  }

  /**
   * Decides a request as the RBAC authorizer: ClusterRoleBindings of the user first, then the
   * RoleBindings of the request's namespace; the first rule that allows wins.
   *
   * @param request - the request attributes.
   */
  authorize(request: AuthorizationRequest): AuthorizationDecision {
    // decisions are cached until the next change of a role or binding (a component asks the
    // same question thousands of times: "may kubelet node-7 patch pods/status in default?")
    const key = this.decisionKey(request);
    const cached = this.decisions.get(key);
    if (cached) return cached;
    const decision = this.decide(request);
    if (this.decisions.size >= 10_000) this.decisions.clear();
    this.decisions.set(key, decision);
    return decision;
  }

  private decisionKey(r: AuthorizationRequest): string {
    if (!this.namedResources) {
      this.namedResources = new Set();
      for (const rules of [...this.clusterRoles.values(), ...this.roles.values()]) {
        for (const rule of rules) {
          if (!rule.resourceNames || rule.resourceNames.length === 0) continue;
          // a wildcard ("*", "*/status", "pods/*") could cover anything: every name counts then
          for (const res of rule.resources ?? ['*']) this.namedResources.add(res.includes('*') ? '*' : res);
        }
      }
    }
    const resource = r.subresource ? `${r.resource}/${r.subresource}` : (r.resource ?? '');
    const named = this.namedResources.has('*') || this.namedResources.has(resource) || this.namedResources.has(r.resource ?? '');
    return [r.user, r.groups.join(','), r.verb, r.apiGroup ?? '', resource, r.namespace ?? '', named ? (r.name ?? '') : '', r.nonResourceURL ?? ''].join('\u0000');
  }

  private decide(request: AuthorizationRequest): AuthorizationDecision {
    const errors: string[] = [];
    let reason: string | undefined;
    this.visit(request.user, request.groups, request.namespace ?? '', (binding, subject, rules, err) => {
      if (err !== undefined) {
        errors.push(err);
        return true;
      }
      for (const rule of rules) {
        if (ruleAllows(request, rule)) {
          reason = `RBAC: allowed by ${describeBinding(binding, subject)}`;
          return false;
        }
      }
      return true;
    });
    if (reason !== undefined) return { allowed: true, reason };
    return { allowed: false, reason: errors.length > 0 ? `RBAC: ${aggregate(errors)}` : '' };
  }

  /**
   * All rules that apply to a user in a namespace (`RulesFor`, as behind SelfSubjectRulesReview
   * and `kubectl auth can-i --list`), with the errors met resolving role references.
   *
   * @param user - the user name.
   * @param groups - the user's groups.
   * @param namespace - the namespace, or `""` for cluster-wide rules only.
   */
  rulesFor(user: string, groups: readonly string[], namespace: string): { rules: PolicyRule[]; errors: string[] } {
    const rules: PolicyRule[] = [];
    const errors: string[] = [];
    this.visit(user, groups, namespace, (_b, _s, rs, err) => {
      if (err !== undefined) errors.push(err);
      else for (const r of rs) rules.push(structuredClone(r));
      return true;
    });
    return { rules, errors };
  }

  /** `VisitRulesFor`: calls `visitor` per applying binding, in name order, until it returns false. */
  private visit(
    user: string,
    groups: readonly string[],
    namespace: string,
    visitor: (binding: BindingEntry, subject: Subject, rules: readonly PolicyRule[], err?: string) => boolean,
  ): void {
    const keys = ['u:' + user, ...groups.map((g) => 'g:' + g)];
    const scopes: Array<[Map<string, Set<BindingEntry>> | undefined, string]> = [[this.crbBySubject, '']];
    if (namespace !== '') scopes.push([this.rbBySubject.get(namespace), namespace]);
    for (const [bySubject, bindingNs] of scopes) {
      if (bySubject === undefined) continue;
      const candidates = collect(bySubject, keys);
      for (const b of candidates) {
        const subject = b.subjects.find((s) => appliesToUser(user, groups, s, bindingNs));
        if (subject === undefined) continue;
        const resolved = this.roleRules(b);
        const keepGoing =
          typeof resolved === 'string' ? visitor(b, subject, [], resolved) : visitor(b, subject, resolved, undefined);
        if (!keepGoing) return;
      }
    }
  }

  /** `GetRoleReferenceRules`: the rules a binding refers to, or the error text. */
  private roleRules(b: BindingEntry): readonly PolicyRule[] | string {
    switch (b.roleRefKind) {
      case 'ClusterRole': {
        const r = this.clusterRoles.get(b.roleRefName);
        return r ?? `clusterrole.${RBAC_API_GROUP} ${JSON.stringify(b.roleRefName)} not found`;
      }
      case 'Role': {
        const r = this.roles.get(`${b.namespace}/${b.roleRefName}`);
        return r ?? `role.${RBAC_API_GROUP} ${JSON.stringify(b.roleRefName)} not found`;
      }
      default:
        return `unsupported role reference kind: ${JSON.stringify(b.roleRefKind)}`;
    }
  }
}

function copyRules(rules: readonly PolicyRule[] | undefined): readonly PolicyRule[] {
  return Object.freeze((rules ?? []).map((r) => Object.freeze(structuredClone(r))));
}

function unfile(bySubject: Map<string, Set<BindingEntry>>, e: BindingEntry): void {
  for (const k of e.keys) {
    const set = bySubject.get(k);
    if (set === undefined) continue;
    set.delete(e);
    if (set.size === 0) bySubject.delete(k);
  }
}

function collect(bySubject: Map<string, Set<BindingEntry>>, keys: readonly string[]): BindingEntry[] {
  let first: Set<BindingEntry> | undefined;
  let out: Set<BindingEntry> | undefined;
  for (const k of keys) {
    const set = bySubject.get(k);
    if (set === undefined) continue;
    if (first === undefined) first = set;
    else {
      out ??= new Set(first);
      for (const e of set) out.add(e);
    }
  }
  const all = out ?? first;
  return all === undefined ? [] : [...all].sort(byName);
}

/**
 * Decides a request with the rules of an index (the same as `index.authorize(request)`).
 *
 * @param request - the request attributes.
 * @param rules - the RBAC index built from the cluster's roles and bindings.
 */
export function authorize(request: AuthorizationRequest, rules: RbacIndex): AuthorizationDecision {
  return rules.authorize(request);
}

/**
 * The message of the API server's 403 Forbidden Status for a denied request, as kubectl prints
 * it after `Error from server (Forbidden): `, e.g.
 * `pods is forbidden: User "u" cannot list resource "pods" in API group "" in the namespace "default"`.
 *
 * @param request - the denied request.
 * @param reason - the authorizer's reason; appended after `: ` when not empty.
 */
export function forbiddenMessage(request: AuthorizationRequest, reason = ''): string {
  let msg: string;
  const user = JSON.stringify(request.user);
  if (request.nonResourceURL !== undefined) {
    msg = `User ${user} cannot ${request.verb} path ${JSON.stringify(request.nonResourceURL)}`;
  } else {
    const resource = request.resource ?? '';
    const combined = request.subresource ? `${resource}/${request.subresource}` : resource;
    const group = JSON.stringify(request.apiGroup ?? '');
    const where = request.namespace ? `in the namespace ${JSON.stringify(request.namespace)}` : 'at the cluster scope';
    msg = `User ${user} cannot ${request.verb} resource ${JSON.stringify(combined)} in API group ${group} ${where}`;
  }
  if (reason) msg += `: ${reason}`;
  const resource = request.nonResourceURL !== undefined ? '' : (request.resource ?? '');
  const qualified = resource && request.apiGroup ? `${resource}.${request.apiGroup}` : resource;
  if (qualified === '') return `forbidden: ${msg}`;
  if (request.name) return `${qualified} ${JSON.stringify(request.name)} is forbidden: ${msg}`;
  return `${qualified} is forbidden: ${msg}`;
}
