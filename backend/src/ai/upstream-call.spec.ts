import { afterEach, beforeEach, jest } from '@jest/globals';
import { AiProviderError } from './ai-provider.js';
import { UpstreamCall } from './upstream-call.js';

const reasonOf = (call: UpstreamCall) => call.signal.reason as AiProviderError;

describe('UpstreamCall', () => {
  // The idle clock is a timer: fake time, so a loaded machine cannot make the call late or early.
  beforeEach(() => {
    jest.useFakeTimers();
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('aborts with UPSTREAM_TIMEOUT when nothing happens for timeoutMs', () => {
    const call = new UpstreamCall(new AbortController().signal, 50);
    jest.advanceTimersByTime(49);
    expect(call.signal.aborted).toBe(false);
    jest.advanceTimersByTime(1);
    expect(call.signal.aborted).toBe(true);
    expect(reasonOf(call).code).toBe('UPSTREAM_TIMEOUT');
    expect(reasonOf(call).message).toBe('The AI provider did not answer within 0.1 s.');
    call.end();
  });

  it('keeps a call alive while it is touched more often than timeoutMs', () => {
    const call = new UpstreamCall(new AbortController().signal, 60);
    for (let i = 0; i < 5; i += 1) {
      jest.advanceTimersByTime(59);
      call.touch();
    }
    expect(call.signal.aborted).toBe(false);
    jest.advanceTimersByTime(60);
    expect(reasonOf(call).code).toBe('UPSTREAM_TIMEOUT');
    call.end();
  });

  it('aborts with UPSTREAM_ABORTED when the caller’s signal aborts, even beforehand', () => {
    const caller = new AbortController();
    const call = new UpstreamCall(caller.signal, 1000);
    caller.abort();
    expect(reasonOf(call).code).toBe('UPSTREAM_ABORTED');
    call.end();

    const early = new UpstreamCall(AbortSignal.abort(), 1000);
    expect(reasonOf(early).code).toBe('UPSTREAM_ABORTED');
    early.end();
  });

  it('prefers its own abort reason over the error fetch raised', () => {
    const caller = new AbortController();
    const call = new UpstreamCall(caller.signal, 1000);
    const fallback = () => new AiProviderError('UPSTREAM_ERROR', 'fallback');
    expect(call.failure(new TypeError('fetch failed'), fallback).code).toBe('UPSTREAM_ERROR');
    caller.abort();
    expect(call.failure(new DOMException('aborted', 'AbortError'), fallback).code).toBe('UPSTREAM_ABORTED');
    call.end();
  });

  it('releases the connection when ended, and no longer follows the caller', () => {
    const caller = new AbortController();
    const call = new UpstreamCall(caller.signal, 30);
    call.end();
    expect(call.signal.aborted).toBe(true);
    expect(reasonOf(call).message).toBe('The answer was no longer needed.');
    caller.abort();
    expect(reasonOf(call).message).toBe('The answer was no longer needed.');
  });

  it('aborts nothing when ended after the answer was read to its end', () => {
    const caller = new AbortController();
    const call = new UpstreamCall(caller.signal, 30);
    call.complete();
    call.end();
    expect(call.signal.aborted).toBe(false);
    caller.abort();
    jest.advanceTimersByTime(100);
    expect(call.signal.aborted).toBe(false);
  });
});
