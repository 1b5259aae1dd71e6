/**
 * The steps of a verification scenario, as plain data: what the workload does through the API
 * (as the admin, or as users who must be refused), the faults injected, and the passing of
 * virtual time. Steps print as one line each and serialise as JSON, so a shrunk counterexample
 * reads like a script and replays exactly.
 */
import type { Fault } from '../cluster/faults.js';
import type { StepContext } from './runner.js';

/** Resources the workload writes labels on and races updates against. */
export type LabelledResource = 'pods' | 'deployments' | 'services' | 'namespaces';

/** The workload kinds the generated steps create, update and delete besides Deployments. */
export type WorkloadKindResource = 'jobs' | 'cronjobs' | 'daemonsets' | 'statefulsets' | 'horizontalpodautoscalers';

/** Kinds of invalid request the API server must refuse (400/422) without writing anything. */
export type InvalidVariant =
  | 'bad-name'
  | 'no-containers'
  | 'bad-quantity'
  | 'unknown-field'
  | 'negative-replicas'
  | 'selector-mismatch'
  | 'negative-scale';

/** Whether a generated probe passes or fails. */
export type ProbeOutcomeKind = 'passes' | 'fails';

/** Node labels placement pods spread over: the zone label of generated nodes, or the hostname. */
export type SpreadKey = 'zone' | 'kubernetes.io/hostname';

/** The PriorityClasses placement pods use. */
export type PriorityName = 'verify-low' | 'verify-high';

/** Verbs tried by users who must be refused. */
export type RefusedVerb = 'create' | 'patch' | 'delete' | 'list';

/** A step of the workload (everything goes through the API server as a real request). */
export type WorkloadStep =
  | { op: 'create-namespace'; name: string }
  | { op: 'delete-namespace'; name: string }
  | {
      op: 'create-pod';
      namespace: string;
      name: string;
      /** CPU request, millicores. */
      cpu: number;
      /** Memory request, MiB. */
      memory: number;
      /** Tolerates the `dedicated` NoSchedule taint. */
      tolerate?: boolean;
      /** nodeSelector `zone=<zone>`. */
      zone?: string;
      /** terminationGracePeriodSeconds. */
      grace?: number;
      /** The container exits 0 soon (restartPolicy Never): the pod ends Succeeded. */
      completes?: boolean;
      /** Label `group=<group>`: the pods of a group select each other (placement constraints below). */
      group?: string;
      /** Required pod anti-affinity with its group on `kubernetes.io/hostname` (one per node). */
      antiAffinity?: boolean;
      /** A DoNotSchedule topology spread constraint (maxSkew 1) of its group over this node label. */
      spread?: SpreadKey;
      /** A container port with this `hostPort` (TCP). */
      hostPort?: number;
      /** `priorityClassName` (the runner creates the class first: see `PRIORITY_CLASSES`). */
      priority?: PriorityName;
      /** `serviceAccountName` (the runner does not create it: a missing one gets the pod refused). */
      serviceAccount?: string;
      /** A readiness probe that passes (an HTTP GET of nginx's port 80) or never does (`cat /tmp/ready`, a file nothing writes). */
      readiness?: ProbeOutcomeKind;
      /** A liveness probe that passes (`true`, or a TCP connect to port 80) or fails (an HTTP GET of port 8081, where nothing listens): failures restart the container. */
      liveness?: ProbeOutcomeKind;
    }
  | { op: 'delete-pod'; namespace: string; name: string; grace?: number }
  | { op: 'create-deployment'; namespace: string; name: string; replicas: number; cpu: number; memory: number; tolerate?: boolean }
  | { op: 'scale-deployment'; namespace: string; name: string; replicas: number }
  | { op: 'delete-deployment'; namespace: string; name: string }
  /** Evict one pod of a Deployment (the first by name, through the pods/eviction subresource). */
  | { op: 'evict-pod'; namespace: string; deployment: string }
  /** A PodDisruptionBudget named after a Deployment, selecting its pods, with an integer minAvailable. */
  | { op: 'create-pdb'; namespace: string; deployment: string; minAvailable: number }
  /**
   * A ResourceQuota `name` with `hard: {pods: <pods>}`, and `requests.cpu: <cpu>m`,
   * `requests.memory: <memory>Mi` when given.
   */
  | { op: 'create-quota'; namespace: string; name: string; pods: number; cpu?: number; memory?: number }
  /** A Job of pods that run `runMs` then exit (0, or 1 when `fails`), restartPolicy Never. */
  | {
      op: 'create-job';
      namespace: string;
      name: string;
      /** spec.completions (absent: a work queue, done once one pod succeeded). */
      completions?: number;
      parallelism: number;
      /** completionMode Indexed (needs completions). */
      indexed?: boolean;
      /** How long each pod runs, virtual ms. */
      runMs: number;
      /** The pods exit 1 (the Job fails past its backoffLimit). */
      fails?: boolean;
      backoffLimit?: number;
    }
  /** A CronJob running every minute, whose Job's one pod runs `runMs`. */
  | { op: 'create-cronjob'; namespace: string; name: string; policy: 'Allow' | 'Forbid' | 'Replace'; runMs: number }
  | { op: 'create-daemonset'; namespace: string; name: string; cpu: number; memory: number; tolerate?: boolean; maxSurge?: boolean }
  /** A StatefulSet with a headless governing Service name, optionally a 1Gi claim template per pod. */
  | { op: 'create-statefulset'; namespace: string; name: string; replicas: number; parallel?: boolean; claims?: boolean }
  /** A Deployment (one replica of 100m cpu; its pods use `load` millicores in all, shared) and an autoscaling/v2 HPA over it, named alike. */
  | { op: 'create-autoscaled'; namespace: string; name: string; min: number; max: number; utilization: number; load: number }
  /** A Job's parallelism or a StatefulSet's replicas (`replicas`), else a new pod template (a rollout; a CronJob's next Jobs). */
  | { op: 'update-workload'; resource: 'jobs' | 'cronjobs' | 'daemonsets' | 'statefulsets'; namespace: string; name: string; replicas?: number }
  | { op: 'delete-workload'; resource: WorkloadKindResource; namespace: string; name: string }
  | { op: 'create-service'; namespace: string; name: string; app: string }
  | { op: 'delete-service'; namespace: string; name: string }
  /** A merge patch setting one label to a value unique to this call. */
  | { op: 'label'; resource: LabelledResource; namespace: string; name: string; key: string }
  /** Several label patches sent at the same instant, on different keys of one object. */
  | { op: 'concurrent-labels'; resource: LabelledResource; namespace: string; name: string; keys: string[] }
  /**
   * Read the object, then update it with the resourceVersion read: after a label patch has moved
   * it on (`race: false`, a stale update that must get 409), or at the same instant as a label
   * patch (`race: true`, whichever lands second must not overwrite the first).
   */
  | { op: 'stale-update'; resource: LabelledResource; namespace: string; name: string; race: boolean }
  | { op: 'invalid'; variant: InvalidVariant; namespace: string; name: string }
  | { op: 'unauthenticated'; verb: RefusedVerb; namespace: string; name: string }
  | { op: 'forbidden'; user: 'guest' | 'viewer'; verb: RefusedVerb; namespace: string; name: string }
  /** A user without the `impersonate` verb asking to act as the admin (`--as=kubernetes-admin --as-group=system:masters`): 403. */
  | { op: 'impersonate'; user: 'guest' | 'viewer'; verb: RefusedVerb; namespace: string; name: string };

