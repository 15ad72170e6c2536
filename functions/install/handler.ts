/**
 * install: Slack's events about the app and "Add to Slack" (API Gateway HTTP API, payload 2.0).
 *   POST /slack/events          signed like commands: url_verification, app_home_opened (handed to
 *                               controls), app_uninstalled, tokens_revoked — in every mode
 *   GET  /                      landing page with an "Add to Slack" button      } with the app's
 *   GET  /slack/install         302 to Slack's authorize page (`?as=user`)       } client id only
 *   GET  /slack/oauth_redirect  back from Slack: check the state, exchange, store } (404 without)
 * Secrets are decrypted during init; everything a page or answer says comes from a use case.
 */
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { ActivityStore } from '../../shared/adapters/activity-store';
import { InstallationStore, OAuthStates } from '../../shared/adapters/installation-store';
import { invokeAsync } from '../../shared/adapters/invoker';
import { DataKeySource, KmsTokenSealer, resolveSecret } from '../../shared/adapters/kms';
import { SettingsStore } from '../../shared/adapters/settings-store';
import { readSlackEvent } from '../../shared/adapters/slack-events';
import { SlackOAuth } from '../../shared/adapters/slack-oauth';
import {
  type HttpResult,
  header,
  json,
  retryNumber,
  verifySlackSignature,
} from '../../shared/adapters/slack-request';
import { openHomeTab } from '../../shared/app/accept-command';
import {
  beginInstall,
  type CompleteDeps,
  completeInstall,
  type EventDeps,
  handleSlackEvent,
} from '../../shared/app/install';
import { systemClock } from '../../shared/app/ports';
import { installConfig } from '../../shared/config';
import {
  clearedStateCookie,
  EVENTS_PATH,
  INSTALL_PATH,
  installUrl,
  LANDING_PATH,
  OAUTH_REDIRECT_PATH,
  readFlowCookie,
  stateCookie,
} from '../../shared/domain/install';
import {
  CONTENT_SECURITY_POLICY,
  failedPage,
  landingPage,
  notFoundPage,
  type Page,
  renderPage,
} from '../../shared/domain/pages';
import { createLogger, errorFields, type Logger } from '../../shared/log';

const config = installConfig(process.env);
const baseLog = createLogger({ fn: 'install' });
const [signingSecret, clientSecret] = await Promise.all([
  resolveSecret(config.signingSecret, 'SLACK_SIGNING_SECRET'),
  config.oauth ? resolveSecret(config.oauth.clientSecret, 'SLACK_CLIENT_SECRET') : undefined,
]);

let log: Logger = baseLog;

const store = new InstallationStore(config.installationsTableName);
const settingsStore = new SettingsStore(config.installationsTableName);
const activity = new ActivityStore(config.tableName);
const dataKeys = new DataKeySource(config.kmsKeyId);

/** "Add to Slack", with the app's client id only. */
const oauthDeps = (() => {
  const o = config.oauth;
  if (!o || clientSecret === undefined) return undefined;
  const settings = {
    botInConfiguration: config.oneWorkspace,
    clientId: o.clientId,
    publicUrl: o.publicUrl,
    authorizePage: o.slackAuthorizeUrl,
    allowedTeams: config.allowedTeams,
  };
  const states = new OAuthStates(config.tableName);
  const sealer = new KmsTokenSealer(config.kmsKeyId);
  const oauth = new SlackOAuth({
    apiUrl: config.slackApiUrl,
    clientId: o.clientId,
    clientSecret,
    log: baseLog,
  });
  return {
    publicUrl: o.publicUrl,
    deps: (): CompleteDeps => ({ settings, states, store, sealer, oauth, clock: systemClock, log }),
  };
})();

const eventDeps = (): EventDeps => ({
  store,
  settings: settingsStore,
  activity,
  clock: systemClock,
  log,
  openHome: (opened) =>
    openHomeTab(
      opened,
      {
        allowedTeams: config.allowedTeams,
        clock: systemClock,
        seal: (aad, content) => dataKeys.seal(aad, content),
        handOff: (event) => invokeAsync(config.controlsFunctionName, event),
      },
      log,
    ),
});

