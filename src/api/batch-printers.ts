/**
 * The Table printers of the batch kinds and the ReplicationController, as kube-apiserver's
 * `printJob`, `printCronJob` and `printReplicationController`
 * (`pkg/printers/internalversion/printers.go`). Built by {@link batchPrinters} from the column
 * helpers of printers.ts.
 */
import type { LabelSelector } from './types.js';
import type { TableColumnDefinition, TableRowCondition } from './printers-common.js';
import { ageSince, formatAge, formatLabels } from './printers-common.js';
import { formatLabelSelector } from './label-selector.js';
import { isObject } from './json-values.js';

type Obj = Record<string, unknown>;
const isObj: (v: unknown) => v is Obj = isObject;
const obj = (v: unknown): Obj => (isObj(v) ? v : {});
const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const int = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/** A printer as printers.ts defines it. */
export type BatchPrinter = { columns: TableColumnDefinition[]; row: (o: Obj, now: number) => { cells: unknown[]; conditions?: TableRowCondition[] } };

/** What the batch printers take from printers.ts. */
export interface PrinterKit {
  NAME: TableColumnDefinition;
  AGE: TableColumnDefinition;
  col(name: string, type: string, description: string, priority?: number): TableColumnDefinition;
}

function containerCells(template: unknown): [string, string] {
  const ctrs = list(obj(obj(template)['spec'])['containers']);
  return [ctrs.map((c) => str(c['name'])).join(','), ctrs.map((c) => str(c['image'])).join(',')];
}

function conditionTrue(status: Obj, type: string): boolean {
  return list(status['conditions']).some((c) => c['type'] === type && c['status'] === 'True');
}

/** `printJob`'s STATUS: Complete, Failed, Terminating, Suspended, FailureTarget, SuccessCriteriaMet or Running. */
function jobStatusText(job: Obj): string {
  const st = obj(job['status']);
  if (conditionTrue(st, 'Complete')) return 'Complete';
  if (conditionTrue(st, 'Failed')) return 'Failed';
  if (obj(job['metadata'])['deletionTimestamp']) return 'Terminating';
  if (conditionTrue(st, 'Suspended')) return 'Suspended';
  if (conditionTrue(st, 'FailureTarget')) return 'FailureTarget';
  if (conditionTrue(st, 'SuccessCriteriaMet')) return 'SuccessCriteriaMet';
  return 'Running';
}

/** `printJob`'s COMPLETIONS: `2/3`, or without completions `0/1` (`0/1 of 3` with parallelism 3). */
function jobCompletionsText(job: Obj): string {
  const spec = obj(job['spec']);
  const succeeded = int(obj(job['status'])['succeeded']);
  if (typeof spec['completions'] === 'number') return `${succeeded}/${spec['completions']}`;
  const parallelism = int(spec['parallelism']);
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

function timeOf(ts: unknown): number | undefined {
  if (typeof ts !== 'string' || ts === '') return undefined;
  const t = Date.parse(ts);
  return Number.isNaN(t) ? undefined : t;
}

/** `printJob`'s DURATION: from startTime to completionTime (or now while it runs); empty before it starts. */
function jobDurationText(job: Obj, now: number): string {
  const st = obj(job['status']);
  const start = timeOf(st['startTime']);
  if (start === undefined) return '';
  const end = timeOf(st['completionTime']);
  return formatAge((end ?? now) - start);
}

/** The printers by plural: jobs, cronjobs, replicationcontrollers. */
export function batchPrinters(kit: PrinterKit): Record<string, BatchPrinter> {
  const { NAME, AGE, col } = kit;
  const wide = (selectorDoc: string): TableColumnDefinition[] => [
    col('Containers', 'string', 'Names of each container in the template.', 1),
    col('Images', 'string', 'Images referenced by each container in the template.', 1),
    col('Selector', 'string', selectorDoc, 1),
  ];
  const JOB_SELECTOR =
    'A label query over pods that should match the pod count. Normally, the system sets this field for you. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors';
  const job: BatchPrinter = {
    columns: [
      NAME,
      col('Status', 'string', 'Status of the job.'),
      col('Completions', 'string', 'The number of pods which reached phase Succeeded. The value increases monotonically for a given spec. However, it may decrease in reaction to scale down of elastic indexed jobs.'),
      col('Duration', 'string', 'Time required to complete the job.'),
      AGE,
      ...wide(JOB_SELECTOR),
    ],
    row(o, now) {
      const spec = obj(o['spec']);
      const [names, images] = containerCells(spec['template']);
      return {
        cells: [str(obj(o['metadata'])['name']), jobStatusText(o), jobCompletionsText(o), jobDurationText(o, now), ageSince(obj(o['metadata'])['creationTimestamp'], now), names, images, formatLabelSelector(spec['selector'] as LabelSelector | undefined)],
      };
    },
  };
  const cronjob: BatchPrinter = {
    columns: [
      NAME,
      col('Schedule', 'string', 'The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.'),
      col('Timezone', 'string', 'The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones.'),
      col('Suspend', 'boolean', 'This flag tells the controller to suspend subsequent executions, it does not apply to already started executions.  Defaults to false.'),
      col('Active', 'integer', 'A list of pointers to currently running jobs.'),
      col('Last Schedule', 'string', 'Information when was the last time the job was successfully scheduled.'),
      AGE,
      ...wide(JOB_SELECTOR),
    ],
    row(o, now) {
      const spec = obj(o['spec']);
      const st = obj(o['status']);
      const jobSpec = obj(obj(spec['jobTemplate'])['spec']);
      const [names, images] = containerCells(jobSpec['template']);
      const suspend = typeof spec['suspend'] === 'boolean' ? (spec['suspend'] ? 'True' : 'False') : '<unset>';
      const last = st['lastScheduleTime'] ? ageSince(st['lastScheduleTime'], now) : '<none>';
      const tz = typeof spec['timeZone'] === 'string' ? spec['timeZone'] : '<none>';
      return {
        cells: [
          str(obj(o['metadata'])['name']),
          str(spec['schedule']),
          tz,
          suspend,
          list(st['active']).length,
          last,
          ageSince(obj(o['metadata'])['creationTimestamp'], now),
          names,
          images,
          formatLabelSelector(jobSpec['selector'] as LabelSelector | undefined),
        ],
      };
    },
  };
  const rc: BatchPrinter = {
    columns: [
      NAME,
      col('Desired', 'integer', 'Replicas is the number of desired replicas. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1.'),
      col('Current', 'integer', 'Replicas is the most recently observed number of replicas.'),
      col('Ready', 'integer', 'The number of ready replicas for this replication controller.'),
      AGE,
      ...wide('Selector is a label query over pods that should match the Replicas count. If Selector is empty, it is defaulted to the labels present on the Pod template.'),
    ],
    row(o, now) {
      const spec = obj(o['spec']);
      const st = obj(o['status']);
      const [names, images] = containerCells(spec['template']);
      const selector = isObj(spec['selector']) ? (spec['selector'] as Record<string, string>) : undefined;
      return {
        cells: [str(obj(o['metadata'])['name']), int(spec['replicas']), int(st['replicas']), int(st['readyReplicas']), ageSince(obj(o['metadata'])['creationTimestamp'], now), names, images, formatLabels(selector)],
      };
    },
  };
  return { jobs: job, cronjobs: cronjob, replicationcontrollers: rc };
}
