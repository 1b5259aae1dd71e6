/**
 * Decoding of Kubernetes protobuf request bodies (`application/vnd.kubernetes.protobuf`) for the
 * kinds kubectl's typed generators send (`kubectl create namespace|configmap|secret|
 * serviceaccount|quota|deployment|ingress|service|role|clusterrole|rolebinding|clusterrolebinding|job|cronjob|
 * priorityclass|poddisruptionbudget|token`, `kubectl autoscale`, `kubectl auth`) and
 * DeleteOptions. The body is the `k8s\0` magic and a `runtime.Unknown` (typeMeta, raw); the raw
 * object is decoded with the field numbers of k8s.io/api's generated.proto, for the messages
 * listed here, into the object's JSON form. Go's protobuf encoder writes every non-pointer field,
 * zero or not: zero values are dropped as `omitempty` would, except for pointer fields (`keep`).
 * A field this table does not know is ignored when zero and refused (ProtobufError, answered 415)
 * otherwise: nothing is dropped silently.
 */

/** A body this decoder cannot turn into JSON. */
export class ProtobufError extends Error {
  override name = 'ProtobufError';
}

type Scalar = 'string' | 'bytes' | 'bool' | 'int32' | 'int64';
type Special = 'Time' | 'Quantity' | 'IntOrString';
type FieldType = Scalar | Special | { msg: string } | { map: Scalar | Special | { msg: string } };

interface Field {
  name: string;
  type: FieldType;
  repeated?: boolean;
  /** A pointer field in Go: its zero value was set on purpose and is kept. */
  keep?: boolean;
  /** An embedded struct (`json:",inline"`): its fields are the parent's. */
  inline?: boolean;
}

type Message = Record<number, Field>;

const s = (name: string, keep = false): Field => ({ name, type: 'string', keep });
const b = (name: string, keep = false): Field => ({ name, type: 'bool', keep });
const i32 = (name: string, keep = false): Field => ({ name, type: 'int32', keep });
const i64 = (name: string, keep = false): Field => ({ name, type: 'int64', keep });
const msg = (name: string, type: string, repeated = false): Field => ({ name, type: { msg: type }, repeated });
const strings = (name: string): Field => ({ name, type: 'string', repeated: true });
const inline = (type: string): Field => ({ name: type, type: { msg: type }, inline: true });
const map = (name: string, value: Scalar | Special | { msg: string } = 'string'): Field => ({ name, type: { map: value } });

