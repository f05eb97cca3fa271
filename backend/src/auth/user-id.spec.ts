import { USER_ID_NAMESPACE, userIdFor, uuidV5 } from './user-id.js';

describe('user ids', () => {
  it('computes RFC 9562 UUIDv5 (the RFC example: DNS namespace, www.example.com)', () => {
    expect(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe(
      '2ed6657d-e927-568b-95e1-2665a8aea6a2',
    );
  });

  it('keeps a UUID sub as the id, lowercased', () => {
    const id = '3F2504E0-4F89-41D3-9A0C-0305E82C3301';
    expect(userIdFor('https://x.supabase.co/auth/v1', id)).toBe(id.toLowerCase());
    expect(userIdFor(undefined, id)).toBe(id.toLowerCase());
  });

  it('maps any other sub with its issuer to a fixed UUIDv5', () => {
    const auth0 = userIdFor('https://tenant.auth0.com/', 'auth0|abc');
    expect(auth0).toBe(uuidV5('https://tenant.auth0.com/\nauth0|abc', USER_ID_NAMESPACE));
    expect(auth0).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    // Pinned: every stored session depends on this value never changing.
    expect(auth0).toBe(PINNED);
    expect(userIdFor('https://other.example/', 'auth0|abc')).not.toBe(auth0);
    expect(userIdFor(undefined, 'auth0|abc')).toBe(userIdFor('', 'auth0|abc'));
    expect(userIdFor(undefined, 'Ab')).not.toBe(userIdFor(undefined, 'ab'));
  });
});

const PINNED = '6656436e-6e7e-52cd-bef2-de7202439280';
