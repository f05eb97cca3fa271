import pg from 'pg';

/**
 * A parameter as an SQL literal, the way it would have been bound: strings through the
 * driver's own escaping (`E'...'` when they hold a backslash), so the text can never end the
 * literal early. Only the types Pulse binds are accepted; anything else is a programming error.
 */
export function sqlLiteral(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`cannot inline the number ${value}`);
    return `'${value}'`;
  }
  if (typeof value === 'string') {
    // The query string is a C string on the wire: a NUL would cut it short. Postgres's text refuses it anyway.
    if (value.includes('\0')) throw new Error('cannot inline a string that holds U+0000');
    return pg.escapeLiteral(value);
  }
  throw new Error(`cannot inline a parameter of type ${typeof value}`);
}

/**
 * `sql` with each `$n` replaced by its parameter as a literal, for the simple protocol (which
 * carries several statements in one round trip but no parameters). The statements given are
 * the repositories' fixed texts, which hold `$` only as placeholders. A literal keeps the type
 * a bound parameter would get: untyped (`unknown`) until a cast or its context decides.
 */
export function inlineParameters(sql: string, params: readonly unknown[]): string {
  return sql.replace(/\$(\d+)/g, (_, n: string) => {
    const index = Number(n) - 1;
    if (index < 0 || index >= params.length) throw new Error(`no parameter for $${n}`);
    return sqlLiteral(params[index]);
  });
}
