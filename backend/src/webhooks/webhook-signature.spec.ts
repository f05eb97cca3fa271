import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { signEvent } from './webhook-signature.js';

const secret = `whsec_${randomBytes(32).toString('base64')}`;
const event = {
  id: 'msg_0123456789abcdef0123456789abcdef',
  type: 'message.created',
  createdAt: new Date('2026-12-05T08:00:00.000Z'),
  data: { message_id: 'm1', content: 'Bonjour, ça va ? "quotes" \u2028' },
};

describe('signEvent (Standard Webhooks)', () => {
  it('signs a body the standardwebhooks verifier accepts, and it parses to { type, timestamp, data }', () => {
    const { body, headers } = signEvent(secret, event);
    expect(new Webhook(secret).verify(body, headers)).toEqual({
      type: 'message.created',
      timestamp: '2026-12-05T08:00:00.000Z',
      data: event.data,
    });
    expect(headers['webhook-id']).toBe(event.id);
    expect(headers['content-type']).toBe('application/json');
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
  });

  it('is refused with another secret, a changed body or another id', () => {
    const { body, headers } = signEvent(secret, event);
    const other = `whsec_${randomBytes(32).toString('base64')}`;
    expect(() => new Webhook(other).verify(body, headers)).toThrow();
    expect(() => new Webhook(secret).verify(body.replace('Bonjour', 'Bonsoir'), headers)).toThrow();
    expect(() => new Webhook(secret).verify(body, { ...headers, 'webhook-id': 'msg_other' })).toThrow();
  });

  it('stamps the attempt time, so a retry hours later still passes the receiver’s tolerance', () => {
    const later = new Date(Date.now() + 1000);
    const { body, headers } = signEvent(secret, event, later);
    expect(headers['webhook-timestamp']).toBe(String(Math.floor(later.getTime() / 1000)));
    expect(() => new Webhook(secret).verify(body, headers)).not.toThrow();
    const stale = signEvent(secret, event, new Date(Date.now() - 10 * 60 * 1000));
    expect(() => new Webhook(secret).verify(stale.body, stale.headers)).toThrow(/timestamp/i);
  });
});
