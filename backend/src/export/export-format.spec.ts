import type { MessageDto, SessionDto } from '../sessions/dto/session.dto.js';
import { exportFilename, toMarkdown } from './export-format.js';

const id = '0123abcd-0000-4000-8000-000000000000';

describe('export format', () => {
  it.each([
    ['Crème brûlée, step by step!', 'creme-brulee-step-by-step'],
    ['"quotes"\r\nand; semicolons', 'quotes-and-semicolons'],
    ['日本語', 'chat'],
    ['---', 'chat'],
    ['a'.repeat(80), 'a'.repeat(60)],
  ])('slugs %j as %j plus the id prefix', (title, slug) => {
    expect(exportFilename({ id, title }, 'md')).toBe(`${slug}-0123abcd.md`);
  });

  it('renders the title, each message under a role and time heading, content verbatim', () => {
    const session = { id, title: 'Two\nlines', created_at: '2026-11-28T10:00:00Z' } as unknown as SessionDto;
    const fenced = '```js\n# not a heading\n```';
    const messages = [
      { role: 'user', content: 'Hi', created_at: '2026-11-28T10:00:01Z' },
      { role: 'assistant', content: fenced, created_at: new Date('2026-11-28T10:00:02Z') },
    ] as unknown as MessageDto[];
    const md = toMarkdown(session, messages, new Date('2026-11-29T00:00:00Z'));
    expect(md).toBe(
      [
        '# Two lines',
        `Exported from Pulse on 2026-11-29T00:00:00.000Z · session ${id} · started 2026-11-28T10:00:00.000Z`,
        '---',
        '## User · 2026-11-28T10:00:01.000Z',
        'Hi',
        '---',
        '## Assistant · 2026-11-28T10:00:02.000Z',
        fenced,
      ].join('\n\n') + '\n',
    );
  });
});
