/**
 * Slack's OAuth methods through `@slack/web-api`: `oauth.v2.access` (the code for tokens) and
 * `auth.revoke`. The exchange is never retried — a code is single-use, so a retry after a lost
 * answer could only fail — and the client's own logging is silenced (its arguments hold the
 * client secret and the code).
 */
import { WebClient, type WebClientOptions } from '@slack/web-api';
import type { SlackOAuthPort } from '../app/ports';
import type { OAuthGrant } from '../domain/install';
import type { Logger } from '../log';
import { toSlackError, webClientOptions } from './slack';

export interface SlackOAuthOptions {
  apiUrl: string;
  clientId: string;
  clientSecret: string;
  log: Logger;
  timeoutMs?: number;
}

/** The fields of `oauth.v2.access`'s answer snap reads (as `@slack/oauth`'s `OAuthV2Response`). */
interface OAuthV2Answer {
  app_id?: string;
  access_token?: string;
  token_type?: string;
  scope?: string;
  bot_user_id?: string;
  refresh_token?: string;
  expires_in?: number;
  team?: { id?: string; name?: string } | null;
  enterprise?: { id?: string; name?: string } | null;
  is_enterprise_install?: boolean;
  authed_user?: {
    id?: string;
    scope?: string;
    access_token?: string;
    token_type?: string;
    refresh_token?: string;
    expires_in?: number;
  };
}

const scopes = (list: string | undefined) => (list ?? '').split(',').filter(Boolean);
const named = (value: { id?: string; name?: string } | null | undefined) =>
  value?.id ? { id: value.id, ...(value.name ? { name: value.name } : {}) } : undefined;

/** `oauth.v2.access`'s answer in the shape of `@slack/oauth`'s `Installation`. */
function grantFrom(answer: OAuthV2Answer): OAuthGrant {
  const team = named(answer.team);
  const enterprise = named(answer.enterprise);
  const authed = answer.authed_user ?? {};
  const bot =
    answer.access_token && answer.token_type === 'bot' && answer.bot_user_id
      ? { token: answer.access_token, userId: answer.bot_user_id, scopes: scopes(answer.scope) }
      : undefined;
  const userToken = authed.access_token && authed.token_type === 'user' ? authed.access_token : undefined;
  return {
    ...(answer.app_id ? { appId: answer.app_id } : {}),
    ...(team ? { team } : {}),
    ...(enterprise ? { enterprise } : {}),
    isEnterpriseInstall: answer.is_enterprise_install === true,
    user: { id: authed.id ?? '', ...(userToken ? { token: userToken } : {}), scopes: scopes(authed.scope) },
    ...(bot ? { bot } : {}),
    expiring: answer.refresh_token !== undefined || authed.refresh_token !== undefined,
  };
}

export class SlackOAuth implements SlackOAuthPort {
  private readonly client: WebClient;
  private readonly base: WebClientOptions;

  constructor(private readonly options: SlackOAuthOptions) {
    this.base = webClientOptions(options);
    this.client = new WebClient(undefined, { ...this.base, retryConfig: { retries: 0 } });
  }

  async exchange(code: string, redirectUri: string): Promise<OAuthGrant> {
    let answer: OAuthV2Answer;
    try {
      answer = (await this.client.oauth.v2.access({
        client_id: this.options.clientId,
        client_secret: this.options.clientSecret,
        code,
        redirect_uri: redirectUri,
      })) as OAuthV2Answer;
    } catch (error) {
      throw toSlackError('oauth.v2.access', error);
    }
    return grantFrom(answer);
  }

  /** A client for this one token, used once: revocations are rare (a refused or unstorable grant). */
  async revoke(token: string): Promise<void> {
    const client = new WebClient(token, {
      ...this.base,
      retryConfig: { retries: 1, factor: 2, minTimeout: 200, maxTimeout: 500 },
    });
    try {
      await client.auth.revoke();
    } catch (error) {
      throw toSlackError('auth.revoke', error);
    }
  }
}
