/**
 * Server-side defaults, as the real API server fills them in on create and update
 * (`pkg/apis/core/v1/defaults.go`, `pkg/apis/apps/v1/defaults.go`, `pkg/apis/rbac/v1/defaults.go`,
 * the v1 conversions that keep `podIP`/`podIPs` in step, and the admission plugins every cluster
 * runs: ServiceAccount, Priority, DefaultTolerationSeconds). `kubectl describe` and
 * `kubectl get -o yaml` rely on these fields being present.
 *
 * {@link applyDefaults} returns a deep copy and never modifies its input.
 */
import { defaultCronJob, defaultJob, defaultReplicationController } from './batch-defaults.js';
import { defaultHorizontalPodAutoscaler } from './autoscaling.js';
import { defaultLimitRange } from './limit-range.js';
import { defaultIngressClass, defaultNetworkPolicy } from './validation-networking.js';
import type { KubeObject } from './types.js';
import { clone, deepFreeze, isObject } from './json-values.js';

type Obj = Record<string, unknown>;

const isObj: (v: unknown) => v is Obj = isObject;


function objAt(parent: Obj, key: string): Obj {
  const v = parent[key];
  if (isObj(v)) return v;
  const fresh: Obj = {};
  parent[key] = fresh;
  return fresh;
}

function setIfAbsent(o: Obj, key: string, value: unknown): void {
  if (o[key] === undefined || o[key] === null || o[key] === '') o[key] = value;
}

/** The grace period a pod gets when it names none (`terminationGracePeriodSeconds`). */
const DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS = 30;
/** Seconds a pod tolerates `not-ready` / `unreachable` taints (DefaultTolerationSeconds admission). */
const DEFAULT_TOLERATION_SECONDS = 300;
/**
 * The tolerations DefaultTolerationSeconds adds, one frozen object per taint that every pod
 * shares (a stored pod is never changed in place; a cluster of 150,000 pods holds two objects,
 * not 300,000).
 */
const DEFAULT_TOLERATIONS: Readonly<Record<string, Obj>> = Object.fromEntries(
  ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable'].map((key) => [key, deepFreeze({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: DEFAULT_TOLERATION_SECONDS })]),
);

/**
 * The tag of an image reference as the kubelet's `ParseImageName` sees it: `latest` when there is
 * neither tag nor digest, `''` when there is only a digest.
 */
export function imageTag(image: string): string {
  const at = image.indexOf('@');
  const name = at >= 0 ? image.slice(0, at) : image;
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  const tag = colon > slash ? name.slice(colon + 1) : '';
  if (tag === '' && at < 0) return 'latest';
  return tag;
}

