import { inlineParameters, sqlLiteral } from './sql-literal.js';

describe('sqlLiteral', () => {
  it('quotes strings so that no quote or backslash ends them early', () => {
    expect(sqlLiteral("it's")).toBe("'it''s'");
    expect(sqlLiteral('a\\b')).toBe(" E'a\\\\b'");
    expect(sqlLiteral("'); drop table x; --")).toBe("'''); drop table x; --'");
  });

  it('spells null, booleans and finite numbers, and refuses anything else', () => {
    expect(sqlLiteral(null)).toBe('NULL');
    expect(sqlLiteral(undefined)).toBe('NULL');
    expect(sqlLiteral(true)).toBe('true');
    expect(sqlLiteral(42)).toBe("'42'");
    expect(() => sqlLiteral(Number.NaN)).toThrow('cannot inline');
    expect(() => sqlLiteral({ a: 1 })).toThrow('cannot inline');
    expect(() => sqlLiteral('a\0b')).toThrow('U+0000');
  });
});

describe('inlineParameters', () => {
  it('replaces every placeholder, $10 apart from $1', () => {
    const params = Array.from({ length: 10 }, (_, i) => `v${i + 1}`);
    expect(inlineParameters('select $1, $10, $1::uuid', params)).toBe("select 'v1', 'v10', 'v1'::uuid");
  });

  it('refuses a placeholder without a parameter', () => {
    expect(() => inlineParameters('select $2', ['only one'])).toThrow('no parameter for $2');
  });
});
