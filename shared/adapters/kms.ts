/**
 * KMS adapter: secrets decrypted once per cold start, and data keys for sealing messages.
 * Encryption contexts bind each ciphertext to its purpose (Terraform's `aws_kms_ciphertext`
 * uses the same contexts), so a signing-secret ciphertext cannot be passed off as a token.
 */
import { DecryptCommand, EncryptCommand, GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import type { RevealKeyMaker, RevealScope, TokenScope, TokenSealer } from '../app/ports';
import type { SecretSource } from '../config';
import { type Sealed, sealJson, unsealJson } from '../domain/seal';
import { SecretError } from '../errors';

const kms = new KMSClient({});

export function secretContext(name: string): Record<string, string> {
  return { app: 'snap', secret: name };
}

export const MESSAGE_KEY_CONTEXT: Readonly<Record<string, string>> = { app: 'snap', purpose: 'message' };

/**
 * Data keys that seal a modal's binding (shared/domain/view-metadata.ts): only the controls role
 * may have KMS make one, only the poster's may open one, and neither context opens the other's.
 */
export const VIEW_KEY_CONTEXT: Readonly<Record<string, string>> = { app: 'snap', purpose: 'view' };

/** Decrypts under `context`; any failure, or no plaintext, becomes a `SecretError` naming `what`. */
async function decrypt(blob: Uint8Array, context: Record<string, string>, what: string): Promise<Uint8Array> {
  try {
    const out = await kms.send(new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: context }));
    if (!out.Plaintext) throw new Error('KMS returned no plaintext');
    return out.Plaintext;
  } catch (error) {
    throw new SecretError(`Could not decrypt ${what} with KMS`, { cause: error });
  }
}

/** Resolves a secret from its source; `name` is the variable's base name, used as context and in errors. */
export async function resolveSecret(source: SecretSource, name: string): Promise<string> {
  if (source.kind === 'plaintext') return source.value;
  const plain = await decrypt(
    Buffer.from(source.ciphertext, 'base64'),
    secretContext(name),
    `${name}_CIPHERTEXT`,
  );
  return Buffer.from(plain).toString('utf8');
}

export interface DataKey {
  plain: Uint8Array;
  /** KMS ciphertext of the key, base64: travels with each sealed message. */
  encrypted: string;
}

/**
 * One data key per container, renewed hourly, so sealing costs no KMS call on the hot path.
 * The first key is requested at cold start (during init, before the first request waits).
 */
export class DataKeySource {
  private pending: Promise<DataKey> | undefined;
  private fetchedAt = 0;

  constructor(
    private readonly keyId: string,
    private readonly maxAgeMs = 3_600_000,
    private readonly now: () => number = Date.now,
    private readonly context: Readonly<Record<string, string>> = MESSAGE_KEY_CONTEXT,
  ) {}

  current(): Promise<DataKey> {
    if (!this.pending || this.now() - this.fetchedAt > this.maxAgeMs) {
      this.fetchedAt = this.now();
      const request = this.generate();
      // A failed request must not poison the cache: the next call asks KMS again.
      request.catch(() => {
        if (this.pending === request) this.pending = undefined;
      });
      this.pending = request;
    }
    return this.pending;
  }

  /** Seals `value` under the current data key, bound to `aad` (what ack hands off, a modal's binding). */
  async seal(aad: string, value: unknown): Promise<Sealed> {
    const key = await this.current();
    return sealJson(key.plain, key.encrypted, value, aad);
  }

  private async generate(): Promise<DataKey> {
    try {
      const out = await kms.send(
        new GenerateDataKeyCommand({
          KeyId: this.keyId,
          KeySpec: 'AES_256',
          EncryptionContext: { ...this.context },
        }),
      );
      if (!out.Plaintext || !out.CiphertextBlob) throw new Error('KMS returned an incomplete data key');
      return { plain: out.Plaintext, encrypted: Buffer.from(out.CiphertextBlob).toString('base64') };
    } catch (error) {
      throw new SecretError('Could not generate a data key with KMS', { cause: error });
    }
  }
}

/** Opens data keys for the poster, remembering recent ones: one ack container uses one key for an hour. */
export class DataKeyOpener {
  private readonly cache = new Map<string, Uint8Array>();

