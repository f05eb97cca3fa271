import { registerDecorator, type ValidationOptions } from 'class-validator';

/**
 * Text Postgres can store and every client can encode: no U+0000 (a `text` column refuses
 * it) and no lone UTF-16 surrogate (not a character; UTF-8 cannot encode it). JSON lets a
 * client send both as `\u0000` and `\ud800`, and a model can answer with them.
 */
// Without the `u` flag the pattern sees UTF-16 code units, which is what a lone surrogate is.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, 'g');

export function isCleanText(value: string): boolean {
  return !value.includes('\0') && !LONE_SURROGATE.test(value);
}

/** What we keep from text we did not write (the model's): NUL dropped, a lone surrogate as U+FFFD. */
export function cleanText(value: string): string {
  return isCleanText(value) ? value : value.replaceAll('\0', '').replace(LONE_SURROGATES, '\uFFFD');
}

/**
 * cleanText for text that arrives in pieces: a surrogate pair split across two deltas is
 * one character, so a high surrogate at the end of a piece waits for the next one.
 */
export class StreamingTextCleaner {
  private pending = '';

  push(piece: string): string {
    let text = this.pending + piece;
    this.pending = '';
    const last = text.charCodeAt(text.length - 1);
    if (last >= 0xd800 && last <= 0xdbff) {
      this.pending = text.slice(-1);
      text = text.slice(0, -1);
    }
    return cleanText(text);
  }

  /** The held-back half of a pair that never got its other half. */
  flush(): string {
    const rest = this.pending;
    this.pending = '';
    return cleanText(rest);
  }
}

/** Refuses U+0000 and lone surrogates in a string field (400 VALIDATION_FAILED naming the field). */
export function IsCleanText(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isCleanText',
      target: target.constructor,
      propertyName: propertyName as string,
      options: {
        message: ({ property }) => `${property} must not contain U+0000 or unpaired UTF-16 surrogates`,
        ...options,
      },
      validator: { validate: (value: unknown) => typeof value !== 'string' || isCleanText(value) },
    });
}

/** The sentence the OpenAPI descriptions of text fields carry. */
export const CLEAN_TEXT_NOTE = 'Must not contain U+0000 or unpaired UTF-16 surrogates (400 VALIDATION_FAILED).';
