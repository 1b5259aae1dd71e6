/**
 * The building blocks of the RBAC bootstrap policy, as kube's `rbacv1helpers` builders make
 * them (`NewRule(...).Groups(...).Resources(...).RuleOrDie()`, `NewClusterBinding`,
 * `NewRoleBinding`): every list of a rule is sorted (the builders keep sets), and every
 * bootstrap object carries the `kubernetes.io/bootstrapping: rbac-defaults` label and the
 * `rbac.authorization.kubernetes.io/autoupdate: "true"` annotation (`addDefaultMetadata`).
 *
 * @packageDocumentation
 */
import type { ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding } from './types.js';
import { RBAC_API_GROUP, type Subject } from './rbac.js';

/** `Read`. */
export const READ = ['get', 'list', 'watch'];
/** `Write`. */
export const WRITE = ['create', 'update', 'patch', 'delete', 'deletecollection'];
/** `ReadWrite`. */
export const READ_WRITE = [...READ, ...WRITE];
/** `ReadUpdate`. */
export const READ_UPDATE = ['get', 'list', 'watch', 'update', 'patch'];

const sorted = (list: readonly string[]) => [...new Set(list)].sort();

/** A resource rule, its lists sorted as `RuleOrDie` leaves them. */
export function rule(verbs: readonly string[], groups: readonly string[], resources: readonly string[], resourceNames?: readonly string[]): PolicyRule {
  const r: PolicyRule = { apiGroups: sorted(groups), resources: sorted(resources), verbs: sorted(verbs) };
  if (resourceNames) r.resourceNames = sorted(resourceNames);
  return r;
}

/** A non-resource rule (`NewRule(verbs...).URLs(...)`). */
export function urls(verbs: readonly string[], nonResourceURLs: readonly string[]): PolicyRule {
  return { nonResourceURLs: sorted(nonResourceURLs), verbs: sorted(verbs) };
}

/** `eventsRule()`: create, update and patch Events of both groups. */
export function eventsRule(): PolicyRule {
  return rule(['create', 'update', 'patch'], ['', 'events.k8s.io'], ['events']);
}

/** The label of every bootstrap object. */
const BOOTSTRAP_LABEL = 'kubernetes.io/bootstrapping';
/** The annotation that lets the API server reconcile a bootstrap object at every start. */
const AUTOUPDATE_ANNOTATION = 'rbac.authorization.kubernetes.io/autoupdate';

function meta(name: string, labels: Record<string, string> = {}, namespace?: string) {
  return {
    name,
    ...(namespace ? { namespace } : {}),
    labels: { [BOOTSTRAP_LABEL]: 'rbac-defaults', ...labels },
    annotations: { [AUTOUPDATE_ANNOTATION]: 'true' },
  };
}

/** A bootstrap ClusterRole (with extra labels, e.g. `aggregate-to-edit`). */
export function clusterRole(name: string, rules: PolicyRule[], labels?: Record<string, string>): ClusterRole {
  return { apiVersion: `${RBAC_API_GROUP}/v1`, kind: 'ClusterRole', metadata: meta(name, labels), rules };
}

/** A bootstrap ClusterRole whose rules the aggregation controller fills from the ClusterRoles labelled `aggregate-to-<to>`. */
export function aggregatedClusterRole(name: string, to: string, labels?: Record<string, string>): ClusterRole {
  return {
    apiVersion: `${RBAC_API_GROUP}/v1`,
    kind: 'ClusterRole',
    metadata: meta(name, labels),
    aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [`${RBAC_API_GROUP}/aggregate-to-${to}`]: 'true' } }] },
    rules: [],
  };
}

/** A bootstrap Role in `namespace`. */
export function namespacedRole(namespace: string, name: string, rules: PolicyRule[]): Role {
  return { apiVersion: `${RBAC_API_GROUP}/v1`, kind: 'Role', metadata: meta(name, {}, namespace), rules };
}

/** `NewClusterBinding(role)`: a bootstrap ClusterRoleBinding named after its ClusterRole (or `name`). */
export function clusterRoleBinding(role: string, subjects: Subject[], name = role): ClusterRoleBinding {
  const b: ClusterRoleBinding = {
    apiVersion: `${RBAC_API_GROUP}/v1`,
    kind: 'ClusterRoleBinding',
    metadata: meta(name),
    roleRef: { apiGroup: RBAC_API_GROUP, kind: 'ClusterRole', name: role },
  };
  if (subjects.length > 0) b.subjects = subjects;
  return b;
}

/** `NewRoleBinding(role, namespace)`: a bootstrap RoleBinding of a Role (or `name`). */
export function roleBinding(namespace: string, role: string, subjects: Subject[], name = role): RoleBinding {
  return {
    apiVersion: `${RBAC_API_GROUP}/v1`,
    kind: 'RoleBinding',
    metadata: meta(name, {}, namespace),
    roleRef: { apiGroup: RBAC_API_GROUP, kind: 'Role', name: role },
    subjects,
  };
}

/** A `User` subject. */
export const user = (name: string): Subject => ({ apiGroup: RBAC_API_GROUP, kind: 'User', name });
/** A `Group` subject. */
export const group = (name: string): Subject => ({ apiGroup: RBAC_API_GROUP, kind: 'Group', name });
/** A `ServiceAccount` subject (`SAs(namespace, name)`: no apiGroup). */
export const serviceAccount = (namespace: string, name: string): Subject => ({ kind: 'ServiceAccount', name, namespace });