/** Field numbers from k8s.io/api and k8s.io/apimachinery generated.proto. */
const MESSAGES: Record<string, Message> = {
  // meta/v1
  ObjectMeta: {
    1: s('name'),
    2: s('generateName'),
    3: s('namespace'),
    4: s('selfLink'),
    5: s('uid'),
    6: s('resourceVersion'),
    7: i64('generation'),
    8: { name: 'creationTimestamp', type: 'Time' },
    9: { name: 'deletionTimestamp', type: 'Time' },
    10: i64('deletionGracePeriodSeconds', true),
    11: map('labels'),
    12: map('annotations'),
    13: msg('ownerReferences', 'OwnerReference', true),
    14: strings('finalizers'),
  },
  OwnerReference: { 1: s('kind'), 3: s('name'), 4: s('uid'), 5: s('apiVersion'), 6: b('controller', true), 7: b('blockOwnerDeletion', true) },
  LabelSelector: { 1: map('matchLabels'), 2: msg('matchExpressions', 'LabelSelectorRequirement', true) },
  LabelSelectorRequirement: { 1: s('key'), 2: s('operator'), 3: strings('values') },
  DeleteOptions: {
    1: i64('gracePeriodSeconds', true),
    2: msg('preconditions', 'Preconditions'),
    3: b('orphanDependents', true),
    4: s('propagationPolicy', true),
    5: strings('dryRun'),
  },
  Preconditions: { 1: s('uid', true), 2: s('resourceVersion', true) },
  // core/v1
  Namespace: { 1: msg('metadata', 'ObjectMeta'), 2: msg('spec', 'NamespaceSpec'), 3: msg('status', 'NamespaceStatus') },
  NamespaceSpec: { 1: strings('finalizers') },
  NamespaceStatus: { 1: s('phase') },
  ConfigMap: { 1: msg('metadata', 'ObjectMeta'), 2: map('data'), 3: map('binaryData', 'bytes'), 4: b('immutable', true) },
  Secret: { 1: msg('metadata', 'ObjectMeta'), 2: map('data', 'bytes'), 3: s('type'), 4: map('stringData'), 5: b('immutable', true) },
  ServiceAccount: { 1: msg('metadata', 'ObjectMeta'), 2: msg('secrets', 'ObjectReference', true), 3: msg('imagePullSecrets', 'LocalObjectReference', true), 4: b('automountServiceAccountToken', true) },
  ObjectReference: { 1: s('kind'), 2: s('namespace'), 3: s('name'), 4: s('uid'), 5: s('apiVersion'), 6: s('resourceVersion'), 7: s('fieldPath') },
  LocalObjectReference: { 1: s('name') },
  Service: { 1: msg('metadata', 'ObjectMeta'), 2: msg('spec', 'ServiceSpec'), 3: msg('status', 'ServiceStatus') },
  ServiceSpec: {
    1: msg('ports', 'ServicePort', true),
    2: map('selector'),
    3: s('clusterIP'),
    4: s('type'),
    5: strings('externalIPs'),
    7: s('sessionAffinity'),
    8: s('loadBalancerIP'),
    9: strings('loadBalancerSourceRanges'),
    10: s('externalName'),
    11: s('externalTrafficPolicy'),
    12: i32('healthCheckNodePort'),
    13: b('publishNotReadyAddresses'),
    17: s('ipFamilyPolicy', true),
    18: strings('clusterIPs'),
    19: strings('ipFamilies'),
    20: b('allocateLoadBalancerNodePorts', true),
    21: s('loadBalancerClass', true),
    22: s('internalTrafficPolicy', true),
  },
  ServicePort: { 1: s('name'), 2: s('protocol'), 3: i32('port'), 4: { name: 'targetPort', type: 'IntOrString' }, 5: i32('nodePort'), 6: s('appProtocol', true) },
  ServiceStatus: { 1: msg('loadBalancer', 'LoadBalancerStatus') },
  TypedLocalObjectReference: { 1: s('apiGroup', true), 2: s('kind'), 3: s('name') },
  ResourceQuota: { 1: msg('metadata', 'ObjectMeta'), 2: msg('spec', 'ResourceQuotaSpec'), 3: msg('status', 'ResourceQuotaStatus') },
  ResourceQuotaSpec: { 1: map('hard', 'Quantity'), 2: strings('scopes'), 3: msg('scopeSelector', 'ScopeSelector') },
  ResourceQuotaStatus: { 1: map('hard', 'Quantity'), 2: map('used', 'Quantity') },
  ScopeSelector: { 1: msg('matchExpressions', 'ScopedResourceSelectorRequirement', true) },
  ScopedResourceSelectorRequirement: { 1: s('scopeName'), 2: s('operator'), 3: strings('values') },
  LoadBalancerStatus: {},
  PodTemplateSpec: { 1: msg('metadata', 'ObjectMeta'), 2: msg('spec', 'PodSpec') },
  PodSpec: {
    2: msg('containers', 'Container', true),
    3: s('restartPolicy'),
    4: i64('terminationGracePeriodSeconds', true),
    5: i64('activeDeadlineSeconds', true),
    6: s('dnsPolicy'),
    7: map('nodeSelector'),
    8: s('serviceAccountName'),
    9: s('serviceAccount'),
    10: s('nodeName'),
    11: b('hostNetwork'),
    12: b('hostPID'),
    13: b('hostIPC'),
    15: msg('imagePullSecrets', 'LocalObjectReference', true),
    16: s('hostname'),
    17: s('subdomain'),
    19: s('schedulerName'),
    20: msg('initContainers', 'Container', true),
    21: b('automountServiceAccountToken', true),
    22: msg('tolerations', 'Toleration', true),
    24: s('priorityClassName'),
    25: i32('priority', true),
  },
  Toleration: { 1: s('key'), 2: s('operator'), 3: s('value'), 4: s('effect'), 5: i64('tolerationSeconds', true) },
  Container: {
    1: s('name'),
    2: s('image'),
    3: strings('command'),
    4: strings('args'),
    5: s('workingDir'),
    6: msg('ports', 'ContainerPort', true),
    7: msg('env', 'EnvVar', true),
    8: msg('resources', 'ResourceRequirements'),
    9: msg('volumeMounts', 'VolumeMount', true),
    13: s('terminationMessagePath'),
    14: s('imagePullPolicy'),
    16: b('stdin'),
    17: b('stdinOnce'),
    18: b('tty'),
    20: s('terminationMessagePolicy'),
    24: s('restartPolicy', true),
  },
  ContainerPort: { 1: s('name'), 2: i32('hostPort'), 3: i32('containerPort'), 4: s('protocol'), 5: s('hostIP') },
  EnvVar: { 1: s('name'), 2: s('value') },
  ResourceRequirements: { 1: map('limits', 'Quantity'), 2: map('requests', 'Quantity') },
  VolumeMount: { 1: s('name'), 2: b('readOnly'), 3: s('mountPath'), 4: s('subPath'), 5: s('mountPropagation', true), 6: s('subPathExpr') },
  // autoscaling/v1 (kubectl autoscale)
  HorizontalPodAutoscaler: { 1: msg('metadata', 'ObjectMeta'), 2: msg('spec', 'HorizontalPodAutoscalerSpec'), 3: msg('status', 'HorizontalPodAutoscalerStatus') },
  HorizontalPodAutoscalerSpec: { 1: msg('scaleTargetRef', 'CrossVersionObjectReference'), 2: i32('minReplicas', true), 3: i32('maxReplicas'), 4: i32('targetCPUUtilizationPercentage', true) },
  CrossVersionObjectReference: { 1: s('kind'), 2: s('name'), 3: s('apiVersion') },
  HorizontalPodAutoscalerStatus: {
    1: i64('observedGeneration', true),
    2: { name: 'lastScaleTime', type: 'Time' },
    3: i32('currentReplicas'),
    4: i32('desiredReplicas'),
    5: i32('currentCPUUtilizationPercentage', true),
  },
  // apps/v1
  Deployment: { 1: msg('metadata', 'ObjectMeta'), 2: msg('spec', 'DeploymentSpec'), 3: msg('status', 'DeploymentStatus') },
  DeploymentSpec: {
    1: i32('replicas', true),
    2: msg('selector', 'LabelSelector'),
    3: msg('template', 'PodTemplateSpec'),
    4: msg('strategy', 'DeploymentStrategy'),
    5: i32('minReadySeconds'),
    6: i32('revisionHistoryLimit', true),
    7: b('paused'),
    9: i32('progressDeadlineSeconds', true),
  },
  DeploymentStrategy: { 1: s('type'), 2: msg('rollingUpdate', 'RollingUpdateDeployment') },
  RollingUpdateDeployment: { 1: { name: 'maxUnavailable', type: 'IntOrString' }, 2: { name: 'maxSurge', type: 'IntOrString' } },
  DeploymentStatus: {
    1: i64('observedGeneration'),
    2: i32('replicas'),
    3: i32('updatedReplicas'),
    4: i32('availableReplicas'),
    5: i32('unavailableReplicas'),
    7: i32('readyReplicas'),
    8: i32('collisionCount', true),
  },
  // networking.k8s.io/v1
  Ingress: { 1: msg('metadata', 'ObjectMeta'), 2: msg('spec', 'IngressSpec'), 3: msg('status', 'IngressStatus') },
  IngressSpec: { 1: msg('defaultBackend', 'IngressBackend'), 2: msg('tls', 'IngressTLS', true), 3: msg('rules', 'IngressRule', true), 4: s('ingressClassName', true) },
  IngressBackend: { 3: msg('resource', 'TypedLocalObjectReference'), 4: msg('service', 'IngressServiceBackend') },
  IngressServiceBackend: { 1: s('name'), 2: msg('port', 'ServiceBackendPort') },
  ServiceBackendPort: { 1: s('name'), 2: i32('number') },
  IngressTLS: { 1: strings('hosts'), 2: s('secretName') },
  IngressRule: { 1: s('host'), 2: inline('IngressRuleValue') },
  IngressRuleValue: { 1: msg('http', 'HTTPIngressRuleValue') },
  HTTPIngressRuleValue: { 1: msg('paths', 'HTTPIngressPath', true) },
  HTTPIngressPath: { 1: s('path'), 2: msg('backend', 'IngressBackend'), 3: s('pathType', true) },
  IngressStatus: { 1: msg('loadBalancer', 'IngressLoadBalancerStatus') },
  IngressLoadBalancerStatus: {},
  // batch/v1
  Job: { 1: msg('metadata', 'ObjectMeta'), 2: msg('spec', 'JobSpec'), 3: msg('status', 'JobStatus') },
  JobSpec: {
    1: i32('parallelism', true),
    2: i32('completions', true),
    3: i64('activeDeadlineSeconds', true),
    4: msg('selector', 'LabelSelector'),
    5: b('manualSelector', true),
    6: msg('template', 'PodTemplateSpec'),
    7: i32('backoffLimit', true),
    8: i32('ttlSecondsAfterFinished', true),
    9: s('completionMode', true),
    10: b('suspend', true),
    12: i32('backoffLimitPerIndex', true),
    13: i32('maxFailedIndexes', true),
    14: s('podReplacementPolicy', true),
    15: s('managedBy', true),
  },
  JobStatus: { 4: i32('active'), 5: i32('succeeded'), 6: i32('failed'), 7: s('completedIndexes') },
  JobTemplateSpec: { 1: msg('metadata', 'ObjectMeta'), 2: msg('spec', 'JobSpec') },
  CronJob: { 1: msg('metadata', 'ObjectMeta'), 2: msg('spec', 'CronJobSpec'), 3: msg('status', 'CronJobStatus') },
  CronJobSpec: {
    1: s('schedule'),
    2: i64('startingDeadlineSeconds', true),
    3: s('concurrencyPolicy'),
    4: b('suspend', true),
    5: msg('jobTemplate', 'JobTemplateSpec'),
    6: i32('successfulJobsHistoryLimit', true),
    7: i32('failedJobsHistoryLimit', true),
    8: s('timeZone', true),
  },
  CronJobStatus: { 1: msg('active', 'ObjectReference', true) },
  // policy/v1
  PodDisruptionBudget: { 1: msg('metadata', 'ObjectMeta'), 2: msg('spec', 'PodDisruptionBudgetSpec'), 3: msg('status', 'PodDisruptionBudgetStatus') },
  PodDisruptionBudgetSpec: {
    1: { name: 'minAvailable', type: 'IntOrString' },
    2: msg('selector', 'LabelSelector'),
    3: { name: 'maxUnavailable', type: 'IntOrString' },
    4: s('unhealthyPodEvictionPolicy', true),
  },
  PodDisruptionBudgetStatus: { 1: i64('observedGeneration'), 3: i32('disruptionsAllowed'), 4: i32('currentHealthy'), 5: i32('desiredHealthy'), 6: i32('expectedPods') },
  // scheduling.k8s.io/v1 (`value` has no omitempty: a 0 is kept)
  PriorityClass: { 1: msg('metadata', 'ObjectMeta'), 2: i32('value', true), 3: b('globalDefault'), 4: s('description'), 5: s('preemptionPolicy', true) },
  // rbac.authorization.k8s.io/v1
  Role: { 1: msg('metadata', 'ObjectMeta'), 2: msg('rules', 'PolicyRule', true) },
  ClusterRole: { 1: msg('metadata', 'ObjectMeta'), 2: msg('rules', 'PolicyRule', true) },
  PolicyRule: { 1: strings('verbs'), 2: strings('apiGroups'), 3: strings('resources'), 4: strings('resourceNames'), 5: strings('nonResourceURLs') },
  RoleBinding: { 1: msg('metadata', 'ObjectMeta'), 2: msg('subjects', 'Subject', true), 3: msg('roleRef', 'RoleRef') },
  ClusterRoleBinding: { 1: msg('metadata', 'ObjectMeta'), 2: msg('subjects', 'Subject', true), 3: msg('roleRef', 'RoleRef') },
  Subject: { 1: s('kind'), 2: s('apiGroup'), 3: s('name'), 4: s('namespace') },
  RoleRef: { 1: s('apiGroup'), 2: s('kind'), 3: s('name') },
  // authorization.k8s.io/v1 (kubectl auth can-i); `extra` is not decoded (refused when set)
  SelfSubjectAccessReview: { 1: msg('metadata', 'ObjectMeta'), 2: msg('spec', 'SelfSubjectAccessReviewSpec'), 3: msg('status', 'SubjectAccessReviewStatus') },
  SelfSubjectAccessReviewSpec: { 1: msg('resourceAttributes', 'ResourceAttributes'), 2: msg('nonResourceAttributes', 'NonResourceAttributes') },
  SubjectAccessReview: { 1: msg('metadata', 'ObjectMeta'), 2: msg('spec', 'SubjectAccessReviewSpec'), 3: msg('status', 'SubjectAccessReviewStatus') },
  LocalSubjectAccessReview: { 1: msg('metadata', 'ObjectMeta'), 2: msg('spec', 'SubjectAccessReviewSpec'), 3: msg('status', 'SubjectAccessReviewStatus') },
  SubjectAccessReviewSpec: { 1: msg('resourceAttributes', 'ResourceAttributes'), 2: msg('nonResourceAttributes', 'NonResourceAttributes'), 3: s('user'), 4: strings('groups'), 6: s('uid') },
  ResourceAttributes: {
    1: s('namespace'),
    2: s('verb'),
    3: s('group'),
    4: s('version'),
    5: s('resource'),
    6: s('subresource'),
    7: s('name'),
    8: msg('fieldSelector', 'FieldSelectorAttributes'),
    9: msg('labelSelector', 'LabelSelectorAttributes'),
  },
  FieldSelectorAttributes: { 1: s('rawSelector'), 2: msg('requirements', 'FieldSelectorRequirement', true) },
  FieldSelectorRequirement: { 1: s('key'), 2: s('operator'), 3: strings('values') },
  LabelSelectorAttributes: { 1: s('rawSelector'), 2: msg('requirements', 'LabelSelectorRequirement', true) },
  NonResourceAttributes: { 1: s('path'), 2: s('verb') },
  SubjectAccessReviewStatus: { 1: b('allowed'), 2: s('reason'), 3: s('evaluationError'), 4: b('denied') },
  SelfSubjectRulesReview: { 1: msg('metadata', 'ObjectMeta'), 2: msg('spec', 'SelfSubjectRulesReviewSpec'), 3: msg('status', 'SubjectRulesReviewStatus') },
  SelfSubjectRulesReviewSpec: { 1: s('namespace') },
  SubjectRulesReviewStatus: { 3: b('incomplete'), 4: s('evaluationError') },
  // authentication.k8s.io/v1 (kubectl auth whoami, kubectl create token)
  SelfSubjectReview: { 1: msg('metadata', 'ObjectMeta'), 2: msg('status', 'SelfSubjectReviewStatus') },
  SelfSubjectReviewStatus: { 1: msg('userInfo', 'UserInfo') },
  UserInfo: { 1: s('username'), 2: s('uid'), 3: strings('groups') },
  TokenReview: { 1: msg('metadata', 'ObjectMeta'), 2: msg('spec', 'TokenReviewSpec'), 3: msg('status', 'TokenReviewStatus') },
  TokenReviewSpec: { 1: s('token'), 2: strings('audiences') },
  TokenReviewStatus: { 1: b('authenticated'), 2: msg('user', 'UserInfo'), 3: s('error'), 4: strings('audiences') },
  TokenRequest: { 1: msg('metadata', 'ObjectMeta'), 2: msg('spec', 'TokenRequestSpec'), 3: msg('status', 'TokenRequestStatus') },
  TokenRequestSpec: { 1: strings('audiences'), 3: msg('boundObjectReference', 'BoundObjectReference'), 4: i64('expirationSeconds', true) },
  BoundObjectReference: { 1: s('kind'), 2: s('apiVersion'), 3: s('name'), 4: s('uid') },
  TokenRequestStatus: { 1: s('token'), 2: { name: 'expirationTimestamp', type: 'Time' } },
};

