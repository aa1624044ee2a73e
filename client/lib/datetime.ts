/**
 * The one home of date and time formatting in the browser (issue 18, point 19): every page shows
 * times in the viewer's locale (an `undefined` locale is the browser's) with one clock style (the
 * locale's own 12- or 24-hour clock, hours and minutes), and `<Time>` (components/Time.svelte)
 * puts the absolute date and time on hover. `tests/unit/datetime.test.ts` checks that no other
 * client file calls `toLocale*String` or `Intl.DateTimeFormat`, so the rule keeps one home.
 *
 * Every function takes an optional `opts` (locale, time zone, "now") so the tests are
 * deterministic; pages pass nothing.
 */

/** A moment as the API gives it (ISO string), as epoch milliseconds, or a Date. */
export type When = string | number | Date;

/** Options for tests: a fixed locale, time zone and "now". Pages leave them out. */
export interface FormatOptions {
  locale?: string;
  timeZone?: string;
  now?: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The one clock style: the locale's own 12- or 24-hour clock, two-digit hours and minutes. */
const CLOCK: Intl.DateTimeFormatOptions = { hour: '2-digit', minute: '2-digit' };
const DATE: Intl.DateTimeFormatOptions = { day: 'numeric', month: 'short', year: 'numeric' };

const formatters = new Map<string, Intl.DateTimeFormat>();
/** A cached formatter (building one costs more than using it: long lists format hundreds of times). */
function fmt(options: Intl.DateTimeFormatOptions, opts: FormatOptions = {}): Intl.DateTimeFormat {
  const key = JSON.stringify([opts.locale ?? '', opts.timeZone ?? '', options]);
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(opts.locale, { ...options, timeZone: opts.timeZone });
    formatters.set(key, f);
  }
  return f;
}

const relatives = new Map<string, Intl.RelativeTimeFormat>();
/** A cached "5 minutes ago" formatter for a locale (as `fmt`: a list of comments asks for one per row). */
function relative(locale: string | undefined): Intl.RelativeTimeFormat {
  let f = relatives.get(locale ?? '');
  if (!f) {
    f = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
    relatives.set(locale ?? '', f);
  }
  return f;
}

/** The Date of a moment; a calendar day ("2026-03-12") is that day's UTC midnight. */
function toDate(when: When): Date {
  return when instanceof Date ? when : new Date(when);
}

/** Whether a value is a bare calendar day (YYYY-MM-DD), which has no time of day and no zone. */
const isDay = (when: When): when is string => typeof when === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(when);

/** The ISO form for a `<time datetime>` attribute (a calendar day stays a day). */
export function isoOf(when: When): string {
  return isDay(when) ? when : toDate(when).toISOString();
}

/** "12 Mar 2026, 14:05": a moment, where the exact time matters in the text itself. */
export function formatDateTime(when: When, opts?: FormatOptions): string {
  return fmt({ ...DATE, ...CLOCK }, opts).format(toDate(when));
}

/**
 * "12 Mar 2026": the date of a moment, or a calendar day (YYYY-MM-DD, shown as that day in
 * every time zone: it is read as UTC and formatted in UTC, so it never drifts a day).
 */
export function formatDate(when: When, opts?: FormatOptions): string {
  if (isDay(when)) return fmt(DATE, { ...opts, timeZone: 'UTC' }).format(new Date(`${when}T00:00:00Z`));
  return fmt(DATE, opts).format(toDate(when));
}

/** "14:05" (or "2:05 PM" where the locale reads so); `seconds` for the audit trail. */
export function formatClock(when: When, opts?: FormatOptions & { seconds?: boolean }): string {
  return fmt(opts?.seconds ? { ...CLOCK, second: '2-digit' } : CLOCK, opts).format(toDate(when));
}

/** The absolute date and time, in full, for hover titles: "Thursday 12 March 2026, 14:05:09 CET". */
export function formatAbsolute(when: When, opts?: FormatOptions): string {
  if (isDay(when))
    return fmt({ weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' }, { ...opts, timeZone: 'UTC' }).format(new Date(`${when}T00:00:00Z`));
  return fmt({ weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', ...CLOCK, second: '2-digit', timeZoneName: 'short' }, opts).format(
    toDate(when),
  );
}

/** The calendar day (in the viewer's zone, or opts.timeZone) a moment falls on, as a sortable key. */
function dayKey(d: Date, opts?: FormatOptions): string {
  return fmt({ year: 'numeric', month: '2-digit', day: '2-digit' }, { locale: 'en-CA', timeZone: opts?.timeZone }).format(d);
}

/**
 * How long ago, in words: "just now" (under a minute), "5 minutes ago", "3 hours ago" (under a
 * day), "yesterday" (the calendar day before), then the date. A moment ahead reads "in 5 minutes".
 */
export function formatRelative(when: When, opts?: FormatOptions): string {
  const d = toDate(when);
  const now = opts?.now ?? Date.now();
  const diff = d.getTime() - now;
  const rtf = relative(opts?.locale);
  if (Math.abs(diff) < MINUTE) return 'just now';
  if (Math.abs(diff) < HOUR) return rtf.format(Math.trunc(diff / MINUTE), 'minute');
  if (Math.abs(diff) < DAY) return rtf.format(Math.trunc(diff / HOUR), 'hour');
  if (diff < 0 && dayKey(d, opts) === dayKey(new Date(now - DAY), opts)) return rtf.format(-1, 'day');
  return formatDate(d, opts);
}

/**
 * A compact stamp for lists and messages: the clock today ("14:05"), weekday and clock within the
 * week ("Mon 14:05"), day and month this year ("3 Nov, 14:05"), else the date ("3 Nov 2025").
 */
export function formatShort(when: When, opts?: FormatOptions): string {
  const d = toDate(when);
  const now = opts?.now ?? Date.now();
  if (dayKey(d, opts) === dayKey(new Date(now), opts)) return formatClock(d, opts);
  if (now - d.getTime() < 6 * DAY && d.getTime() <= now) return fmt({ weekday: 'short', ...CLOCK }, opts).format(d);
  if (fmt({ year: 'numeric' }, opts).format(d) === fmt({ year: 'numeric' }, opts).format(new Date(now)))
    return fmt({ day: 'numeric', month: 'short', ...CLOCK }, opts).format(d);
  return formatDate(d, opts);
}

/** A due date: the date alone ("12 Dec 2026"), or an em dash when there is none. */
export const formatDue = (when: When | null | undefined, opts?: FormatOptions) => (when ? formatDate(when, opts) : '—');

/** "5 Jan 2026 – 30 Jan 2026", "From 5 Jan 2026", "Until …", or "No dates yet" (calendar days). */
export function formatRange(start: string | null, end: string | null, opts?: FormatOptions): string {
  if (start && end) return `${formatDate(start, opts)} – ${formatDate(end, opts)}`;
  if (start) return `From ${formatDate(start, opts)}`;
  if (end) return `Until ${formatDate(end, opts)}`;
  return 'No dates yet';
}
