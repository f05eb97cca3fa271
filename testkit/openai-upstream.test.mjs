// Self-check of the OpenAI stub: run with `node --test testkit/openai-upstream.test.mjs`.
import { test, describe, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import { defaultTranscript, silentMp3, startOpenAIUpstream, splitIntoChunks } from './openai-upstream.mjs';

const chat = (url, body, headers = {}) =>
  fetch(`${url}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

function parseSse(text) {
  return text
    .split('\n\n')
    .map((event) => event.trim())
    .filter(Boolean)
    .map((event) => event.replace(/^data: /, ''));
}

describe('openai upstream stub', () => {
  let upstream;
  before(async () => {
    upstream = await startOpenAIUpstream();
  });
  after(async () => {
    await upstream.close();
  });
  beforeEach(() => upstream.reset());

  test('echoes the last user message as a chat.completion', async () => {
    const response = await chat(upstream.url, {
      model: 'gpt-test',
      messages: [
        { role: 'user', content: 'first' },
        { role: 'assistant', content: 'ok' },
        { role: 'user', content: 'hello there' },
      ],
    });
    assert.equal(response.status, 200);
    const body = await response.json();
    assert.match(body.id, /^chatcmpl-/);
    assert.equal(body.object, 'chat.completion');
    assert.equal(body.model, 'gpt-test');
    assert.equal(typeof body.created, 'number');
    assert.equal(body.choices[0].message.content, 'Echo: hello there');
    assert.equal(body.choices[0].finish_reason, 'stop');
    assert.equal(body.usage.completion_tokens, 3);
    assert.equal(body.usage.total_tokens, body.usage.prompt_tokens + 3);
    assert.equal(upstream.requests.length, 1);
    assert.equal(upstream.requests[0].body.model, 'gpt-test');
  });

  test('streams chunks, a finish chunk, a usage chunk and [DONE]', async () => {
    const response = await chat(upstream.url, {
      model: 'm',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'one two three' }],
    });
    assert.match(response.headers.get('content-type'), /text\/event-stream/);
    const events = parseSse(await response.text());
    assert.equal(events.at(-1), '[DONE]');
    const chunks = events.slice(0, -1).map((event) => JSON.parse(event));
    assert.equal(chunks[0].choices[0].delta.role, 'assistant');
    assert.ok(chunks.every((chunk) => chunk.object === 'chat.completion.chunk' && chunk.model === 'm'));
    const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
    assert.equal(text, 'Echo: one two three');
    assert.equal(chunks.at(-2).choices[0].finish_reason, 'stop');
    assert.deepEqual(chunks.at(-1).choices, []);
    assert.equal(chunks.at(-1).usage.completion_tokens, 4);
    assert.ok(chunks.length >= 6, 'several content chunks');
  });

  test('usage: null leaves usage out of a completion and the usage chunk out of a stream', async () => {
    upstream.enqueue({ kind: 'text', text: 'No figures.', usage: null });
    const plain = await (await chat(upstream.url, { model: 'm', messages: [{ role: 'user', content: 'q' }] })).json();
    assert.equal(plain.choices[0].message.content, 'No figures.');
    assert.equal('usage' in plain, false);
    upstream.enqueue({ kind: 'text', text: 'No figures.', usage: null });
    const response = await chat(upstream.url, {
      model: 'm',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'q' }],
    });
    const chunks = parseSse(await response.text())
      .slice(0, -1)
      .map((event) => JSON.parse(event));
    assert.equal(chunks.at(-1).choices[0].finish_reason, 'stop');
    assert.ok(chunks.every((chunk) => chunk.usage === null));
  });

  test('tool_calls streams each call (id and name, then its arguments in pieces) and finish_reason tool_calls', async () => {
    upstream.enqueue({
      kind: 'tool_calls',
      text: 'Adding it.',
      calls: [
        { id: 'call_a', name: 'add_to_cart', arguments: { product: 'mug', quantity: 2 } },
        { id: 'call_b', name: 'show', arguments: '{"color":"blue"}' },
      ],
    });
    const response = await chat(upstream.url, {
      model: 'm',
      stream: true,
      messages: [{ role: 'user', content: 'q' }],
      tools: [{ type: 'function', function: { name: 'add_to_cart', parameters: { type: 'object' } } }],
    });
    const chunks = parseSse(await response.text())
      .slice(0, -1)
      .map((event) => JSON.parse(event));
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    assert.equal(text, 'Adding it.');
    const calls = {};
    for (const c of chunks) {
      for (const tc of c.choices[0]?.delta.tool_calls ?? []) {
        calls[tc.index] ??= { id: tc.id, name: tc.function.name, arguments: '' };
        calls[tc.index].arguments += tc.function.arguments ?? '';
      }
    }
    assert.deepEqual(Object.values(calls), [
      { id: 'call_a', name: 'add_to_cart', arguments: '{"product":"mug","quantity":2}' },
      { id: 'call_b', name: 'show', arguments: '{"color":"blue"}' },
    ]);
    assert.equal(chunks.at(-1).choices[0].finish_reason, 'tool_calls');
    assert.equal(upstream.requests[0].body.tools[0].function.name, 'add_to_cart');

    upstream.enqueue({ kind: 'tool_calls', calls: [{ id: 'call_c', name: 'show', arguments: {} }] });
    const plain = await (await chat(upstream.url, { model: 'm', messages: [{ role: 'user', content: 'q' }] })).json();
    assert.equal(plain.choices[0].finish_reason, 'tool_calls');
    assert.equal(plain.choices[0].message.content, null);
    assert.deepEqual(plain.choices[0].message.tool_calls, [
      { id: 'call_c', type: 'function', function: { name: 'show', arguments: '{}' } },
    ]);
  });

  test('scripted text uses the given chunks and finish reason', async () => {
    upstream.enqueue({ kind: 'text', chunks: ['Hel', 'lo'], finishReason: 'length', chunkDelayMs: 5 });
    const response = await chat(upstream.url, { stream: true, messages: [{ role: 'user', content: 'x' }] });
    const chunks = parseSse(await response.text())
      .slice(0, -1)
      .map((e) => JSON.parse(e));
    assert.deepEqual(
      chunks.slice(1, 3).map((chunk) => chunk.choices[0].delta.content),
      ['Hel', 'lo'],
    );
    assert.equal(chunks.at(-1).choices[0].finish_reason, 'length');
    assert.equal(chunks.at(-1).usage, undefined, 'no usage chunk unless include_usage');
  });

  test('scripted odd text: NUL and lone surrogates in deltas, model name and finish reason arrive as sent', async () => {
    upstream.enqueue({ kind: 'text', chunks: ['a\u0000b', '\ud800'], model: 'm\u0000\udfff', finishReason: 'x\u0000' });
    const response = await chat(upstream.url, { stream: true, messages: [{ role: 'user', content: 'x' }] });
    const chunks = parseSse(await response.text())
      .slice(0, -1)
      .map((e) => JSON.parse(e));
    assert.deepEqual(
      chunks.slice(1, 3).map((chunk) => chunk.choices[0].delta.content),
      ['a\u0000b', '\ud800'],
    );
    assert.ok(chunks.every((chunk) => chunk.model === 'm\u0000\udfff'));
    assert.equal(chunks.at(-1).choices[0].finish_reason, 'x\u0000');
  });

  test('error behavior answers with the OpenAI error shape', async () => {
    upstream.enqueue({ kind: 'error', status: 429, message: 'slow down' });
    const response = await chat(upstream.url, { messages: [{ role: 'user', content: 'x' }] });
    assert.equal(response.status, 429);
    const body = await response.json();
    assert.equal(body.error.message, 'slow down');
    assert.equal(body.error.code, 'rate_limit_exceeded');
    assert.equal(body.error.param, null);
  });

  test('garbage and empty behaviors', async () => {
    upstream.enqueue({ kind: 'garbage' });
    const garbage = await chat(upstream.url, { messages: [{ role: 'user', content: 'x' }] });
    assert.equal(garbage.status, 200);
    await assert.rejects(garbage.json());

    upstream.enqueue({ kind: 'garbage' });
    const garbageStream = await chat(upstream.url, { stream: true, messages: [{ role: 'user', content: 'x' }] });
    const first = parseSse(await garbageStream.text())[0];
    assert.throws(() => JSON.parse(first));

    upstream.enqueue({ kind: 'empty' });
    const empty = await (await chat(upstream.url, { messages: [{ role: 'user', content: 'x' }] })).json();
    assert.deepEqual(empty.choices, []);
  });

  test('cut streams n chunks and then drops the connection', async () => {
    upstream.enqueue({ kind: 'cut', afterChunks: 2, text: 'a b c d' });
    const response = await chat(upstream.url, { stream: true, messages: [{ role: 'user', content: 'x' }] });
    assert.equal(response.status, 200);
    await assert.rejects(response.text());
  });

  test('a hung request is torn down by close()', async () => {
    const own = await startOpenAIUpstream();
    own.enqueue({ kind: 'hang' });
    const pending = chat(own.url, { messages: [{ role: 'user', content: 'x' }] });
    while (own.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    await own.close();
    await assert.rejects(pending);
  });

  test('apiKey rejects requests without the bearer token', async () => {
    const own = await startOpenAIUpstream({ apiKey: 'sk-test' });
    try {
      const denied = await chat(own.url, { messages: [{ role: 'user', content: 'x' }] });
      assert.equal(denied.status, 401);
      const body = await denied.json();
      assert.equal(body.error.code, 'invalid_api_key');
      assert.equal(body.error.type, 'invalid_request_error');
      const allowed = await chat(
        own.url,
        { messages: [{ role: 'user', content: 'x' }] },
        { authorization: 'Bearer sk-test' },
      );
      assert.equal(allowed.status, 200);
    } finally {
      await own.close();
    }
  });

  test('a behavior for a model waits for a request for that model', async () => {
    upstream.enqueue({ kind: 'text', text: 'summary', forModel: 'cheap' });
    upstream.enqueue({ kind: 'text', text: 'answer' });
    const ask = async (model) =>
      (await (await chat(upstream.url, { model, messages: [{ role: 'user', content: 'x' }] })).json()).choices[0]
        .message.content;
    assert.equal(await ask('main'), 'answer');
    assert.equal(await ask('main'), 'Echo: x');
    assert.equal(await ask('cheap'), 'summary');
  });

  test('records messages with content parts exactly as sent; lastRequest() reads the last body', async () => {
    assert.throws(() => upstream.lastRequest(), /no chat completions request/);
    const messages = [
      { role: 'system', content: 'Be brief.' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is in this picture?' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'low' } },
          { type: 'text', text: 'Attached file "notes.md" (text/markdown):\n# Notes' },
        ],
      },
    ];
    const response = await chat(upstream.url, { model: 'vision', messages });
    assert.equal(response.status, 200);
    assert.equal(
      (await response.json()).choices[0].message.content,
      'Echo: What is in this picture? Attached file "notes.md" (text/markdown):\n# Notes',
    );
    assert.deepEqual(upstream.lastRequest().messages, messages);
    assert.deepEqual(upstream.requests[0].body.messages, messages);
  });

  test("rejectImages answers a request with an image part with OpenAI's 400, and text-only ones as usual", async () => {
    const withImage = {
      messages: [
        { role: 'user', content: 'earlier' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'look' },
            { type: 'image_url', image_url: { url: 'https://x.test/a.png' } },
          ],
        },
      ],
    };
    upstream.rejectImages();
    const refused = await chat(upstream.url, withImage);
    assert.equal(refused.status, 400);
    assert.deepEqual(await refused.json(), {
      error: {
        message: 'Invalid content type. image_url is only supported by certain models.',
        type: 'invalid_request_error',
        param: 'messages.[1].content.[1].type',
        code: null,
      },
    });
    assert.equal(
      (await chat(upstream.url, { messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }] })).status,
      200,
    );

    upstream.rejectImages({ message: 'this model does not support image input', code: 'image_not_supported' });
    const custom = await (await chat(upstream.url, withImage)).json();
    assert.equal(custom.error.message, 'this model does not support image input');
    assert.equal(custom.error.code, 'image_not_supported');

    upstream.reset();
    assert.equal((await chat(upstream.url, withImage)).status, 200, 'reset() restores the start option');
    const strict = await startOpenAIUpstream({ rejectImages: true });
    try {
      assert.equal((await chat(strict.url, withImage)).status, 400);
    } finally {
      await strict.close();
    }
  });

  test('splitIntoChunks keeps every character', () => {
    for (const text of ['', 'a', ' lead and trail ', 'multi\n\nline  text']) {
      assert.equal(splitIntoChunks(text).join(''), text);
    }
  });
});

describe('openai upstream stub: audio', () => {
  let upstream;
  before(async () => {
    upstream = await startOpenAIUpstream({ apiKey: 'sk-audio' });
  });
  after(async () => {
    await upstream.close();
  });
  beforeEach(() => upstream.reset());

  const auth = { authorization: 'Bearer sk-audio' };
  const audioBytes = Buffer.from(Array.from({ length: 3000 }, (_, i) => i % 251));

  function transcribe(fields, file = { bytes: audioBytes, name: 'voice.webm', type: 'audio/webm' }, headers = auth) {
    const form = new FormData();
    if (file) form.append('file', new Blob([file.bytes], { type: file.type }), file.name);
    for (const [name, value] of Object.entries(fields)) form.append(name, value);
    return fetch(`${upstream.url}/audio/transcriptions`, { method: 'POST', headers, body: form });
  }

  const speak = (body, headers = auth) =>
    fetch(`${upstream.url}/audio/speech`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });

  test('transcribes to {text} from the file size and records model, file and fields', async () => {
    const response = await transcribe({ model: 'whisper-1', language: 'en', prompt: 'Pulse' });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type'), /^application\/json/);
    const body = await response.json();
    assert.equal(body.text, 'Transcript of voice.webm (3000 bytes).');
    assert.equal(body.text, defaultTranscript('voice.webm', 3000));
    assert.deepEqual(body.usage, { type: 'duration', seconds: 1 });

    const [record] = upstream.transcriptions;
    assert.equal(record.model, 'whisper-1');
    assert.deepEqual(record.fields, { model: 'whisper-1', language: 'en', prompt: 'Pulse' });
    assert.deepEqual(record.file, {
      name: 'voice.webm',
      type: 'audio/webm',
      size: 3000,
      sha256: createHash('sha256').update(audioBytes).digest('hex'),
    });
    assert.equal(record.headers.authorization, 'Bearer sk-audio');
    assert.match(record.headers['content-type'], /^multipart\/form-data; boundary=/);
    assert.equal(upstream.requests.length, 0, 'chat records stay apart');
  });

  test('scripted transcripts, text and verbose_json formats', async () => {
    upstream.enqueueTranscription({ kind: 'text', text: 'What does it cost?' });
    const text = await transcribe({ model: 'whisper-1', response_format: 'text' });
    assert.match(text.headers.get('content-type'), /^text\/plain/);
    assert.equal(await text.text(), 'What does it cost?\n');

    upstream.enqueueTranscription({ kind: 'text', text: 'Hello.', duration: 2.5 });
    const verbose = await (
      await transcribe({ model: 'whisper-1', response_format: 'verbose_json', language: 'fr' })
    ).json();
    assert.equal(verbose.text, 'Hello.');
    assert.equal(verbose.duration, 2.5);
    assert.equal(verbose.language, 'fr');
    assert.equal(verbose.segments.length, 1);
    assert.equal(verbose.segments[0].end, 2.5);
  });

  test("refusals in OpenAI's error shape: no file, no model, a name that is no audio format, a bad key", async () => {
    const missingFile = await transcribe({ model: 'whisper-1' }, null);
    assert.equal(missingFile.status, 400);
    const missing = await missingFile.json();
    assert.equal(missing.error.type, 'invalid_request_error');
    assert.equal(missing.error.param, 'file');

    assert.equal((await (await transcribe({})).json()).error.param, 'model');

    const blob = await transcribe({ model: 'whisper-1' }, { bytes: audioBytes, name: 'blob', type: 'audio/webm' });
    assert.equal(blob.status, 400);
    assert.match((await blob.json()).error.message, /^Invalid file format\. Supported formats: .*webm/);

    const denied = await transcribe({ model: 'whisper-1' }, undefined, {});
    assert.equal(denied.status, 401);
    assert.equal((await denied.json()).error.code, 'invalid_api_key');

    const notMultipart = await fetch(`${upstream.url}/audio/transcriptions`, {
      method: 'POST',
      headers: auth,
      body: '{}',
    });
    assert.equal(notMultipart.status, 400);
    assert.equal(upstream.transcriptions.length, 5, 'refused requests are recorded too');
  });

  test('scripted errors and hangs', async () => {
    upstream.enqueueTranscription({ kind: 'error', status: 503, message: 'overloaded' });
    const unavailable = await transcribe({ model: 'whisper-1' });
    assert.equal(unavailable.status, 503);
    assert.deepEqual((await unavailable.json()).error, {
      message: 'overloaded',
      type: 'server_error',
      param: null,
      code: null,
    });

    upstream.enqueueTranscription({ kind: 'garbage' });
    const garbage = await transcribe({ model: 'whisper-1' });
    assert.equal(garbage.status, 200);
    await assert.rejects(garbage.json());

    const own = await startOpenAIUpstream();
    own.enqueueTranscription({ kind: 'hang' });
    const form = new FormData();
    form.append('model', 'whisper-1');
    form.append('file', new Blob([audioBytes]), 'a.mp3');
    const pending = fetch(`${own.url}/audio/transcriptions`, { method: 'POST', body: form });
    while (own.transcriptions.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    await own.close();
    await assert.rejects(pending);
  });

  test('speech: silent MP3 frames as audio/mpeg, sent chunked, and the request recorded', async () => {
    upstream.enqueueSpeech({ kind: 'audio', frames: 12, chunkFrames: 3, chunkDelayMs: 5 });
    const response = await speak({ model: 'tts-1', input: 'Read this aloud.', voice: 'alloy', response_format: 'mp3' });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'audio/mpeg');
    assert.equal(response.headers.get('content-length'), null);
    assert.equal(response.headers.get('transfer-encoding'), 'chunked');
    const reads = [];
    for await (const chunk of response.body) reads.push(Buffer.from(chunk));
    const bytes = Buffer.concat(reads);
    assert.ok(reads.length >= 2, 'arrives in several reads');
    assert.deepEqual(bytes, silentMp3(12));
    assert.equal(bytes.length, 12 * 417);
    assert.deepEqual([...bytes.subarray(0, 4)], [0xff, 0xfb, 0x90, 0xc4], 'an MPEG-1 Layer III frame header');
    assert.deepEqual(upstream.speeches[0].body, {
      model: 'tts-1',
      input: 'Read this aloud.',
      voice: 'alloy',
      response_format: 'mp3',
    });
    assert.equal(upstream.speeches[0].headers.authorization, 'Bearer sk-audio');

    const wav = await speak({ model: 'tts-1', input: 'Hi', voice: 'alloy', response_format: 'wav' });
    assert.equal(wav.headers.get('content-type'), 'audio/wav');
    assert.equal(
      Buffer.from(await wav.arrayBuffer())
        .subarray(0, 4)
        .toString('ascii'),
      'RIFF',
    );
  });

  test('speech refusals and scripted failures', async () => {
    const refused = [
      [{ input: 'x', voice: 'alloy' }, 'model'],
      [{ model: 'tts-1', voice: 'alloy' }, 'input'],
      [{ model: 'tts-1', input: 'x'.repeat(4097), voice: 'alloy' }, 'input'],
      [{ model: 'tts-1', input: 'x' }, 'voice'],
      [{ model: 'tts-1', input: 'x', voice: 'alloy', speed: 5 }, 'speed'],
      [{ model: 'tts-1', input: 'x', voice: 'alloy', response_format: 'toString' }, 'response_format'],
    ];
    for (const [body, param] of refused) {
      const response = await speak(body);
      assert.equal(response.status, 400, param);
      assert.equal((await response.json()).error.param, param);
    }
    assert.equal((await speak({ model: 'tts-1', input: 'x', voice: 'alloy' }, {})).status, 401);

    upstream.enqueueSpeech({ kind: 'error', status: 500 });
    assert.equal((await speak({ model: 'tts-1', input: 'x', voice: 'alloy' })).status, 500);

    upstream.enqueueSpeech({ kind: 'cut', afterChunks: 1, frames: 20 });
    const cut = await speak({ model: 'tts-1', input: 'x', voice: 'alloy' });
    assert.equal(cut.status, 200);
    await assert.rejects(cut.arrayBuffer());
  });
});

test('standalone mode prints its URL and takes control requests', async () => {
  const script = fileURLToPath(new URL('./openai-upstream.mjs', import.meta.url));
  const child = spawn(process.execPath, [script, '--port', '0', '--api-key', 'k1'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const [line] = await once(child.stdout, 'data');
    const { url } = JSON.parse(String(line).split('\n')[0]);
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    const origin = new URL(url).origin;
    await fetch(`${origin}/__control/enqueue`, {
      method: 'POST',
      body: JSON.stringify({ kind: 'text', text: 'scripted' }),
    });
    const reply = await (
      await chat(url, { messages: [{ role: 'user', content: 'x' }] }, { authorization: 'Bearer k1' })
    ).json();
    assert.equal(reply.choices[0].message.content, 'scripted');
    const recorded = await (await fetch(`${origin}/__control/requests`)).json();
    assert.equal(recorded.length, 1);

    await fetch(`${origin}/__control/enqueue-transcription`, {
      method: 'POST',
      body: JSON.stringify({ kind: 'text', text: 'scripted words' }),
    });
    const form = new FormData();
    form.append('model', 'whisper-1');
    form.append('file', new Blob([new Uint8Array(10)], { type: 'audio/ogg' }), 'v.ogg');
    const heard = await fetch(`${url}/audio/transcriptions`, {
      method: 'POST',
      headers: { authorization: 'Bearer k1' },
      body: form,
    });
    assert.equal((await heard.json()).text, 'scripted words');
    const transcriptions = await (await fetch(`${origin}/__control/transcriptions`)).json();
    assert.equal(transcriptions[0].file.name, 'v.ogg');

    await fetch(`${origin}/__control/enqueue-speech`, {
      method: 'POST',
      body: JSON.stringify({ kind: 'error', status: 503 }),
    });
    const spoken = await fetch(`${url}/audio/speech`, {
      method: 'POST',
      headers: { authorization: 'Bearer k1', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'tts-1', input: 'x', voice: 'alloy' }),
    });
    assert.equal(spoken.status, 503);
    assert.equal((await (await fetch(`${origin}/__control/speeches`)).json()).length, 1);

    await fetch(`${origin}/__control/reset`, { method: 'POST' });
    assert.deepEqual(await (await fetch(`${origin}/__control/requests`)).json(), []);
    assert.deepEqual(await (await fetch(`${origin}/__control/transcriptions`)).json(), []);
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
});