/** The kinds (by apiVersion/kind) whose protobuf bodies are decoded. */
const TOP: Record<string, string> = {
  'v1/Namespace': 'Namespace',
  'v1/ConfigMap': 'ConfigMap',
  'v1/Secret': 'Secret',
  'v1/ServiceAccount': 'ServiceAccount',
  'v1/Service': 'Service',
  'v1/ResourceQuota': 'ResourceQuota',
  'apps/v1/Deployment': 'Deployment',
  'networking.k8s.io/v1/Ingress': 'Ingress',
  'autoscaling/v1/HorizontalPodAutoscaler': 'HorizontalPodAutoscaler',
  'batch/v1/Job': 'Job',
  'batch/v1/CronJob': 'CronJob',
  'policy/v1/PodDisruptionBudget': 'PodDisruptionBudget',
  'scheduling.k8s.io/v1/PriorityClass': 'PriorityClass',
  'rbac.authorization.k8s.io/v1/Role': 'Role',
  'rbac.authorization.k8s.io/v1/ClusterRole': 'ClusterRole',
  'rbac.authorization.k8s.io/v1/RoleBinding': 'RoleBinding',
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': 'ClusterRoleBinding',
  'authorization.k8s.io/v1/SelfSubjectAccessReview': 'SelfSubjectAccessReview',
  'authorization.k8s.io/v1/SubjectAccessReview': 'SubjectAccessReview',
  'authorization.k8s.io/v1/LocalSubjectAccessReview': 'LocalSubjectAccessReview',
  'authorization.k8s.io/v1/SelfSubjectRulesReview': 'SelfSubjectRulesReview',
  'authentication.k8s.io/v1/SelfSubjectReview': 'SelfSubjectReview',
  'authentication.k8s.io/v1/TokenReview': 'TokenReview',
  'authentication.k8s.io/v1/TokenRequest': 'TokenRequest',
  'v1/DeleteOptions': 'DeleteOptions',
  'meta.k8s.io/v1/DeleteOptions': 'DeleteOptions',
};

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

