/**
 * Moves the installation store of an existing deployment from the snap table (where it lived
 * before installations got a table of their own) to the installations' table, for an operator,
 * once, with their own AWS credentials (docs/operations.md, "Moving installations to their own
 * table"):
 *
 *   npm run migrate:installations -- --from <snap table> --to <installations table> [--delete-source]
 *
 * Every `inst#…` item is copied as it is — its tokens stay sealed, and their encryption context
 * names the workspace and user, not the table — unless the target already holds an item under
 * that key (written there since, so newer). A user's token on Enterprise Grid (its item names an
 * org) is listed in that user's index of grants (`grants#<org>#<user>`), which `/snap revoke`
 * reads to find every token they granted in the org. With `--delete-source`, each copied (or
 * already present) item is then deleted from the snap table. It reads the snap table with a Scan: an
 * operator's one-off, never something a function does. It prints counts, never an item.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  PutCommand,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { isConditionFailure } from '../shared/adapters/dynamo-calls';
import { grantsKey, INSTALLATION_PREFIX } from '../shared/adapters/installation-store';
import { TABLE } from '../shared/adapters/snap-item';

export interface MigrationOptions {
  from: string;
  to: string;
  /** Delete each item from `from` once `to` holds it. */
  deleteSource: boolean;
}

export interface MigrationReport {
  /** `inst#` items found in the snap table. */
  found: number;
  copied: number;
  /** Already in the installations' table (kept as they are there). */
  present: number;
  /** Grid users' tokens listed in their index of grants. */
  indexed: number;
  /** Deleted from the snap table (`--delete-source`). */
  deleted: number;
}

export async function migrateInstallations(
  documents: DynamoDBDocumentClient,
  options: MigrationOptions,
): Promise<MigrationReport> {
  if (options.from === options.to) throw new Error('--from and --to name the same table');
  const report: MigrationReport = { found: 0, copied: 0, present: 0, indexed: 0, deleted: 0 };
  let start: Record<string, unknown> | undefined;
  do {
    const page = await documents.send(
      new ScanCommand({
        TableName: options.from,
        ConsistentRead: true,
        FilterExpression: 'begins_with(#pk, :inst)',
        ExpressionAttributeNames: { '#pk': TABLE.partitionKey },
        ExpressionAttributeValues: { ':inst': INSTALLATION_PREFIX },
        ExclusiveStartKey: start,
      }),
    );
    for (const item of page.Items ?? []) {
      report.found++;
      try {
        await documents.send(
          new PutCommand({
            TableName: options.to,
            Item: item,
            ConditionExpression: 'attribute_not_exists(#pk)',
            ExpressionAttributeNames: { '#pk': TABLE.partitionKey },
          }),
        );
        report.copied++;
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        report.present++;
      }
      // inst#<key>#<user> of a workspace (or org) in an org: listed in the user's grants there.
      const [, key, user] = String(item[TABLE.partitionKey]).split('#');
      if (key && user && typeof item.enterpriseId === 'string' && item.enterpriseId !== '') {
        await documents.send(
          new UpdateCommand({
            TableName: options.to,
            Key: grantsKey(item.enterpriseId, user),
            UpdateExpression: 'ADD #keys :key',
            ExpressionAttributeNames: { '#keys': 'keys' },
            ExpressionAttributeValues: { ':key': new Set([key]) },
          }),
        );
        report.indexed++;
      }
      if (options.deleteSource) {
        await documents.send(
          new DeleteCommand({
            TableName: options.from,
            Key: { [TABLE.partitionKey]: item[TABLE.partitionKey] },
          }),
        );
        report.deleted++;
      }
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return report;
}

function argument(args: string[], name: string): string | undefined {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
}

async function main(args: string[]): Promise<void> {
  const from = argument(args, '--from');
  const to = argument(args, '--to');
  if (!from || !to) {
    console.error(
      'usage: npm run migrate:installations -- --from <snap table> --to <installations table> [--delete-source]',
    );
    process.exitCode = 2;
    return;
  }
  const client = new DynamoDBClient({});
  try {
    const report = await migrateInstallations(
      DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }),
      { from, to, deleteSource: args.includes('--delete-source') },
    );
    console.log(
      `installations: ${report.found} found in ${from}, ${report.copied} copied to ${to}, ${report.present} already there, ${report.indexed} Grid grants indexed` +
        (args.includes('--delete-source') ? `, ${report.deleted} deleted from ${from}` : ''),
    );
  } finally {
    client.destroy();
  }
}

if (process.argv[1]?.includes('migrate-installations')) await main(process.argv.slice(2));
