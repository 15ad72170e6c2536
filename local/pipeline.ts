/**
 * The whole of snap on one machine: dynalite, the Slack, KMS and Lambda stand-ins, and the four
 * built bundles from dist/ wired as on AWS — signed API Gateway events into ack, ack's real
 * async Invoke into the poster, the sweeper's dispatcher on its schedule and its workers started
 * by real async Invokes (from the dispatcher and the poster), TTL removals into the reaper.
 * Used by the end-to-end tests, the benchmark and `npm start`.
 *
 * The fifth bundle, install, is always there for Slack's events (`POST /slack/events`: App Home,
 * uninstall), as it is deployed in every mode. With `install`, it serves "Add to Slack" too:
 * OAuth with the stand-in (which
 * plays the person clicking "Allow" when `authorize` is called, and serves Slack's authorize page
 * to browsers), Slack's events about the app, and `SNAP_PUBLIC_URL` on a local HTTP front that
 * serves install's routes (and ack's) as API Gateway would, so the links snap hands out can be
 * followed — or on a host of its own that serves them through `serveHttp` (`npm start`). With
 * `distributed` as well, no bot token is configured: each workspace's (or org's) token comes
 * from the installations.
 *
 * The bundles read their configuration from process.env when imported, as on Lambda, so one
 * process hosts one pipeline.
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  Context,
  DynamoDBRecord,
  DynamoDBStreamEvent,
} from 'aws-lambda';
import { COMMAND_PATH, INTERACTIONS_PATH } from '../shared/adapters/slack-request';
import { isTombstoneItem, SNAP_PREFIX } from '../shared/adapters/snap-item';
import { emptySweepReport } from '../shared/app/sweep';
import { nextTick } from '../shared/domain/engine';
import { EVENTS_PATH, INSTALL_PATH, LANDING_PATH, OAUTH_REDIRECT_PATH } from '../shared/domain/install';
import { escapeHtml } from '../shared/domain/pages';
import {
  apiGatewayEvent,
  apiGatewayGet,
  cookiesBrowserSends,
  fromHttpRequest,
  slackSignature,
  writeAnswer,
} from './api-gateway';
import {
  createInstallationsTable,
  createRevealTable,
  createSnapTable,
  type DynamoProxy,
  type LocalDynamo,
  startDynamo,
  startDynamoProxy,
} from './dynamo-local';
import { type IsolatedFunction, isolatedFunction } from './function-process';
import { type Listening, listen, readBody } from './http-util';
import { type KmsStandIn, startKms } from './kms-stand-in';
import { type LambdaStandIn, lambdaContext, startLambda } from './lambda-stand-in';
import { SANDBOX } from './sandbox';
import { type SlackStandIn, type SlackStandInOptions, startSlack } from './slack-stand-in';
import { TtlEmulator } from './ttl-emulator';

export interface PipelineOptions {
  distDir?: string;
  sweepPeriodSeconds?: number;
  defaultDelaySeconds?: number;
  slack?: SlackStandInOptions;
  dynamoPath?: string;
  /** dynalite in a process of its own (the scale benchmark: its load needs a core for it). */
  dynamoIsolated?: boolean;
  /** Extra lateness of the TTL emulation (ms). */
  ttlLateByMs?: number;
  /** Environment for the bundles beyond the wiring (e.g. LOG_LEVEL). */
  env?: Record<string, string>;
  /**
   * A real Slack workspace instead of the stand-in: the functions get the plaintext secrets
   * (as in local runs) and call `apiUrl` (default Slack itself).
   */
  workspace?: { botToken: string; signingSecret: string; apiUrl?: string };
  /**
   * The poster's Lambda settings. Asynchronous retries come after about 1 and 2 minutes on
   * AWS; locally after 1 and 2 seconds unless told otherwise. `isolated` runs it in processes
   * of its own, which the crash tests kill mid-run.
   */
  poster?: { timeoutMs?: number; retryDelaysMs?: number[]; isolated?: boolean; reservedConcurrency?: number };
  /**
   * `isolated` runs each sweeper invocation (the dispatcher, each worker) in a process of its own
   * (the benchmarks measure their memory; the crash tests kill workers), started as Lambda starts
   * Node for `memoryMb` when given (local/function-process.ts). `shards` and `workers`: the
   * engine's shape (SNAP_DUE_SHARDS, SNAP_SWEEP_WORKERS; default 8 and 1, as deployed);
   * `inFlight`: a worker's calls to Slack at once (SNAP_SWEEP_IN_FLIGHT, default 50).
   */
  sweeper?: { isolated?: boolean; memoryMb?: number; shards?: number; workers?: number; inFlight?: number };
  /**
   * Host the install function too. `clientId`/`clientSecret`: the Slack app's OAuth credentials
   * (the stand-in checks them; default the stand-in's). `publicUrl`: where browsers reach snap
   * (SNAP_PUBLIC_URL, http on a loopback host), for a host that serves install's routes itself
   * through `Pipeline.install`; without it the pipeline starts its own front and uses its URL.
   */
  install?: {
    clientId?: string;
    clientSecret?: string;
    publicUrl?: string;
    /**
     * Where Slack's web client is played (the sandbox page): the links of install's pages back to
     * Slack (`https://app.slack.com/client/…`, `slack://open…`) lead there instead.
     */
    slackClientUrl?: string;
  };
  /**
   * Distributed mode: no bot token variable, each workspace's (or org's) bot token from the
   * installations that `authorize` stores. Needs `install`.
   */
  distributed?: boolean;
}