  constructor(
    private readonly maxEntries = 32,
    private readonly context: Readonly<Record<string, string>> = MESSAGE_KEY_CONTEXT,
  ) {}

  async open(encrypted: string): Promise<Uint8Array> {
    const hit = this.cache.get(encrypted);
    if (hit) return hit;
    const plain = await decrypt(
      Buffer.from(encrypted, 'base64'),
      { ...this.context },
      `the ${this.context.purpose ?? 'message'} data key`,
    );
    if (this.cache.size >= this.maxEntries) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    this.cache.set(encrypted, plain);
    return plain;
  }

  /** Opens what `DataKeySource.seal` sealed under this context, bound to `aad`. */
  async unseal(sealed: Sealed, aad: string): Promise<unknown> {
    return unsealJson(await this.open(sealed.key), sealed, aad);
  }
}

/**
 * A Slack token's encryption context: bound to its installation (workspace `T…` or org `E…`),
 * its kind and, for a user token, its user, so that no ciphertext can be passed off as another
 * workspace's or person's token. IAM lets roles use the key only with `purpose=slack-token`.
 */
export function tokenContext(scope: TokenScope): Record<string, string> {
  return {
    app: 'snap',
    purpose: 'slack-token',
    team: scope.key,
    kind: scope.kind,
    ...(scope.kind === 'user' && scope.user ? { user: scope.user } : {}),
  };
}

/**
 * Opens stored Slack tokens (poster, sweeper, reaper). No key id: a symmetric key's ciphertext
 * names its key, so these functions need no `SNAP_KMS_KEY_ID`; the encryption context still has
 * to match the token's workspace, kind and user exactly, or KMS refuses.
 */
export class KmsTokenOpener implements Pick<TokenSealer, 'open'> {
  async open(sealed: Uint8Array, scope: TokenScope): Promise<string> {
    return Buffer.from(await decrypt(sealed, tokenContext(scope), 'a Slack token')).toString('utf8');
  }
}

/** Tokens are a few dozen bytes: KMS encrypts them directly, no data key needed. */
export class KmsTokenSealer extends KmsTokenOpener implements TokenSealer {
  constructor(private readonly keyId: string) {
    super();
  }

  async seal(token: string, scope: TokenScope): Promise<Uint8Array> {
    try {
      const out = await kms.send(
        new EncryptCommand({
          KeyId: this.keyId,
          Plaintext: Buffer.from(token, 'utf8'),
          EncryptionContext: tokenContext(scope),
        }),
      );
      if (!out.CiphertextBlob) throw new Error('KMS returned no ciphertext');
      return out.CiphertextBlob;
    } catch (error) {
      throw new SecretError('Could not encrypt a Slack token with KMS', { cause: error });
    }
  }
}

/**
 * A reveal's key's encryption context: bound to the reveal, its workspace and its conversation,
 * so a wrapped key cannot be opened as another reveal's. IAM and the key policy let only the
 * controls function use the key with `purpose=reveal`, to make such keys and to open them.
 */
export function revealKeyContext(scope: RevealScope): Record<string, string> {
  return { app: 'snap', purpose: 'reveal', reveal: scope.id, team: scope.team, channel: scope.channel };
}

/**
 * Makes and opens reveals' own keys (the controls function): 32 random bytes from KMS, kept only
 * wrapped. KMS logs the encryption context of each call (CloudTrail), never a key.
 */
export class KmsRevealKeys implements RevealKeyMaker {
  constructor(private readonly keyId: string) {}

  async generate(scope: RevealScope): Promise<{ privateKey: Uint8Array; wrapped: Uint8Array }> {
    try {
      const out = await kms.send(
        new GenerateDataKeyCommand({
          KeyId: this.keyId,
          KeySpec: 'AES_256',
          EncryptionContext: revealKeyContext(scope),
        }),
      );
      if (!out.Plaintext || !out.CiphertextBlob) throw new Error('KMS returned an incomplete data key');
      return { privateKey: out.Plaintext, wrapped: out.CiphertextBlob };
    } catch (error) {
      throw new SecretError('Could not make a reveal key with KMS', { cause: error });
    }
  }

  open(wrapped: Uint8Array, scope: RevealScope): Promise<Uint8Array> {
    return decrypt(wrapped, revealKeyContext(scope), 'a reveal key');
  }
}
