/**
 * The install function under test: its bundle-to-be imported from source with dynalite (through
 * the counting proxy) as DynamoDB, KMS mocked with a sealer that refuses a wrong encryption
 * context, and the real @slack/web-api talking to the Slack stand-in over HTTP.
 */
import { randomBytes } from 'node:crypto';
import { DeleteItemCommand, DynamoDBClient, PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { DecryptCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { apiGatewayEvent, apiGatewayGet, cookiesBrowserSends, slackSignature } from '../../local/api-gateway';
import {
  createInstallationsTable,
  createSnapTable,
  type DynamoProxy,
  type LocalDynamo,
  startDynamo,
  startDynamoProxy,
} from '../../local/dynamo-local';
import { lambdaContext } from '../../local/lambda-stand-in';
import {
  type AuthorizeRequest,
  type SlackStandIn,
  type SlackStandInOptions,
  startSlack,
} from '../../local/slack-stand-in';
import { EVENTS_PATH, OAUTH_REDIRECT_PATH, readFlowCookie, STATE_COOKIE } from '../../shared/domain/install';

export const SIGNING_SECRET = 'install-signing-secret';
export const CLIENT_ID = '1111.2222';
export const CLIENT_SECRET = 'install-client-secret-9f8e7d';
export const PUBLIC_URL = 'https://snap.example';
export const TABLE = 'snap-install-test';
/** Installations in a table of their own (SNAP_INSTALLATIONS_TABLE_NAME), as Terraform deploys them. */
export const INSTALLATIONS_TABLE = 'snap-install-test-installations';
/** The table an item lives in, by its key. */
const tableOf = (pk: string) => (pk.startsWith('inst#') ? INSTALLATIONS_TABLE : TABLE);

export type Result = APIGatewayProxyStructuredResultV2;
type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<Result>;

/** What KMS sealed: the ciphertext is random bytes, opened only with the very same context. */
export interface Sealed {
  plaintext: string;
  context: Record<string, string>;
  keyId: string | undefined;
}

export interface InstallHarness {
  slack: SlackStandIn;
  proxy: DynamoProxy;
  kms: KmsMock;
  sealed: Map<string, Sealed>;
  call(event: APIGatewayProxyEventV2): Promise<Result>;
  /** Every item in both tables (read beside the function, not through the proxy). */
  items(): Promise<Array<Record<string, unknown>>>;
  /** Writes an item beside the function (as if written earlier), not through the proxy. */
  put(item: Record<string, unknown>): Promise<void>;
  /** Deletes an item beside the function (as TTL would), not through the proxy. */
  remove(pk: string): Promise<void>;
  close(): Promise<void>;
}

const mockKms = () => mockClient(KMSClient);
type KmsMock = ReturnType<typeof mockKms>;

const sameContext = (a: Record<string, string> | undefined, b: Record<string, string>) =>
  JSON.stringify(Object.entries(a ?? {}).sort()) === JSON.stringify(Object.entries(b).sort());

export interface HarnessOptions {
  /** What KMS answers for the message data key (the poster's sealed events), if anything. */
  dataKey?: Buffer;
  /** More for the Slack stand-in (conversations, users…). */
  slack?: SlackStandInOptions;
}

export async function startInstallHarness(
  env: Record<string, string> = {},
  options: HarnessOptions = {},
): Promise<InstallHarness> {
  const dynamo: LocalDynamo = await startDynamo();
  await createSnapTable(dynamo.endpoint, TABLE);
  await createInstallationsTable(dynamo.endpoint, INSTALLATIONS_TABLE);
  const proxy = await startDynamoProxy(dynamo.endpoint, [TABLE, INSTALLATIONS_TABLE]);
  const slack = await startSlack({
    token: 'xoxb-fixed-one-workspace',
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    enterprises: { E0ORG: ['T0SUB1', 'T0SUB2'] },
    ...options.slack,
  });
  const kms = mockKms();
  const sealed = new Map<string, Sealed>();
  kms.on(DecryptCommand).callsFake((input: DecryptCommand['input']) => {
    const context = input.EncryptionContext ?? {};
    if (context.secret === 'SLACK_SIGNING_SECRET') return { Plaintext: Buffer.from(SIGNING_SECRET) };
    if (context.secret === 'SLACK_CLIENT_SECRET') return { Plaintext: Buffer.from(CLIENT_SECRET) };
    if (context.purpose === 'message' && options.dataKey) return { Plaintext: options.dataKey };
    const entry = sealed.get(Buffer.from(input.CiphertextBlob ?? []).toString('hex'));
    if (!entry || !sameContext(context, entry.context)) {
      throw Object.assign(new Error('InvalidCiphertextException'), { name: 'InvalidCiphertextException' });
    }
    return { Plaintext: Buffer.from(entry.plaintext) };
  });
  kms.on(EncryptCommand).callsFake((input: EncryptCommand['input']) => {
    const blob = randomBytes(48);
    sealed.set(blob.toString('hex'), {
      plaintext: Buffer.from(input.Plaintext ?? []).toString('utf8'),
      context: { ...(input.EncryptionContext ?? {}) },
      keyId: input.KeyId,
    });
    return { CiphertextBlob: blob, KeyId: input.KeyId };
  });

  Object.assign(process.env, {
    AWS_REGION: 'local',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: proxy.endpoint,
    SLACK_CLIENT_ID: CLIENT_ID,
    SLACK_CLIENT_SECRET_CIPHERTEXT: Buffer.from('client-secret-ciphertext').toString('base64'),
    SLACK_SIGNING_SECRET_CIPHERTEXT: Buffer.from('signing-secret-ciphertext').toString('base64'),
    SNAP_KMS_KEY_ID: 'alias/snap',
    SNAP_TABLE_NAME: TABLE,
    SNAP_INSTALLATIONS_TABLE_NAME: INSTALLATIONS_TABLE,
    SNAP_PUBLIC_URL: PUBLIC_URL,
    SLACK_API_URL: slack.apiUrl,
    CONTROLS_FUNCTION_NAME: 'snap-controls',
    ...env,
  });
  const { handler } = (await import('../../functions/install/handler')) as unknown as { handler: Handler };
  const reader = new DynamoDBClient({
    endpoint: dynamo.endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });

  return {
    slack,
    proxy,
    kms,
    sealed,
    call: (event) => handler(event, lambdaContext('snap-install', 10_000)),
    items: async () => {
      const all: Array<Record<string, unknown>> = [];
      for (const table of [TABLE, INSTALLATIONS_TABLE]) {
        const out = await reader.send(new ScanCommand({ TableName: table, ConsistentRead: true }));
        all.push(...(out.Items ?? []).map((item) => unmarshall(item)));
      }
      return all;
    },
    put: async (item) => {
      await reader.send(new PutItemCommand({ TableName: tableOf(String(item.pk)), Item: marshall(item) }));
    },
    remove: async (pk) => {
      await reader.send(new DeleteItemCommand({ TableName: tableOf(pk), Key: marshall({ pk }) }));
    },
    close: async () => {
      reader.destroy();
      await Promise.all([slack.close(), proxy.close(), dynamo.close()]);
    },
  };
}

/** The flow cookie's nonce a response sets, if a browser would keep it and send it to the redirect route. */
export function flowCookie(result: Result): string | undefined {
  return readFlowCookie(cookiesBrowserSends(result.cookies ?? [], OAUTH_REDIRECT_PATH));
}

export function location(result: Result): URL {
  return new URL(String(result.headers?.location));
}

/** The browser's way back from Slack's authorize page. */
export function redirectRequest(query: Record<string, string>, nonce?: string): APIGatewayProxyEventV2 {
  return apiGatewayGet({
    path: OAUTH_REDIRECT_PATH,
    query: new URLSearchParams(query).toString(),
    ...(nonce !== undefined ? { cookies: [`${STATE_COOKIE}=${nonce}`] } : {}),
  });
}

/** An Events API request signed as Slack signs it (`timestamp` in seconds). */
export function signedEvent(
  body: unknown,
  options: { secret?: string; timestamp?: number; headers?: Record<string, string> } = {},
): APIGatewayProxyEventV2 {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return apiGatewayEvent({
    path: EVENTS_PATH,
    body: text,
    headers: {
      ...slackSignature(options.secret ?? SIGNING_SECRET, text, options.timestamp),
      'content-type': 'application/json',
      ...options.headers,
    },
  });
}

export function eventCallback(
  event: Record<string, unknown>,
  where: { team?: string; enterprise?: string; orgWide?: boolean; eventTime?: number },
) {
  return {
    token: 'deprecated-verification-token',
    team_id: where.team,
    enterprise_id: where.enterprise,
    api_app_id: 'A0STANDIN',
    event,
    type: 'event_callback',
    event_id: `Ev${randomBytes(4).toString('hex').toUpperCase()}`,
    event_time: where.eventTime ?? Math.floor(Date.now() / 1000),
    authorizations: [
      {
        enterprise_id: where.enterprise ?? null,
        team_id: where.orgWide ? null : (where.team ?? null),
        user_id: 'UBOT',
        is_bot: true,
        is_enterprise_install: !!where.orgWide,
      },
    ],
  };
}

/** Begins a flow in the function, plays "Allow" at the stand-in, and comes back with the code. */
export async function authorizeThrough(
  h: InstallHarness,
  startQuery: string,
  grant: Omit<AuthorizeRequest, 'scope' | 'userScope' | 'redirectUri'>,
): Promise<{ result: Result; start: Result; state: string; nonce: string; code: string }> {
  const start = await h.call(apiGatewayGet({ path: '/slack/install', query: startQuery }));
  const to = location(start);
  const state = String(to.searchParams.get('state'));
  const nonce = String(flowCookie(start));
  const code = h.slack.authorize({
    ...grant,
    scope: to.searchParams.get('scope')?.split(',').filter(Boolean) ?? [],
    userScope: to.searchParams.get('user_scope')?.split(',').filter(Boolean) ?? [],
    redirectUri: String(to.searchParams.get('redirect_uri')),
  });
  const result = await h.call(redirectRequest({ code, state }, nonce));
  return { result, start, state, nonce, code };
}
