/**
 * Typed errors. Each carries a stable `code` for logs and metrics; the human message never
 * contains message text, tokens or secrets, and the underlying failure rides along as `cause`.
 */
export class SnapError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    // Spelled out in each subclass too: the bundles are minified, and class names with them.
    this.name = 'SnapError';
    this.code = code;
  }
}

/** A required environment variable is missing or malformed; the message names it. */
export class ConfigError extends SnapError {
  constructor(message: string, options?: ErrorOptions) {
    super('config_invalid', message, options);
    this.name = 'ConfigError';
  }
}

/** A secret could not be obtained (KMS refused, ciphertext corrupt…). Never includes the secret. */
export class SecretError extends SnapError {
  constructor(message: string, options?: ErrorOptions) {
    super('secret_unavailable', message, options);
    this.name = 'SecretError';
  }
}

/** The sealed message in a poster event could not be opened (tampered, wrong key, bad shape). */
export class SealError extends SnapError {
  constructor(message: string, options?: ErrorOptions) {
    super('seal_invalid', message, options);
    this.name = 'SealError';
  }
}

/** A poster event that does not have the shape ack produces. */
export class EventShapeError extends SnapError {
  constructor(message: string, options?: ErrorOptions) {
    super('event_invalid', message, options);
    this.name = 'EventShapeError';
  }
}

/** The table refused or failed a write or read after the SDK's own retries. */
export class StoreError extends SnapError {
  constructor(message: string, options?: ErrorOptions) {
    super('store_failed', message, options);
    this.name = 'StoreError';
  }
}

/**
 * A repeated delivery found the first run's claim still `posting` and could not wait for that
 * run's deadline within its own: thrown so that Lambda delivers the event again later.
 */
export class ClaimPendingError extends SnapError {
  constructor(message: string, options?: ErrorOptions) {
    super('claim_pending', message, options);
    this.name = 'ClaimPendingError';
  }
}

/** Handing the work to the poster failed. */
export class InvokeError extends SnapError {
  constructor(message: string, options?: ErrorOptions) {
    super('invoke_failed', message, options);
    this.name = 'InvokeError';
  }
}

/**
 * snap holds no Slack token for whom a call would speak as: the workspace (or its org) has not
 * installed snap or removed it (`bot`), or the user has not let snap post as them or took it
 * back (`user`). Nothing was sent to Slack.
 */
export class NoTokenError extends SnapError {
  readonly speaker: 'bot' | 'user';
  constructor(speaker: 'bot' | 'user', options?: ErrorOptions) {
    super(
      'no_token',
      `No Slack ${speaker} token for this workspace${speaker === 'user' ? ' and user' : ''}`,
      options,
    );
    this.name = 'NoTokenError';
    this.speaker = speaker;
  }
}

/** Looking up a Slack token failed (the installation store or KMS did not answer): nothing was sent to Slack. */
export class TokenUnavailableError extends SnapError {
  constructor(message: string, options?: ErrorOptions) {
    super('token_unavailable', message, options);
    this.name = 'TokenUnavailableError';
  }
}

/**
 * How a Slack Web API call failed, reduced to what the callers decide on:
 * - `platform`: Slack answered `ok: false` with `code` (e.g. `not_in_channel`);
 * - `rate_limited`: HTTP 429, retry after `retryAfterMs`;
 * - `unavailable`: 5xx, timeout or network failure — the outcome of the call is unknown.
 */
export type SlackFailureKind = 'platform' | 'rate_limited' | 'unavailable';

export class SlackCallError extends SnapError {
  readonly kind: SlackFailureKind;
  readonly method: string;
  readonly retryAfterMs: number | undefined;
  constructor(
    method: string,
    kind: SlackFailureKind,
    code: string,
    options?: ErrorOptions & { retryAfterMs?: number },
  ) {
    super(code, `Slack ${method} failed: ${code}`, options);
    this.name = 'SlackCallError';
    this.kind = kind;
    this.method = method;
    this.retryAfterMs = options?.retryAfterMs;
  }
}

/** The error's code if it is one of ours, else its name: safe to log, unlike `message` of foreign errors. */
export function errorCode(error: unknown): string {
  if (error instanceof SnapError) return error.code;
  if (error instanceof Error) {
    // Libraries' own codes (`slack_webapi_platform_error`, `ECONNRESET`) before the name, which
    // some take from their minified class (`this.constructor.name`) and would log as `Yp`.
    const { code } = error as { code?: unknown };
    if (typeof code === 'string' && SAFE_CODE.test(code)) return code;
    return error.name;
  }
  return 'unknown';
}

/** A code worth logging: short, a word; anything else (free text) is never logged. */
const SAFE_CODE = /^[A-Za-z][\w.:-]{0,63}$/;
