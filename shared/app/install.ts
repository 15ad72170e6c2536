/**
 * install's use cases: start Slack's OAuth flow, complete it (check the state against the
 * browser's cookie, exchange the code, store the tokens sealed), and act on Slack's events about
 * the app (uninstalled, tokens revoked) — all through ports.
 */
import {
  authorizeUrl,
  type GrantKind,
  hashToken,
  installationKey,
  installUrl,
  isFlowToken,
  isOAuthCode,
  isUserId,
  lookupKeys,
  newFlow,
  type OAuthGrant,
  redirectUri,
  revokedUpTo,
  STATE_TTL_MS,
  scopeMismatch,
  teamAllowed,
} from '../domain/install';
import {
  authorizedPage,
  deniedPage,
  failedPage,
  installedPage,
  invalidCodePage,
  invalidStatePage,
  notInstalledForUserPage,
  type Page,
  rotatingTokensPage,
  scopesRefusedPage,
  teamNotAllowedPage,
  usedStatePage,
} from '../domain/pages';
import { SlackCallError } from '../errors';
import { errorFields } from '../log';
import type {
  Common,
  InstallationStorePort,
  OAuthStatePort,
  SlackEvent,
  SlackOAuthPort,
  TokenSealer,
} from './ports';

export interface InstallSettings {
  /**
   * One-workspace mode: the bot token is configuration, not in the store, and the workspace it
   * serves is the one `allowedTeams` names. Distributed mode otherwise.
   */
  botInConfiguration: boolean;
  clientId: string;
  /** Where Slack and browsers reach snap, without a trailing slash. */
  publicUrl: string;
  /** Slack's authorize page (default Slack's own). */
  authorizePage?: string;
  /** Workspaces (or orgs) snap may be installed in; empty: any. */
  allowedTeams: ReadonlySet<string>;
}

export interface BeginDeps extends Common {
  settings: InstallSettings;
  states: OAuthStatePort;
}

/** Starts a flow: Slack's authorize URL to send the browser to, and the nonce for its cookie. */
export async function beginInstall(
  kind: GrantKind,
  deps: BeginDeps,
): Promise<{ location: string; nonce: string }> {
  const flow = newFlow();
  await deps.states.save({
    stateHash: flow.stateHash,
    nonceHash: flow.nonceHash,
    kind,
    notAfter: deps.clock.now() + STATE_TTL_MS,
  });
  deps.log.info('install.started', { kind });
  return {
    location: authorizeUrl(
      kind,
      deps.settings.clientId,
      deps.settings.publicUrl,
      flow.state,
      deps.settings.authorizePage,
    ),
    nonce: flow.nonce,
  };
}

export interface CompleteDeps extends BeginDeps {
  oauth: SlackOAuthPort;
  store: InstallationStorePort;
  sealer: TokenSealer;
}

export interface RedirectQuery {
  code?: string;
  state?: string;
  error?: string;
}

/** Slack's answers to a code that cannot be exchanged (any more). */
const SPENT_CODES = new Set(['invalid_code', 'code_already_used', 'code_expired', 'invalid_grant']);

/**
 * The redirect back from Slack. Nothing is called or stored unless the state is well formed,
 * unused, within its ten minutes and presented with the cookie of the browser that started it.
 * A state already used (the page reloaded) gets a page that says so and where to go.
 */
