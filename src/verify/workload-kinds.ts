/**
 * The requests of the workload steps that create, update and delete the workload kinds besides
 * Deployments: Jobs (Indexed or not, with parallelism), CronJobs running every minute under each
 * concurrency policy, DaemonSets, StatefulSets with claim templates, and autoscaled Deployments
 * (a Deployment with a simulated CPU load and an autoscaling/v2 HorizontalPodAutoscaler over it).
 * Every object carries the `app: <name>` label its pods carry, so PodDisruptionBudgets, Services
 * and evictions of the other steps meet them.
 */
import type { RequestSpec } from '../../machines/client/api-client.js';
import { findResource } from '../api/resources.js';
import type { KubeObject } from '../api/types.js';
import { USAGE_ANNOTATION } from '../metrics/usage.js';
import type { WorkloadKindResource, WorkloadStep } from './steps.js';

const IMAGE = 'busybox:1.36';
const APP = 'app';

export type KindStep = Extract<WorkloadStep, { op: 'create-job' | 'create-cronjob' | 'create-daemonset' | 'create-statefulset' | 'create-autoscaled' | 'update-workload' | 'delete-workload' }>;

/** The pod template of a Job's pods: run `runMs`, then exit 0 (or 1). */
function jobPodTemplate(name: string, runMs: number, fails: boolean): Record<string, unknown> {
  const seconds = Math.max(0, Math.round(runMs / 1000));
  return {
    metadata: { labels: { [APP]: name } },
    spec: {
      restartPolicy: 'Never',
      terminationGracePeriodSeconds: 1,
      containers: [{ name: 'work', image: IMAGE, command: ['sh', '-c', `sleep ${seconds}; exit ${fails ? 1 : 0}`], resources: { requests: { cpu: '50m', memory: '32Mi' } } }],
    },
  };
}

function serverTemplate(name: string, cpu: number, memory: number, extra: Record<string, unknown> = {}, annotations?: Record<string, string>): Record<string, unknown> {
  return {
    metadata: { labels: { [APP]: name }, ...(annotations ? { annotations } : {}) },
    spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'app', image: 'nginx:1.27', resources: { requests: { cpu: `${cpu}m`, memory: `${memory}Mi` } } }], ...extra },
  };
}

/** A Job for a `create-job` step. */
function jobManifest(step: Extract<WorkloadStep, { op: 'create-job' }>): KubeObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: step.name, labels: { [APP]: step.name } },
    spec: {
      parallelism: step.parallelism,
      ...(step.completions !== undefined ? { completions: step.completions } : {}),
      ...(step.indexed && step.completions !== undefined ? { completionMode: 'Indexed' } : {}),
      ...(step.backoffLimit !== undefined ? { backoffLimit: step.backoffLimit } : {}),
      template: jobPodTemplate(step.name, step.runMs, step.fails === true),
    },
  } as KubeObject;
}

/** A CronJob for a `create-cronjob` step: every minute, one pod per Job. */
function cronJobManifest(step: Extract<WorkloadStep, { op: 'create-cronjob' }>): KubeObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: step.name, labels: { [APP]: step.name } },
    spec: {
      schedule: '*/1 * * * *',
      concurrencyPolicy: step.policy,
      successfulJobsHistoryLimit: 2,
      failedJobsHistoryLimit: 1,
      jobTemplate: { metadata: { labels: { [APP]: step.name } }, spec: { backoffLimit: 0, template: jobPodTemplate(step.name, step.runMs, false) } },
    },
  } as KubeObject;
}

/** A DaemonSet for a `create-daemonset` step. */
function daemonSetManifest(step: Extract<WorkloadStep, { op: 'create-daemonset' }>): KubeObject {
  const tolerations = step.tolerate ? { tolerations: [{ key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' }] } : {};
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: step.name, labels: { [APP]: step.name } },
    spec: {
      selector: { matchLabels: { [APP]: step.name } },
      ...(step.maxSurge ? { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } } : {}),
      template: serverTemplate(step.name, step.cpu, step.memory, tolerations),
    },
  } as KubeObject;
}

