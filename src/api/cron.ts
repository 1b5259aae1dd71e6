/**
 * CronJob schedules: the standard five-field cron syntax (minute hour day-of-month month
 * day-of-week, names such as `MON` and `JAN`, and the `@yearly`, `@monthly`, `@weekly`, `@daily`,
 * `@hourly` descriptors), as the CronJob controller's parser (`cron.ParseStandard` of
 * robfig/cron) accepts it, computed with the `cron-parser` package in an IANA time zone.
 *
 * Nothing here reads the clock: every computation starts from a time (virtual ms) the caller
 * passes, so a schedule runs in the kernel's virtual time.
 */
import { CronExpressionParser, type CronExpression } from 'cron-parser';

/** A parsed schedule, or why it does not parse (the message of a 422 cause). */
export interface ParsedSchedule {
  /** The schedule in cron-parser's six-field form (seconds 0), when valid. */
  expression?: string;
  /** Why the schedule is refused. */
  error?: string;
}

const DESCRIPTORS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

const FIELD = /^[0-9A-Za-z*?,/-]+$/;
/** cron-parser's extensions that robfig/cron's standard parser does not know: L, W, #, H. */
const EXTENSION = /(^|[,/-])(\d*L|\d+W|LW|H(\(\d+-\d+\))?)($|[,/-])|#/i;

/**
 * Checks a schedule as `cron.ParseStandard` would: five fields or a descriptor. The error
 * texts follow robfig/cron's (`expected exactly 5 fields, found 6: [...]`).
 */
export function parseCronSchedule(schedule: string): ParsedSchedule {
  const text = schedule.trim();
  if (text === '') return { error: 'empty spec string' };
  if (text.startsWith('@')) {
    if (text.startsWith('@every')) return { error: `the @every descriptor is not implemented by kube-actors: ${text}` };
    const std = DESCRIPTORS[text.toLowerCase()];
    if (!std) return { error: `unrecognized descriptor: ${text}` };
    return { expression: `0 ${std}` };
  }
  const fields = text.split(/\s+/);
  if (fields.length !== 5) return { error: `expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]` };
  for (const f of fields) {
    if (!FIELD.test(f) || EXTENSION.test(f)) return { error: `failed to parse int from ${f}: strconv.Atoi: parsing ${JSON.stringify(f)}: invalid syntax` };
  }
  const expression = `0 ${fields.join(' ')}`;
  try {
    CronExpressionParser.parse(expression, { currentDate: 0, tz: 'UTC' });
  } catch (e) {
    return { error: (e as Error).message };
  }
  return { expression };
}

/** True when the IANA time zone is known (as Go's `time.LoadLocation`). */
export function isKnownTimeZone(tz: string): boolean {
  if (tz === 'UTC') return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch (e) {
    if (e instanceof RangeError) return false;
    throw e;
  }
}

/** A schedule that computes its times from a given instant (never from the clock). */
export class CronSchedule {
  private constructor(
    /** The six-field expression. */
    readonly expression: string,
    /** The IANA time zone (UTC by default, as kube-controller-manager runs in UTC). */
    readonly timeZone: string,
  ) {}

  /**
   * Parses a CronJob's schedule and time zone.
   * @throws {RangeError} naming the problem when the schedule or the time zone is invalid.
   */
  static parse(schedule: string, timeZone?: string): CronSchedule {
    const parsed = parseCronSchedule(schedule);
    if (parsed.error) throw new RangeError(`unparseable schedule ${JSON.stringify(schedule)}: ${parsed.error}`);
    const tz = timeZone ?? 'UTC';
    if (!isKnownTimeZone(tz)) throw new RangeError(`unknown time zone ${tz}`);
    return new CronSchedule(parsed.expression!, tz);
  }

  private iterator(fromMs: number): CronExpression {
    return CronExpressionParser.parse(this.expression, { currentDate: new Date(fromMs), tz: this.timeZone });
  }

  /** The first scheduled time strictly after `afterMs` (virtual ms). */
  next(afterMs: number): number {
    return this.iterator(afterMs).next().getTime();
  }

  /**
   * The scheduled times in `(afterMs, untilMs]`, at most `limit` of them (plus one more, so the
   * caller can tell there were more). Ascending.
   */
  between(afterMs: number, untilMs: number, limit: number): number[] {
    const out: number[] = [];
    const it = this.iterator(afterMs);
    for (;;) {
      const t = it.next().getTime();
      if (t > untilMs) break;
      out.push(t);
      if (out.length > limit) break;
    }
    return out;
  }
}
