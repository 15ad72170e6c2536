/**
 * "Add to Slack": the rules of the OAuth flow and of the installation store's keys, without any
 * outside system. What Slack grants is modelled on `@slack/oauth`'s `Installation` (team,
 * enterprise, isEnterpriseInstall, bot { token, userId, scopes }, user { id, token, scopes },
 * appId), so the stored items can be read back into that shape if a Bolt app ever needs them.
 */

import { createHash, randomBytes } from 'node:crypto';
import { teamServed } from './teams';

/** The install function's routes; infra/install.tf and slack/manifest.yaml use the same paths. */
export const LANDING_PATH = '/';
export const INSTALL_PATH = '/slack/install';
export const OAUTH_REDIRECT_PATH = '/slack/oauth_redirect';
export const EVENTS_PATH = '/slack/events';

export const SLACK_AUTHORIZE_URL = 'https://slack.com/oauth/v2/authorize';

/**
 * Slack serves its authorize page on the host of its Web API (`https://slack.com/api/` →
 * `https://slack.com/oauth/v2/authorize`), so whatever plays the API (a local stand-in) plays
 * that page too, with no setting of its own.
 */
export function authorizePageOf(slackApiUrl: string): string {
  return new URL('/oauth/v2/authorize', slackApiUrl).href;
}

/**
 * The bot scopes an install asks for. slack/manifest.yaml declares the app's scopes for Slack;
 * a test holds the two lists equal (the bundle cannot read the manifest at run time).
 */
export const BOT_SCOPES = [
  'commands',
  'chat:write',
  'chat:write.customize',
  'chat:write.public',
  'users:read',
];
/**
 * What a user allows with `?as=user`: posting as them (`chat:write`, which also deletes their own
 * messages — a snap posted as them, or one they sent and make self-destruct with `snap_this`),
 * and deleting their own files with such a message (`files:write`). Nothing to read.
 * Someone who allowed snap before it asked for files keeps `chat:write` alone: everything works
 * for them but files, and `snap_this` on a message with files offers the link again.
 */
export const USER_SCOPES = ['chat:write', 'files:write'];

/** `bot`: snap is added to a workspace or org. `user`: one person lets snap post as them. */
export type GrantKind = 'bot' | 'user';

/**
 * How the scopes Slack granted differ from what snap asks for; undefined when they match. The
 * authorize URL is in the browser's hands: an edited one can ask for more (a token stored with
 * more power than snap needs, which every deleter can open) or less (a token that fails to post).
 * Neither is stored.
 */
export function scopeMismatch(
  kind: GrantKind,
  granted: readonly string[],
): { extra: string[]; missing: string[] } | undefined {
  const asked: readonly string[] = kind === 'bot' ? BOT_SCOPES : USER_SCOPES;
  const extra = [...new Set(granted)].filter((scope) => !asked.includes(scope)).sort();
  const missing = asked.filter((scope) => !granted.includes(scope));
  return extra.length || missing.length ? { extra, missing } : undefined;
}

export interface Named {
  id: string;
  name?: string;
}

/** What `oauth.v2.access` granted, after the shape of `@slack/oauth`'s `Installation` (v2). */
export interface OAuthGrant {
  appId?: string;
  /** Absent for an org-wide install on Enterprise Grid. */
  team?: Named;
  enterprise?: Named;
  isEnterpriseInstall: boolean;
  /** The person who went through Slack's authorize page; their token only if user scopes were granted. */
  user: { id: string; token?: string; scopes: string[] };
  bot?: { token: string; userId: string; scopes: string[] };
  /** Slack issued expiring tokens (token rotation is on): snap does not refresh them. */
  expiring: boolean;
}

const TEAM_ID = /^[TE][A-Z0-9]{2,30}$/;
const USER_ID = /^[UWB][A-Z0-9]{2,30}$/;

export const isTeamId = (value: unknown): value is string => typeof value === 'string' && TEAM_ID.test(value);
export const isUserId = (value: unknown): value is string => typeof value === 'string' && USER_ID.test(value);

/**
 * The key an installation is stored under: the org (`E…`) for an org-wide install, else the
 * workspace (`T…`). Undefined when Slack's answer names neither.
 */
export function installationKey(grant: Pick<OAuthGrant, 'team' | 'enterprise' | 'isEnterpriseInstall'>) {
  const key = grant.isEnterpriseInstall ? grant.enterprise?.id : grant.team?.id;
  return isTeamId(key) ? key : undefined;
}

/**
 * Where to look for the installation serving a command from workspace `team` of org
 * `enterprise`: the workspace's own first, then an org-wide one.
 */
export function lookupKeys(where: { team: string; enterprise?: string }): string[] {
  const keys = [where.team];
  if (where.enterprise && where.enterprise !== where.team) keys.push(where.enterprise);
  return keys.filter(isTeamId);
}

/** ALLOWED_TEAM_IDS, for a grant: its workspace or its org must be listed (or the list empty). */
export function teamAllowed(
  grant: Pick<OAuthGrant, 'team' | 'enterprise'>,
  allowed: ReadonlySet<string>,
): boolean {
  return teamServed(allowed, { team: grant.team?.id, enterprise: grant.enterprise?.id });
}

/**
 * Slack's clock and Lambda's differ a little, and `event_time` has whole seconds: a token stored
 * up to this long after an uninstall or revocation event's time is taken as covered by it. A
 * person reinstalling goes through Slack's authorize page, which takes far longer, so a retried
 * event (Slack retries for minutes) never removes a newer installation.
 */
