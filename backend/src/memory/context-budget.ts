import type { AiMessage } from '../ai/ai-provider.js';
import type { CountTokens } from './token-counter.js';
import type { MessageAttachmentDto } from '../attachments/dto/attachment.dto.js';

/** A stored message on the path the model follows; `id` is what a summary is keyed by. */
export interface Turn {
  id?: string;
  role: 'system' | 'user' | 'assistant';
  content: string;
  /** A user message's files, as its metadata lists them; given to the model by AttachmentInputs. */
  attachments?: MessageAttachmentDto[];
}

/**
 * A stored running summary: everything on the path up to and including `through` (a message id).
 * `tokens` is its own length, kept for the record; the budget counts the message it becomes.
 */
export interface StoredSummary {
  through: string;
  content: string;
  tokens: number;
}

/**
 * What a chat prompt costs beyond its texts: OpenAI frames each message with about four
 * tokens (role and separators) and primes the reply with three.
 */
export const MESSAGE_TOKENS = 4;
export const REPLY_TOKENS = 3;

/** How the summary reaches the model: a system message right after the system prompt. */
export const summaryMessage = (content: string): AiMessage & { content: string } => ({
  role: 'system',
  content: `Summary of the earlier part of this conversation:\n${content}`,
});

export interface ContextPlan {
  /** What goes to the model: system prompt, summary (if any), turns, the question last. */
  messages: AiMessage[];
  /** Stored turns sent, the question included (not the system prompt or the summary). */
  turns: number;
  /** The whole prompt counted with the tokenizer, framing included. */
  tokens: number;
  /** The summary sent, if one was. */
  summary?: StoredSummary;
}

export interface PlanInput {
  systemPrompt: string;
  /** The stored window, oldest first, ending with the question (MAX_CONTEXT_MESSAGES already applied). */
  window: Turn[];
  /** MAX_CONTEXT_TOKENS; 0 = no token cap. */
  maxTokens: number;
  count: CountTokens;
  /** A turn's text in tokens; defaults to `count(turn.content)` (the service passes a cache by id). */
  countTurn?: (turn: Turn) => number;
  /** True when the window starts at the conversation's first message: nothing fell out before it. */
  reachesStart: boolean;
  /** Stored summaries whose `through` is a message of the window. */
  summaries?: StoredSummary[];
}

const cost = (count: CountTokens, text: string) => count(text) + MESSAGE_TOKENS;

/**
 * The prompt for one send. The system prompt and the question always go, even when they alone
 * are over the budget (refusing the question would fail the user for something the model may
 * well accept; its own limit is the last word). Older turns then go newest first while they fit,
 * so the kept turns are always an unbroken run ending with the question.
 *
 * A summary is used only when it covers exactly what is left out: its `through` message is the
 * turn just before the first one kept. Of the summaries that fit, the one covering the least is
 * taken, so the most turns reach the model word for word. When the window reaches the start of
 * the conversation and fits whole, no summary is needed.
 */
export function planContext(input: PlanInput): ContextPlan {
  const { systemPrompt, window, maxTokens, count } = input;
  if (window.length === 0) throw new Error('planContext: the window must end with the question');
  const base = (systemPrompt.trim() ? cost(count, systemPrompt) : 0) + REPLY_TOKENS;
  const countTurn = input.countTurn ?? ((t: Turn) => count(t.content));
  const costs = window.map((t) => countTurn(t) + MESSAGE_TOKENS);
  const fits = (tokens: number) => maxTokens === 0 || tokens <= maxTokens;

  // Without a summary: the longest run of turns ending with the question that fits.
  let first = window.length - 1;
  let tokens = base + costs[first];
  while (first > 0 && fits(tokens + costs[first - 1])) tokens += costs[--first];
  const plain = { first, tokens };

  if (!(first === 0 && input.reachesStart)) {
    const index = new Map(window.map((t, i) => [t.id, i]));
    const usable = (input.summaries ?? [])
      .map((summary) => ({ summary, at: index.get(summary.through) }))
      // The question itself is never summarised: a summary through it cannot have been made yet.
      .filter((s): s is { summary: StoredSummary; at: number } => s.at !== undefined && s.at < window.length - 1)
      .map(({ summary, at }) => {
        let total = base + cost(count, summaryMessage(summary.content).content);
        for (let i = at + 1; i < window.length; i++) total += costs[i];
        return { summary, first: at + 1, tokens: total };
      })
      .filter((s) => fits(s.tokens))
      .sort((a, b) => a.first - b.first);
    const best = usable.at(0);
    if (best) return assemble(systemPrompt, window, best.first, best.tokens, best.summary);
  }
  return assemble(systemPrompt, window, plain.first, plain.tokens);
}

