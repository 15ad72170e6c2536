/**
 * Slack's OAuth authorize page, played by the Slack stand-in (local/slack-stand-in.ts) on its own
 * host, as Slack serves it on the host of its API: `GET /oauth/v2/authorize?client_id&scope|
 * user_scope&redirect_uri&state[&team]` shows what the app asks for, the workspace it goes to and
 * who is signed in, with Allow and Cancel; the form posts back here, and the browser goes on to
 * `redirect_uri?code&state` (Allow) or `redirect_uri?error=access_denied&state` (Cancel). Every
 * value from the request is escaped before it joins the page.
 */

import type { ServerResponse } from 'node:http';
import { escapeHtml } from '../shared/domain/pages';
import type { AuthorizeRequest, SignedInAccount } from './slack-stand-in';

export const AUTHORIZE_PATH = '/oauth/v2/authorize';

/** What Slack's page says each scope lets the app do (its own wording). */
const BOT_SCOPE_WORDS: Record<string, { view?: boolean; words: (app: string) => string }> = {
  'users:read': { view: true, words: () => 'View people in a workspace' },
  commands: { words: () => 'Add shortcuts and/or slash commands that people can use' },
  'chat:write': { words: (app) => `Send messages as @${app}` },
  'chat:write.customize': {
    words: (app) => `Send messages as @${app} with a customized username and avatar`,
  },
  'chat:write.public': { words: (app) => `Send messages to channels @${app} isn’t a member of` },
};
const USER_SCOPE_WORDS: Record<string, string> = {
  'chat:write': 'Send messages on your behalf',
  'files:write': 'Upload, edit, and delete files on your behalf',
};

export interface AuthorizePageOptions {
  appName: string;
  clientId: string;
  accounts: () => readonly SignedInAccount[];
  /** The workspace the browser was last in, offered first. */
  current: () => string | undefined;
  /** A code for what the person allowed (the stand-in's `authorize`). */
  code: (request: AuthorizeRequest) => string;
}

const html = escapeHtml;

const list = (value: string | null) => (value ?? '').split(',').filter(Boolean);

interface Ask {
  clientId: string;
  scope: string[];
  userScope: string[];
  redirectUri: string;
  state: string;
}

/** The request's parameters, or what Slack would say is wrong with them. */
function read(params: URLSearchParams, clientId: string): Ask | { error: string } {
  if (params.get('client_id') !== clientId) return { error: 'Invalid client_id parameter' };
  const redirectUri = params.get('redirect_uri') ?? '';
  let to: URL | undefined;
  try {
    to = new URL(redirectUri);
  } catch {
    to = undefined;
  }
  if (!to || !/^https?:$/.test(to.protocol))
    return { error: 'redirect_uri did not match any configured URIs' };
  const scope = list(params.get('scope'));
  const userScope = list(params.get('user_scope'));
  if (scope.length === 0 && userScope.length === 0) return { error: 'Invalid permissions requested' };
  return { clientId, scope, userScope, redirectUri, state: params.get('state') ?? '' };
}