export async function completeInstall(
  query: RedirectQuery,
  cookieNonce: string | undefined,
  deps: CompleteDeps,
): Promise<Page> {
  const { settings, log } = deps;
  const again = installUrl(settings.publicUrl);
  if (query.error !== undefined) {
    const denied = query.error === 'access_denied';
    log.info('install.not_granted', { reason: denied ? 'access_denied' : 'other' });
    return deniedPage(denied);
  }
  if (!isFlowToken(query.state) || !isOAuthCode(query.code)) {
    log.warn('install.state_rejected', { reason: 'malformed' });
    return invalidStatePage(again);
  }
  // Without the cookie (a reload of the page this led to clears it first) nothing is used: the
  // state is only looked up, to tell a reload from a stale or foreign link.
  const nonce = isFlowToken(cookieNonce) ? hashToken(cookieNonce) : undefined;
  const use = await deps.states.consume(hashToken(query.state), nonce, deps.clock.now());
  if (use.outcome === 'used') {
    log.info('install.state_reused', { kind: use.kind });
    return usedStatePage(installUrl(settings.publicUrl, use.kind), use.kind);
  }
  if (use.outcome === 'refused') {
    log.warn('install.state_rejected', { reason: nonce ? 'unknown_expired_or_other_browser' : 'no_cookie' });
    return invalidStatePage(again);
  }
  const kind = use.kind;
  const retry = installUrl(settings.publicUrl, kind);

  let grant: OAuthGrant;
  try {
    grant = await deps.oauth.exchange(query.code, redirectUri(settings.publicUrl));
  } catch (error) {
    if (error instanceof SlackCallError && error.kind === 'platform' && SPENT_CODES.has(error.code)) {
      log.warn('install.code_rejected', { code: error.code });
      return invalidCodePage(retry);
    }
    log.error('install.exchange_failed', errorFields(error));
    return failedPage(retry);
  }

  const key = installationKey(grant);
  const token = kind === 'bot' ? grant.bot?.token : grant.user.token;
  const logged = log.child({ kind, key: key ?? null, org: grant.isEnterpriseInstall });
  if (!key || !token || !isUserId(grant.user.id)) {
    // Nothing is revoked: a token of the other kind (a member who edited the authorize URL of
    // ?as=user to ask for bot scopes) may be the very one the workspace runs on.
    logged.error('install.grant_incomplete', { bot: !!grant.bot, user: !!grant.user.token });
    return failedPage(retry);
  }
  if (!teamAllowed(grant, settings.allowedTeams)) {
    logged.warn('install.team_not_allowed', {
      team: grant.team?.id ?? null,
      enterprise: grant.enterprise?.id ?? null,
    });
    await giveBack(token, deps);
    return teamNotAllowedPage(grant);
  }
  // Refused, not stored, and not given back either: Slack hands back the same token on a
  // repeated grant, so it may be the one snap already runs on.
  if (grant.expiring) {
    // A rotating token expires within 12 hours; snap keeps no refresh token, so every message
    // due later could no longer be deleted. Failing here is visible; failing then is not.
    logged.warn('install.expiring_refused', {});
    return rotatingTokensPage(retry);
  }
  const mismatch = scopeMismatch(kind, kind === 'bot' ? (grant.bot?.scopes ?? []) : grant.user.scopes);
  if (mismatch) {
    logged.warn('install.scopes_refused', {
      extra: mismatch.extra.join(','),
      missing: mismatch.missing.join(','),
    });
    return scopesRefusedPage(kind, mismatch, retry);
  }

  try {
    const now = deps.clock.now();
    if (kind === 'bot' && grant.bot) {
      await deps.store.saveBot({
        key,
        ...(grant.team ? { team: grant.team } : {}),
        ...(grant.enterprise ? { enterprise: grant.enterprise } : {}),
        isEnterpriseInstall: grant.isEnterpriseInstall,
        ...(grant.appId ? { appId: grant.appId } : {}),
        botUserId: grant.bot.userId,
        scopes: grant.bot.scopes,
        token: await deps.sealer.seal(grant.bot.token, { key, kind: 'bot' }),
        installedBy: grant.user.id,
        installedAt: now,
      });
      logged.info('install.installed');
      return installedPage(grant);
    }
    const user = grant.user.id;
    // Distributed: only where snap itself is installed — a token no bot installation goes with
    // would be live and useless. It is stored under the key of that installation (the grant's own
    // when it has one), where the conditional write checks the installation is still there.
    const botKey = settings.botInConfiguration ? key : await installedKey(grant, key, deps.store);
    const refuse = async (event: string) => {
      logged.warn(event, { user });
      await giveBack(token, deps);
      return notInstalledForUserPage(grant, again);
    };
    if (botKey === undefined) return await refuse('install.user_refused_not_installed');
    const saved = await deps.store.saveUser(
      {
        key: botKey,
        ...(grant.team ? { team: grant.team } : {}),
        ...(grant.enterprise ? { enterprise: grant.enterprise } : {}),
        user,
        scopes: grant.user.scopes,
        token: await deps.sealer.seal(token, { key: botKey, kind: 'user', user }),
        authorizedAt: now,
      },
      !settings.botInConfiguration,
    );
    if (!saved) return await refuse('install.uninstalled_meanwhile');
    logged.info('install.user_authorized', { user, ...(botKey === key ? {} : { storedUnder: botKey }) });
    return authorizedPage(grant);
  } catch (error) {
    // Kept, not revoked: Slack hands back the same token when snap is installed (or a user
    // authorizes) again, so this may be the token the workspace already runs on.
    logged.error('install.store_failed', errorFields(error));
    return failedPage(retry, 503);
  }
}

