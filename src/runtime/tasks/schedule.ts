/**
 * Cron schedules for tasks (`task(…, { schedule: '*\/5 * * * *' })`): five
 * fields (minute hour day-of-month month day-of-week), or six with seconds
 * first; each `*`, a number, a range `a-b`, a step `*\/n` or `a-b/n`, or a
 * list of those. As in cron, when both day fields are restricted a day
 * matching either counts. Times are the worker's local time (UTC in
 * containers).
 *
 * Every worker enqueues each due slot under an id derived from the task and
 * the slot (`slotId()`), which the backends insert only once: so a schedule
 * fires once per slot however many workers and replicas run.
 */
import { createHash } from 'node:crypto';

export class ScheduleError extends Error {
  override name = 'ScheduleError';
}

interface Field {
  name: string;
  min: number;
  max: number;
}

const FIELDS: readonly Field[] = [
  { name: 'second', min: 0, max: 59 },
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12 },
  { name: 'day of week', min: 0, max: 7 },
];

export interface Schedule {
  readonly expression: string;
  /** Whether the schedule has a seconds field (else it fires at second 0). */
  readonly seconds: boolean;
  matches(date: Date): boolean;
  /** The first slot strictly after `after`. */
  next(after: Date): Date;
}

function parseField(text: string, field: Field, expression: string): Set<number> {
  const values = new Set<number>();
  const bad = (why: string) => new ScheduleError(`schedule '${expression}': the ${field.name} field '${text}' ${why}`);
  for (const part of text.split(',')) {
    const match = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
    if (!match) throw bad(`is not a number, a range a-b, * or a step like */5`);
    const [, , first, last, stepText] = match;
    const step = stepText === undefined ? 1 : Number(stepText);
    if (step < 1) throw bad('has a step of 0');
    const from = first === undefined ? field.min : Number(first);
    const to = first === undefined ? field.max : last === undefined ? (stepText === undefined ? from : field.max) : Number(last);
    if (from < field.min || to > field.max || from > to) throw bad(`is outside ${field.min}–${field.max}`);
    for (let value = from; value <= to; value += step) values.add(field.name === 'day of week' && value === 7 ? 0 : value);
  }
  return values;
}

export function parseSchedule(expression: string): Schedule {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5 && parts.length !== 6) {
    throw new ScheduleError(`schedule '${expression}' must have 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds first), e.g. '*/5 * * * *'`);
  }
  const withSeconds = parts.length === 6;
  const fields = withSeconds ? FIELDS : FIELDS.slice(1);
  const sets = parts.map((part, index) => parseField(part, fields[index] as Field, expression));
  const [second, minute, hour, dayOfMonth, month, dayOfWeek] = (withSeconds ? sets : [new Set([0]), ...sets]) as Set<number>[] as [Set<number>, Set<number>, Set<number>, Set<number>, Set<number>, Set<number>];
  const dayField = (withSeconds ? parts.slice(3, 6) : parts.slice(2, 5)) as [string, string, string];
  const domRestricted = dayField[0] !== '*';
  const dowRestricted = dayField[2] !== '*';
  const dayMatches = (date: Date) => {
    const dom = dayOfMonth.has(date.getDate());
    const dow = dayOfWeek.has(date.getDay());
    return domRestricted && dowRestricted ? dom || dow : dom && dow;
  };
  const matches = (date: Date) =>
    second.has(date.getSeconds()) && minute.has(date.getMinutes()) && hour.has(date.getHours()) && month.has(date.getMonth() + 1) && dayMatches(date);
  return {
    expression,
    seconds: withSeconds,
    matches,
    next(after) {
      const date = new Date(after.getTime());
      date.setMilliseconds(0);
      const stepSeconds = withSeconds ? 1 : 60;
      if (!withSeconds) date.setSeconds(0);
      // A slot is at most a few years away (29 February on a Monday…): walk, skipping whole hours and days that cannot match.
      const limit = after.getTime() + 5 * 366 * 24 * 3600 * 1000;
      date.setTime(date.getTime() + stepSeconds * 1000);
      while (date.getTime() <= limit) {
        if (!month.has(date.getMonth() + 1) || !dayMatches(date)) {
          date.setHours(24, 0, 0, 0);
          continue;
        }
        if (!hour.has(date.getHours())) {
          date.setHours(date.getHours() + 1, 0, 0, 0);
          continue;
        }
        if (matches(date)) return new Date(date.getTime());
        date.setTime(date.getTime() + stepSeconds * 1000);
      }
      throw new ScheduleError(`schedule '${expression}' never fires`);
    },
  };
}

/** The id a slot's task gets: the same in every worker, so only one insert of it succeeds. */
export function slotId(name: string, slot: number): string {
  const hex = createHash('sha256').update(`${name}\n${slot}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
