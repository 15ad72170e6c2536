import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { computeSignature, verifySignature } from '../../shared/domain/signature';

// Slack's worked example from "Verifying requests from Slack", copied into the project.
const example = JSON.parse(
  readFileSync(new URL('../fixtures/slack-signing-example.json', import.meta.url), 'utf8'),
) as {
  signing_secret: string;
  timestamp: string;
  body: string;
  expected_signature: string;
};

const at = Number(example.timestamp);

describe('Slack request signatures', () => {
  it("reproduces Slack's worked example", () => {
    expect(computeSignature(example.signing_secret, example.timestamp, example.body)).toBe(
      example.expected_signature,
    );
  });

  it("accepts Slack's worked example within five minutes of its timestamp", () => {
    // Prepare
    const request = {
      timestamp: example.timestamp,
      signature: example.expected_signature,
      rawBody: example.body,
    };

    // Act
    const check = verifySignature(example.signing_secret, request, at + 299);

    // Assess
    expect(check).toEqual({ ok: true });
  });

  it.each([
    [at + 301, 'stale'],
    [at - 301, 'stale'],
  ])('refuses the example when the clock reads %i (a replay)', (now, reason) => {
    const request = {
      timestamp: example.timestamp,
      signature: example.expected_signature,
      rawBody: example.body,
    };

    expect(verifySignature(example.signing_secret, request, now)).toEqual({ ok: false, reason });
  });

  it.each([
    [{ signature: undefined }, 'missing_headers'],
    [{ timestamp: undefined }, 'missing_headers'],
    [{ timestamp: '15314x0618' }, 'malformed_timestamp'],
    [{ signature: example.expected_signature.replace('v0=', 'v1=') }, 'malformed_signature'],
    [{ signature: example.expected_signature.slice(0, -2) }, 'malformed_signature'],
    [{ signature: example.expected_signature.toUpperCase().replace('V0=', 'v0=') }, 'malformed_signature'],
    [{ signature: `${example.expected_signature.slice(0, -1)}0` }, 'mismatch'],
    [{ rawBody: `${example.body}&text=extra` }, 'mismatch'],
  ])('refuses a request altered by %j (%s)', (change, reason) => {
    const request = {
      timestamp: example.timestamp,
      signature: example.expected_signature,
      rawBody: example.body,
      ...change,
    };

    expect(verifySignature(example.signing_secret, request, at)).toEqual({ ok: false, reason });
  });

  it('refuses the example under another secret', () => {
    const request = {
      timestamp: example.timestamp,
      signature: example.expected_signature,
      rawBody: example.body,
    };

    expect(verifySignature('another-secret', request, at)).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('accepts only the exact body that was signed (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), fc.uint8Array({ maxLength: 512 }), (signed, sent) => {
        const signature = computeSignature('s3cr3t', String(at), Buffer.from(signed));
        const check = verifySignature(
          's3cr3t',
          { timestamp: String(at), signature, rawBody: Buffer.from(sent) },
          at,
        );
        expect(check.ok).toBe(Buffer.from(signed).equals(Buffer.from(sent)));
      }),
    );
  });
});
