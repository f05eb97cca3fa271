import type { AiProvider, AiRequest } from '../ai/ai-provider.js';
import { cleanText } from '../common/clean-text.js';

/** A whole (short) answer of the model as one string, for work nobody watches stream: summaries, titles. */
export async function modelText(ai: AiProvider, request: Omit<AiRequest, 'systemPrompt'>): Promise<string> {
  const system = request.messages.find((m) => m.role === 'system')?.content;
  const systemPrompt = typeof system === 'string' ? system : '';
  let text = '';
  for await (const event of ai.stream({ ...request, systemPrompt })) if (event.type === 'delta') text += event.text;
  return cleanText(text).trim();
}