class Reader {
  pos = 0;
  constructor(readonly buf: Buffer) {}
  get done(): boolean {
    return this.pos >= this.buf.length;
  }
  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (this.pos >= this.buf.length) throw new ProtobufError('truncated varint');
      const byte = this.buf[this.pos++]!;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
      if (shift > 63n) throw new ProtobufError('varint longer than 64 bits');
    }
  }
  bytes(): Buffer {
    const len = Number(this.varint());
    if (len < 0 || this.pos + len > this.buf.length) throw new ProtobufError('truncated length-delimited field');
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }
  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.advance(8);
    else if (wire === 2) this.bytes();
    else if (wire === 5) this.advance(4);
    else throw new ProtobufError(`unsupported wire type ${wire}`);
  }
  private advance(n: number): void {
    if (this.pos + n > this.buf.length) throw new ProtobufError('truncated fixed-width field');
    this.pos += n;
  }
}

type Raw = { wire: number; value: bigint | Buffer };

/** The fields of one message: field number → raw values in order. */
function fieldsOf(buf: Buffer): Map<number, Raw[]> {
  const r = new Reader(buf);
  const out = new Map<number, Raw[]>();
  while (!r.done) {
    const key = r.varint();
    const field = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (field <= 0) throw new ProtobufError(`invalid field number ${field}`);
    let value: bigint | Buffer;
    if (wire === 0) value = r.varint();
    else if (wire === 2) value = r.bytes();
    else {
      r.skip(wire);
      value = 0n;
    }
    const list = out.get(field) ?? [];
    list.push({ wire, value });
    out.set(field, list);
  }
  return out;
}

