/**
 * The ServiceAccount admission plugin's enforcement of mountable secrets
 * (`plugin/pkg/admission/serviceaccount/admission.go`, `limitSecretReferences` and
 * `limitEphemeralContainerSecretReferences`): a pod whose ServiceAccount is annotated
 * `kubernetes.io/enforce-mountable-secrets: "true"` may use only the Secrets the account lists in
 * `secrets` — in `secret` volumes, in init containers' and containers' `env[].valueFrom.secretKeyRef`
 * and `envFrom[].secretRef` — and only the image pull secrets it lists in `imagePullSecrets`.
 * Checked on a pod's create (after the account's pull secrets were copied to a pod that had
 * none) and, for ephemeral containers' env and envFrom, on an update of the `ephemeralcontainers`
 * subresource. Other volume kinds naming a Secret (projected, csi, …) are not checked, as in
 * Kubernetes.
 */
import { isObject } from '../../src/api/json-values.js';

type Obj = Record<string, any>;
const isObj: (v: unknown) => v is Obj = isObject;

/** `EnforceMountableSecretsAnnotation`. */
const ENFORCE_MOUNTABLE_SECRETS_ANNOTATION = 'kubernetes.io/enforce-mountable-secrets';

/** Go's `strconv.ParseBool` true values (anything else, or a parse error, is false). */
const GO_TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);

/** `enforceMountableSecrets`: the account's annotation parses as true. */
export function enforcesMountableSecrets(sa: Obj): boolean {
  const value: unknown = sa.metadata?.annotations?.[ENFORCE_MOUNTABLE_SECRETS_ANNOTATION];
  return typeof value === 'string' && GO_TRUE.has(value);
}

const list = (v: unknown): Obj[] => (Array.isArray(v) ? (v as unknown[]).filter(isObj) : []);
const namesOf = (refs: unknown): Set<string> => new Set(list(refs).map((r) => String(r.name ?? '')));

/** The env and envFrom checks of one container; `what` is `container`, `init container` or `ephemeral container`. */
function containerSecretRefs(what: string, c: Obj, mountable: Set<string>, sa: string): string | undefined {
  for (const env of list(c.env)) {
    const ref: unknown = env.valueFrom?.secretKeyRef;
    if (isObj(ref) && !mountable.has(String(ref.name ?? ''))) {
      return `${what} ${c.name ?? ''} with envVar ${env.name ?? ''} referencing secret.secretName="${ref.name ?? ''}" is not allowed because service account ${sa} does not reference that secret`;
    }
  }
  for (const from of list(c.envFrom)) {
    if (isObj(from.secretRef) && !mountable.has(String(from.secretRef.name ?? ''))) {
      return `${what} ${c.name ?? ''} with envFrom referencing secret.secretName="${from.secretRef.name ?? ''}" is not allowed because service account ${sa} does not reference that secret`;
    }
  }
  return undefined;
}

/** `limitSecretReferences` on a pod's create. @returns the Forbidden reason, or undefined. */
export function limitSecretReferences(sa: Obj, spec: Obj): string | undefined {
  const name = String(sa.metadata?.name ?? '');
  const mountable = namesOf(sa.secrets);
  for (const v of list(spec.volumes)) {
    if (!isObj(v.secret)) continue;
    const secretName = String(v.secret.secretName ?? '');
    if (!mountable.has(secretName)) return `volume with secret.secretName="${secretName}" is not allowed because service account ${name} does not reference that secret`;
  }
  for (const c of list(spec.initContainers)) {
    const refused = containerSecretRefs('init container', c, mountable, name);
    if (refused) return refused;
  }
  for (const c of list(spec.containers)) {
    const refused = containerSecretRefs('container', c, mountable, name);
    if (refused) return refused;
  }
  const pull = namesOf(sa.imagePullSecrets);
  const refs = Array.isArray(spec.imagePullSecrets) ? (spec.imagePullSecrets as unknown[]) : [];
  for (let i = 0; i < refs.length; i++) {
    const ref = refs[i];
    const refName = isObj(ref) ? String(ref.name ?? '') : '';
    if (!pull.has(refName)) return `imagePullSecrets[${i}].name="${refName}" is not allowed because service account ${name} does not reference that imagePullSecret`;
  }
  return undefined;
}

/**
 * `limitEphemeralContainerSecretReferences`, the plugin's `Validate` of an update of a pod's
 * `ephemeralcontainers` subresource: the pod must name an account that exists; when the account
 * enforces mountable secrets, every ephemeral container's env and envFrom may name only its
 * `secrets`. @returns the Forbidden reason, or undefined.
 */
export function limitEphemeralContainerSecretReferences(pod: Obj, namespace: string, serviceAccount: (namespace: string, name: string) => Obj | undefined): string | undefined {
  const spec: Obj = isObj(pod.spec) ? pod.spec : {};
  const saName = typeof spec.serviceAccountName === 'string' ? spec.serviceAccountName : '';
  if (saName === '') return `no service account specified for pod ${namespace}/${pod.metadata?.name ?? ''}`;
  const sa = serviceAccount(namespace, saName);
  if (!sa) return `error looking up service account ${namespace}/${saName}: serviceaccount ${JSON.stringify(saName)} not found`;
  if (!enforcesMountableSecrets(sa)) return undefined;
  const mountable = namesOf(sa.secrets);
  for (const c of list(spec.ephemeralContainers)) {
    const refused = containerSecretRefs('ephemeral container', c, mountable, saName);
    if (refused) return refused;
  }
  return undefined;
}
