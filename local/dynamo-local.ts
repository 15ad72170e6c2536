/**
 * An in-memory DynamoDB (dynalite) with snap's table created from the same schema constants the
 * code uses. dynalite has no TTL or streams; `local/ttl-emulator.ts` plays that part.
 */

import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { TABLE } from '../shared/adapters/snap-item';

export interface LocalDynamo {
  endpoint: string;
  close(): Promise<void>;
}

export async function startDynamo(options: { port?: number; path?: string } = {}): Promise<LocalDynamo> {
  const server = dynalite({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    ...(options.path ? { path: options.path } : {}),
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export async function createSnapTable(endpoint: string, tableName: string): Promise<void> {
  const client = new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: TABLE.partitionKey, AttributeType: 'S' },
          { AttributeName: TABLE.dueIndex.partitionKey, AttributeType: 'S' },
          { AttributeName: TABLE.dueIndex.sortKey, AttributeType: 'N' },
          { AttributeName: TABLE.authorIndex.partitionKey, AttributeType: 'S' },
          { AttributeName: TABLE.authorIndex.sortKey, AttributeType: 'N' },
          { AttributeName: TABLE.messageIndex.partitionKey, AttributeType: 'S' },
        ],
        KeySchema: [{ AttributeName: TABLE.partitionKey, KeyType: 'HASH' }],
        GlobalSecondaryIndexes: [
          {
            IndexName: TABLE.dueIndex.name,
            KeySchema: [
              { AttributeName: TABLE.dueIndex.partitionKey, KeyType: 'HASH' },
              { AttributeName: TABLE.dueIndex.sortKey, KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: [...TABLE.dueIndex.projected] },
          },
          {
            IndexName: TABLE.authorIndex.name,
            KeySchema: [
              { AttributeName: TABLE.authorIndex.partitionKey, KeyType: 'HASH' },
              { AttributeName: TABLE.authorIndex.sortKey, KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: [...TABLE.authorIndex.projected] },
          },
          {
            IndexName: TABLE.messageIndex.name,
            KeySchema: [{ AttributeName: TABLE.messageIndex.partitionKey, KeyType: 'HASH' }],
            Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: [...TABLE.messageIndex.projected] },
          },
        ],
      }),
    );
  } catch (error) {
    if ((error as { name?: string }).name !== 'ResourceInUseException') throw error;
  } finally {
    client.destroy();
  }
}

export interface CountingProxy {
  endpoint: string;
  /** Requests per DynamoDB operation (PutItem, Query, …) since start. */
  counts: Map<string, number>;
  close(): Promise<void>;
}

/** A pass-through proxy that counts DynamoDB operations on one table, for the benchmark's cost model. */
export async function startCountingProxy(target: string, tableName: string): Promise<CountingProxy> {
  const { request } = await import('node:http');
  const { listen, readBody } = await import('./http-util');
  const counts = new Map<string, number>();
  const upstream = new URL(target);
  const server = await listen(async (req, res) => {
    const body = await readBody(req);
    const op = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? 'unknown';
    const table = (JSON.parse(body.toString() || '{}') as { TableName?: string }).TableName;
    if (table === tableName) counts.set(op, (counts.get(op) ?? 0) + 1);
    await new Promise<void>((resolve) => {
      const forward = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 500, answer.headers);
          answer.pipe(res);
          answer.on('end', () => resolve());
        },
      );
      forward.on('error', () => {
        res.destroy();
        resolve();
      });
      forward.end(body);
    });
  });
  return { endpoint: server.url, counts, close: server.close };
}
