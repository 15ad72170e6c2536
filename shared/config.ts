/**
 * Environment readers. Each function reads its configuration once, at cold start, through
 * these helpers, so a missing or malformed variable fails the init with an error naming it.
 */
import { DEFAULT_SHARDS, type EngineShape, LEGACY_SHARDS, shapeProblem } from './domain/engine';
import { authorizePageOf } from './domain/install';
import { DEFAULT_LIMITS, type Limits } from './domain/limits';
import { DEFAULT_POSTER_CAPS, MAX_SLOTS, type PosterCaps } from './domain/slots';
import { ConfigError } from './errors';

export type Env = Readonly<Record<string, string | undefined>>;

export function required(env: Env, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new ConfigError(`Environment variable ${name} is required but not set`);
  return value;
}

export function optional(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

export function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = optional(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`Environment variable ${name} must be a whole number`);
  const value = Number(raw);
  if (value < min || value > max) {
    throw new ConfigError(`Environment variable ${name} must be between ${min} and ${max}`);
  }
  return value;
}

/**
 * A secret comes from `<NAME>_CIPHERTEXT` (base64 KMS ciphertext) when set, else from the
 * plaintext `<NAME>` (local runs only). The result says which, without the value.
 */
export type SecretSource = { kind: 'kms'; ciphertext: string } | { kind: 'plaintext'; value: string };

export function secretSource(env: Env, name: string): SecretSource {
  const ciphertext = optional(env, `${name}_CIPHERTEXT`);
  if (ciphertext) return { kind: 'kms', ciphertext };
  const value = optional(env, name);
  if (value) return { kind: 'plaintext', value };
  throw new ConfigError(`Environment variable ${name}_CIPHERTEXT is required (or ${name} for local runs)`);
}

/** A secret that may be absent altogether (the bot token: its absence means distributed mode). */
function optionalSecretSource(env: Env, name: string): SecretSource | undefined {
  return optional(env, `${name}_CIPHERTEXT`) || optional(env, name) ? secretSource(env, name) : undefined;
}

export const DEFAULT_SLACK_API_URL = 'https://slack.com/api/';

/** Where Slack's `response_url`s live; the poster answers no other URL. */
export const DEFAULT_RESPONSE_URL_PREFIX = 'https://hooks.slack.com/';

const DAY = 86_400;

export interface AckConfig {
  signingSecret: SecretSource;
  /** Workspaces snap serves; empty means every workspace the app is installed in. */
  allowedTeams: ReadonlySet<string>;
  posterFunctionName: string;
  /** Takes everything that is not posting a snap (author requests, buttons, shortcuts); default the poster. */
  controlsFunctionName: string;
  kmsKeyId: string;
  limits: { defaultSeconds: number; maxSeconds: number };
}

/** ALLOWED_TEAM_IDS: comma-separated workspace (`T…`) or org (`E…`) ids; empty allows all. */
function allowedTeamIds(env: Env): ReadonlySet<string> {
  const allowedTeams = new Set(
    (optional(env, 'ALLOWED_TEAM_IDS') ?? '')
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean),
  );
  for (const team of allowedTeams) {
    if (!/^[TE][A-Z0-9]+$/.test(team))
      throw new ConfigError('Environment variable ALLOWED_TEAM_IDS must list workspace ids like T0123ABC');
  }
  return allowedTeams;
}

/** The delays `/snap` and the modals take: ack checks them, the modals start from the default. */
function delayLimits(env: Env): { defaultSeconds: number; maxSeconds: number } {
  const maxSeconds = integer(env, 'SNAP_MAX_DELAY_SECONDS', 7 * DAY, 1, 7 * DAY);
  const defaultSeconds = integer(env, 'SNAP_DEFAULT_DELAY_SECONDS', 60, 1, 7 * DAY);
  if (defaultSeconds > maxSeconds) {
    throw new ConfigError('SNAP_DEFAULT_DELAY_SECONDS must not exceed SNAP_MAX_DELAY_SECONDS');
  }
  return { defaultSeconds, maxSeconds };
}

export function ackConfig(env: Env): AckConfig {
  const { defaultSeconds, maxSeconds } = delayLimits(env);
  return {
    signingSecret: secretSource(env, 'SLACK_SIGNING_SECRET'),
    allowedTeams: allowedTeamIds(env),
    posterFunctionName: required(env, 'POSTER_FUNCTION_NAME'),
    controlsFunctionName: optional(env, 'CONTROLS_FUNCTION_NAME') ?? required(env, 'POSTER_FUNCTION_NAME'),
    kmsKeyId: required(env, 'SNAP_KMS_KEY_ID'),
    limits: { defaultSeconds, maxSeconds },
  };
}