/** `Always` for `:latest` or untagged images, `IfNotPresent` otherwise (SetDefaults_Container). */
export function defaultImagePullPolicy(image: string | undefined): 'Always' | 'IfNotPresent' {
  return imageTag(image ?? '') === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultProbe(probe: unknown): void {
  if (!isObj(probe)) return;
  setIfAbsent(probe, 'timeoutSeconds', 1);
  setIfAbsent(probe, 'periodSeconds', 10);
  setIfAbsent(probe, 'successThreshold', 1);
  setIfAbsent(probe, 'failureThreshold', 3);
  const http = probe['httpGet'];
  if (isObj(http)) {
    setIfAbsent(http, 'path', '/');
    setIfAbsent(http, 'scheme', 'HTTP');
  }
}

function defaultContainer(ctr: Obj): void {
  setIfAbsent(ctr, 'imagePullPolicy', defaultImagePullPolicy(typeof ctr['image'] === 'string' ? ctr['image'] : undefined));
  setIfAbsent(ctr, 'terminationMessagePath', '/dev/termination-log');
  setIfAbsent(ctr, 'terminationMessagePolicy', 'File');
  if (!isObj(ctr['resources'])) ctr['resources'] = {};
  const ports = ctr['ports'];
  if (Array.isArray(ports)) {
    for (const p of ports) {
      if (!isObj(p)) continue;
      setIfAbsent(p, 'protocol', 'TCP');
    }
  }
  defaultProbe(ctr['livenessProbe']);
  defaultProbe(ctr['readinessProbe']);
  defaultProbe(ctr['startupProbe']);
  const env = ctr['env'];
  if (Array.isArray(env)) {
    for (const e of env) {
      const fieldRef = isObj(e) && isObj(e['valueFrom']) ? e['valueFrom']['fieldRef'] : undefined;
      if (isObj(fieldRef)) setIfAbsent(fieldRef, 'apiVersion', 'v1');
    }
  }
}

/** Limits given without requests become the requests (SetDefaults_Pod; pods only, not templates). */
function requestsFromLimits(ctr: Obj): void {
  const res = ctr['resources'];
  if (!isObj(res) || !isObj(res['limits'])) return;
  const limits = res['limits'];
  if (Object.keys(limits).length === 0) return;
  const requests = objAt(res, 'requests');
  for (const name in limits) if (requests[name] === undefined) requests[name] = limits[name];
}

const SOURCE_KEYS = [
  'hostPath', 'emptyDir', 'gcePersistentDisk', 'awsElasticBlockStore', 'gitRepo', 'secret', 'nfs', 'iscsi', 'glusterfs',
  'persistentVolumeClaim', 'rbd', 'flexVolume', 'cinder', 'cephfs', 'flocker', 'downwardAPI', 'fc', 'azureFile', 'configMap',
  'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'projected', 'portworxVolume', 'scaleIO', 'storageos', 'csi',
  'ephemeral', 'image',
];

function defaultVolume(v: Obj): void {
  if (!SOURCE_KEYS.some((k) => v[k] !== undefined && v[k] !== null)) v['emptyDir'] = {};
  for (const k of ['configMap', 'secret', 'downwardAPI', 'projected']) {
    const src = v[k];
    if (isObj(src)) setIfAbsent(src, 'defaultMode', 420);
  }
}

/** SetDefaults_PodSpec plus container, port, probe and volume defaults: what templates get too. */
function defaultPodSpec(spec: Obj): void {
  setIfAbsent(spec, 'dnsPolicy', 'ClusterFirst');
  setIfAbsent(spec, 'restartPolicy', 'Always');
  if (!isObj(spec['securityContext'])) spec['securityContext'] = {};
  if (spec['terminationGracePeriodSeconds'] == null) spec['terminationGracePeriodSeconds'] = DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS;
  setIfAbsent(spec, 'schedulerName', 'default-scheduler');
  for (const list of ['initContainers', 'containers', 'ephemeralContainers']) {
    const ctrs = spec[list];
    if (Array.isArray(ctrs)) for (const c of ctrs) if (isObj(c)) defaultContainer(c);
  }
  const volumes = spec['volumes'];
  if (Array.isArray(volumes)) for (const v of volumes) if (isObj(v)) defaultVolume(v);
}

/**
 * `defaultHostNetworkPorts`: with host networking every container port is a host port (an unset or
 * 0 hostPort becomes the containerPort). SetDefaults_Pod applies it to a Pod's containers and init
 * containers only: since v1.28 (the DefaultHostNetworkHostPortsInPodTemplates gate, removed in
 * v1.31) a pod template keeps its hostPorts unset, and its pods get them when they are created.
 */
function defaultHostNetworkPorts(ctrs: unknown): void {
  if (!Array.isArray(ctrs)) return;
  for (const c of ctrs) {
    if (!isObj(c) || !Array.isArray(c['ports'])) continue;
    for (const p of c['ports']) if (isObj(p) && (p['hostPort'] === undefined || p['hostPort'] === null || p['hostPort'] === 0)) p['hostPort'] = p['containerPort'];
  }
}

function defaultPod(pod: Obj): void {
  const spec = objAt(pod, 'spec');
  defaultPodSpec(spec);
  for (const list of ['initContainers', 'containers']) {
    const ctrs = spec[list];
    if (Array.isArray(ctrs)) for (const c of ctrs) if (isObj(c)) requestsFromLimits(c);
  }
  if (spec['enableServiceLinks'] == null) spec['enableServiceLinks'] = true;
  if (spec['hostNetwork'] === true) {
    defaultHostNetworkPorts(spec['containers']);
    defaultHostNetworkPorts(spec['initContainers']);
  }
  // ServiceAccount admission (and the v1 conversion that mirrors it into serviceAccount); a
  // mirror pod's spec is left as the kubelet wrote it (the plugin then refuses one naming an account)
  const meta = pod['metadata'];
  const annotations = isObj(meta) ? meta['annotations'] : undefined;
  const mirror = isObj(annotations) && annotations['kubernetes.io/config.mirror'] !== undefined;
  if (typeof spec['serviceAccount'] === 'string' && spec['serviceAccount']) setIfAbsent(spec, 'serviceAccountName', spec['serviceAccount']);
  else if (!mirror) setIfAbsent(spec, 'serviceAccountName', 'default');
  if (typeof spec['serviceAccountName'] === 'string' && spec['serviceAccountName']) setIfAbsent(spec, 'serviceAccount', spec['serviceAccountName']);
  // Priority admission: no class, no global default → priority 0.
  if (spec['priority'] == null && !spec['priorityClassName']) spec['priority'] = 0;
  if (typeof spec['priority'] === 'number') setIfAbsent(spec, 'preemptionPolicy', 'PreemptLowerPriority');
  // DefaultTolerationSeconds admission.
  const tolerations: unknown[] = Array.isArray(spec['tolerations']) ? spec['tolerations'] : [];
  const tolerates = (key: string) =>
    tolerations.some((t) => isObj(t) && (t['key'] === key || !t['key']) && (t['effect'] === 'NoExecute' || !t['effect']));
  const added: Obj[] = [];
  for (const [key, toleration] of Object.entries(DEFAULT_TOLERATIONS)) {
    if (!tolerates(key)) added.push(toleration);
  }
  if (added.length > 0) spec['tolerations'] = [...tolerations, ...added];
  // v1 conversion keeps the singular and plural IP fields in step.
  const status = pod['status'];
  if (isObj(status)) {
    for (const [one, many] of [['podIP', 'podIPs'], ['hostIP', 'hostIPs']] as const) {
      const list = status[many];
      if (typeof status[one] === 'string' && status[one] && (!Array.isArray(list) || list.length === 0)) status[many] = [{ ip: status[one] }];
      else if (Array.isArray(list) && list.length > 0 && isObj(list[0]) && !status[one]) status[one] = list[0]['ip'];
    }
  }
}

function defaultTemplate(owner: Obj): void {
  const spec = objAt(owner, 'spec');
  const template = spec['template'];
  if (!isObj(template)) return;
  defaultPodSpec(objAt(template, 'spec'));
}

function defaultDeployment(d: Obj): void {
  const spec = objAt(d, 'spec');
  if (spec['replicas'] == null) spec['replicas'] = 1;
  const strategy = objAt(spec, 'strategy');
  setIfAbsent(strategy, 'type', 'RollingUpdate');
  if (strategy['type'] === 'RollingUpdate') {
    const ru = objAt(strategy, 'rollingUpdate');
    if (ru['maxUnavailable'] === undefined || ru['maxUnavailable'] === null) ru['maxUnavailable'] = '25%';
    if (ru['maxSurge'] === undefined || ru['maxSurge'] === null) ru['maxSurge'] = '25%';
  }
  if (spec['revisionHistoryLimit'] == null) spec['revisionHistoryLimit'] = 10;
  if (spec['progressDeadlineSeconds'] == null) spec['progressDeadlineSeconds'] = 600;
  defaultTemplate(d);
}

function defaultReplicaSet(rs: Obj): void {
  const spec = objAt(rs, 'spec');
  if (spec['replicas'] == null) spec['replicas'] = 1;
  defaultTemplate(rs);
}

function defaultDaemonSet(ds: Obj): void {
  const spec = objAt(ds, 'spec');
  const strategy = objAt(spec, 'updateStrategy');
  setIfAbsent(strategy, 'type', 'RollingUpdate');
  if (strategy['type'] === 'RollingUpdate') {
    const ru = objAt(strategy, 'rollingUpdate');
    if (ru['maxUnavailable'] === undefined || ru['maxUnavailable'] === null) ru['maxUnavailable'] = 1;
    if (ru['maxSurge'] === undefined || ru['maxSurge'] === null) ru['maxSurge'] = 0;
  }
  if (typeof spec['revisionHistoryLimit'] !== 'number') spec['revisionHistoryLimit'] = 10;
  defaultTemplate(ds);
}

function defaultClaimSpec(spec: Obj): void {
  setIfAbsent(spec, 'volumeMode', 'Filesystem');
}

function defaultStatefulSet(sts: Obj): void {
  const spec = objAt(sts, 'spec');
  setIfAbsent(spec, 'podManagementPolicy', 'OrderedReady');
  const strategy = objAt(spec, 'updateStrategy');
  setIfAbsent(strategy, 'type', 'RollingUpdate');
  if (strategy['type'] === 'RollingUpdate') {
    const ru = objAt(strategy, 'rollingUpdate');
    if (typeof ru['partition'] !== 'number') ru['partition'] = 0;
  }
  const retention = objAt(spec, 'persistentVolumeClaimRetentionPolicy');
  setIfAbsent(retention, 'whenDeleted', 'Retain');
  setIfAbsent(retention, 'whenScaled', 'Retain');
  if (typeof spec['replicas'] !== 'number') spec['replicas'] = 1;
  if (typeof spec['revisionHistoryLimit'] !== 'number') spec['revisionHistoryLimit'] = 10;
  const templates = spec['volumeClaimTemplates'];
  if (Array.isArray(templates)) {
    for (const t of templates) {
      if (!isObj(t)) continue;
      setIfAbsent(t, 'apiVersion', 'v1');
      setIfAbsent(t, 'kind', 'PersistentVolumeClaim');
      defaultClaimSpec(objAt(t, 'spec'));
    }
  }
  defaultTemplate(sts);
}

function defaultPersistentVolume(pv: Obj): void {
  const spec = objAt(pv, 'spec');
  setIfAbsent(spec, 'persistentVolumeReclaimPolicy', 'Retain');
  setIfAbsent(spec, 'volumeMode', 'Filesystem');
  setIfAbsent(objAt(pv, 'status'), 'phase', 'Pending');
}

function defaultPersistentVolumeClaim(pvc: Obj): void {
  defaultClaimSpec(objAt(pvc, 'spec'));
  setIfAbsent(objAt(pvc, 'status'), 'phase', 'Pending');
}

function defaultStorageClass(sc: Obj): void {
  setIfAbsent(sc, 'reclaimPolicy', 'Delete');
  setIfAbsent(sc, 'volumeBindingMode', 'Immediate');
}

function defaultService(svc: Obj): void {
  const spec = objAt(svc, 'spec');
  setIfAbsent(spec, 'type', 'ClusterIP');
  setIfAbsent(spec, 'sessionAffinity', 'None');
  if (spec['sessionAffinity'] === 'None') delete spec['sessionAffinityConfig'];
  else if (spec['sessionAffinity'] === 'ClientIP') {
    const clientIP = objAt(objAt(spec, 'sessionAffinityConfig'), 'clientIP');
    if (clientIP['timeoutSeconds'] == null) clientIP['timeoutSeconds'] = 10800;
  }
  const ports = spec['ports'];
  if (Array.isArray(ports)) {
    for (const p of ports) {
      if (!isObj(p)) continue;
      setIfAbsent(p, 'protocol', 'TCP');
      if (p['targetPort'] === undefined || p['targetPort'] === null || p['targetPort'] === 0 || p['targetPort'] === '') p['targetPort'] = p['port'];
    }
  }
  const type = spec['type'];
  if (type === 'NodePort' || type === 'LoadBalancer') setIfAbsent(spec, 'externalTrafficPolicy', 'Cluster');
  if (type !== 'ExternalName') {
    setIfAbsent(spec, 'internalTrafficPolicy', 'Cluster');
    // Set by the service registry on create (single-stack IPv4 cluster).
    setIfAbsent(spec, 'ipFamilyPolicy', 'SingleStack');
    if (!Array.isArray(spec['ipFamilies']) || spec['ipFamilies'].length === 0) spec['ipFamilies'] = ['IPv4'];
    if (typeof spec['clusterIP'] === 'string' && spec['clusterIP'] && (!Array.isArray(spec['clusterIPs']) || spec['clusterIPs'].length === 0)) {
      spec['clusterIPs'] = [spec['clusterIP']];
    }
  }
  if (type === 'LoadBalancer' && spec['allocateLoadBalancerNodePorts'] == null) spec['allocateLoadBalancerNodePorts'] = true;
}

function defaultNamespace(ns: Obj): void {
  const meta = objAt(ns, 'metadata');
  if (typeof meta['name'] === 'string' && meta['name']) objAt(meta, 'labels')['kubernetes.io/metadata.name'] = meta['name'];
  const spec = objAt(ns, 'spec');
  if (!Array.isArray(spec['finalizers'])) spec['finalizers'] = ['kubernetes'];
  setIfAbsent(objAt(ns, 'status'), 'phase', 'Active');
}

function defaultNode(node: Obj): void {
  const spec = node['spec'];
  if (isObj(spec) && typeof spec['podCIDR'] === 'string' && spec['podCIDR'] && (!Array.isArray(spec['podCIDRs']) || spec['podCIDRs'].length === 0)) {
    spec['podCIDRs'] = [spec['podCIDR']];
  }
  const status = node['status'];
  if (isObj(status) && isObj(status['capacity']) && !isObj(status['allocatable'])) status['allocatable'] = { ...status['capacity'] };
}

function defaultEndpoints(ep: Obj): void {
  const subsets = ep['subsets'];
  if (!Array.isArray(subsets)) return;
  for (const ss of subsets) {
    if (!isObj(ss) || !Array.isArray(ss['ports'])) continue;
    for (const p of ss['ports']) if (isObj(p)) setIfAbsent(p, 'protocol', 'TCP');
  }
}

function base64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

function defaultSecret(secret: Obj): void {
  setIfAbsent(secret, 'type', 'Opaque');
  // The v1 conversion merges stringData into data and drops it.
  const stringData = secret['stringData'];
  if (isObj(stringData)) {
    const data = objAt(secret, 'data');
    for (const k in stringData) if (typeof stringData[k] === 'string') data[k] = base64(stringData[k]);
    delete secret['stringData'];
  }
}

const RBAC_GROUP = 'rbac.authorization.k8s.io';

function defaultBinding(b: Obj): void {
  const roleRef = b['roleRef'];
  if (isObj(roleRef)) setIfAbsent(roleRef, 'apiGroup', RBAC_GROUP);
  const subjects = b['subjects'];
  if (!Array.isArray(subjects)) return;
  for (const s of subjects) {
    if (!isObj(s) || (typeof s['apiGroup'] === 'string' && s['apiGroup'])) continue;
    if (s['kind'] === 'User' || s['kind'] === 'Group') s['apiGroup'] = RBAC_GROUP;
    else if (s['kind'] === 'ServiceAccount') s['apiGroup'] = '';
  }
}

const DEFAULTERS: Record<string, (o: Obj) => void> = {
  'v1/Pod': defaultPod,
  'v1/Service': defaultService,
  'v1/Namespace': defaultNamespace,
  'v1/Node': defaultNode,
  'v1/Endpoints': defaultEndpoints,
  'v1/Secret': defaultSecret,
  'v1/LimitRange': defaultLimitRange,
  'networking.k8s.io/v1/NetworkPolicy': defaultNetworkPolicy,
  'networking.k8s.io/v1/IngressClass': defaultIngressClass,
  'apps/v1/Deployment': defaultDeployment,
  'apps/v1/ReplicaSet': defaultReplicaSet,
  'apps/v1/DaemonSet': defaultDaemonSet,
  'apps/v1/StatefulSet': defaultStatefulSet,
  'v1/PersistentVolume': defaultPersistentVolume,
  'v1/PersistentVolumeClaim': defaultPersistentVolumeClaim,
  'storage.k8s.io/v1/StorageClass': defaultStorageClass,
  'v1/ReplicationController': defaultReplicationController,
  'batch/v1/Job': defaultJob,
  'batch/v1/CronJob': defaultCronJob,
  'autoscaling/v2/HorizontalPodAutoscaler': defaultHorizontalPodAutoscaler,
  'scheduling.k8s.io/v1/PriorityClass': (pc) => setIfAbsent(pc, 'preemptionPolicy', 'PreemptLowerPriority'),
  'rbac.authorization.k8s.io/v1/RoleBinding': defaultBinding,
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': defaultBinding,
};

/**
 * A deep copy of `obj` with the defaults a real API server applies for its kind (chosen by
 * apiVersion and kind; other kinds, ConfigMaps, Leases, Events and ServiceAccounts included, get
 * a plain copy since Kubernetes defaults nothing there). `type` names the kind of a body that
 * carries no apiVersion/kind. Idempotent: defaulting twice changes nothing.
 */
export function applyDefaults<T extends KubeObject>(obj: T, type?: { apiVersion: string; kind: string }): T {
  const copy = clone(obj);
  const defaulter = DEFAULTERS[`${obj.apiVersion ?? type?.apiVersion ?? ''}/${obj.kind ?? type?.kind ?? ''}`];
  if (defaulter) defaulter(copy as unknown as Obj);
  return copy;
}

/** The pod defaults applied to a bare PodSpec (as inside a template): dnsPolicy, restartPolicy, containers... */
export function applyPodSpecDefaults<T extends object>(spec: T): T {
  const copy = clone(spec);
  defaultPodSpec(copy as unknown as Obj);
  return copy;
}

// ---------------------------------------------------------------------------------------------
// pod-template-hash

/** apimachinery's `utilrand` alphabet: consonants and digits that cannot spell words. */
export const SAFE_ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

/** apimachinery's `rand.SafeEncodeString`: maps each character to a consonant or digit that cannot spell words. */
export function safeEncodeString(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += SAFE_ALPHANUMS[s.charCodeAt(i) % SAFE_ALPHANUMS.length];
  return out;
}

function canonicalJSON(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJSON(v))).join(',')}]`;
  const keys = Object.keys(value as Obj)
    .filter((k) => (value as Obj)[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJSON((value as Obj)[k])}`).join(',')}}`;
}

/** 32-bit FNV-1a over bytes, as Go's `hash/fnv` New32a. */
function fnv32a(bytes: Uint8Array, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/**
 * The `pod-template-hash` label value of a pod template, as the deployment controller's
 * `ComputeHash`: FNV-1a (32 bit) over the template (here its canonical JSON, key order
 * irrelevant) and, when given, the collision count as 4 little-endian bytes; the decimal sum
 * rendered with {@link safeEncodeString} (e.g. `7d4b9c8f5d`).
 */
export function podTemplateHash(template: unknown, collisionCount?: number): string {
  let h = fnv32a(new TextEncoder().encode(canonicalJSON(template)));
  if (collisionCount !== undefined) {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, collisionCount >>> 0, true);
    h = fnv32a(b, h);
  }
  return safeEncodeString(String(h));
}
