import { randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { authorAad, homeAad, postAad, seal, sealJson, unseal, unsealJson } from '../../shared/domain/seal';
import type { AuthorRequest, PostRequest } from '../../shared/domain/snap';
import { SealError } from '../../shared/errors';

const key = randomBytes(32);

describe('sealing a message for the trip to the poster', () => {
  it('opens what it sealed', () => {
    const sealed = sealJson(
      key,
      'ENCRYPTED-KEY',
      { text: 'the door code is 4711', responseUrl: 'https://r' },
      'T1:trig',
    );

    expect(unsealJson(key, sealed, 'T1:trig')).toEqual({
      text: 'the door code is 4711',
      responseUrl: 'https://r',
    });
    expect(sealed.key).toBe('ENCRYPTED-KEY');
  });

  it('leaves no readable trace of the text in the sealed form', () => {
    const sealed = seal(key, 'k', 'the door code is 4711', 'id');

    const wire = JSON.stringify(sealed);
    expect(wire).not.toContain('4711');
    expect(Buffer.from(sealed.data, 'base64').toString('latin1')).not.toContain('door');
  });

  it('refuses a payload moved into another request', () => {
    const sealed = seal(key, 'k', 'secret', 'T1:first');

    expect(() => unseal(key, sealed, 'T1:second')).toThrow(SealError);
  });

  it('refuses a tampered payload or the wrong key', () => {
    const sealed = seal(key, 'k', 'secret', 'id');
    const bytes = Buffer.from(sealed.data, 'base64');
    bytes[0] = (bytes[0] ?? 0) ^ 1;

    expect(() => unseal(key, { ...sealed, data: bytes.toString('base64') }, 'id')).toThrow(SealError);
    expect(() => unseal(randomBytes(32), sealed, 'id')).toThrow(SealError);
    expect(() => unseal(key, { ...sealed, iv: 'AAAA' }, 'id')).toThrow(SealError);
  });

  it('uses a fresh nonce every time', () => {
    expect(seal(key, 'k', 'same', 'id').iv).not.toBe(seal(key, 'k', 'same', 'id').iv);
  });
});

const post: PostRequest = {
  v: 1,
  id: 'T1:trig',
  team: 'T1',
  channel: 'C1',
  user: 'U1',
  delaySeconds: 30,
  receivedAt: 1_800_000_000_000,
};
const author: AuthorRequest = {
  v: 1,
  action: { kind: 'delete', snapId: 'T1:snap' },
  team: 'T1',
  channel: 'C1',
  user: 'U1',
  receivedAt: 1_800_000_000_000,
};

describe('what a seal is bound to', () => {
  it('binds every clear field of a snap event: changing any one changes the associated data', () => {
    const changed: Array<Partial<PostRequest>> = [
      { id: 'T1:other' },
      { team: 'T2' },
      { channel: 'C2' },
      { user: 'U2' },
      { delaySeconds: 31 },
      { receivedAt: 1_800_000_000_001 },
    ];

    const aads = new Set([postAad(post), ...changed.map((c) => postAad({ ...post, ...c }))]);

    expect(aads.size).toBe(changed.length + 1);
  });

  it('binds the whole action of an author request, its id and whose it is', () => {
    const changed: Array<[string, AuthorRequest]> = [
      ['T1:other', author],
      ['T1:req', { ...author, action: { kind: 'delete', snapId: 'T1:another' } }],
      ['T1:req', { ...author, action: { kind: 'delete_message', ts: 'T1:snap' } }],
      ['T1:req', { ...author, action: { kind: 'cancel' } }],
      ['T1:req', { ...author, team: 'T2' }],
      ['T1:req', { ...author, channel: 'C2' }],
      ['T1:req', { ...author, user: 'U2' }],
      ['T1:req', { ...author, receivedAt: 1 }],
    ];

    const aads = new Set([authorAad('T1:req', author), ...changed.map(([id, r]) => authorAad(id, r))]);

    expect(aads.size).toBe(changed.length + 1);
  });

  it('binds the Enterprise Grid org when there is one: adding, removing or changing it changes the associated data', () => {
    const inOrg = postAad({ ...post, enterprise: 'E1' });
    const aads = new Set([
      postAad(post),
      inOrg,
      postAad({ ...post, enterprise: 'E2' }),
      authorAad('T1:req', author),
      authorAad('T1:req', { ...author, enterprise: 'E1' }),
    ]);

    expect(aads.size).toBe(5);
    expect(JSON.parse(inOrg)).toHaveLength((JSON.parse(postAad(post)) as unknown[]).length + 1);
  });

  it('binds a snap typed without a delay (the poster applies the default then), with an org or without', () => {
    const aads = new Set([
      postAad(post),
      postAad({ ...post, defaulted: true }),
      postAad({ ...post, enterprise: 'E1' }),
      postAad({ ...post, enterprise: 'E1', defaulted: true }),
    ]);

    expect(aads.size).toBe(4);
  });

  it('binds a policy change or a default in an author request, and what is done in App Home', () => {
    const aads = new Set([
      authorAad('T1:req', { ...author, action: { kind: 'policy' } }),
      authorAad('T1:req', { ...author, action: { kind: 'policy', change: { kind: 'max', seconds: 60 } } }),
      authorAad('T1:req', { ...author, action: { kind: 'policy', change: { kind: 'max', seconds: 61 } } }),
      authorAad('T1:req', { ...author, action: { kind: 'default' } }),
      authorAad('T1:req', { ...author, action: { kind: 'default', seconds: 60 } }),
      authorAad('T1:req', { ...author, action: { kind: 'default', seconds: null } }),
      homeAad('T1:req', {
        v: 1,
        home: { kind: 'delete', snapId: 'T1:snap' },
        team: 'T1',
        user: 'U1',
        receivedAt: 1,
      }),
      homeAad('T1:req', {
        v: 1,
        home: { kind: 'delete', snapId: 'T1:snap' },
        team: 'T1',
        user: 'U2',
        receivedAt: 1,
      }),
      homeAad('T1:req', { v: 1, home: { kind: 'open' }, team: 'T1', user: 'U1', receivedAt: 1 }),
    ]);

    expect(aads.size).toBe(9);
  });

  it('encodes an event without an org exactly as before orgs were bound, so events sealed then still open', () => {
    expect(postAad(post)).toBe(
      JSON.stringify(['snap/post', 1, post.id, 'T1', 'C1', 'U1', 30, 1_800_000_000_000]),
    );
  });

  it('encodes fields unambiguously: moving a separator between fields changes it', () => {
    const a = postAad({ ...post, team: 'T1:C', channel: '1' });
    const b = postAad({ ...post, team: 'T1', channel: ':C1' });

    expect(a).not.toBe(b);
  });

  it('never opens a snap event’s seal as an author request’s, or the reverse', () => {
    const sealed = sealJson(
      key,
      'k',
      { responseUrl: 'https://r' },
      authorAad('T1:trig', { ...author, action: { kind: 'list' } }),
    );

    expect(() => unsealJson(key, sealed, postAad(post))).toThrow(SealError);
  });
});