/**
 * The functions that speak to Slack for snaps (poster, sweeper, reaper). With a bot token
 * (`SLACK_BOT_TOKEN_CIPHERTEXT`, or `SLACK_BOT_TOKEN` locally) snap serves one workspace and
 * every bot call uses it; without one it runs distributed: each workspace's (or org's) bot token
 * comes from the installation store. Users' own tokens always come from the store.
 */
export interface SlackWorkerConfig {
  /** Absent: distributed mode. */
  botToken: SecretSource | undefined;
  slackApiUrl: string;
  /** Where installations and users' tokens are stored (SNAP_INSTALLATIONS_TABLE_NAME, else the snap table). */
  installationsTableName: string;
  /** The reveal table (SNAP_REVEAL_TABLE_NAME): reveals' keys, burned before their cards go. */
  revealTableName: string;
}

function slackApiUrl(env: Env): string {
  const url = optional(env, 'SLACK_API_URL') ?? DEFAULT_SLACK_API_URL;
  if (!/^https?:\/\//.test(url))
    throw new ConfigError('Environment variable SLACK_API_URL must be an http(s) URL');
  return url.endsWith('/') ? url : `${url}/`;
}

function slackWorkerConfig(env: Env): SlackWorkerConfig {
  return {
    botToken: optionalSecretSource(env, 'SLACK_BOT_TOKEN'),
    slackApiUrl: slackApiUrl(env),
    installationsTableName:
      optional(env, 'SNAP_INSTALLATIONS_TABLE_NAME') ?? required(env, 'SNAP_TABLE_NAME'),
    // Every function that deletes snaps burns reveals' keys first: it must know where they are.
    revealTableName: required(env, 'SNAP_REVEAL_TABLE_NAME'),
  };
}

export interface TableWorkerConfig extends SlackWorkerConfig {
  tableName: string;
  sweepPeriodMs: number;
  /** The due index's shards and the groups of them that workers serve (domain/engine.ts). */
  engine: EngineShape;
  /**
   * The function that runs sweeper workers (SNAP_SWEEPER_FUNCTION_NAME; Terraform sets it).
   * Absent (a bare local run): no worker is started anywhere — the scheduled run serves every
   * group in its own process and the poster waits out the snaps it cannot hand to one.
   */
  sweeperFunctionName: string | undefined;
}

export interface PosterConfig extends TableWorkerConfig {
  /** Let @channel, @here, @everyone and user-group mentions in snaps ping (default: inert). */
  allowBroadcasts: boolean;
  limits: Limits;
  /** Posters in flight per workspace and per org. */
  caps: PosterCaps;
  /** The poster answers only `response_url`s that start with this. */
  responseUrlPrefix: string;
  /**
   * SNAP_PUBLIC_URL, for the links that add snap or let it post as someone. Required in
   * distributed mode; in one-workspace mode it says the install function is deployed too.
   */
  publicUrl: string | undefined;
  /** Whether users' own tokens may be in the store: distributed mode, or install deployed beside one workspace. */
  usersInStore: boolean;
  /** snap's own default delay and longest (ack's SNAP_DEFAULT_DELAY_SECONDS, SNAP_MAX_DELAY_SECONDS): the default applies where no policy sets one; a modal's field starts from it. */
  delays: { defaultSeconds: number; maxSeconds: number };
  /** How long a warm function uses a workspace's settings it read (at most a minute; 0: read each time). */
  settingsCacheMs: number;
  /**
   * SNAP_KMS_KEY_ID: the key under which the controls function seals a modal's binding (the
   * poster only opens those, by the key named in each). Without it, shortcuts open no modal.
   */
  kmsKeyId: string | undefined;
}

function flag(env: Env, name: string): boolean {
  const raw = optional(env, name)?.toLowerCase();
  if (raw === undefined || raw === 'false') return false;
  if (raw === 'true') return true;
  throw new ConfigError(`Environment variable ${name} must be true or false`);
}

/** The most shards SNAP_DUE_SHARDS may ask for: each costs the dispatcher one read a tick. */
const MAX_SHARDS = 1_024;

/** SNAP_DUE_SHARDS: shards of the due-time index (default and minimum 8, the shards of old records). */
function dueShards(env: Env): number {
  return integer(env, 'SNAP_DUE_SHARDS', DEFAULT_SHARDS, LEGACY_SHARDS, MAX_SHARDS);
}

function engineShape(env: Env): EngineShape {
  const shards = dueShards(env);
  const shape = { shards, groups: integer(env, 'SNAP_SWEEP_WORKERS', 1, 1, MAX_SHARDS) };
  const problem = shapeProblem(shape);
  if (problem)
    throw new ConfigError(`Environment variables SNAP_DUE_SHARDS and SNAP_SWEEP_WORKERS: ${problem}`);
  return shape;
}

/**
 * poster and sweeper share their configuration: both see that snaps are deleted on time, so both
 * know the sweep period, the engine's shape and where workers run.
 */
export function tableWorkerConfig(env: Env): TableWorkerConfig {
  return {
    ...slackWorkerConfig(env),
    tableName: required(env, 'SNAP_TABLE_NAME'),
    sweepPeriodMs: integer(env, 'SNAP_SWEEP_PERIOD_SECONDS', 60, 10, 300) * 1000,
    engine: engineShape(env),
    sweeperFunctionName: optional(env, 'SNAP_SWEEPER_FUNCTION_NAME'),
  };
}

export interface SweeperConfig extends TableWorkerConfig {
  /**
   * Calls to Slack one worker has under way at once (SNAP_SWEEP_IN_FLIGHT, default 50: the AWS
   * SDK's pool of 50 connections per client, and what a 512 MB function's share of a vCPU starts
   * within a few tens of milliseconds). A tuning knob Terraform leaves at its default.
   */
  inFlight: number;
}

export function sweeperConfig(env: Env): SweeperConfig {
  return { ...tableWorkerConfig(env), inFlight: integer(env, 'SNAP_SWEEP_IN_FLIGHT', 50, 1, 500) };
}

/** A limit's largest setting; `0` turns it off. */
const LIMIT_MAX = 100_000;
/**
 * A URL prefix that ends with `/`, so that it ends the host too: `https://hooks.slack.com`
 * alone would also admit `https://hooks.slack.com.example.net/`.
 */
function urlPrefix(env: Env, name: string, fallback: string): string {
  const value = optional(env, name) ?? fallback;
  if (!/^https?:\/\/[^/?#]+\/[^?#]*$/.test(value) || !value.endsWith('/'))
    throw new ConfigError(`Environment variable ${name} must be an http(s) URL ending with /`);
  return value;
}

export function posterConfig(env: Env): PosterConfig {
  const worker = tableWorkerConfig(env);
  const link = optional(env, 'SNAP_PUBLIC_URL') ? publicUrl(env) : undefined;
  if (!worker.botToken && !link)
    throw new ConfigError(
      'Environment variable SNAP_PUBLIC_URL is required in distributed mode (no SLACK_BOT_TOKEN_CIPHERTEXT): the poster links to the install function',
    );
  return {
    ...worker,
    publicUrl: link,
    // SNAP_PUBLIC_URL is install's address: set exactly where install (and so the store) is deployed.
    usersInStore: link !== undefined,
    allowBroadcasts: flag(env, 'SNAP_ALLOW_BROADCASTS'),
    limits: {
      userPerMinute: integer(env, 'SNAP_LIMIT_USER_PER_MINUTE', DEFAULT_LIMITS.userPerMinute, 0, LIMIT_MAX),
      teamPerMinute: integer(env, 'SNAP_LIMIT_TEAM_PER_MINUTE', DEFAULT_LIMITS.teamPerMinute, 0, LIMIT_MAX),
      userPending: integer(env, 'SNAP_LIMIT_USER_PENDING', DEFAULT_LIMITS.userPending, 0, LIMIT_MAX),
    },
    caps: {
      perWorkspace: integer(
        env,
        'SNAP_POSTERS_PER_WORKSPACE',
        DEFAULT_POSTER_CAPS.perWorkspace,
        0,
        MAX_SLOTS,
      ),
      perOrg: integer(env, 'SNAP_POSTERS_PER_ORG', DEFAULT_POSTER_CAPS.perOrg, 0, MAX_SLOTS),
    },
    responseUrlPrefix: urlPrefix(env, 'SLACK_RESPONSE_URL_PREFIX', DEFAULT_RESPONSE_URL_PREFIX),
    delays: delayLimits(env),
    settingsCacheMs: integer(env, 'SNAP_SETTINGS_CACHE_SECONDS', 60, 0, 60) * 1000,
    kmsKeyId: optional(env, 'SNAP_KMS_KEY_ID'),
  };
}

export interface ReaperConfig extends SlackWorkerConfig {
  /** Where a record goes back when its message cannot be deleted yet. */
  tableName: string;
  /** The due index's shards: a record put back goes to its workspace's. */
  shards: number;
}

export function reaperConfig(env: Env): ReaperConfig {
  return { ...slackWorkerConfig(env), tableName: required(env, 'SNAP_TABLE_NAME'), shards: dueShards(env) };
}

/**
 * SNAP_PUBLIC_URL: where Slack and browsers reach snap — https (http only on a loopback host, for
 * local runs), no trailing slash, no query or fragment.
 */
function publicUrl(env: Env, name = 'SNAP_PUBLIC_URL'): string {
  const raw = required(env, name);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`Environment variable ${name} must be a URL`);
  }
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback))
    throw new ConfigError(`Environment variable ${name} must be an https URL (http only on localhost)`);
  if (raw.endsWith('/') || url.search || url.hash || url.username || url.password)
    throw new ConfigError(
      `Environment variable ${name} must have no trailing slash, query, fragment or credentials`,
    );
  return raw;
}