function isZero(raw: Raw): boolean {
  return raw.value instanceof Buffer ? raw.value.length === 0 : raw.value === 0n;
}

function scalar(type: Scalar, raw: Raw, where: string): unknown {
  switch (type) {
    case 'string':
      if (!(raw.value instanceof Buffer)) throw new ProtobufError(`${where}: expected a string`);
      return raw.value.toString('utf8');
    case 'bytes':
      if (!(raw.value instanceof Buffer)) throw new ProtobufError(`${where}: expected bytes`);
      return raw.value.toString('base64');
    case 'bool':
    case 'int32':
    case 'int64': {
      const v = raw.value;
      if (typeof v !== 'bigint') throw new ProtobufError(`${where}: expected a varint (${type})`);
      if (type === 'bool') return v !== 0n;
      return Number(BigInt.asIntN(type === 'int32' ? 32 : 64, v));
    }
  }
}

function special(type: Special, buf: Buffer, where: string): unknown {
  const f = fieldsOf(buf);
  const one = (n: number) => f.get(n)?.at(-1);
  switch (type) {
    case 'Time': {
      const secs = one(1);
      const seconds = secs ? (scalar('int64', secs, where) as number) : 0;
      if (seconds === 0) return undefined;
      const date = new Date(seconds * 1000);
      if (Number.isNaN(date.getTime())) throw new ProtobufError(`${where}: time out of range`);
      return date.toISOString().replace('.000Z', 'Z');
    }
    case 'Quantity': {
      const v = one(1);
      return v ? scalar('string', v, where) : '0';
    }
    case 'IntOrString': {
      const t = one(1) ? (scalar('int64', one(1)!, where) as number) : 0;
      if (t === 1) return one(3) ? scalar('string', one(3)!, where) : '';
      return one(2) ? scalar('int32', one(2)!, where) : 0;
    }
  }
}

