/**
 * Search input that full-text parsers trip on. Both searches (`GET /api/chat/search` and
 * `GET /api/chat/sessions?q=`) must answer every one with 200, never a 500.
 */
export const AWKWARD_QUERIES: Array<[query: string, what: string]> = [
  ["quote'", 'single quote'],
  ['"unclosed', 'unclosed quote'],
  ['a & b | !c', 'tsquery operators'],
  ['foo:*', 'prefix syntax'],
  ['((()))', 'only brackets'],
  ['!!!', 'no lexeme at all'],
  ['-', 'a lone minus'],
  ['\\', 'a backslash'],
  ['or', 'only the operator'],
  ['<b>bold</b>', 'markup'],
  ['日本語 テキスト', 'Japanese'],
];
