/**
 * The reveal table (`SNAP_REVEAL_TABLE_NAME`): one item per reveal, holding its key — only as
 * KMS ciphertext — its public half and, once the poster attached it, its sealed secret. The
 * table has no stream, no point-in-time recovery, no backups and a resource policy that refuses
 * them (infra/reveal.tf), so deleting an item (burning) leaves no copy of the key anywhere: not
 * in a stream record, not in a restore, not in an export. TTL is the net for a burn every path
 * missed. Lookups are by key only.
 */
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { RevealItem, RevealStorePort } from '../app/ports';
import { isSealedSecret, type SealedSecret } from '../domain/reveal-seal';
import { attempt, conditionally, documents } from './dynamo-calls';

/** The reveal table's shape; infra/reveal.tf must agree (a test checks it). */
export const REVEAL_TABLE = { partitionKey: 'pk', ttlAttribute: 'expiresAt' } as const;

/** Key prefix of the reveal table's items; IAM confines each role to it (dynamodb:LeadingKeys). */
export const REVEAL_KEY_PREFIX = 'key#';

export const revealKeyOf = (id: string) => ({ [REVEAL_TABLE.partitionKey]: `${REVEAL_KEY_PREFIX}${id}` });

export class RevealStore implements RevealStorePort {
  constructor(private readonly tableName: string) {}

  async create(item: RevealItem, expiresAt: number): Promise<boolean> {
    return conditionally('createReveal', () =>
      documents.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...revealKeyOf(item.id),
            wrappedKey: Buffer.from(item.wrappedKey).toString('base64'),
            publicKey: Buffer.from(item.publicKey).toString('base64'),
            team: item.team,
            channel: item.channel,
            [REVEAL_TABLE.ttlAttribute]: expiresAt,
          },
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': REVEAL_TABLE.partitionKey },
        }),
      ),
    );
  }

  async attach(id: string, secret: SealedSecret, expiresAt: number): Promise<boolean> {
    return conditionally('attachReveal', () =>
      documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: revealKeyOf(id),
          UpdateExpression: 'SET #secret = :secret, #ttl = :ttl',
          ConditionExpression: 'attribute_exists(#pk) AND attribute_not_exists(#secret)',
          ExpressionAttributeNames: {
            '#pk': REVEAL_TABLE.partitionKey,
            '#secret': 'secret',
            '#ttl': REVEAL_TABLE.ttlAttribute,
          },
          ExpressionAttributeValues: { ':secret': secret, ':ttl': expiresAt },
        }),
      ),
    );
  }

  async get(id: string): Promise<RevealItem | undefined> {
    const out = await attempt('getReveal', () =>
      documents.send(
        new GetCommand({ TableName: this.tableName, Key: revealKeyOf(id), ConsistentRead: true }),
      ),
    );
    const item = out.Item;
    if (!item) return undefined;
    const str = (k: string) => (typeof item[k] === 'string' ? (item[k] as string) : undefined);
    const wrapped = str('wrappedKey');
    const publicKey = str('publicKey');
    const team = str('team');
    const channel = str('channel');
    if (!wrapped || !publicKey || !team || !channel) return undefined;
    return {
      id,
      wrappedKey: Buffer.from(wrapped, 'base64'),
      publicKey: Buffer.from(publicKey, 'base64'),
      team,
      channel,
      ...(isSealedSecret(item.secret) ? { secret: item.secret } : {}),
    };
  }

  async burn(id: string): Promise<void> {
    await attempt('burnReveal', () =>
      documents.send(new DeleteCommand({ TableName: this.tableName, Key: revealKeyOf(id) })),
    );
  }
}
