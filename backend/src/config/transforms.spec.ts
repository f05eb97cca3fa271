import { splitList, toBoolean } from './transforms.js';

describe('toBoolean', () => {
  it('reads the usual words in any case and hands anything else back for the validator to refuse', () => {
    for (const word of ['1', 'true', 'TRUE', 'yes', 'on', ' On ']) expect(toBoolean(word)).toBe(true);
    for (const word of ['0', 'false', 'False', 'no', 'off']) expect(toBoolean(word)).toBe(false);
    for (const word of ['flase', 'maybe', '', '2']) expect(toBoolean(word)).toBe(word);
    expect(toBoolean(undefined)).toBeUndefined();
  });
});

describe('splitList', () => {
  it('trims entries and drops empty ones', () => {
    expect(splitList(' https://a.example, https://b.example ,,')).toEqual(['https://a.example', 'https://b.example']);
    expect(splitList('')).toEqual([]);
  });
});
