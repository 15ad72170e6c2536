/**
 * How a reveal's secret is sealed, so that burning one key makes every copy unreadable.
 *
 * Each reveal has a key of its own: 32 random bytes from KMS (`GenerateDataKey`, its encryption
 * context naming the reveal, workspace and channel), used as an X25519 private key and kept only
 * KMS-wrapped, in a table with no stream, no point-in-time recovery and no backups. ack receives
 * only the public half and seals the secret to it (ephemeral X25519 → HKDF-SHA256 → AES-256-GCM,
 * the reveal's fields bound in as associated data) before the secret leaves it. So everything
 * that ever carries the secret — the event in Lambda's queue or its failure queue, the reveal
 * table, any log or record — carries only this sealed form, which no key snap holds opens once
 * the wrapped private key is deleted: KMS can still unwrap any *wrapped* key it is shown, so
 * what is destroyed must be the only copy of the wrapped key, and nothing else must be a key.
 *
 * (Sealing the secret only under the message key of the trip, as a snap's text is, would leave
 * every queued copy of the event openable after the burn by whoever may use that key.)
 */
import {
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  type KeyObject,
} from 'node:crypto';
import { SealError } from '../errors';
import { decryptGcm, encryptGcm } from './seal';

/** The secret as it travels and rests: sealed to the reveal's public key. Fields base64. */
export interface SealedSecret {
  v: 1;
  /** The sender's one-time X25519 public key (32 bytes). */
  epk: string;
  /** 12-byte GCM nonce. */
  iv: string;
  /** Ciphertext followed by the 16-byte GCM tag. */
  data: string;
}

const KEY_BYTES = 32;
const INFO = Buffer.from('snap/reveal/v1', 'utf8');
// DER wrappers of a raw X25519 key (RFC 8410): what node:crypto imports and exports.
const PKCS8_X25519 = Buffer.from('302e020100300506032b656e04220420', 'hex');
const SPKI_X25519 = Buffer.from('302a300506032b656e032100', 'hex');

function privateKeyOf(raw: Uint8Array): KeyObject {
  if (raw.byteLength !== KEY_BYTES) throw new SealError('A reveal key must be 32 bytes');
  return createPrivateKey({ key: Buffer.concat([PKCS8_X25519, raw]), format: 'der', type: 'pkcs8' });
}

function publicKeyOf(raw: Uint8Array): KeyObject {
  if (raw.byteLength !== KEY_BYTES) throw new SealError('A reveal public key must be 32 bytes');
  return createPublicKey({ key: Buffer.concat([SPKI_X25519, raw]), format: 'der', type: 'spki' });
}

const rawPublic = (key: KeyObject): Buffer =>
  (key.export({ format: 'der', type: 'spki' }) as Buffer).subarray(SPKI_X25519.byteLength);

/** The public half of a reveal's private key (32 raw bytes). */
export function revealPublicKey(privateKey: Uint8Array): Uint8Array {
  return rawPublic(createPublicKey(privateKeyOf(privateKey)));
}

/** The AES key both sides derive: HKDF over the shared secret, salted with both public keys. */
function contentKey(shared: Buffer, senderPublic: Buffer, recipientPublic: Buffer): Buffer {
  // An all-zero shared secret means a small-order public key: refuse rather than encrypt to it.
  if (shared.every((b) => b === 0)) throw new SealError('Degenerate reveal key agreement');
  return Buffer.from(hkdfSync('sha256', shared, Buffer.concat([senderPublic, recipientPublic]), INFO, 32));
}

/** Seals `secret` to the reveal's public key, with `aad` (the reveal's fields) bound in. */
export function sealSecret(publicKey: Uint8Array, secret: string, aad: string): SealedSecret {
  const recipient = publicKeyOf(publicKey);
  const ephemeral = generateKeyPairSync('x25519');
  const senderPublic = rawPublic(ephemeral.publicKey);
  const key = contentKey(
    diffieHellman({ privateKey: ephemeral.privateKey, publicKey: recipient }),
    senderPublic,
    Buffer.from(publicKey),
  );
  return { v: 1, epk: senderPublic.toString('base64'), ...encryptGcm(key, secret, aad) };
}

/** Opens a sealed secret with the reveal's private key; any mismatch is a `SealError`. */
export function openSecret(privateKey: Uint8Array, sealed: SealedSecret, aad: string): string {
  try {
    const mine = privateKeyOf(privateKey);
    const senderPublic = Buffer.from(sealed.epk, 'base64');
    const key = contentKey(
      diffieHellman({ privateKey: mine, publicKey: publicKeyOf(senderPublic) }),
      senderPublic,
      rawPublic(createPublicKey(mine)),
    );
    return decryptGcm(key, sealed, aad);
  } catch (error) {
    throw new SealError('Sealed secret could not be opened', { cause: error });
  }
}

export function isSealedSecret(value: unknown): value is SealedSecret {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return v.v === 1 && typeof v.epk === 'string' && typeof v.iv === 'string' && typeof v.data === 'string';
}
