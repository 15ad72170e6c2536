/**
 * DynamoDB adapter for a workspace's (or org's) settings: one item beside the installations,
 * in the same table (SNAP_INSTALLATIONS_TABLE_NAME, else the snap table), reached by key only:
 *
 *   policy#<K>   K = the workspace (T…) or the Enterprise Grid org (E…):
 *                `policy` — a map: minSeconds, maxSeconds, defaultSeconds, reveal, asUser,
 *                offChannels, activity (absent: no policy set here);
 *                `def:<U>` — person U's own default delay (seconds), one attribute each, so one
 *                person's write never touches another's;
 *                `rev` — bumped by every policy write; `policyBy`, `policyAt` — who changed it last.
 *
 * One item per workspace: the poster reads the policy and the author's default with one GetItem,
 * and `app_uninstalled` takes everything with one DeleteItem. Like installation items it never
 * carries the TTL attribute or an index key (it must last as long as the installation, and no
 * query or stream reader meets it). Its size bounds the people with a default of their own to
 * some ten thousand per workspace (docs/workspaces.md).
 */
import { DeleteCommand, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { SettingsStorePort, StoredSettings } from '../app/ports';
import { type Policy, policyFrom } from '../domain/policy';
import { attempt, conditionally, documents } from './dynamo-calls';
import { TABLE } from './snap-item';

/** Key prefix of settings items; IAM confines who reads and writes them (infra/). */
export const SETTINGS_PREFIX = 'policy#';
export const settingsKey = (key: string) => ({ [TABLE.partitionKey]: `${SETTINGS_PREFIX}${key}` });
const DEFAULT_PREFIX = 'def:';

export class SettingsStore implements SettingsStorePort {
  constructor(private readonly tableName: string) {}

  async read(key: string): Promise<StoredSettings | undefined> {
    const out = await attempt('readSettings', () =>
      documents.send(
        new GetCommand({ TableName: this.tableName, Key: settingsKey(key), ConsistentRead: true }),
      ),
    );
    const item = out.Item;
    if (!item) return undefined;
    const defaults: Record<string, number> = {};
    for (const [name, value] of Object.entries(item)) {
      if (name.startsWith(DEFAULT_PREFIX) && typeof value === 'number')
        defaults[name.slice(DEFAULT_PREFIX.length)] = value;
    }
    const policy = item.policy === undefined ? undefined : policyFrom(item.policy);
    return {
      ...(policy ? { policy } : {}),
      defaults,
      ...(typeof item.rev === 'number' ? { rev: item.rev } : {}),
    };
  }

  async savePolicy(
    key: string,
    policy: Policy | undefined,
    rev: number | undefined,
    by: string,
    at: number,
  ): Promise<boolean> {
    const condition = rev === undefined ? 'attribute_not_exists(#rev)' : '#rev = :rev';
    const values: Record<string, unknown> = { ':one': 1, ':by': by, ':at': at };
    if (rev !== undefined) values[':rev'] = rev;
    let set = 'SET #by = :by, #at = :at';
    let remove = '';
    if (policy) {
      values[':policy'] = {
        ...policy,
        // A list, not a set: an empty set cannot be stored.
        offChannels: [...policy.offChannels],
      };
      set += ', #policy = :policy';
    } else remove = ' REMOVE #policy';
    return conditionally('savePolicy', () =>
      documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: settingsKey(key),
          UpdateExpression: `${set} ADD #rev :one${remove}`,
          ConditionExpression: condition,
          ExpressionAttributeNames: {
            '#rev': 'rev',
            '#policy': 'policy',
            '#by': 'policyBy',
            '#at': 'policyAt',
          },
          ExpressionAttributeValues: values,
        }),
      ),
    );
  }

  async saveDefault(key: string, user: string, seconds: number | null): Promise<void> {
    await attempt('saveDefault', () =>
      documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: settingsKey(key),
          UpdateExpression: seconds === null ? 'REMOVE #d' : 'SET #d = :s',
          ExpressionAttributeNames: { '#d': `${DEFAULT_PREFIX}${user}` },
          ...(seconds === null ? {} : { ExpressionAttributeValues: { ':s': seconds } }),
        }),
      ),
    );
  }

  async remove(key: string): Promise<void> {
    await attempt('removeSettings', () =>
      documents.send(new DeleteCommand({ TableName: this.tableName, Key: settingsKey(key) })),
    );
  }
}
