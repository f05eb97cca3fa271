// The range picker's choices, as the analytics API's from, to and bucket.

export type Preset = '24h' | '7d' | '30d' | 'custom';

export interface Range {
  from: string;
  to: string;
  bucket: 'hour' | 'day';
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export const PRESETS: { value: Preset; label: string }[] = [
  { value: '24h', label: 'Last 24 hours (by hour)' },
  { value: '7d', label: 'Last 7 days (by day)' },
  { value: '30d', label: 'Last 30 days (by day)' },
  { value: 'custom', label: 'Custom…' },
];

/** A preset's range ending now. */
export function presetRange(preset: Exclude<Preset, 'custom'>, now = Date.now()): Range {
  const span = { '24h': DAY, '7d': 7 * DAY, '30d': 30 * DAY }[preset];
  return {
    from: new Date(now - span).toISOString(),
    to: new Date(now).toISOString(),
    bucket: preset === '24h' ? 'hour' : 'day',
  };
}

/**
 * A custom range from two `datetime-local` values (the admin's own clock): by hour up to three
 * days, by day beyond (the API takes at most 31 days of hours and 400 of days). A string is what is wrong.
 */
export function customRange(from: string, to: string): Range | string {
  const start = new Date(from).getTime();
  const end = new Date(to).getTime();
  if (Number.isNaN(start) || Number.isNaN(end)) return 'Give both a start and an end.';
  if (start >= end) return 'The start must be before the end.';
  if (end - start > 400 * DAY) return 'A range may span at most 400 days.';
  return {
    from: new Date(start).toISOString(),
    to: new Date(end).toISOString(),
    bucket: end - start <= 3 * DAY ? 'hour' : 'day',
  };
}

/** A Date as a `datetime-local` input's value, in the browser's time zone. */
export function toLocalInput(iso: string): string {
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