function assemble(
  systemPrompt: string,
  window: Turn[],
  first: number,
  tokens: number,
  summary?: StoredSummary,
): ContextPlan {
  const messages: AiMessage[] = [];
  if (systemPrompt.trim()) messages.push({ role: 'system', content: systemPrompt });
  if (summary) messages.push(summaryMessage(summary.content));
  for (const turn of window.slice(first)) messages.push({ role: turn.role, content: turn.content });
  return { messages, turns: window.length - first, tokens, summary };
}

export interface FoldInput {
  systemPrompt: string;
  /** The path ending with the answer just stored, oldest first; every turn has its id. */
  path: Turn[];
  /** True when `path` starts at the conversation's first message. */
  reachesStart: boolean;
  /** MAX_CONTEXT_MESSAGES: how many stored turns the next send reads before its question. */
  history: number;
  maxTokens: number;
  count: CountTokens;
  /** Stored summaries whose `through` is a message of `path`. */
  summaries: StoredSummary[];
}

export interface Fold {
  /** The summary to build on, if one covers an earlier part of the path. */
  previous?: StoredSummary;
  /** The turns to fold into it, oldest first; the last is the new summary's `through`. */
  turns: Turn[];
}

/** The share of MAX_CONTEXT_TOKENS kept free for the next question when planning a summary. */
const QUESTION_SHARE = 4;

/** The most a summary may be (its max_tokens), so that summary, kept turns and question fit together. */
export const summaryTokenLimit = (maxTokens: number, fallback: number) =>
  maxTokens > 0 ? Math.max(32, Math.floor(maxTokens / QUESTION_SHARE)) : fallback;

/**
 * After an answer: whether the next send would lose turns that no stored summary covers, and if
 * so what to fold into a new one. The next send reads the last `history` turns; a stored summary
 * still serves it when it is one of them and it, the turns after it and a question of a quarter of
 * the budget fit. Otherwise the new summary runs up to the turn before the last `history / 2`
 * turns (and at most half the budget), which leaves room for a few more sends before the next
 * fold, so the model is called about once every few sends, not after every answer.
 */
export function planFold(input: FoldInput): Fold | undefined {
  const { path, history, maxTokens, count } = input;
  if (history === 0 || path.length === 0) return undefined;
  const reserve = maxTokens > 0 ? Math.floor(maxTokens / QUESTION_SHARE) : 0;
  const budget = maxTokens > 0 ? maxTokens - reserve : 0;
  const base = (input.systemPrompt.trim() ? cost(count, input.systemPrompt) : 0) + REPLY_TOKENS;
  const costs = path.map((t) => cost(count, t.content));
  const nextFirst = Math.max(0, path.length - history);
  const sumFrom = (i: number) => costs.slice(i).reduce((a, b) => a + b, 0);
  const index = new Map(path.map((t, i) => [t.id, i]));
  const placed = input.summaries
    .map((summary) => ({ summary, at: index.get(summary.through) ?? -1 }))
    .filter((s) => s.at >= 0)
    .sort((a, b) => a.at - b.at);

  const serves = placed.some(
    ({ summary, at }) =>
      at >= nextFirst &&
      (budget === 0 || base + cost(count, summaryMessage(summary.content).content) + sumFrom(at + 1) <= budget),
  );
  if (serves) return undefined;
  // Nothing falls out next time: the whole conversation is in the window and fits.
  if (input.reachesStart && nextFirst === 0 && (budget === 0 || base + sumFrom(0) <= budget)) return undefined;

  // Turns kept word for word after the new summary: at most half the window and half the budget.
  const keepLimit = maxTokens > 0 ? Math.floor(maxTokens / 2) - base : Infinity;
  let keep = 0;
  let kept = 0;
  while (keep < Math.floor(history / 2) && keep < path.length && kept + costs[path.length - 1 - keep] <= keepLimit) {
    kept += costs[path.length - 1 - keep];
    keep++;
  }
  const through = path.length - 1 - keep;
  if (through < 0) return undefined;
  const previous = placed.filter((s) => s.at < through).at(-1);
  // A summary at or after the fold point that still does not serve: folding again would not help.
  if (placed.some((s) => s.at >= through)) return undefined;
  return { previous: previous?.summary, turns: path.slice(previous ? previous.at + 1 : 0, through + 1) };
}