/** "Add to Slack" as one person does it, in one workspace (or org). */
export interface Grant {
  /** `bot` (default): add snap to the workspace; `user`: let snap post as this person. */
  as?: 'bot' | 'user';
  team: string;
  teamName?: string;
  /** The workspace's Enterprise Grid org. */
  enterprise?: string;
  enterpriseName?: string;
  /** Add snap to the whole org (needs `enterprise`); the token is then the org's. */
  orgWide?: boolean;
  /** Who goes through Slack's authorize page. */
  user: string;
}

/** Where an event about the app comes from: a workspace, or an org for an org-wide install. */
export interface EventSource {
  team?: string;
  enterprise?: string;
  orgWide?: boolean;
}

type AckHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;
type InstallHandler = AckHandler;
type Fn<E, R> = (event: E, context: Context) => Promise<R>;

export interface Pipeline {
  slack: SlackStandIn;
  kms: KmsStandIn;
  lambda: LambdaStandIn;
  /** The poster's own processes, when `poster.isolated` is set. */
  posterProcess: IsolatedFunction | undefined;
  /** The sweeper's own processes (dispatcher and workers), when `sweeper.isolated` is set. */
  sweeperProcess: IsolatedFunction | undefined;
  dynamo: LocalDynamo;
  tableName: string;
  /** The reveal table: reveals' keys (wrapped) and sealed secrets, until burned. */
  revealTableName: string;
  /** Where installations and users' tokens are stored (SNAP_INSTALLATIONS_TABLE_NAME), when install is hosted. */
  installationsTableName: string | undefined;
  signingSecret: string;
  botToken: string;
  sweepPeriodMs: number;
  ack: AckHandler;
  /** Sends a slash command as Slack would (signed API Gateway event); returns ack's answer. */
  command(
    text: string,
    fields?: Record<string, string>,
    headers?: Record<string, string>,
  ): Promise<APIGatewayProxyStructuredResultV2>;
  /** Sends an interactivity payload (shortcut, button) as Slack would, to /slack/interactions. */
  interact(payload: Record<string, unknown>): Promise<APIGatewayProxyStructuredResultV2>;
  /** The signed API Gateway event `command` sends. */
  commandEvent(
    text: string,
    fields?: Record<string, string>,
    headers?: Record<string, string>,
  ): APIGatewayProxyEventV2;
  /** How long each function run took (ms), for the benchmark's cost model. */
  runs: Array<{ fn: string; ms: number }>;
  /** The functions' way to DynamoDB: operation counts, what was sent, injected faults. */
  dynamoProxy: DynamoProxy;
  /**
   * Runs the sweeper's dispatcher for a scheduled tick (default: now, floored to the second), as
   * EventBridge does, and waits for the workers it started (or that were running) to end; their
   * reports summed. `timeoutMs`: the dispatcher's timeout (workers get the function's own).
   */
  sweep(tickMs?: number, timeoutMs?: number): Promise<unknown>;
  /**
   * The table's live snap records (never text), for the sandbox page and tests: tombstones (to a
   * reader they are gone) and rate-limit counters (they track no message) are left out.
   */
  records(): Promise<Array<Record<string, unknown>>>;
  /** Every item in snap's tables (the snaps', then the installations'), tombstones included. */
  items(): Promise<Array<Record<string, unknown>>>;
  /** Every item in the reveal table (reveals not yet burned). */
  revealItems(): Promise<Array<Record<string, unknown>>>;
  /** One pass of the TTL emulation, as of `atMs` (default now). */
  expire(atMs?: number): Promise<number>;
  /**
   * Fires the sweeper's dispatcher on its schedule, as EventBridge does: at every multiple of
   * the period. Returns a stop function that waits for the sweeper's runs, workers included.
   */
  schedule(): () => Promise<void>;
  reaper(event: DynamoDBStreamEvent): Promise<unknown>;
  /** Every stream event the reaper was given (TTL emulation and direct calls). */
  reaperEvents: DynamoDBStreamEvent[];
  /** Stream records the reaper failed through every retry of the TTL emulation (lost on AWS). */
  reaperGivenUp: DynamoDBRecord[];
  /** Where browsers and Slack reach snap (SNAP_PUBLIC_URL), when install is hosted. */
  publicUrl: string | undefined;
  /** The install function, as API Gateway calls it (payload 2.0): Slack's events always, OAuth with `install`. */
  install: InstallHandler;
  /** Every answer install gave (pages, redirects, event answers), for the privacy ledger. */
  installAnswers: APIGatewayProxyStructuredResultV2[];
  /** The app's client secret when install is hosted (never a real one). */
  clientSecret: string | undefined;
  /** Whether bot tokens come from the installations (no bot token configured). */
  distributed: boolean;
  /**
   * "Add to Slack" end to end: GET /slack/install (`?as=user` for a user), "Allow" on the
   * stand-in's authorize page, back to /slack/oauth_redirect with the browser's cookie. Returns
   * install's page. Needs `install`.
   */
  authorize(grant: Grant): Promise<APIGatewayProxyStructuredResultV2>;
  /** Sends Slack's Events API callback (`event`: its inner event) to install, signed. */
  slackEvent(event: Record<string, unknown>, from: EventSource): Promise<APIGatewayProxyStructuredResultV2>;
  /** A person opens snap's Home tab (`app_home_opened`, tab home): install's answer. */
  openHome(user: string, from?: EventSource): Promise<APIGatewayProxyStructuredResultV2>;
  /** The app is removed from a workspace or org: Slack revokes its tokens and tells install. */
  uninstall(from: EventSource): Promise<APIGatewayProxyStructuredResultV2>;
  /** A user removes the app's access to their account: Slack revokes their token and tells install. */
  revokeUser(from: EventSource & { user: string }): Promise<APIGatewayProxyStructuredResultV2>;
  /**
   * Serves install's routes (when hosted) and ack's over HTTP as API Gateway does: the request's
   * cookies in `cookies`, the answer's `cookies` as Set-Cookie. For a host whose URL is
   * `install.publicUrl`; false, without answering, for any other route.
   */
  serveHttp(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  close(): Promise<void>;
}

let counter = 0;

/** The poster's timeout as deployed (infra/poster.tf): a post, its retries, a record, a hand-over. */
const POSTER_TIMEOUT_MS = 60_000;

/** The sandbox's signing secret (documented in the README, so requests can be signed by hand). */
export const SANDBOX_SIGNING_SECRET = 'snap-sandbox-signing-secret';

/** The sandbox app's OAuth credentials (local only; the stand-in checks them). */
export const SANDBOX_CLIENT_ID = '1111.2222';
export const SANDBOX_CLIENT_SECRET = 'snap-sandbox-client-secret';

export async function startPipeline(options: PipelineOptions = {}): Promise<Pipeline> {
  if (options.distributed && !options.install)
    throw new Error('distributed mode needs install: its tokens come from Add to Slack');
  if (options.workspace && options.install)
    throw new Error('a real workspace runs in one-workspace mode, without the local install function');
  const distDir = resolve(options.distDir ?? 'dist');
  const tableName = 'snap-local';
  const revealTableName = 'snap-local-reveal-keys';
  // As Terraform deploys it: installations (and settings) in a table of their own, without a
  // stream, in every mode.
  const installationsTableName = 'snap-local-installations';
  // Not a secret: the sandbox's requests are signed with it so that tools (curl, tests) can sign too.
  const signingSecret = options.workspace?.signingSecret ?? SANDBOX_SIGNING_SECRET;
  const botToken = options.workspace?.botToken ?? `xoxb-local-${process.pid}`;
  const sweepPeriodSeconds = options.sweepPeriodSeconds ?? 60;

  const clientId = options.install?.clientId ?? SANDBOX_CLIENT_ID;
  const clientSecret = options.install ? (options.install.clientSecret ?? SANDBOX_CLIENT_SECRET) : undefined;
  const [dynamo, slack, kms, lambda] = await Promise.all([
    startDynamo({
      ...(options.dynamoPath ? { path: options.dynamoPath } : {}),
      ...(options.dynamoIsolated ? { isolated: true } : {}),
    }),
    startSlack({
      token: botToken,
      // The fixed token serves the sandbox's first workspace: users.info says its people are its own.
      team: SANDBOX.team.id,
      users: SANDBOX.users,
      ...(options.install ? { clientId, clientSecret } : {}),
      ...options.slack,
    }),
    startKms(),
    startLambda(),
  ]);
  // The public front answers once the functions are loaded; its URL is needed before that.
  let serveFront: ((req: IncomingMessage, res: ServerResponse) => Promise<void>) | undefined;
  const front: Listening | undefined =
    options.install && !options.install.publicUrl
      ? await listen(async (req, res) => {
          if (!serveFront) {
            res.writeHead(503);
            res.end();
            return;
          }
          await serveFront(req, res);
        })
      : undefined;
  const publicUrl = options.install ? (options.install.publicUrl ?? front?.url) : undefined;
  await createSnapTable(dynamo.endpoint, tableName);
  await createInstallationsTable(dynamo.endpoint, installationsTableName);
  await createRevealTable(dynamo.endpoint, revealTableName);
  const proxy = await startDynamoProxy(dynamo.endpoint, [tableName, installationsTableName, revealTableName]);

  // The ciphertext variables win over plaintext ones; a workspace run must not inherit them.
  if (options.workspace) {
    delete process.env.SLACK_SIGNING_SECRET_CIPHERTEXT;
    delete process.env.SLACK_BOT_TOKEN_CIPHERTEXT;
  }
  // One process hosts one pipeline: what an earlier one set for its mode must not linger.
  // Without `install`: no Add to Slack.
  if (!options.install) {
    delete process.env.SLACK_CLIENT_ID;
    delete process.env.SLACK_CLIENT_SECRET_CIPHERTEXT;
    delete process.env.SNAP_PUBLIC_URL;
  }
  if (options.distributed) delete process.env.SNAP_ONE_WORKSPACE;
  if (!options.install || options.distributed) delete process.env.ALLOWED_TEAM_IDS;
  // Distributed: no bot token variable of either kind.
  if (options.distributed) {
    delete process.env.SLACK_BOT_TOKEN_CIPHERTEXT;
    delete process.env.SLACK_BOT_TOKEN;
  }
  Object.assign(process.env, {
    AWS_REGION: 'local',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: proxy.endpoint,
    AWS_ENDPOINT_URL_KMS: kms.url,
    AWS_ENDPOINT_URL_LAMBDA: lambda.url,
    SNAP_TABLE_NAME: tableName,
    SNAP_REVEAL_TABLE_NAME: revealTableName,
    SNAP_INSTALLATIONS_TABLE_NAME: installationsTableName,
    POSTER_FUNCTION_NAME: 'snap-poster',
    // The poster bundle deployed a second time, with capacity of its own (infra/controls.tf).
    CONTROLS_FUNCTION_NAME: 'snap-controls',
    SNAP_SWEEPER_FUNCTION_NAME: 'snap-sweeper',
    SNAP_DUE_SHARDS: String(options.sweeper?.shards ?? 8),
    SNAP_SWEEP_WORKERS: String(options.sweeper?.workers ?? 1),
    ...(options.sweeper?.inFlight ? { SNAP_SWEEP_IN_FLIGHT: String(options.sweeper.inFlight) } : {}),
    SNAP_KMS_KEY_ID: 'alias/snap-local',
    ...(options.workspace
      ? { SLACK_SIGNING_SECRET: signingSecret, SLACK_BOT_TOKEN: botToken }
      : {
          SLACK_SIGNING_SECRET_CIPHERTEXT: kms.encrypt(signingSecret, {
            app: 'snap',
            secret: 'SLACK_SIGNING_SECRET',
          }),
          ...(options.distributed
            ? {}
            : {
                SLACK_BOT_TOKEN_CIPHERTEXT: kms.encrypt(botToken, { app: 'snap', secret: 'SLACK_BOT_TOKEN' }),
              }),
        }),
    // One workspace, as Terraform deploys it: install knows the bot token is configuration;
    // with Add to Slack, also the workspace it serves (allowed_team_ids is required then).
    ...(options.distributed ? {} : { SNAP_ONE_WORKSPACE: 'true' }),
    ...(options.install && !options.distributed ? { ALLOWED_TEAM_IDS: SANDBOX.team.id } : {}),
    ...(options.install && publicUrl && clientSecret
      ? {
          SLACK_CLIENT_ID: clientId,
          SLACK_CLIENT_SECRET_CIPHERTEXT: kms.encrypt(clientSecret, {
            app: 'snap',
            secret: 'SLACK_CLIENT_SECRET',
          }),
          SNAP_PUBLIC_URL: publicUrl,
        }
      : {}),
    SLACK_API_URL: options.workspace ? (options.workspace.apiUrl ?? 'https://slack.com/api/') : slack.apiUrl,
    // A real workspace's response_urls are Slack's own (the default); the stand-in's are local.
    ...(options.workspace ? {} : { SLACK_RESPONSE_URL_PREFIX: slack.responseUrlPrefix }),
    SNAP_SWEEP_PERIOD_SECONDS: String(sweepPeriodSeconds),
    ...(options.defaultDelaySeconds
      ? { SNAP_DEFAULT_DELAY_SECONDS: String(options.defaultDelaySeconds) }
      : {}),
    ...options.env,
  });

  const runs: Pipeline['runs'] = [];
  const timed =
    <E, R>(fn: string, handler: Fn<E, R>): Fn<E, R> =>
    async (event, context) => {
      const started = performance.now();
      try {
        return await handler(event, context);
      } finally {
        runs.push({ fn, ms: performance.now() - started });
      }
    };
  // `as` loads a bundle once more as a separate module, as Lambda runs a second function from it.
  const load = async <T>(name: string, as?: string): Promise<T> =>
    (
      (await import(`${pathToFileURL(`${distDir}/${name}/index.mjs`).href}${as ? `?${as}` : ''}`)) as {
        handler: T;
      }
    ).handler;
  const ack = await load<AckHandler>('ack');
  const posterProcess = options.poster?.isolated
    ? isolatedFunction(`${distDir}/poster/index.mjs`)
    : undefined;
  const poster = posterProcess?.fn ?? (await load<Fn<unknown, unknown>>('poster'));
  const controls = await load<Fn<unknown, unknown>>('poster', 'controls');
  const sweeperProcess = options.sweeper?.isolated
    ? isolatedFunction(
        `${distDir}/sweeper/index.mjs`,
        options.sweeper.memoryMb ? { memoryMb: options.sweeper.memoryMb } : {},
      )
    : undefined;
  const sweeper = sweeperProcess?.fn ?? (await load<Fn<unknown, unknown>>('sweeper'));
  const reaper = await load<Fn<DynamoDBStreamEvent, unknown>>('reaper');
  const installAnswers: APIGatewayProxyStructuredResultV2[] = [];
  const installBundle = await load<InstallHandler>('install');
  const install: InstallHandler = async (event, context) => {
    const answer = await timed('install', installBundle)(event, context);
    installAnswers.push(answer);
    return answer;
  };

  // Timeouts as deployed (infra/locals.tf): the sweeper's covers a worker's span; events older
  // than 10 minutes are dropped (infra/poster.tf), sweeper events after a minute, unretried.
  const sweeperTimeoutMs = (sweepPeriodSeconds + 40) * 1000;
  lambda.register('snap-poster', timed('poster', poster), {
    timeoutMs: options.poster?.timeoutMs ?? POSTER_TIMEOUT_MS,
    retries: 2,
    retryDelaysMs: options.poster?.retryDelaysMs ?? [1_000, 2_000],
    maxEventAgeMs: 600_000,
    ...(options.poster?.reservedConcurrency
      ? { reservedConcurrency: options.poster.reservedConcurrency }
      : {}),
  });
  // Author requests and buttons: the same bundle as its own function (infra/controls.tf), so a
  // poster killed in a test never takes the controls down with it.
  lambda.register('snap-controls', timed('controls', controls), {
    timeoutMs: 90_000,
    retries: 2,
    retryDelaysMs: options.poster?.retryDelaysMs ?? [1_000, 2_000],
    maxEventAgeMs: 600_000,
  });
  // What each worker reported (a dispatch reports no `found`), for `sweep()` to sum.
  const workerReports: Array<Record<string, unknown>> = [];
  const sweeperRun: Fn<unknown, unknown> = async (event, context) => {
    const report = await timed('sweeper', sweeper)(event, context);
    if (report && typeof report === 'object' && 'found' in report)
      workerReports.push(report as Record<string, unknown>);
    return report;
  };
  lambda.register('snap-sweeper', sweeperRun, {
    timeoutMs: sweeperTimeoutMs,
    retries: 0,
    maxEventAgeMs: 60_000,
  });
  const reaperEvents: DynamoDBStreamEvent[] = [];
  const runReaper = (event: DynamoDBStreamEvent) => {
    reaperEvents.push(event);
    return timed('reaper', reaper)(event, lambdaContext('snap-reaper', 60_000));
  };
  const ttl = new TtlEmulator({
    endpoint: dynamo.endpoint,
    tableName,
    streamless: [revealTableName],
    reaper: runReaper,
    ...(options.ttlLateByMs !== undefined ? { lateByMs: options.ttlLateByMs } : {}),
  });

  const commandEvent: Pipeline['commandEvent'] = (text, fields = {}, headers = {}) => {
    const id = ++counter;
    const body = new URLSearchParams({
      token: 'unused',
      team_id: SANDBOX.team.id,
      team_domain: SANDBOX.team.domain,
      channel_id: SANDBOX.channel.id,
      channel_name: SANDBOX.channel.name,
      user_id: SANDBOX.user.id,
      user_name: SANDBOX.user.name,
      command: '/snap',
      text,
      api_app_id: SANDBOX.appId,
      response_url: slack.responseUrl(`cmd-${id}`),
      trigger_id: `${Date.now()}.${id}.local`,
      ...fields,
    }).toString();
    return apiGatewayEvent({
      path: COMMAND_PATH,
      body,
      headers: { ...slackSignature(signingSecret, body), ...headers },
    });
  };
  const interact: Pipeline['interact'] = (payload) => {
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    const event = apiGatewayEvent({
      path: INTERACTIONS_PATH,
      body,
      headers: slackSignature(signingSecret, body),
    });
    return timed('ack', ack)(event, lambdaContext('snap-ack', 10_000));
  };
  // The event EventBridge sends for a scheduled tick, to the dispatcher.
  const sweepFor = (tickMs: number, timeoutMs: number) =>
    sweeperRun(
      { 'detail-type': 'Scheduled Event', source: 'aws.events', time: new Date(tickMs).toISOString() },
      lambdaContext('snap-sweeper', timeoutMs),
    );
  // Reads the table for the page and the tests, beside the functions (not through the proxy).
  const inspector = new DynamoDBClient({ endpoint: dynamo.endpoint });
  const scan = async (table: string) => {
    const out = await inspector.send(new ScanCommand({ TableName: table }));
    return (out.Items ?? []).map((item) => unmarshall(item));
  };
  const items = async () => [...(await scan(tableName)), ...(await scan(installationsTableName))];
  const command: Pipeline['command'] = (text, fields, headers) =>
    timed('ack', ack)(commandEvent(text, fields, headers), lambdaContext('snap-ack', 10_000));

  const needInstall = (): InstallHandler => {
    if (!options.install)
      throw new Error('Add to Slack is not hosted: start the pipeline with { install: {} }');
    return install;
  };
  const installContext = () => lambdaContext('snap-install', 10_000);
  const authorize: Pipeline['authorize'] = async (grant) => {
    const call = needInstall();
    const start = await call(
      apiGatewayGet({ path: INSTALL_PATH, query: grant.as === 'user' ? 'as=user' : '' }),
      installContext(),
    );
    const to = new URL(String(start.headers?.location));
    // The browser sends back what it kept of the cookie, by the rules browsers apply.
    const cookies = cookiesBrowserSends(start.cookies ?? [], OAUTH_REDIRECT_PATH);
    const { as: _kind, ...who } = grant;
    const code = slack.authorize({
      ...who,
      scope: to.searchParams.get('scope')?.split(',').filter(Boolean) ?? [],
      userScope: to.searchParams.get('user_scope')?.split(',').filter(Boolean) ?? [],
      redirectUri: String(to.searchParams.get('redirect_uri')),
    });
    return call(
      apiGatewayGet({
        path: OAUTH_REDIRECT_PATH,
        query: new URLSearchParams({ code, state: String(to.searchParams.get('state')) }).toString(),
        cookies,
      }),
      installContext(),
    );
  };
  let events = 0;
  const slackEvent: Pipeline['slackEvent'] = (event, from) => {
    const body = JSON.stringify({
      token: 'unused',
      team_id: from.orgWide ? null : (from.team ?? null),
      enterprise_id: from.enterprise ?? null,
      api_app_id: SANDBOX.appId,
      event,
      type: 'event_callback',
      event_id: `Ev${Date.now()}${++events}`,
      event_time: Math.floor(Date.now() / 1000),
      is_enterprise_install: !!from.orgWide,
      authorizations: [
        {
          enterprise_id: from.enterprise ?? null,
          team_id: from.orgWide ? null : (from.team ?? null),
          user_id: 'UBOT',
          is_bot: true,
          is_enterprise_install: !!from.orgWide,
        },
      ],
    });
    return install(
      apiGatewayEvent({
        path: EVENTS_PATH,
        body,
        headers: { ...slackSignature(signingSecret, body), 'content-type': 'application/json' },
      }),
      installContext(),
    );
  };
  const keyOf = (from: EventSource) => String(from.orgWide ? from.enterprise : from.team);

  // The public front: install's routes, and ack's, over HTTP as API Gateway serves them.
  const installRoutes = new Set(
    options.install ? [LANDING_PATH, INSTALL_PATH, OAUTH_REDIRECT_PATH, EVENTS_PATH] : [EVENTS_PATH],
  );
  const serveHttp: Pipeline['serveHttp'] = async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const toAck = req.method === 'POST' && (path === COMMAND_PATH || path === INTERACTIONS_PATH);
    const handler = toAck ? ack : installRoutes.has(path) ? install : undefined;
    if (!handler) return false;
    const event = fromHttpRequest(req, await readBody(req), req.socket.remoteAddress ?? '127.0.0.1');
    const answer = await (toAck ? timed('ack', ack) : handler)(
      event,
      lambdaContext(toAck ? 'snap-ack' : 'snap-install', 10_000),
    );
    const clientUrl = options.install?.slackClientUrl;
    writeAnswer(res, handler === install && clientUrl ? toPlayedClient(answer, clientUrl) : answer);
    return true;
  };
  serveFront = async (req, res) => {
    if (await serveHttp(req, res)) return;
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found\n');
  };

