import { decodeCursor, encodeCursor } from './search.service.js';

const id = '0b7e6f5c-1d2e-4f3a-8b9c-0d1e2f3a4b5c';
const forge = (text: string) => Buffer.from(text).toString('base64url');

describe('search cursors', () => {
  it('round-trip the text Postgres prints for a timestamptz, microseconds and all', () => {
    for (const at of ['2026-11-29 01:22:48.312081+00', '2026-11-29 02:22:48+01', '1999-12-31 23:59:59.5-05:30']) {
      expect(decodeCursor(encodeCursor({ created_at: at, id }))).toEqual({ created_at: at, id });
    }
  });

  it.each([
    ['not base64url', '%%%'],
    ['no separator', forge('2026-11-29 01:22:48+00')],
    ['a bad uuid', forge('2026-11-29 01:22:48+00|nope')],
    ['an upper-case uuid (never printed by Postgres)', forge(`2026-11-29 01:22:48+00|${id.toUpperCase()}`)],
    ['an extra field', forge(`2026-11-29 01:22:48+00|${id}|x`)],
    ['the 30th of February', forge(`2026-02-30 01:22:48+00|${id}`)],
    ['hour 25', forge(`2026-11-29 25:00:00+00|${id}`)],
    ['an offset out of range', forge(`2026-11-29 01:22:48+99|${id}`)],
    ['an ISO string from JavaScript', forge(`2026-11-29T01:22:48.312Z|${id}`)],
  ])('refuse %s, so SQL never sees a value it cannot cast', (_name, raw) => {
    expect(decodeCursor(raw)).toBeUndefined();
  });
});