function value(type: FieldType, raw: Raw, where: string): unknown {
  if (typeof type === 'string') {
    if (type === 'Time' || type === 'Quantity' || type === 'IntOrString') {
      if (!(raw.value instanceof Buffer)) throw new ProtobufError(`${where}: expected a message`);
      return special(type, raw.value, where);
    }
    return scalar(type, raw, where);
  }
  if ('msg' in type) {
    if (!(raw.value instanceof Buffer)) throw new ProtobufError(`${where}: expected a message`);
    return message(type.msg, raw.value, where);
  }
  throw new ProtobufError(`${where}: a map cannot be a value`);
}

function message(name: string, buf: Buffer, where: string): Record<string, unknown> {
  const schema = MESSAGES[name];
  if (!schema) throw new ProtobufError(`${where}: message ${name} is not supported`);
  const out: Record<string, unknown> = {};
  for (const [num, raws] of fieldsOf(buf)) {
    const field = schema[num];
    if (!field) {
      if (raws.every(isZero)) continue;
      throw new ProtobufError(`${where}: field ${num} of ${name} is not supported by kube-actors' protobuf decoder; send JSON or YAML`);
    }
    const at = `${where}.${field.name}`;
    const type = field.type;
    if (typeof type === 'object' && 'map' in type) {
      const m: Record<string, unknown> = {};
      for (const raw of raws) {
        if (!(raw.value instanceof Buffer)) throw new ProtobufError(`${at}: expected a map entry`);
        const entry = fieldsOf(raw.value);
        const k = entry.get(1)?.at(-1);
        const v = entry.get(2)?.at(-1);
        const key = k ? (scalar('string', k, at) as string) : '';
        m[key] = v ? value(type.map, v, `${at}[${key}]`) : typeof type.map === 'string' && type.map !== 'Quantity' ? (type.map === 'bytes' || type.map === 'string' ? '' : 0) : {};
      }
      if (Object.keys(m).length > 0) out[field.name] = m;
      continue;
    }
    if (field.repeated) {
      const list: unknown[] = [];
      for (const raw of raws) {
        if (raw.wire === 2 && (type === 'int32' || type === 'int64' || type === 'bool')) {
          // packed scalars
          const r = new Reader(raw.value as Buffer);
          while (!r.done) list.push(scalar(type, { wire: 0, value: r.varint() }, at));
        } else list.push(value(type, raw, `${at}[${list.length}]`));
      }
      if (list.length > 0) out[field.name] = list;
      continue;
    }
    const raw = raws.at(-1)!;
    const v = value(type, raw, at);
    if (v === undefined) continue;
    if (field.inline) {
      Object.assign(out, v);
      continue;
    }
    if (!field.keep && (v === '' || v === 0 || v === false)) continue;
    out[field.name] = v;
  }
  return out;
}

