/**
 * Slack request signing (v0): `v0=` + hex HMAC-SHA256 over `v0:{timestamp}:{raw body}`, keyed by
 * the app's signing secret. Requests more than five minutes off are refused so that a captured
 * request cannot be replayed later.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const MAX_SKEW_SECONDS = 300;

export type SignatureCheck =
  | { ok: true }
  | {
      ok: false;
      reason: 'missing_headers' | 'malformed_timestamp' | 'stale' | 'malformed_signature' | 'mismatch';
    };

export interface SignedRequest {
  timestamp: string | undefined;
  signature: string | undefined;
  rawBody: string | Buffer;
}

export function computeSignature(secret: string, timestamp: string, rawBody: string | Buffer): string {
  const hmac = createHmac('sha256', secret);
  hmac.update(`v0:${timestamp}:`);
  hmac.update(rawBody);
  return `v0=${hmac.digest('hex')}`;
}

export function verifySignature(secret: string, request: SignedRequest, nowSeconds: number): SignatureCheck {
  const { timestamp, signature, rawBody } = request;
  if (!timestamp || !signature) return { ok: false, reason: 'missing_headers' };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'malformed_timestamp' };
  if (Math.abs(nowSeconds - Number(timestamp)) > MAX_SKEW_SECONDS) return { ok: false, reason: 'stale' };
  if (!/^v0=[0-9a-f]{64}$/.test(signature)) return { ok: false, reason: 'malformed_signature' };
  const expected = Buffer.from(computeSignature(secret, timestamp, rawBody), 'utf8');
  const given = Buffer.from(signature, 'utf8');
  return timingSafeEqual(expected, given) ? { ok: true } : { ok: false, reason: 'mismatch' };
}