/**
 * Where a user's grant goes in distributed mode: under the bot installation serving the grant's
 * workspace — its own key when one is stored there, else the first of the workspace's lookup keys
 * (the workspace, then its org) that holds one. Undefined when snap is installed under none.
 */
async function installedKey(
  grant: OAuthGrant,
  key: string,
  store: Pick<InstallationStorePort, 'botToken'>,
): Promise<string | undefined> {
  const candidates = [
    key,
    ...lookupKeys({
      team: grant.team?.id ?? key,
      ...(grant.enterprise ? { enterprise: grant.enterprise.id } : {}),
    }),
  ];
  for (const candidate of new Set(candidates)) if (await store.botToken(candidate)) return candidate;
  return undefined;
}

/**
 * The token a refused workspace was just issued is given back to Slack, so none lingers unused.
 * Only the kind asked for, and only for a workspace snap does not serve: any other token in a
 * grant may be one snap relies on (Slack reissues the same token on a repeated install).
 */
async function giveBack(token: string, deps: CompleteDeps): Promise<void> {
  try {
    await deps.oauth.revoke(token);
  } catch (error) {
    deps.log.warn('install.revoke_failed', errorFields(error));
  }
}

export type EventAnswer = { kind: 'challenge'; challenge: string } | { kind: 'ok' } | { kind: 'invalid' };

export interface EventDeps extends Common {
  store: InstallationStorePort;
  /** The workspace's policy and people's defaults, and admins' activity counts: they go at uninstall. */
  settings: { remove(key: string): Promise<void> };
  activity: { remove(key: string, nowMs: number): Promise<void> };
  /** Hands an opened Home tab to the controls function, which renders and publishes it. */
  openHome(opened: Extract<SlackEvent, { kind: 'app_home_opened' }>): Promise<void>;
}

/**
 * `app_uninstalled`: the installation and every user token of that workspace (or org) go.
 * `tokens_revoked`: the listed tokens go. Both are deletes by key, so Slack's retries repeat
 * them harmlessly; what was stored after the event (a reinstall) is left alone.
 */
export async function handleSlackEvent(event: SlackEvent, deps: EventDeps): Promise<EventAnswer> {
  const { log } = deps;
  switch (event.kind) {
    case 'url_verification':
      return { kind: 'challenge', challenge: event.challenge };
    case 'invalid':
      log.warn('install.event_malformed');
      return { kind: 'invalid' };
    case 'ignored':
      log.info('install.event_ignored', { type: event.type });
      return { kind: 'ok' };
    case 'app_home_opened':
      // Answered at once; the controls function renders and publishes (Slack waits 3 s for this answer).
      await deps.openHome(event);
      return { kind: 'ok' };
    case 'app_uninstalled': {
      const removed = await deps.store.removeWorkspace(
        event.key,
        revokedUpTo(event.eventTime, deps.clock.now()),
      );
      // Nothing of the workspace's settings outlives it: policy, people's defaults, activity.
      await Promise.all([deps.settings.remove(event.key), deps.activity.remove(event.key, deps.clock.now())]);
      log.info('install.uninstalled', { key: event.key, bot: removed.bot, users: removed.users });
      return { kind: 'ok' };
    }
    case 'tokens_revoked': {
      const removed = await deps.store.removeTokens(
        event.key,
        { users: event.users, botUsers: event.botUsers },
        revokedUpTo(event.eventTime, deps.clock.now()),
      );
      log.info('install.tokens_revoked', { key: event.key, bot: removed.bot, users: removed.users });
      // A user took back snap's permission to post as them, in Slack: Slack has revoked the
      // token, so their snaps still pending that were posted as them can no longer be deleted by
      // snap (the deleters will drop their records as token_gone). Said once per user, here.
      for (const user of event.users) log.warn('install.user_token_revoked', { key: event.key, user });
      return { kind: 'ok' };
    }
  }
}
