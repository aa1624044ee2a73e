import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  formatAbsolute,
  formatClock,
  formatDate,
  formatDateTime,
  formatDue,
  formatRange,
  formatRelative,
  formatShort,
  isoOf,
} from '../../client/lib/datetime.js';

/**
 * The one date-time formatter (issue 18, point 19): fixed dates, a fixed locale and time zone,
 * so each expectation is exact; and the rule that it is the only home of date formatting.
 */

const GB = { locale: 'en-GB', timeZone: 'Europe/London' };
const US = { locale: 'en-US', timeZone: 'America/New_York' };
const at = '2026-03-12T14:05:09.000Z'; // a Thursday; London is on GMT until 29 March

describe('absolute formats', () => {
  it('formats a moment in the locale and zone given, with one clock style (hours and minutes)', () => {
    expect(formatDateTime(at, GB)).toBe('12 Mar 2026, 14:05');
    expect(formatDateTime(at, US)).toBe('Mar 12, 2026, 10:05 AM');
    expect(formatDate(at, GB)).toBe('12 Mar 2026');
    expect(formatClock(at, GB)).toBe('14:05');
    expect(formatClock(at, { ...GB, seconds: true })).toBe('14:05:09');
    // Epoch milliseconds and Dates are the same moment.
    expect(formatDateTime(Date.parse(at), GB)).toBe('12 Mar 2026, 14:05');
    expect(formatDateTime(new Date(at), GB)).toBe('12 Mar 2026, 14:05');
  });

  it('the hover text is the full absolute date and time with its zone', () => {
    expect(formatAbsolute(at, GB)).toBe('Thursday, 12 March 2026 at 14:05:09 GMT');
    expect(formatAbsolute(at, { locale: 'en-GB', timeZone: 'Asia/Tokyo' })).toBe('Thursday, 12 March 2026 at 23:05:09 GMT+9');
  });

  it('a calendar day (YYYY-MM-DD) is that day in every time zone', () => {
    for (const timeZone of ['Pacific/Honolulu', 'UTC', 'Pacific/Kiritimati']) {
      expect(formatDate('2026-01-05', { locale: 'en-GB', timeZone })).toBe('5 Jan 2026');
      expect(formatAbsolute('2026-01-05', { locale: 'en-GB', timeZone })).toBe('Monday, 5 January 2026');
    }
    expect(isoOf('2026-01-05')).toBe('2026-01-05');
    expect(isoOf(Date.parse(at))).toBe(at);
  });

  it('due dates and project ranges', () => {
    expect(formatDue(null)).toBe('—');
    expect(formatDue(at, GB)).toBe('12 Mar 2026');
    expect(formatRange('2026-01-05', '2026-01-30', GB)).toBe('5 Jan 2026 – 30 Jan 2026');
    expect(formatRange('2026-01-05', null, GB)).toBe('From 5 Jan 2026');
    expect(formatRange(null, '2026-01-30', GB)).toBe('Until 30 Jan 2026');
    expect(formatRange(null, null, GB)).toBe('No dates yet');
  });
});

describe('relative time', () => {
  const now = Date.parse(at);
  const ago = (ms: number) => formatRelative(now - ms, { ...GB, now });
  const MIN = 60_000;
  const HOUR = 60 * MIN;

  it('walks from "just now" through minutes and hours to "yesterday" and then the date', () => {
    expect(ago(0)).toBe('just now');
    expect(ago(59_999)).toBe('just now');
    expect(ago(MIN)).toBe('1 minute ago');
    expect(ago(59 * MIN + 59_000)).toBe('59 minutes ago');
    expect(ago(HOUR)).toBe('1 hour ago');
    expect(ago(23 * HOUR + 59 * MIN)).toBe('23 hours ago');
    // 24 h back is 11 March, the calendar day before: "yesterday".
    expect(ago(24 * HOUR)).toBe('yesterday');
    // 12 March 14:05 less 38 h is 11 March 00:05: still yesterday; 39 h is 10 March: the date.
    expect(ago(38 * HOUR)).toBe('yesterday');
    expect(ago(39 * HOUR)).toBe('10 Mar 2026');
    expect(ago(400 * 24 * HOUR)).toBe('5 Feb 2025');
  });

  it('"yesterday" follows the viewer\'s calendar, not a 24-hour count', () => {
    // Now is 16:00 UTC on 12 March: 01:00 on 13 March in Tokyo, 09:00 on 12 March in Los Angeles.
    // 30 hours earlier is 19:00 on 11 March in Tokyo (two days back there) and 03:00 on 11 March in Los Angeles (yesterday).
    const tokyo = { locale: 'en-GB', timeZone: 'Asia/Tokyo', now: Date.parse('2026-03-12T16:00:00Z') };
    expect(formatRelative('2026-03-11T10:00:00Z', tokyo)).toBe('11 Mar 2026');
    expect(formatRelative('2026-03-11T10:00:00Z', { ...tokyo, timeZone: 'America/Los_Angeles' })).toBe('yesterday');
  });

  it('a moment ahead reads forward', () => {
    expect(formatRelative(now + 5 * MIN, { ...GB, now })).toBe('in 5 minutes');
  });
});

describe('short stamps (chat, comments)', () => {
  const now = Date.parse(at);
  it('today the clock, this week the weekday, this year day and month, else the date', () => {
    expect(formatShort('2026-03-12T08:30:00Z', { ...GB, now })).toBe('08:30');
    expect(formatShort('2026-03-09T08:30:00Z', { ...GB, now })).toBe('Mon 08:30');
    expect(formatShort('2026-01-03T08:30:00Z', { ...GB, now })).toBe('3 Jan, 08:30');
    expect(formatShort('2025-11-03T08:30:00Z', { ...GB, now })).toBe('3 Nov 2025');
  });
});

describe('one home for date formatting', () => {
  it('no client file but client/lib/datetime.ts formats dates itself', () => {
    const root = join(import.meta.dirname, '../../client');
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        if (statSync(p).isDirectory()) walk(p);
        else if (/\.(ts|svelte|js)$/.test(name)) files.push(p);
      }
    };
    walk(root);
    expect(files.length).toBeGreaterThan(50);
    const forbidden = /\.toLocale(Date|Time)?String\(|Intl\.(DateTimeFormat|RelativeTimeFormat)\b|\.toDateString\(|\.toTimeString\(/;
    const offenders = files.filter((f) => !f.endsWith('lib/datetime.ts') && forbidden.test(readFileSync(f, 'utf8'))).map((f) => relative(root, f));
    expect(offenders).toEqual([]);
  });
});
