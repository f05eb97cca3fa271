// Numbers as the dashboard shows them, in the browser's locale.

const integer = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const percent = new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 1 });
const seconds = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });
const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export const NO_DATA = 'no data';

export const count = (n: number): string => integer.format(n);

export const ratio = (r: number | null): string => (r === null ? NO_DATA : percent.format(r));

/** Milliseconds, or seconds from one second on. */
export const duration = (ms: number | null): string =>
  ms === null ? NO_DATA : ms < 1000 ? `${integer.format(ms)} ms` : `${seconds.format(ms / 1000)} s`;

export const when = (iso: string): string => dateTime.format(new Date(iso));
