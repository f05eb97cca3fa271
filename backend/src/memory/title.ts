/** A session title from the first message: its first line, whitespace collapsed, at most 60 characters. */
export function titleFrom(message: string): string {
  const line = message.trim().split('\n')[0].replace(/\s+/g, ' ').trim();
  if (line.length <= 60) return line || 'New chat';
  const cut = line.slice(0, 59);
  const space = cut.lastIndexOf(' ');
  return `${space > 30 ? cut.slice(0, space) : cut}…`;
}
