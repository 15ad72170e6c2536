/**
 * The signature check's comparison must take the same time whatever the bytes, or an attacker
 * timing the 401s could learn a valid signature byte by byte. Behaviour alone cannot show it
 * (`===` gives the same answers), so this suite puts a spy in place of `node:crypto`'s
 * `timingSafeEqual` and holds the verdict to what that compare says.
 */
import { readFileSync } from 'node:fs';
import { beforeEach, describe, expect, it, jest } from '@jest/globals';

const crypto = await import('node:crypto');
const compare = jest.fn((a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) =>
  crypto.timingSafeEqual(a, b),
);
jest.unstable_mockModule('node:crypto', () => ({ ...crypto, default: crypto, timingSafeEqual: compare }));
const { verifySignature } = await import('../../shared/domain/signature');

const example = JSON.parse(
  readFileSync(new URL('../fixtures/slack-signing-example.json', import.meta.url), 'utf8'),
) as { signing_secret: string; timestamp: string; body: string; expected_signature: string };
const at = Number(example.timestamp);
const signed = { timestamp: example.timestamp, signature: example.expected_signature, rawBody: example.body };

describe('the signature comparison', () => {
  beforeEach(() => {
    compare.mockClear();
  });

  it('goes through the constant-time compare once, with two buffers of the same length', () => {
    // Act
    const good = verifySignature(example.signing_secret, signed, at);
    const bad = verifySignature(example.signing_secret, { ...signed, rawBody: `${example.body}&x=1` }, at);

    // Assess
    expect([good.ok, bad.ok]).toEqual([true, false]);
    expect(compare).toHaveBeenCalledTimes(2);
    for (const [expected, given] of compare.mock.calls) {
      expect(Buffer.isBuffer(expected) && Buffer.isBuffer(given)).toBe(true);
      expect((expected as Buffer).length).toBe((given as Buffer).length);
    }
  });

  it('takes its verdict from that compare alone: a valid signature it calls unequal is refused', () => {
    compare.mockReturnValueOnce(false);

    const check = verifySignature(example.signing_secret, signed, at);

    expect(compare).toHaveBeenCalledTimes(1);
    expect(check).toEqual({ ok: false, reason: 'mismatch' });
  });
});
