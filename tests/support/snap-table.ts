/**
 * A snap table in dynalite for a store's integration tests: the environment the adapters read at
 * import set to reach it (import them after this), and a raw client to read items back as
 * DynamoDB holds them.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createSnapTable, startDynamo } from '../../local/dynamo-local';

export interface SnapTable {
  raw: DynamoDBClient;
  close(): Promise<void>;
}

export async function startSnapTable(tableName: string): Promise<SnapTable> {
  const dynamo = await startDynamo();
  await createSnapTable(dynamo.endpoint, tableName);
  Object.assign(process.env, {
    AWS_REGION: 'local',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
  });
  const raw = new DynamoDBClient({ endpoint: dynamo.endpoint });
  return {
    raw,
    close: async () => {
      raw.destroy();
      await dynamo.close();
    },
  };
}
