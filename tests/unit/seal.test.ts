import { randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { seal, sealJson, unseal, unsealJson } from '../../shared/domain/seal';
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
