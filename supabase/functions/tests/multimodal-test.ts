// The chat Edge Function with a user turn's content as parts (text and images): strictly
// checked, then forwarded to the upstream exactly as sent.
// Run from the repo root: scripts/test-edge.sh
import { assertEquals, assertMatch } from './assert.ts';
import { handleChat } from '../chat/index.ts';
import { PART_LIMITS } from '../chat/content-parts.ts';
import type { ChatMessage } from '../chat/validate.ts';
import { chatRequest, sseData, withUpstream } from './support.ts';

const PNG =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

const conversation: ChatMessage[] = [
  { role: 'user', content: 'Hi, I bought a lamp.' },
  { role: 'assistant', content: 'How can I help with it?' },
  {
    role: 'user',
    content: [
      { type: 'text', text: 'It looks like this. Is the cable damaged?' },
      { type: 'image_url', image_url: { url: PNG } },
      { type: 'image_url', image_url: { url: 'https://cdn.example/lamp.jpg?X-Amz-Signature=abc', detail: 'low' } },
      { type: 'text', text: 'Attached file "receipt.txt" (text/plain):\nLamp, 49 EUR' },
      { type: 'text', text: 'Voice message transcript:\nIt flickers.' },
    ],
  },
];

withUpstream('forwards content parts to the upstream exactly as sent, after the system prompt', async (upstream) => {
  const response = await handleChat(chatRequest({ messages: conversation, system_prompt: 'Be kind.' }));
  assertEquals(response.status, 200);
  assertMatch((await response.json()).response, /^Echo: It looks like this\. Is the cable damaged\? Attached file/);
  assertEquals(upstream.requests.length, 1);
  assertEquals(upstream.lastRequest().messages, [{ role: 'system', content: 'Be kind.' }, ...conversation]);
});

withUpstream('a streamed answer forwards the parts unchanged too', async (upstream) => {
  const response = await handleChat(chatRequest({ messages: conversation, stream: true }));
  assertEquals(sseData(await response.text()).at(-1), '[DONE]');
  assertEquals(upstream.lastRequest().messages, conversation);
});

const userParts = (content: unknown) => ({ messages: [{ role: 'user', content }] });
const image = (url: string, extra: Record<string, unknown> = {}) => ({
  type: 'image_url',
  image_url: { url, ...extra },
});

withUpstream(
  'refuses parts it does not know, odd URLs and odd shapes with 400, never calling upstream',
  async (upstream) => {
    const bad: [string, unknown][] = [
      ['an empty array', userParts([])],
      ['an unknown part type', userParts([{ type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } }])],
      ['a file part', userParts([{ type: 'file', file: { file_data: 'AAAA' } }])],
      ['a part without type', userParts([{ text: 'x' }])],
      ['a part that is a string', userParts(['x'])],
      [
        'a text part with an extra field',
        userParts([{ type: 'text', text: 'x', cache_control: { type: 'ephemeral' } }]),
      ],
      ['a text part without text', userParts([{ type: 'text' }])],
      ['image_url as a bare string', userParts([{ type: 'image_url', image_url: 'https://cdn.example/a.png' }])],
      ['an image with an extra field', userParts([image('https://cdn.example/a.png', { referer: 'x' })])],
      ['an unknown detail', userParts([image('https://cdn.example/a.png', { detail: 'ultra' })])],
      ['a plain http URL', userParts([image('http://cdn.example/a.png')])],
      ['a file URL', userParts([image('file:///etc/passwd')])],
      ['a javascript URL', userParts([image('javascript:alert(1)')])],
      ['a relative URL', userParts([image('/a.png')])],
      ['an https URL with credentials', userParts([image('https://user:pw@cdn.example/a.png')])],
      ['an SVG data URL', userParts([image('data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=')])],
      ['an HTML data URL', userParts([image('data:text/html;base64,PGgxPng8L2gxPg==')])],
      ['a data URL that is not base64', userParts([image('data:image/png,rawbytes')])],
      ['a data URL with characters outside base64', userParts([image('data:image/png;base64,iVBO*w0K')])],
      ['a data URL of broken length', userParts([image('data:image/png;base64,iVBORw0')])],
      ['parts in an assistant message', { messages: [{ role: 'assistant', content: [{ type: 'text', text: 'x' }] }] }],
      ['parts in a system message', { messages: [{ role: 'system', content: [{ type: 'text', text: 'x' }] }] }],
      [
        'too many parts',
        userParts(Array.from({ length: PART_LIMITS.maxParts + 1 }, () => ({ type: 'text', text: 'x' }))),
      ],
      ['an oversize text part', userParts([{ type: 'text', text: 'x'.repeat(PART_LIMITS.maxTextChars + 1) }])],
      ['an oversize https URL', userParts([image(`https://cdn.example/${'a'.repeat(PART_LIMITS.maxHttpsUrlChars)}`)])],
    ];
    for (const [label, body] of bad) {
      const response = await handleChat(chatRequest(body));
      assertEquals(response.status, 400, label);
      const answer = await response.json();
      assertEquals(answer.code, 'INVALID_REQUEST', label);
      assertMatch(answer.error, /^messages\[0\]\.content/, label);
    }
    assertEquals(upstream.requests.length, 0);
  },
);

withUpstream('an inline image is allowed up to its limit and refused past it', async (upstream) => {
  const prefix = 'data:image/png;base64,';
  const largest = prefix + 'A'.repeat(Math.floor((PART_LIMITS.maxDataUrlChars - prefix.length) / 4) * 4);
  const accepted = await handleChat(chatRequest(userParts([image(largest)])));
  assertEquals(accepted.status, 200);
  await accepted.body?.cancel();
  const sent = upstream.lastRequest().messages[0].content as { image_url: { url: string } }[];
  assertEquals(sent[0].image_url.url.length, largest.length);

  const oversize = await handleChat(chatRequest(userParts([image(`${largest}AAAA`)])));
  assertEquals(oversize.status, 400);
  assertMatch((await oversize.json()).error, /must be at most 28000000 characters/);

  // Each under its own limit, together over the request's.
  const third = prefix + 'A'.repeat(24_000_000);
  const together = await handleChat(chatRequest(userParts([image(third), image(third), image(third)])));
  assertEquals(together.status, 400);
  assertMatch((await together.json()).error, /^images must total at most/);
  assertEquals(upstream.requests.length, 1);
});

withUpstream(
  'a model that takes no images: 502 UPSTREAM_ERROR with the upstream 400 and its words',
  async (upstream) => {
    upstream.rejectImages();
    const response = await handleChat(chatRequest({ messages: conversation }));
    assertEquals(response.status, 502);
    const body = await response.json();
    assertEquals(body.code, 'UPSTREAM_ERROR');
    assertEquals(body.upstream_status, 400);
    assertMatch(body.error, /image_url is only supported by certain models/);

    const textOnly = await handleChat(chatRequest({ messages: [conversation[0]] }));
    assertEquals(textOnly.status, 200, 'a turn without images still goes through');
    await textOnly.body?.cancel();
  },
);