/** Add to Slack: the app's OAuth credentials and where browsers come back. */
export interface OAuthConfig {
  clientId: string;
  clientSecret: SecretSource;
  publicUrl: string;
  /** Slack's authorize page, on the host of SLACK_API_URL (Slack's own by default). */
  slackAuthorizeUrl: string;
}

/**
 * install serves Slack's events in every mode (`POST /slack/events`: App Home, uninstall, revoked
 * tokens) and, with the app's client id, "Add to Slack" too. Without SLACK_CLIENT_ID (one
 * workspace) the OAuth routes answer 404 and need no client secret or public URL.
 */
export interface InstallConfig {
  oauth: OAuthConfig | undefined;
  signingSecret: SecretSource;
  kmsKeyId: string;
  /** The snap table: OAuth states (they expire by its TTL) and activity counts. */
  tableName: string;
  /** Where installations and settings live: SNAP_INSTALLATIONS_TABLE_NAME if set, else the snap table. */
  installationsTableName: string;
  slackApiUrl: string;
  allowedTeams: ReadonlySet<string>;
  /** Where an opened App Home goes to be rendered (the controls function). */
  controlsFunctionName: string;
  /**
   * SNAP_ONE_WORKSPACE: the functions' bot token is configuration (one-workspace mode), so no bot
   * installation is looked for in the store, and the workspace served is ALLOWED_TEAM_IDS.
   */
  oneWorkspace: boolean;
}