  return {
    slack,
    kms,
    lambda,
    posterProcess,
    sweeperProcess,
    dynamo,
    tableName,
    revealTableName,
    installationsTableName,
    signingSecret,
    botToken,
    sweepPeriodMs: sweepPeriodSeconds * 1000,
    ack,
    command,
    commandEvent,
    interact,
    runs,
    dynamoProxy: proxy,
    sweep: async (tickMs = Math.floor(Date.now() / 1000) * 1000, timeoutMs = sweeperTimeoutMs) => {
      const from = workerReports.length;
      const dispatched = (await sweepFor(tickMs, timeoutMs)) as { dispatch?: unknown };
      await lambda.settled('snap-sweeper');
      // The workers' reports summed, as one sweep used to report.
      const sum: Record<string, unknown> = { ...emptySweepReport(), dispatch: dispatched?.dispatch };
      for (const report of workerReports.slice(from))
        for (const [key, value] of Object.entries(report))
          if (typeof value === 'number') sum[key] = Number(sum[key] ?? 0) + value;
      return sum;
    },
    expire: (atMs) => ttl.expire(atMs),
    records: async () =>
      (await items()).filter((item) => String(item.pk).startsWith(SNAP_PREFIX) && !isTombstoneItem(item)),
    items,
    revealItems: () => scan(revealTableName),
    schedule: () => {
      const period = sweepPeriodSeconds * 1000;
      const running = new Set<Promise<unknown>>();
      let timer: NodeJS.Timeout | undefined;
      let stopped = false;
      const arm = () => {
        const next = nextTick(Date.now(), period);
        timer = setTimeout(() => {
          if (stopped) return;
          const run = sweepFor(next, sweeperTimeoutMs).catch(() => undefined);
          running.add(run);
          void run.finally(() => running.delete(run));
          arm();
        }, next - Date.now());
      };
      arm();
      return async () => {
        stopped = true;
        clearTimeout(timer);
        await Promise.all([...running]);
        await lambda.settled('snap-sweeper');
      };
    },
    reaper: runReaper,
    reaperEvents,
    reaperGivenUp: ttl.givenUp,
    publicUrl,
    install,
    installAnswers,
    clientSecret,
    distributed: !!options.distributed,
    authorize,
    slackEvent,
    openHome: (user, from = { team: SANDBOX.team.id }) =>
      slackEvent(
        {
          type: 'app_home_opened',
          user,
          channel: `D${user.slice(1)}`,
          tab: 'home',
          event_ts: `${Date.now() / 1000}`,
        },
        from,
      ),
    uninstall: (from) => {
      slack.uninstall(keyOf(from));
      return slackEvent({ type: 'app_uninstalled' }, from);
    },
    revokeUser: ({ user, ...from }) => {
      slack.revokeUser(user);
      return slackEvent({ type: 'tokens_revoked', tokens: { oauth: [user], bot: [] } }, from);
    },
    serveHttp,
    close: async () => {
      await lambda.settled();
      posterProcess?.close();
      sweeperProcess?.close();
      ttl.destroy();
      inspector.destroy();
      await Promise.all([
        slack.close(),
        kms.close(),
        lambda.close(),
        dynamo.close(),
        proxy.close(),
        ...(front ? [front.close()] : []),
      ]);
    },
  };
}

/** Points an install page's links back to Slack at the page that plays Slack's client. */
function toPlayedClient(
  answer: APIGatewayProxyStructuredResultV2,
  clientUrl: string,
): APIGatewayProxyStructuredResultV2 {
  const type = String(answer.headers?.['content-type'] ?? '');
  if (!type.startsWith('text/html') || typeof answer.body !== 'string' || answer.isBase64Encoded)
    return answer;
  const played = escapeHtml(clientUrl);
  return {
    ...answer,
    body: answer.body
      .replace(/https:\/\/app\.slack\.com\/client(?:\/[A-Z0-9]+)?/g, played)
      .replace(/slack:\/\/open\?team=[A-Z0-9]+/g, played),
  };
}
