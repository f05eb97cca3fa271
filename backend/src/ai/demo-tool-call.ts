import type { AiMessage, AiTool, AiToolCall } from './ai-provider.js';

/**
 * The offline demo's stand-in for a model calling the page's tools: plain word matching, enough
 * to show the round trip ("add two blue mugs to my cart" -> add_to_cart) without pretending to
 * understand. A tool is called when words of its name or description appear in the message and
 * every required argument can be read from it: enum values (plurals too), numbers (digits and
 * one..twenty), colour words.
 */
export interface DemoCall {
  name: string;
  arguments: Record<string, unknown>;
}

const NUMBER_WORDS = [
  'zero',
  'one',
  'two',
  'three',
  'four',
  'five',
  'six',
  'seven',
  'eight',
  'nine',
  'ten',
  'eleven',
  'twelve',
  'thirteen',
  'fourteen',
  'fifteen',
  'sixteen',
  'seventeen',
  'eighteen',
  'nineteen',
  'twenty',
];

const COLOURS = new Set([
  'red',
  'orange',
  'yellow',
  'green',
  'blue',
  'purple',
  'violet',
  'pink',
  'brown',
  'black',
  'white',
  'gray',
  'grey',
  'silver',
  'gold',
  'beige',
  'navy',
  'teal',
]);

// Words too common to say which tool is meant.
const STOPWORDS = new Set(
  'a an and are as at be by for from get in into is it its of on or set that the this to with my your our their'.split(
    ' ',
  ),
);

/** Lowercase words, hyphenated ones split, so `t-shirts` reads as `t shirts`. */
function words(text: string): string[] {
  return text
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== '');
}

/** Enough of an English stem to match `adds` with `add` and `mugs` with `mug`. */
function stem(word: string): string {
  if (word.length > 4 && word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (word.length > 4 && /(?:s|x|z|ch|sh)es$/.test(word)) return word.slice(0, -2);
  if (word.length > 3 && word.endsWith('s') && !word.endsWith('ss')) return word.slice(0, -1);
  return word;
}

/** The plural of a phrase's last word, as the shop's products need it. */
export function plural(phrase: string): string {
  if (/[^aeiou]y$/i.test(phrase)) return `${phrase.slice(0, -1)}ies`;
  if (/(?:s|x|z|ch|sh)$/i.test(phrase)) return `${phrase}es`;
  return `${phrase}s`;
}

/** The call the demo makes for this message, if one of the tools fits it. */
export function demoToolCall(tools: AiTool[], message: string): DemoCall | undefined {
  const said = words(message);
  const saidStems = new Set(said.map(stem));
  let best: { call: DemoCall; score: number } | undefined;
  for (const tool of tools) {
    const score = intentScore(tool, saidStems);
    if (score === 0 || (best && best.score >= score)) continue;
    const args = readArguments(tool.parameters, said);
    if (args) best = { call: { name: tool.name, arguments: args }, score };
  }
  return best?.call;
}

/** How strongly the message names the tool: its name's words count double, its description's once. */
function intentScore(tool: AiTool, saidStems: Set<string>): number {
  const hits = (text: string, minLength: number) =>
    new Set(
      words(text)
        .filter((w) => w.length >= minLength && !STOPWORDS.has(w))
        .map(stem)
        .filter((w) => saidStems.has(w)),
    ).size;
  return 2 * hits(tool.name, 2) + hits(tool.description, 4);
}

interface PropertySchema {
  type?: unknown;
  enum?: unknown;
  minimum?: unknown;
  maximum?: unknown;
}

/** The arguments read from the message, or undefined when a required one is not there. */
function readArguments(parameters: Record<string, unknown>, said: string[]): Record<string, unknown> | undefined {
  const properties = isRecord(parameters.properties) ? parameters.properties : {};
  const required = new Set(Array.isArray(parameters.required) ? parameters.required : []);
  const numbers = said.map(numberOf).filter((n): n is number => n !== undefined);
  const args: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(properties)) {
    const schema: PropertySchema = isRecord(raw) ? raw : {};
    let value: unknown;
    if (Array.isArray(schema.enum)) {
      value = enumValue(schema.enum, said);
    } else if (schema.type === 'integer' || schema.type === 'number') {
      value = numbers.shift();
      // A quantity nobody said is one (or the least the tool takes).
      if (value === undefined && required.has(key)) value = typeof schema.minimum === 'number' ? schema.minimum : 1;
    } else if (schema.type === 'string' && /^colou?r$/i.test(key)) {
      value = said.find((w) => COLOURS.has(w));
    }
    if (value !== undefined) args[key] = value;
    else if (required.has(key)) return undefined;
  }
  return args;
}

