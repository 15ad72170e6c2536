/**
 * `npm start` in workspace mode asks Slack about its tokens before anything else starts:
 * `auth.test` for the bot token, `apps.connections.open` for the app token (Socket Mode), within
 * a bounded wait. A token Slack refuses, or a Slack that cannot be reached, would otherwise show
 * only later — every snap failing, or the Socket Mode client retrying for minutes — so it is
 * said at once, in words that name which one is wrong. Nothing here prints a token.
 */

/** The whole check, both calls together, never waits longer than this. */
export const CHECK_TIMEOUT_MS = 10_000;

/** Slack's answers that mean "this token is not (or no longer) good". */
const REFUSED = new Set([
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'not_allowed_token_type',
  'team_disabled',
  'user_removed_from_team',
]);

export type SlackCheck =
  | { ok: true; team: string; teamId: string; botUser: string }
  | { ok: false; problem: 'unreachable' | 'bot_token_refused' | 'app_token_refused'; message: string };

interface Answer {
  ok?: boolean;
  error?: string;
  team?: string;
  team_id?: string;
  user?: string;
  bot_id?: string;
}

type Call = { answer: Answer } | { unreachable: string };

/** One Web API call with a token; how it ended, never the token. */
async function call(apiUrl: string, method: string, token: string, deadline: number): Promise<Call> {
  const timeoutMs = Math.max(1, deadline - Date.now());
  try {
    const response = await fetch(new URL(method, apiUrl), {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
      },
      body: '',
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!response.ok) {
      await response.body?.cancel();
      return { unreachable: `it answered HTTP ${response.status}` };
    }
    const answer = (await response.json().catch(() => undefined)) as Answer | undefined;
    if (!answer || typeof answer !== 'object') return { unreachable: 'its answer was not Slack’s JSON' };
    return { answer };
  } catch (error) {
    return { unreachable: why(error, timeoutMs) };
  }
}

/** Why a request got no answer, as a code (ECONNREFUSED, ENOTFOUND…) or the wait it outlasted. */
function why(error: unknown, timeoutMs: number): string {
  const e = error as { name?: string; cause?: { code?: unknown } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError')
    return `no answer within ${Math.round(timeoutMs / 1000)} s`;
  const code = e?.cause?.code;
  return typeof code === 'string' && /^[A-Z_]{3,40}$/.test(code) ? code : 'the connection failed';
}

const unreachable = (apiUrl: string, reason: string): SlackCheck => ({
  ok: false,
  problem: 'unreachable',
  message: `Slack is unreachable at ${apiUrl} (${reason}). Check this machine's network connection or proxy${
    apiUrl.startsWith('https://slack.com/') ? '' : ', and SLACK_API_URL'
  }; nothing was started.`,
});

/**
 * Asks Slack whether it takes the bot token (and the app token, for Socket Mode). Resolves with
 * the workspace the bot token belongs to, or with what is wrong.
 */
export async function checkSlackTokens(options: {
  apiUrl: string;
  botToken: string;
  appToken?: string;
  timeoutMs?: number;
}): Promise<SlackCheck> {
  const { apiUrl, botToken, appToken } = options;
  const deadline = Date.now() + (options.timeoutMs ?? CHECK_TIMEOUT_MS);
  const [bot, app] = await Promise.all([
    call(apiUrl, 'auth.test', botToken, deadline),
    appToken ? call(apiUrl, 'apps.connections.open', appToken, deadline) : undefined,
  ]);
  if ('unreachable' in bot) return unreachable(apiUrl, bot.unreachable);
  if (!bot.answer.ok) {
    const code = String(bot.answer.error ?? 'no reason given');
    return {
      ok: false,
      problem: 'bot_token_refused',
      message: `Slack refused SLACK_BOT_TOKEN (${code}). ${
        REFUSED.has(code)
          ? 'Copy the Bot User OAuth Token (xoxb-…) again from your app’s OAuth & Permissions page, after installing the app in your workspace; a token of an app that was removed or reinstalled no longer works.'
          : 'See https://api.slack.com/methods/auth.test for what that means.'
      } Nothing was started.`,
    };
  }
  if (app && 'unreachable' in app) return unreachable(apiUrl, app.unreachable);
  if (app && !app.answer.ok) {
    const code = String(app.answer.error ?? 'no reason given');
    return {
      ok: false,
      problem: 'app_token_refused',
      message: `Slack refused SLACK_APP_TOKEN (${code}). It must be an app-level token (xapp-…) of the same app with the connections:write scope (Basic Information → App-Level Tokens), and Socket Mode must be on for the app. Nothing was started.`,
    };
  }
  return {
    ok: true,
    team: String(bot.answer.team ?? bot.answer.team_id ?? 'your workspace'),
    teamId: String(bot.answer.team_id ?? ''),
    botUser: String(bot.answer.user ?? 'the bot'),
  };
}
