/** Nest injection token for the loaded CountTokens. */
export const TOKEN_COUNTER = Symbol('TOKEN_COUNTER');

/** Tokens in a text, as the model's tokenizer would cut it. */
export type CountTokens = (text: string) => number;

/** Special-token markers in a user's text (`<|endoftext|>`) are counted as the plain text they are. */
const PLAIN_TEXT = { disallowedSpecial: new Set<string>() };

/**
 * OpenAI's cl100k_base encoding (gpt-tokenizer, pure JS). Not o200k_base, the encoding of
 * gpt-4o and later: that one holds 40 MB more in memory for the same English counts, and for
 * other languages cl100k counts more tokens, never fewer, so a budget counted with it errs on
 * the safe side (the prompt is a little shorter than it could be, never too long). Loaded on
 * import because its tables take about a second to build, which a process that never chats
 * (a migration run, a unit test) should not pay.
 */
export async function loadTokenCounter(): Promise<CountTokens> {
  const { countTokens } = await import('gpt-tokenizer/encoding/cl100k_base');
  const count = (text: string) => countTokens(text, PLAIN_TEXT);
  return (text) => {
    if (text === '') return 0;
    // BPE merges within one pre-token cost about the square of its length: a 16,000-character
    // run without a space blocked the event loop for 0.4 s (seconds on a loaded machine, enough
    // for a database connect to time out). Long runs are counted in 100-character pieces: 100
    // times faster, and at most a few percent more tokens, so a budget still errs on the short side.
    let pieces = 0;
    const rest = text.replace(LONG_RUN, (run) => {
      for (let i = 0; i < run.length; i += PIECE) pieces += count(run.slice(i, i + PIECE));
      return ' ';
    });
    return pieces + count(rest);
  };
}

const LONG_RUN = /\S{200,}/g;
const PIECE = 100;

/**
 * Token counts of stored messages by id. A stored message never changes, and each send counts
 * the ten or so before it again, so all but the newest two come from here. Counting blocks the
 * event loop: about 5 ms for eleven messages of 500 characters, 45 ms for eleven of 32,000
 * (measured on a busy 2-core machine). The oldest entries go first past `size` (about 2 MB).
 */
export class TurnTokenCache {
  private readonly byId = new Map<string, number>();

  constructor(
    private readonly count: CountTokens,
    private readonly size = 20_000,
  ) {}

  turn(turn: { id?: string; content: string }): number {
    if (!turn.id) return this.count(turn.content);
    const known = this.byId.get(turn.id);
    if (known !== undefined) return known;
    const tokens = this.count(turn.content);
    this.byId.set(turn.id, tokens);
    if (this.byId.size > this.size) this.byId.delete(this.byId.keys().next().value as string);
    return tokens;
  }
}