/** The enum value the message names, singular or plural, the earliest said first. */
function enumValue(values: unknown[], said: string[]): string | undefined {
  const text = ` ${said.join(' ')} `;
  let found: { value: string; at: number } | undefined;
  for (const value of values) {
    if (typeof value !== 'string') continue;
    const phrase = words(value).join(' ');
    if (phrase === '') continue;
    for (const form of [phrase, plural(phrase)]) {
      const at = text.indexOf(` ${form} `);
      if (at >= 0 && (!found || at < found.at)) found = { value, at };
    }
  }
  return found?.value;
}

function numberOf(word: string): number | undefined {
  if (/^\d{1,6}$/.test(word)) return Number(word);
  const index = NUMBER_WORDS.indexOf(word);
  return index > 0 ? index : undefined;
}

/**
 * The demo's words after the page answered its calls: one line per result, from the call's
 * arguments and what the page returned (an `error` in the result means the tool failed or the
 * visitor denied it).
 */
export function demoToolResultAnswer(messages: AiMessage[]): string {
  const calls = new Map<string, AiToolCall>();
  for (const m of messages) for (const c of m.toolCalls ?? []) calls.set(c.id, c);
  const lastAsked = messages.findLastIndex((m) => m.role !== 'tool');
  const results = messages.slice(lastAsked + 1);
  return results.map((r) => resultLine(r.toolCallId ? calls.get(r.toolCallId) : undefined, r.content)).join('\n\n');
}

function resultLine(call: AiToolCall | undefined, content: AiMessage['content']): string {
  const name = call?.name ?? 'the tool';
  const output = parseJson(typeof content === 'string' ? content : '');
  const error = isRecord(output) && typeof output.error === 'string' ? output.error : undefined;
  if (error !== undefined) {
    if (/\bdenied\b/i.test(error)) return `Okay, I did not run ${name}: you declined it.`;
    return `Sorry, ${name} failed: ${error}`;
  }
  const args = parseJson(call?.arguments ?? '');
  const item = isRecord(args) ? itemPhrase(args) : '';
  const cartSaid = /cart/i.test(name) || (isRecord(output) && 'cart' in output);
  if (item !== '' && cartSaid) {
    const many = isRecord(args) && Object.values(args).some((v) => typeof v === 'number' && v !== 1);
    return `Done: ${item} ${many ? 'are' : 'is'} in your cart.`;
  }
  return `Done: ${name}${item ? ` (${item})` : ''} worked.`;
}

/** `2 blue mugs`: the arguments' number, then its other words, the last one plural after a number other than 1. */
function itemPhrase(args: Record<string, unknown>): string {
  const count = Object.values(args).find((v) => typeof v === 'number');
  const texts = Object.values(args).filter((v): v is string => typeof v === 'string' && v.trim() !== '');
  // The colour reads before the thing it colours.
  texts.sort((a, b) => Number(COLOURS.has(b.toLowerCase())) - Number(COLOURS.has(a.toLowerCase())));
  if (texts.length > 0 && typeof count === 'number' && count !== 1) texts.push(plural(texts.pop()!));
  return [...(typeof count === 'number' ? [String(count)] : []), ...texts].join(' ');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
