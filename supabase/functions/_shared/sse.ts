// A minimal Server-Sent Events reader: enough for OpenAI-style `data:` streams,
// kept local because the function must not fetch modules at run time.

/** Yields the `data` payload of each event in the byte stream, in order. */
export async function* readSseData(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let data: string[] = [];
  let finished = false;
  try {
    while (true) {
      const { value, done } = await reader.read();
      if (done) {
        finished = true;
        break;
      }
      buffer += value;
      let newline: RegExpExecArray | null;
      const lineBreak = /\r\n|\r|\n/g;
      let consumed = 0;
      while ((newline = lineBreak.exec(buffer)) !== null) {
        // A lone \r at the very end may be the first half of \r\n: wait for more input.
        if (newline[0] === '\r' && newline.index === buffer.length - 1) break;
        const line = buffer.slice(consumed, newline.index);
        consumed = newline.index + newline[0].length;
        if (line === '') {
          if (data.length > 0) yield data.join('\n');
          data = [];
        } else if (line.startsWith('data:')) {
          data.push(line.slice(line.startsWith('data: ') ? 6 : 5));
        }
        // Comments (':'), event:, id: and retry: lines carry nothing the function needs.
      }
      buffer = buffer.slice(consumed);
    }
    if (buffer.startsWith('data:')) data.push(buffer.slice(buffer.startsWith('data: ') ? 6 : 5));
    if (data.length > 0) yield data.join('\n');
  } finally {
    // The consumer stopped early (or failed): drop the rest of the stream so its connection closes.
    if (!finished) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}