function send(res: ServerResponse, status: number, title: string, body: string): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action *",
  });
  res.end(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${html(title)}</title><style>${STYLE}</style></head><body>${body}</body></html>`,
  );
}

const STYLE = `
  :root { font-family: Lato, "Helvetica Neue", Helvetica, "Segoe UI", system-ui, sans-serif; color: #1d1c1d; font-size: 15px; line-height: 1.47; }
  body { margin: 0; background: #f8f8f8; }
  .bar { display: flex; align-items: center; gap: 12px; padding: 10px 24px; background: #fff; border-bottom: 1px solid #ddd; }
  .logo { font-weight: 900; font-size: 20px; letter-spacing: -.5px; }
  .logo span { color: #e01e5a; }
  .who { margin-left: auto; color: #616061; font-size: 13px; }
  .card { max-width: 560px; margin: 32px auto; background: #fff; border: 1px solid #ddd; border-radius: 8px; padding: 32px 40px; }
  .tiles { display: flex; justify-content: center; align-items: center; gap: 12px; margin-bottom: 16px; }
  .tile { width: 56px; height: 56px; border-radius: 12px; color: #fff; display: grid; place-items: center; font-weight: 900; font-size: 24px; }
  .tile.app { background: #1264a3; }
  .tile.team { background: #4a154b; }
  .arrows { color: #616061; font-size: 20px; }
  h1 { font-size: 22px; font-weight: 400; text-align: center; margin: 0 0 8px; }
  .switch { text-align: center; color: #616061; font-size: 13px; margin: 0 0 24px; }
  .switch a { color: #1264a3; text-decoration: none; }
  h2 { font-size: 15px; font-weight: 900; margin: 20px 0 6px; }
  h3 { font-size: 13px; font-weight: 700; color: #616061; margin: 10px 0 4px; text-transform: uppercase; letter-spacing: .4px; }
  ul { margin: 0; padding-left: 20px; }
  li { margin: 4px 0; }
  code { font-size: 12px; color: #616061; }
  .actions { display: flex; gap: 12px; justify-content: flex-end; margin-top: 32px; }
  button { font: inherit; font-weight: 700; padding: 8px 24px; border-radius: 4px; cursor: pointer; border: 1px solid #bbb; background: #fff; color: #1d1c1d; }
  button.allow { background: #007a5a; border-color: #007a5a; color: #fff; }
  .error { color: #e01e5a; }
  .played { margin: 24px 0 0; text-align: center; color: #868686; font-size: 12px; }
`;

function page(o: AuthorizePageOptions, ask: Ask, account: SignedInAccount): string {
  const app = html(o.appName);
  const others = o.accounts().filter((a) => a.team !== account.team);
  const switchTo = (a: SignedInAccount) => {
    const params = new URLSearchParams({
      client_id: ask.clientId,
      ...(ask.scope.length ? { scope: ask.scope.join(',') } : {}),
      ...(ask.userScope.length ? { user_scope: ask.userScope.join(',') } : {}),
      redirect_uri: ask.redirectUri,
      state: ask.state,
      team: a.team,
    });
    return `<a href="${AUTHORIZE_PATH}?${html(params.toString())}">${html(a.teamName)}</a>`;
  };
  const item = (words: string, scope: string) => `<li>${html(words)} <code>${html(scope)}</code></li>`;
  const view = ask.scope.filter((s) => BOT_SCOPE_WORDS[s]?.view);
  const act = ask.scope.filter((s) => !BOT_SCOPE_WORDS[s]?.view);
  const wording = (s: string) => BOT_SCOPE_WORDS[s]?.words(o.appName) ?? s;
  const sections = [
    view.length
      ? `<h2>What will ${app} be able to view?</h2><ul>${view.map((s) => item(wording(s), s)).join('')}</ul>`
      : '',
    act.length || ask.userScope.length
      ? `<h2>What will ${app} be able to do?</h2>${
          act.length
            ? `<h3>In ${html(account.teamName)}</h3><ul>${act.map((s) => item(wording(s), s)).join('')}</ul>`
            : ''
        }${
          ask.userScope.length
            ? `<h3>On your behalf, as ${html(account.userName)}</h3><ul>${ask.userScope
                .map((s) => item(USER_SCOPE_WORDS[s] ?? s, s))
                .join('')}</ul>`
            : ''
        }`
      : '',
  ].join('');
  const hidden = (name: string, value: string) =>
    `<input type="hidden" name="${name}" value="${html(value)}">`;
  return [
    `<header class="bar"><span class="logo">slack<span>.</span></span><span class="who">Signed in to <b>${html(account.teamName)}</b> as <b>${html(account.userName)}</b></span></header>`,
    '<main class="card">',
    `<div class="tiles"><div class="tile app">${html(o.appName.slice(0, 1).toUpperCase())}</div><span class="arrows">⇄</span><div class="tile team">${html(account.teamName.slice(0, 1).toUpperCase())}</div></div>`,
    `<h1><b>${app}</b> is requesting permission to access the <b data-role="workspace">${html(account.teamName)}</b> Slack workspace</h1>`,
    others.length
      ? `<p class="switch">Not the right workspace? Switch to ${others.map(switchTo).join(' · ')}</p>`
      : '',
    sections,
    `<form method="post" action="${AUTHORIZE_PATH}" class="actions">`,
    hidden('client_id', ask.clientId),
    hidden('scope', ask.scope.join(',')),
    hidden('user_scope', ask.userScope.join(',')),
    hidden('redirect_uri', ask.redirectUri),
    hidden('state', ask.state),
    hidden('team', account.team),
    '<button type="submit" name="decision" value="cancel">Cancel</button>',
    '<button type="submit" name="decision" value="allow" class="allow">Allow</button>',
    '</form>',
    '<p class="played">Slack’s page, played by the sandbox’s Slack stand-in: nothing leaves this machine.</p>',
    '</main>',
  ].join('');
}

/** Serves the authorize page and its form. */
export function slackAuthorizePage(o: AuthorizePageOptions) {
  return (method: string, url: URL, body: Buffer, res: ServerResponse): void => {
    const params = method === 'POST' ? new URLSearchParams(body.toString()) : url.searchParams;
    const ask = read(params, o.clientId);
    if ('error' in ask) {
      send(
        res,
        400,
        'Something went wrong',
        `<main class="card"><h1 class="error">${html(ask.error)}</h1></main>`,
      );
      return;
    }
    const accounts = o.accounts();
    const chosen = params.get('team') ?? o.current();
    // The form names its workspace; the page offers the one asked for, else the last visited.
    const account =
      method === 'POST'
        ? accounts.find((a) => a.team === chosen)
        : (accounts.find((a) => a.team === chosen) ?? accounts[0]);
    if (!account) {
      send(
        res,
        400,
        'Not signed in',
        '<main class="card"><h1 class="error">No one is signed in to Slack here</h1></main>',
      );
      return;
    }
    if (method !== 'POST') {
      send(res, 200, `Authorize ${o.appName}`, page(o, ask, account));
      return;
    }
    const back = new URL(ask.redirectUri);
    if (params.get('decision') === 'allow') {
      back.searchParams.set(
        'code',
        o.code({
          team: account.team,
          teamName: account.teamName,
          user: account.user,
          scope: ask.scope,
          userScope: ask.userScope,
          redirectUri: ask.redirectUri,
        }),
      );
    } else back.searchParams.set('error', 'access_denied');
    back.searchParams.set('state', ask.state);
    res.writeHead(302, { location: back.href, 'cache-control': 'no-store' });
    res.end();
  };
}