/** A fault injected now. */
export interface FaultStep {
  op: 'fault';
  fault: Fault;
}

/** Virtual time passes. */
export interface WaitStep {
  op: 'wait';
  ms: number;
}

/** A step of your own: `run` gets the cluster and a recorded client. */
export interface CustomStep {
  op: 'custom';
  /** How the step prints (and what identifies it in a counterexample). */
  label: string;
  run(ctx: StepContext): void;
}

/** Several steps run as one (a fault plan: `wait, fault, wait, fault`). */
export interface PlanStep {
  op: 'plan';
  steps: Step[];
}

/** Any step of a scenario. */
export type Step = WorkloadStep | FaultStep | WaitStep | CustomStep | PlanStep;

/** Steps that are faults (for the fault arbitraries and the runner's bookkeeping). */
export function isFaultStep(step: Step): step is FaultStep {
  return step.op === 'fault';
}

function ref(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

/** One line for a step: `create-pod default/p1 cpu=500m mem=256Mi tolerate`. */
export function describeStep(step: Step): string {
  switch (step.op) {
    case 'create-namespace':
    case 'delete-namespace':
      return `${step.op} ${step.name}`;
    case 'create-pod': {
      const parts = [`create-pod ${ref(step.namespace, step.name)} cpu=${step.cpu}m mem=${step.memory}Mi`];
      if (step.tolerate) parts.push('tolerate');
      if (step.zone) parts.push(`zone=${step.zone}`);
      if (step.grace !== undefined) parts.push(`grace=${step.grace}s`);
      if (step.completes) parts.push('completes');
      if (step.group) parts.push(`group=${step.group}`);
      if (step.antiAffinity) parts.push('anti-affinity');
      if (step.spread) parts.push(`spread=${step.spread}`);
      if (step.hostPort) parts.push(`hostPort=${step.hostPort}`);
      if (step.priority) parts.push(`priority=${step.priority}`);
      if (step.serviceAccount) parts.push(`serviceAccount=${step.serviceAccount}`);
      if (step.readiness) parts.push(`readiness=${step.readiness}`);
      if (step.liveness) parts.push(`liveness=${step.liveness}`);
      return parts.join(' ');
    }
    case 'delete-pod':
      return `delete-pod ${ref(step.namespace, step.name)}${step.grace !== undefined ? ` grace=${step.grace}s` : ''}`;
    case 'create-deployment':
      return `create-deployment ${ref(step.namespace, step.name)} replicas=${step.replicas} cpu=${step.cpu}m mem=${step.memory}Mi${step.tolerate ? ' tolerate' : ''}`;
    case 'scale-deployment':
      return `scale-deployment ${ref(step.namespace, step.name)} replicas=${step.replicas}`;
    case 'delete-deployment':
    case 'delete-service':
      return `${step.op} ${ref(step.namespace, step.name)}`;
    case 'evict-pod':
      return `evict-pod of deployment ${ref(step.namespace, step.deployment)}`;
    case 'create-quota':
      return `create-quota ${ref(step.namespace, step.name)} pods=${step.pods}${step.cpu === undefined ? '' : ` requests.cpu=${step.cpu}m`}${step.memory === undefined ? '' : ` requests.memory=${step.memory}Mi`}`;
    case 'create-pdb':
      return `create-pdb for deployment ${ref(step.namespace, step.deployment)} minAvailable=${step.minAvailable}`;
    case 'create-job': {
      const parts = [`create-job ${ref(step.namespace, step.name)} parallelism=${step.parallelism}`];
      if (step.completions !== undefined) parts.push(`completions=${step.completions}`);
      if (step.indexed) parts.push('indexed');
      parts.push(`run=${step.runMs}ms`);
      if (step.fails) parts.push('fails');
      if (step.backoffLimit !== undefined) parts.push(`backoffLimit=${step.backoffLimit}`);
      return parts.join(' ');
    }
    case 'create-cronjob':
      return `create-cronjob ${ref(step.namespace, step.name)} every minute ${step.policy} run=${step.runMs}ms`;
    case 'create-daemonset':
      return `create-daemonset ${ref(step.namespace, step.name)} cpu=${step.cpu}m mem=${step.memory}Mi${step.tolerate ? ' tolerate' : ''}${step.maxSurge ? ' maxSurge=1' : ''}`;
    case 'create-statefulset':
      return `create-statefulset ${ref(step.namespace, step.name)} replicas=${step.replicas}${step.parallel ? ' Parallel' : ''}${step.claims ? ' claims' : ''}`;
    case 'create-autoscaled':
      return `create-autoscaled ${ref(step.namespace, step.name)} min=${step.min} max=${step.max} target=${step.utilization}% load=${step.load}m`;
    case 'update-workload':
      return `update-workload ${step.resource} ${ref(step.namespace, step.name)}${step.replicas !== undefined ? ` replicas=${step.replicas}` : ' template'}`;
    case 'delete-workload':
      return `delete-workload ${step.resource} ${ref(step.namespace, step.name)}`;
    case 'create-service':
      return `create-service ${ref(step.namespace, step.name)} app=${step.app}`;
    case 'label':
      return `label ${step.resource} ${step.resource === 'namespaces' ? step.name : ref(step.namespace, step.name)} ${step.key}`;
    case 'concurrent-labels':
      return `concurrent-labels ${step.resource} ${step.resource === 'namespaces' ? step.name : ref(step.namespace, step.name)} ${step.keys.join(',')}`;
    case 'stale-update':
      return `stale-update ${step.resource} ${step.resource === 'namespaces' ? step.name : ref(step.namespace, step.name)}${step.race ? ' race' : ''}`;
    case 'invalid':
      return `invalid ${step.variant} ${ref(step.namespace, step.name)}`;
    case 'unauthenticated':
      return `unauthenticated ${step.verb} ${ref(step.namespace, step.name)}`;
    case 'forbidden':
      return `forbidden ${step.user} ${step.verb} ${ref(step.namespace, step.name)}`;
    case 'impersonate':
      return `impersonate ${step.user} as the admin ${step.verb} ${ref(step.namespace, step.name)}`;
    case 'wait':
      return `wait ${step.ms}ms`;
    case 'fault':
      return `fault ${describeFault(step.fault)}`;
    case 'custom':
      return step.label;
    case 'plan':
      return `plan: ${step.steps.map(describeStep).join('; ')}`;
  }
}

/** One line for a fault: `crash-node node-2`, `message-loss 0.1`. */
export function describeFault(fault: Fault): string {
  switch (fault.kind) {
    case 'crash-node':
    case 'restart-node':
    case 'partition-node':
    case 'heal-node':
      return `${fault.kind} ${fault.node}`;
    case 'message-loss':
    case 'message-duplication':
      return `${fault.kind} ${fault.rate}`;
    case 'message-reorder':
      return `${fault.kind} ${fault.enabled ? 'on' : 'off'}`;
    default:
      return fault.kind;
  }
}

/** The steps as JSON (custom steps become their label). */
export function stepsToJSON(steps: readonly Step[]): unknown[] {
  return steps.map((s) => (s.op === 'custom' ? { op: 'custom', label: s.label } : s.op === 'plan' ? { op: 'plan', steps: stepsToJSON(s.steps) } : s));
}