/** True for a protobuf body's content type. */
export function isProtobuf(contentType: string | undefined): boolean {
  return /^\s*application\/vnd\.kubernetes\.protobuf\s*(;|$)/i.test(contentType ?? '');
}

/**
 * Decodes a protobuf body (`k8s\0` + runtime.Unknown) into the object's JSON form, with its
 * apiVersion and kind.
 *
 * @throws ProtobufError for a malformed body, a kind it does not know, or a non-zero field it does not know.
 */
export function decodeProtobuf(body: Buffer): Record<string, unknown> {
  if (body.length < 4 || !body.subarray(0, 4).equals(MAGIC)) throw new ProtobufError('the body does not start with the Kubernetes protobuf magic "k8s\\0"');
  const unknown = fieldsOf(body.subarray(4));
  const typeMeta = unknown.get(1)?.at(-1);
  const raw = unknown.get(2)?.at(-1);
  const encoding = unknown.get(3)?.at(-1);
  if (encoding && !isZero(encoding)) throw new ProtobufError('content encodings are not supported');
  if (!typeMeta || !(typeMeta.value instanceof Buffer)) throw new ProtobufError('the body has no type (runtime.Unknown typeMeta)');
  const tm = fieldsOf(typeMeta.value);
  const apiVersion = tm.get(1)?.at(-1) ? (scalar('string', tm.get(1)!.at(-1)!, 'typeMeta') as string) : '';
  const kind = tm.get(2)?.at(-1) ? (scalar('string', tm.get(2)!.at(-1)!, 'typeMeta') as string) : '';
  const name = TOP[`${apiVersion}/${kind}`];
  if (!name) {
    throw new ProtobufError(`protobuf bodies of ${apiVersion || '?'} ${kind || '?'} are not supported (only ${Object.keys(TOP).filter((k) => !k.includes('DeleteOptions')).map((k) => k.split('/').at(-1)).join(', ')}); send JSON or YAML`);
  }
  const obj = message(name, raw && raw.value instanceof Buffer ? raw.value : Buffer.alloc(0), kind);
  return { apiVersion, kind, ...obj };
}