const verify = verifySlackSignature({
  signingSecret: () => signingSecret,
  log: () => log,
  logPrefix: 'install',
});

function page(p: Page, cookies?: string[]): HttpResult {
  return {
    statusCode: p.status,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': CONTENT_SECURITY_POLICY,
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
    },
    ...(cookies ? { cookies } : {}),
    body: renderPage(p),
  };
}

/** One value per name: a repeated or missing parameter reads as absent. */
function query(event: APIGatewayProxyEventV2): (name: string) => string | undefined {
  const params = new URLSearchParams(event.rawQueryString ?? '');
  return (name) => {
    const all = params.getAll(name);
    return all.length === 1 ? all[0] : undefined;
  };
}

function cookies(event: APIGatewayProxyEventV2): string[] {
  return [...(event.cookies ?? []), ...(header(event, 'cookie') ?? '').split(';')];
}

async function route(event: APIGatewayProxyEventV2): Promise<HttpResult> {
  const method = event.requestContext?.http?.method;
  const path = event.rawPath;
  if (method === 'POST' && path === EVENTS_PATH) {
    // Reached only once the signature is verified; even then only a small number is logged.
    const retry = retryNumber(header(event, 'x-slack-retry-num'));
    if (retry !== undefined) log = log.child({ slackRetry: retry });
    const answer = await handleSlackEvent(readSlackEvent(event.body ?? ''), eventDeps());
    if (answer.kind === 'challenge') return json(200, { challenge: answer.challenge });
    return answer.kind === 'ok' ? { statusCode: 200, body: '' } : json(400, { error: 'malformed event' });
  }
  // One workspace without the app's client id: no Add to Slack, its routes are not here.
  if (method !== 'GET' || !oauthDeps) return page(notFoundPage());
  const { publicUrl, deps } = oauthDeps;
  if (path === LANDING_PATH) return page(landingPage(installUrl(publicUrl), installUrl(publicUrl, 'user')));
  if (path === INSTALL_PATH) {
    const as = query(event)('as');
    if (as !== undefined && as !== 'user' && as !== 'bot') return page(notFoundPage());
    const started = await beginInstall(as === 'user' ? 'user' : 'bot', deps());
    return {
      statusCode: 302,
      headers: { location: started.location, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' },
      cookies: [stateCookie(started.nonce)],
      body: '',
    };
  }
  if (path === OAUTH_REDIRECT_PATH) {
    const q = query(event);
    const code = q('code');
    const state = q('state');
    const error = q('error');
    const result = await completeInstall(
      { ...(code ? { code } : {}), ...(state ? { state } : {}), ...(error ? { error } : {}) },
      readFlowCookie(cookies(event)),
      deps(),
    );
    // The flow is over either way: the browser forgets its cookie.
    return page(result, [clearedStateCookie()]);
  }
  return page(notFoundPage());
}

export const handler = middy<APIGatewayProxyEventV2, HttpResult, Error, Context>()
  .before((request) => {
    // Nothing from the request joins the log lines before its signature is checked.
    log = baseLog.child({ requestId: request.context.awsRequestId });
  })
  // Only Slack's events are signed; the browser routes are not.
  .before((request) =>
    request.event.rawPath === EVENTS_PATH && request.event.requestContext?.http?.method === 'POST'
      ? verify.before?.(request)
      : undefined,
  )
  .handler(async (event) => {
    try {
      return await route(event);
    } catch (error) {
      log.error('install.failed', errorFields(error));
      // A 5xx makes Slack retry an event; a browser gets a page that says to try again.
      return event.rawPath === EVENTS_PATH
        ? json(500, { error: 'internal error' })
        : oauthDeps
          ? page(failedPage(installUrl(oauthDeps.publicUrl), 500))
          : page(notFoundPage());
    }
  });
