/**
 * The job strategy (`pkg/registry/batch/job/strategy.go`): a new Job has an empty status and,
 * unless it selects its pods itself, a generated selector.
 */
import type { Obj, Strategy } from '../strategy.js';

/** The job strategy. */
export const jobStrategy: Strategy = {
  generation: true,
  prepareForCreate(obj) {
    obj.status = {};
    generateJobSelector(obj);
  },
};

/**
 * The job registry's `generateSelector` (unless `spec.manualSelector`): the template gets the
 * `batch.kubernetes.io/job-name`, `batch.kubernetes.io/controller-uid` labels (and their legacy
 * `job-name`, `controller-uid` forms), the selector matches the controller uid; a Job without
 * labels of its own is labelled like its pods.
 */
function generateJobSelector(job: Obj): void {
  const spec = (job.spec ??= {}) as Obj;
  if (spec.manualSelector !== true) {
    const template = (spec.template ??= {}) as Obj;
    const tmeta = (template.metadata ??= {}) as Obj;
    const labels = (tmeta.labels ??= {}) as Record<string, string>;
    const name = job.metadata!.name!;
    const uid = job.metadata!.uid!;
    for (const key of ['job-name', 'batch.kubernetes.io/job-name']) labels[key] ??= name;
    for (const key of ['controller-uid', 'batch.kubernetes.io/controller-uid']) labels[key] ??= uid;
    const selector = (spec.selector ??= {}) as Obj;
    const matchLabels = (selector.matchLabels ??= {}) as Record<string, string>;
    matchLabels['batch.kubernetes.io/controller-uid'] ??= uid;
  }
  const labels = (spec.template as Obj | undefined)?.metadata?.labels;
  if (labels && Object.keys(job.metadata?.labels ?? {}).length === 0) job.metadata!.labels = { ...labels };
}
