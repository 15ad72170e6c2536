/**
 * A KMS stand-in for local runs and tests: Encrypt, Decrypt and GenerateDataKey over the real
 * AWS JSON protocol, so the SDK's KMSClient talks to it through AWS_ENDPOINT_URL_KMS. Ciphertexts
 * are sealed under a per-process master key and bound to their encryption context, as in KMS.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { type Listening, listen, readBody, sendJson } from './http-util';

export interface KmsStandIn extends Listening {
  /** Encrypts like `aws kms encrypt` (or Terraform's aws_kms_ciphertext); returns base64. */
  encrypt(plaintext: string | Buffer, context?: Record<string, string>, keyId?: string): string;
  /**
   * Decrypts as KMS would for anyone allowed: the plaintext of a ciphertext (base64) under this
   * encryption context, or undefined. Tests use it to try every key snap could ever unwrap.
   */
  decrypt(ciphertext: string, context?: Record<string, string>): Buffer | undefined;
  calls: Array<{ action: string; keyId?: string }>;
}

const canonical = (context: Record<string, string> | undefined) =>
  JSON.stringify(Object.entries(context ?? {}).sort(([a], [b]) => a.localeCompare(b)));

export async function startKms(port = 0): Promise<KmsStandIn> {
  const master = randomBytes(32);
  const calls: KmsStandIn['calls'] = [];

  const encrypt = (
    plaintext: string | Buffer,
    context?: Record<string, string>,
    keyId = 'alias/snap-local',
  ) => {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', master, iv);
    const header = Buffer.from(JSON.stringify({ keyId }));
    cipher.setAAD(Buffer.concat([header, Buffer.from(canonical(context))]));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    const len = Buffer.alloc(2);
    len.writeUInt16BE(header.byteLength);
    return Buffer.concat([len, header, iv, body]).toString('base64');
  };

  const decrypt = (blob: Buffer, context?: Record<string, string>) => {
    const headerLen = blob.readUInt16BE(0);
    const header = blob.subarray(2, 2 + headerLen);
    const iv = blob.subarray(2 + headerLen, 14 + headerLen);
    const body = blob.subarray(14 + headerLen);
    const decipher = createDecipheriv('aes-256-gcm', master, iv);
    decipher.setAAD(Buffer.concat([header, Buffer.from(canonical(context))]));
    decipher.setAuthTag(body.subarray(body.byteLength - 16));
    const plain = Buffer.concat([decipher.update(body.subarray(0, body.byteLength - 16)), decipher.final()]);
    return { plain, keyId: (JSON.parse(header.toString()) as { keyId: string }).keyId };
  };

  const server = await listen(async (req, res) => {
    const action = String(req.headers['x-amz-target'] ?? '').replace('TrentService.', '');
    const input = JSON.parse((await readBody(req)).toString() || '{}') as {
      KeyId?: string;
      Plaintext?: string;
      CiphertextBlob?: string;
      EncryptionContext?: Record<string, string>;
      KeySpec?: string;
      NumberOfBytes?: number;
    };
    calls.push({ action, ...(input.KeyId ? { keyId: input.KeyId } : {}) });
    const fail = (type: string, message: string) =>
      sendJson(res, 400, { __type: type, message }, { 'x-amzn-errortype': type });
    switch (action) {
      case 'Encrypt':
        return sendJson(res, 200, {
          KeyId: input.KeyId,
          CiphertextBlob: encrypt(
            Buffer.from(input.Plaintext ?? '', 'base64'),
            input.EncryptionContext,
            input.KeyId,
          ),
        });
      case 'GenerateDataKey': {
        const bytes = input.KeySpec === 'AES_128' ? 16 : (input.NumberOfBytes ?? 32);
        const key = randomBytes(bytes);
        return sendJson(res, 200, {
          KeyId: input.KeyId,
          Plaintext: key.toString('base64'),
          CiphertextBlob: encrypt(key, input.EncryptionContext, input.KeyId),
        });
      }
      case 'Decrypt':
        try {
          const { plain, keyId } = decrypt(
            Buffer.from(input.CiphertextBlob ?? '', 'base64'),
            input.EncryptionContext,
          );
          return sendJson(res, 200, { KeyId: keyId, Plaintext: plain.toString('base64') });
        } catch {
          return fail('InvalidCiphertextException', 'The ciphertext or its encryption context is invalid');
        }
      default:
        return fail('UnsupportedOperationException', `${action} is not supported by the stand-in`);
    }
  }, port);
  return {
    ...server,
    encrypt,
    decrypt: (ciphertext, context) => {
      try {
        return decrypt(Buffer.from(ciphertext, 'base64'), context).plain;
      } catch {
        return undefined;
      }
    },
    calls,
  };
}