/** A StatefulSet for a `create-statefulset` step (its governing Service is named after it; nothing requires it to exist). */
function statefulSetManifest(step: Extract<WorkloadStep, { op: 'create-statefulset' }>): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: step.name, labels: { [APP]: step.name } },
    spec: {
      replicas: step.replicas,
      serviceName: step.name,
      selector: { matchLabels: { [APP]: step.name } },
      ...(step.parallel ? { podManagementPolicy: 'Parallel' } : {}),
      template: serverTemplate(step.name, 50, 32),
      ...(step.claims
        ? { volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }] }
        : {}),
    },
  } as KubeObject;
}

/** The Deployment of a `create-autoscaled` step: one replica requesting 100m cpu; the workload uses `load` millicores in all, split among its running pods. */
function autoscaledDeploymentManifest(step: Extract<WorkloadStep, { op: 'create-autoscaled' }>): KubeObject {
  const usage = JSON.stringify({ cpu: `${step.load}m`, memory: '16Mi', shared: true });
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: step.name, labels: { [APP]: step.name } },
    spec: { replicas: 1, selector: { matchLabels: { [APP]: step.name } }, template: serverTemplate(step.name, 100, 32, {}, { [USAGE_ANNOTATION]: usage }) },
  } as KubeObject;
}

/** The HorizontalPodAutoscaler of a `create-autoscaled` step. */
function autoscalerManifest(step: Extract<WorkloadStep, { op: 'create-autoscaled' }>): KubeObject {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: step.name },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: step.name },
      minReplicas: step.min,
      maxReplicas: step.max,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: step.utilization } } }],
    },
  } as KubeObject;
}

function target(resource: WorkloadKindResource, namespace: string, name?: string): Pick<RequestSpec, 'resource' | 'group' | 'namespace' | 'name'> {
  const info = findResource(resource)!;
  return { resource: info.plural, group: info.group, namespace, ...(name !== undefined ? { name } : {}) };
}

/** The requests a workload-kind step sends, in order (as the admin); `unique` gives a value no other call writes. */
export function workloadKindRequests(step: KindStep, unique: () => string): RequestSpec[] {
  const create = (resource: WorkloadKindResource, body: KubeObject): RequestSpec => ({ verb: 'create', ...target(resource, step.namespace), body, query: { fieldValidation: 'Strict' } });
  switch (step.op) {
    case 'create-job':
      return [create('jobs', jobManifest(step))];
    case 'create-cronjob':
      return [create('cronjobs', cronJobManifest(step))];
    case 'create-daemonset':
      return [create('daemonsets', daemonSetManifest(step))];
    case 'create-statefulset':
      return [create('statefulsets', statefulSetManifest(step))];
    case 'create-autoscaled':
      return [
        { verb: 'create', resource: 'deployments', group: 'apps', namespace: step.namespace, body: autoscaledDeploymentManifest(step), query: { fieldValidation: 'Strict' } },
        create('horizontalpodautoscalers', autoscalerManifest(step)),
      ];
    case 'update-workload': {
      const at = target(step.resource, step.namespace, step.name);
      // a Job's parallelism, a StatefulSet's replicas; otherwise a new template: a rollout of a
      // DaemonSet or StatefulSet, a CronJob's next Jobs
      if (step.replicas !== undefined && (step.resource === 'jobs' || step.resource === 'statefulsets')) {
        const spec = step.resource === 'jobs' ? { parallelism: step.replicas } : { replicas: step.replicas };
        return [{ verb: 'patch', ...at, body: { spec }, query: { patchType: 'merge' } }];
      }
      const template = { metadata: { annotations: { 'verify.kube-actors.io/revision': unique() } } };
      const body = step.resource === 'cronjobs' ? { spec: { jobTemplate: { spec: { template } } } } : { spec: { template } };
      return [{ verb: 'patch', ...at, body, query: { patchType: 'merge' } }];
    }
    case 'delete-workload':
      return [{ verb: 'delete', ...target(step.resource, step.namespace, step.name), query: { propagationPolicy: 'Background' } }];
  }
}
