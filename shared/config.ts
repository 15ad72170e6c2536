/**
 * Environment readers. Each function reads its configuration once, at cold start, through
 * these helpers, so a missing or malformed variable fails the init with an error naming it.
 */
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

export const DEFAULT_SLACK_API_URL = 'https://slack.com/api/';

const DAY = 86_400;

export interface AckConfig {
  signingSecret: SecretSource;
  /** Workspaces snap serves; empty means every workspace the app is installed in. */
  allowedTeams: ReadonlySet<string>;
  posterFunctionName: string;
  kmsKeyId: string;
  limits: { defaultSeconds: number; maxSeconds: number };
}

export function ackConfig(env: Env): AckConfig {
  const maxSeconds = integer(env, 'SNAP_MAX_DELAY_SECONDS', 7 * DAY, 1, 7 * DAY);
  const defaultSeconds = integer(env, 'SNAP_DEFAULT_DELAY_SECONDS', 60, 1, 7 * DAY);
  if (defaultSeconds > maxSeconds) {
    throw new ConfigError('SNAP_DEFAULT_DELAY_SECONDS must not exceed SNAP_MAX_DELAY_SECONDS');
  }
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
  return {
    signingSecret: secretSource(env, 'SLACK_SIGNING_SECRET'),
    allowedTeams,
    posterFunctionName: required(env, 'POSTER_FUNCTION_NAME'),
    kmsKeyId: required(env, 'SNAP_KMS_KEY_ID'),
    limits: { defaultSeconds, maxSeconds },
  };
}

export interface SlackWorkerConfig {
  botToken: SecretSource;
  slackApiUrl: string;
}

function slackWorkerConfig(env: Env): SlackWorkerConfig {
  const slackApiUrl = optional(env, 'SLACK_API_URL') ?? DEFAULT_SLACK_API_URL;
  if (!/^https?:\/\//.test(slackApiUrl))
    throw new ConfigError('Environment variable SLACK_API_URL must be an http(s) URL');
  return {
    botToken: secretSource(env, 'SLACK_BOT_TOKEN'),
    slackApiUrl: slackApiUrl.endsWith('/') ? slackApiUrl : `${slackApiUrl}/`,
  };
}

export interface TableWorkerConfig extends SlackWorkerConfig {
  tableName: string;
  sweepPeriodMs: number;
}

export interface PosterConfig extends TableWorkerConfig {
  /** Let @channel, @here, @everyone and user-group mentions in snaps ping (default: inert). */
  allowBroadcasts: boolean;
}

function flag(env: Env, name: string): boolean {
  const raw = optional(env, name)?.toLowerCase();
  if (raw === undefined || raw === 'false') return false;
  if (raw === 'true') return true;
  throw new ConfigError(`Environment variable ${name} must be true or false`);
}

/** poster and sweeper share their configuration: both delete on time, so both know the sweep period. */
export function tableWorkerConfig(env: Env): TableWorkerConfig {
  return {
    ...slackWorkerConfig(env),
    tableName: required(env, 'SNAP_TABLE_NAME'),
    sweepPeriodMs: integer(env, 'SNAP_SWEEP_PERIOD_SECONDS', 60, 10, 300) * 1000,
  };
}

export function posterConfig(env: Env): PosterConfig {
  return { ...tableWorkerConfig(env), allowBroadcasts: flag(env, 'SNAP_ALLOW_BROADCASTS') };
}

export interface ReaperConfig extends SlackWorkerConfig {
  /** Where a record goes back when its message cannot be deleted yet. */
  tableName: string;
}

export function reaperConfig(env: Env): ReaperConfig {
  return { ...slackWorkerConfig(env), tableName: required(env, 'SNAP_TABLE_NAME') };
}
