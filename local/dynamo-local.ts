/**
 * An in-memory DynamoDB (dynalite) with snap's table created from the same schema constants the
 * code uses. dynalite has no TTL or streams; `local/ttl-emulator.ts` plays that part.
 */

import type { AddressInfo } from 'node:net';
import { CreateTableCommand, type CreateTableCommandInput, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { REVEAL_TABLE } from '../shared/adapters/reveal-store';
import { TABLE } from '../shared/adapters/snap-item';

export interface LocalDynamo {
  endpoint: string;
  close(): Promise<void>;
}

/**
 * `isolated`: in a process of its own (local/dynamo-host.mjs), in memory, so that dynalite's one
 * thread does not share a core with the functions and stand-ins of this process.
 */
export async function startDynamo(
  options: { port?: number; path?: string; isolated?: boolean } = {},
): Promise<LocalDynamo> {
  if (options.isolated) {
    const { fork } = await import('node:child_process');
    const { resolve } = await import('node:path');
    const child = fork(resolve('local/dynamo-host.mjs'), [], {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    const port = await new Promise<number>((ready, failed) => {
      child.once('message', (message) => ready((message as { port: number }).port));
      child.once('exit', (code) => failed(new Error(`dynalite exited at start (${code})`)));
    });
    return {
      endpoint: `http://127.0.0.1:${port}`,
      close: async () => {
        child.kill();
      },
    };
  }
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

/** Creates a table on the local DynamoDB; one already there is kept. */
async function createTable(endpoint: string, input: CreateTableCommandInput): Promise<void> {
  const client = new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    await client.send(new CreateTableCommand(input));
  } catch (error) {
    if ((error as { name?: string }).name !== 'ResourceInUseException') throw error;
  } finally {
    client.destroy();
  }
}

export async function createSnapTable(endpoint: string, tableName: string): Promise<void> {
  await createTable(endpoint, {
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
  });
}

/**
 * The reveal table (infra/reveal.tf): reveals' keys by key, nothing else — no index, and here as
 * on AWS no stream (the TTL emulation removes its expired items without telling anyone).
 */
export async function createRevealTable(endpoint: string, tableName: string): Promise<void> {
  await createTable(endpoint, {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [{ AttributeName: REVEAL_TABLE.partitionKey, AttributeType: 'S' }],
    KeySchema: [{ AttributeName: REVEAL_TABLE.partitionKey, KeyType: 'HASH' }],
  });
}

/**
 * The installations' table (SNAP_INSTALLATIONS_TABLE_NAME), as infra/installations.tf creates it:
 * the same partition key, no index, no TTL, no stream.
 */
export async function createInstallationsTable(endpoint: string, tableName: string): Promise<void> {
  await createTable(endpoint, {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [{ AttributeName: TABLE.partitionKey, AttributeType: 'S' }],
    KeySchema: [{ AttributeName: TABLE.partitionKey, KeyType: 'HASH' }],
  });
}

/** A fault the proxy answers instead of DynamoDB, as the real service can. */
export type DynamoFault = { throttle: true } | { status: 500 } | { drop: true };

export interface DynamoProxy {
  endpoint: string;
  /** Requests per DynamoDB operation (PutItem, Query, …) on snap's tables since start. */
  counts: Map<string, number>;
  /** Every request body the functions sent for snap's tables (what DynamoDB would hold or see). */
  journal: string[];
  /** Answer the next calls of `operation` with these faults, in order. */
  fault(operation: string, ...faults: DynamoFault[]): void;
  /** While down, every request fails as if the service could not be reached. */
  setDown(down: boolean): void;
  close(): Promise<void>;
}

/**
 * The functions reach dynalite through this pass-through proxy: it counts operations (the
 * benchmark's cost model), keeps what was sent (the privacy scan) and injects faults.
 */
export async function startDynamoProxy(
  target: string,
  tableNames: string | readonly string[],
): Promise<DynamoProxy> {
  const mine = new Set(typeof tableNames === 'string' ? [tableNames] : tableNames);
  const { request } = await import('node:http');
  const { listen, readBody, sendJson } = await import('./http-util');
  const counts = new Map<string, number>();
  const journal: string[] = [];
  const faults = new Map<string, DynamoFault[]>();
  let down = false;
  const upstream = new URL(target);
  const server = await listen(async (req, res) => {
    const body = await readBody(req);
    const op = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? 'unknown';
    const parsed = JSON.parse(body.toString() || '{}') as {
      TableName?: string;
      RequestItems?: Record<string, unknown>;
    };
    const tables = parsed.TableName ? [parsed.TableName] : Object.keys(parsed.RequestItems ?? {});
    if (tables.some((t) => mine.has(t))) {
      counts.set(op, (counts.get(op) ?? 0) + 1);
      journal.push(body.toString());
    }
    const fault = faults.get(op)?.shift();
    if (down || (fault && 'drop' in fault)) {
      res.socket?.destroy();
      return;
    }
    if (fault && 'throttle' in fault) {
      return sendJson(
        res,
        400,
        {
          __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
          message: 'The level of configured provisioned throughput for the table was exceeded.',
        },
        { 'content-type': 'application/x-amz-json-1.0' },
      );
    }
    if (fault) {
      return sendJson(
        res,
        500,
        { __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'Internal server error' },
        { 'content-type': 'application/x-amz-json-1.0' },
      );
    }
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
  return {
    endpoint: server.url,
    counts,
    journal,
    fault: (op, ...list) => faults.set(op, [...(faults.get(op) ?? []), ...list]),
    setDown: (value) => {
      down = value;
    },
    close: server.close,
  };
}