export function installConfig(env: Env): InstallConfig {
  const clientId = optional(env, 'SLACK_CLIENT_ID');
  if (clientId !== undefined && !/^[0-9]+\.[0-9]+$/.test(clientId))
    throw new ConfigError('Environment variable SLACK_CLIENT_ID must be a Slack client id like 1234.5678');
  const tableName = required(env, 'SNAP_TABLE_NAME');
  const apiUrl = slackApiUrl(env);
  const allowedTeams = allowedTeamIds(env);
  const oneWorkspace = flag(env, 'SNAP_ONE_WORKSPACE');
  // The one bot token serves one workspace: without the list, any workspace's users could grant.
  // Without the client id there is no grant to take (install serves Slack's events only).
  if (oneWorkspace && clientId && allowedTeams.size === 0)
    throw new ConfigError('Environment variable ALLOWED_TEAM_IDS is required with SNAP_ONE_WORKSPACE=true');
  return {
    oauth: clientId
      ? {
          clientId,
          clientSecret: secretSource(env, 'SLACK_CLIENT_SECRET'),
          publicUrl: publicUrl(env),
          slackAuthorizeUrl: authorizePageOf(apiUrl),
        }
      : undefined,
    signingSecret: secretSource(env, 'SLACK_SIGNING_SECRET'),
    kmsKeyId: required(env, 'SNAP_KMS_KEY_ID'),
    tableName,
    installationsTableName: optional(env, 'SNAP_INSTALLATIONS_TABLE_NAME') ?? tableName,
    slackApiUrl: apiUrl,
    allowedTeams,
    oneWorkspace,
    controlsFunctionName: required(env, 'CONTROLS_FUNCTION_NAME'),
  };
}