export const EVENT_CLOCK_MARGIN_MS = 5_000;

/** The latest storage time (ms) of the tokens an event dated `eventTimeSeconds` revokes. */
export function revokedUpTo(eventTimeSeconds: number | undefined, now: number): number {
  if (eventTimeSeconds === undefined || !Number.isFinite(eventTimeSeconds)) return now;
  return Math.min(now, eventTimeSeconds * 1000 + EVENT_CLOCK_MARGIN_MS);
}

/*
 * The OAuth state, bound to the browser that started the flow.
 *
 * `GET /slack/install` makes two random values: the `state`, which travels in Slack's authorize
 * URL and comes back in the redirect's query, and a `nonce`, which only goes into an HttpOnly
 * cookie. The table keeps one item per flow, keyed by the state's
 * SHA-256 and holding the nonce's SHA-256, with a 10-minute deadline (and the TTL attribute so
 * it is cleaned up). The redirect marks that item used with one conditional UpdateItem — it must
 * exist, be unused, within its deadline and hold the hash of the nonce the cookie presents — so:
 * - a state is used at most once (two racing redirects: one update wins), and a reload of the
 *   page it led to is told so (the marker keeps the time of use and the kind, no nonce, until
 *   the flow's TTL);
 * - someone who learns the URL (history, a proxy log, a shared screen, a Referer) holds the
 *   state but not the cookie, so cannot complete the flow in another browser; and a victim lured
 *   to an attacker's redirect URL lacks the attacker's cookie (no login CSRF);
 * - a failed attempt with the wrong cookie does not burn the state for the right browser;
 * - whoever reads the table (or a backup) learns only hashes, which complete nothing.
 * Nothing is stored unless all of that holds, and `oauth.v2.access` is not even called.
 */
export const STATE_TTL_MS = 10 * 60_000;
/**
 * `__Host-`: a browser accepts it only with `Secure`, from a secure origin, with `Path=/` and no
 * `Domain` — so it belongs to snap's host alone. No sibling host under the same registrable
 * domain (another app behind a custom domain, plain http or not) can plant a flow cookie of its
 * own for snap to read, as it could a `__Secure-` one scoped to the parent domain.
 */
export const STATE_COOKIE = '__Host-snap_oauth';
/** The prefix's rule: the cookie is the whole host's (it is sent to the redirect route among others). */
export const STATE_COOKIE_PATH = '/';

/** 32 random bytes, base64url: 43 characters. */
const RANDOM_TOKEN = /^[A-Za-z0-9_-]{43}$/;

export interface NewFlow {
  state: string;
  nonce: string;
  stateHash: string;
  nonceHash: string;
}

export function hashToken(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('base64url');
}

export function newFlow(random: (bytes: number) => Buffer = randomBytes): NewFlow {
  const state = random(32).toString('base64url');
  const nonce = random(32).toString('base64url');
  return { state, nonce, stateHash: hashToken(state), nonceHash: hashToken(nonce) };
}

/** True for a value shaped like the states and nonces this code makes (anything else is refused unread). */
export const isFlowToken = (value: unknown): value is string =>
  typeof value === 'string' && RANDOM_TOKEN.test(value);

/** Slack's OAuth codes are dot-separated digits and hex; anything far from that is refused unsent. */
export const isOAuthCode = (value: unknown): value is string =>
  typeof value === 'string' && /^[A-Za-z0-9._-]{8,256}$/.test(value);

export function stateCookie(nonce: string): string {
  return `${STATE_COOKIE}=${nonce}; Path=${STATE_COOKIE_PATH}; Max-Age=${STATE_TTL_MS / 1000}; HttpOnly; Secure; SameSite=Lax`;
}

export function clearedStateCookie(): string {
  return `${STATE_COOKIE}=; Path=${STATE_COOKIE_PATH}; Max-Age=0; HttpOnly; Secure; SameSite=Lax`;
}

/**
 * The flow cookie among the request's cookies (API Gateway's `cookies` array, or `Cookie`
 * headers' pairs). Undefined if absent, or if several differ (nothing to choose between).
 */
export function readFlowCookie(pairs: readonly string[]): string | undefined {
  const values = new Set<string>();
  for (const pair of pairs.flatMap((p) => p.split(';'))) {
    const at = pair.indexOf('=');
    if (at < 0 || pair.slice(0, at).trim() !== STATE_COOKIE) continue;
    values.add(pair.slice(at + 1).trim());
  }
  return values.size === 1 ? [...values][0] : undefined;
}

/** Slack's authorize URL for a bot install or a user's own authorization. */
export function authorizeUrl(
  kind: GrantKind,
  clientId: string,
  publicUrl: string,
  state: string,
  page = SLACK_AUTHORIZE_URL,
): string {
  const params = new URLSearchParams({ client_id: clientId });
  if (kind === 'bot') params.set('scope', BOT_SCOPES.join(','));
  else params.set('user_scope', USER_SCOPES.join(','));
  params.set('redirect_uri', redirectUri(publicUrl));
  params.set('state', state);
  return `${page}?${params.toString()}`;
}

export const redirectUri = (publicUrl: string) => `${publicUrl}${OAUTH_REDIRECT_PATH}`;
export const installUrl = (publicUrl: string, kind: GrantKind = 'bot') =>
  `${publicUrl}${INSTALL_PATH}${kind === 'user' ? '?as=user' : ''}`;
