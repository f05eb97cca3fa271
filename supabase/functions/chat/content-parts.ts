// A user message's content as parts (text and images), the OpenAI Chat Completions shape
// Pulse sends for a turn with attachments. Checked strictly: only these two kinds, only the
// fields OpenAI defines, images only inline (data:) or over https.

export type ContentPart =
  { type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string; detail?: ImageDetail } };

type ImagePart = Extract<ContentPart, { type: 'image_url' }>;
type ImageDetail = 'auto' | 'low' | 'high';

export const PART_LIMITS = {
  maxParts: 64,
  /** Per text part; the same bound as a string content. */
  maxTextChars: 100_000,
  /** A 20 MiB image in base64 (Pulse's largest upload by default) and its `data:` prefix. */
  maxDataUrlChars: 28_000_000,
  /** Long enough for a presigned S3 URL with a session token. */
  maxHttpsUrlChars: 16_384,
  /** All image URLs of one request together: about OpenAI's own 50 MB request limit. */
  maxImageCharsPerRequest: 70_000_000,
} as const;

const DETAILS: ReadonlySet<string> = new Set(['auto', 'low', 'high']);
// The image types OpenAI's vision models take.
const DATA_URL = /^data:image\/(?:png|jpeg|gif|webp);base64,[A-Za-z0-9+/]+={0,2}$/;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const onlyKeys = (value: Record<string, unknown>, allowed: string[]) =>
  Object.keys(value).every((key) => allowed.includes(key));

export type PartsResult = { ok: true; parts: ContentPart[]; imageChars: number } | { ok: false; error: string };

/** Checks `content` (already known to be an array) at `where` (e.g. `messages[2].content`). */
export function validateContentParts(content: unknown[], where: string): PartsResult {
  if (content.length === 0) return { ok: false, error: `${where} must not be an empty array` };
  if (content.length > PART_LIMITS.maxParts) {
    return { ok: false, error: `${where} must hold at most ${PART_LIMITS.maxParts} parts` };
  }
  const parts: ContentPart[] = [];
  let imageChars = 0;
  for (const [index, part] of content.entries()) {
    const at = `${where}[${index}]`;
    if (!isObject(part)) return { ok: false, error: `${at} must be an object` };
    if (part.type === 'text') {
      if (!onlyKeys(part, ['type', 'text'])) return { ok: false, error: `${at} may only have type and text` };
      if (typeof part.text !== 'string') return { ok: false, error: `${at}.text must be a string` };
      if (part.text.length > PART_LIMITS.maxTextChars) {
        return { ok: false, error: `${at}.text must be at most ${PART_LIMITS.maxTextChars} characters` };
      }
      parts.push({ type: 'text', text: part.text });
    } else if (part.type === 'image_url') {
      const image = imagePart(part, at);
      if (typeof image === 'string') return { ok: false, error: image };
      imageChars += image.image_url.url.length;
      parts.push(image);
    } else {
      return { ok: false, error: `${at}.type must be text or image_url` };
    }
  }
  return { ok: true, parts, imageChars };
}

/** The clean part, or what is wrong with it. */
function imagePart(part: Record<string, unknown>, at: string): ImagePart | string {
  if (!onlyKeys(part, ['type', 'image_url'])) return `${at} may only have type and image_url`;
  const image = part.image_url;
  if (!isObject(image) || !onlyKeys(image, ['url', 'detail'])) {
    return `${at}.image_url must be an object with url and optionally detail`;
  }
  const { url, detail } = image;
  if (typeof url !== 'string') return `${at}.image_url.url must be a string`;
  if (detail !== undefined && (typeof detail !== 'string' || !DETAILS.has(detail))) {
    return `${at}.image_url.detail must be auto, low or high`;
  }
  const problem = url.startsWith('data:') ? dataUrlProblem(url) : httpsUrlProblem(url);
  if (problem) return `${at}.image_url.url ${problem}`;
  return {
    type: 'image_url',
    image_url: detail === undefined ? { url } : { url, detail: detail as ImageDetail },
  };
}

function dataUrlProblem(url: string): string | undefined {
  if (url.length > PART_LIMITS.maxDataUrlChars) return `must be at most ${PART_LIMITS.maxDataUrlChars} characters`;
  const payload = url.length - url.indexOf(',') - 1;
  if (!DATA_URL.test(url) || payload % 4 !== 0) {
    return 'must be a base64 data: URL of a PNG, JPEG, GIF or WebP image';
  }
  return undefined;
}

function httpsUrlProblem(url: string): string | undefined {
  if (url.length > PART_LIMITS.maxHttpsUrlChars) return `must be at most ${PART_LIMITS.maxHttpsUrlChars} characters`;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'must be a data: or https: URL';
  }
  if (parsed.protocol !== 'https:') return 'must be a data: or https: URL';
  if (parsed.username || parsed.password) return 'must not carry credentials';
  return undefined;
}
