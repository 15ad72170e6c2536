/**
 * The install function's pages: small, self-contained HTML (no script, no external asset, one
 * inline style allowed by its hash in the Content-Security-Policy), readable on a phone. Every
 * value a page shows that came from outside (a workspace's name) is escaped.
 */
import { createHash } from 'node:crypto';
import type { GrantKind, OAuthGrant } from './install';

export interface Page {
  status: number;
  title: string;
  /** HTML fragments, already escaped. */
  body: string;
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

const STYLE = [
  'body{font:16px/1.5 -apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,sans-serif;margin:0;background:#f8f8f8;color:#1d1c1d}',
  'main{max-width:34rem;margin:0 auto;padding:2rem 1.25rem}',
  'h1{font-size:1.5rem;margin:0 0 1rem}',
  'p{margin:0 0 1rem}',
  'code{background:#eee;padding:.1rem .3rem;border-radius:4px}',
  'a.button{display:inline-block;background:#4a154b;color:#fff;text-decoration:none;padding:.7rem 1.2rem;border-radius:6px;font-weight:600;margin:0 .5rem .75rem 0}',
  'a.secondary{background:#fff;color:#4a154b;border:1px solid #4a154b}',
  '.fine{color:#616061;font-size:.9rem}',
].join('');

const STYLE_HASH = createHash('sha256').update(STYLE, 'utf8').digest('base64');

/** Nothing may load or run but the one inline style; no form, no frame, no base URL. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  `style-src 'sha256-${STYLE_HASH}'`,
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export function renderPage(page: Page): string {
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width,initial-scale=1">',
    '<meta name="referrer" content="no-referrer">',
    `<title>${escapeHtml(page.title)} · snap</title>`,
    `<style>${STYLE}</style>`,
    '</head><body><main>',
    `<h1>${escapeHtml(page.title)}</h1>`,
    page.body,
    '</main></body></html>',
  ].join('');
}

const p = (html: string) => `<p>${html}</p>`;
const link = (href: string, text: string, cls = 'button') =>
  `<a class="${cls}" href="${escapeHtml(href)}">${escapeHtml(text)}</a>`;

/** Links back to Slack: the desktop app when there is one, and the web client. */
function backToSlack(team: string | undefined): string {
  if (!team?.startsWith('T')) return link('https://app.slack.com/client', 'Open Slack');
  return (
    link(`slack://open?team=${encodeURIComponent(team)}`, 'Open Slack') +
    link(
      `https://app.slack.com/client/${encodeURIComponent(team)}`,
      'Open Slack in the browser',
      'button secondary',
    )
  );
}

const where = (grant: OAuthGrant) => {
  if (grant.isEnterpriseInstall)
    return `the <strong>${escapeHtml(grant.enterprise?.name ?? grant.enterprise?.id ?? 'your')}</strong> organization`;
  return `<strong>${escapeHtml(grant.team?.name ?? grant.team?.id ?? 'your workspace')}</strong>`;
};

export function landingPage(installUrl: string, userInstallUrl: string): Page {
  return {
    status: 200,
    title: 'snap — messages that delete themselves',
    body:
      p(
        'Type <code>/snap 30s the door code is 4711</code> in Slack: the message appears and is deleted 30 seconds later, with no copy kept.',
      ) +
      link(installUrl, 'Add to Slack') +
      p(
        `<span class="fine">Already added? ${link(userInstallUrl, 'Let snap post as you', 'secondary')} for direct messages and private channels.</span>`,
      ),
  };
}

export function installedPage(grant: OAuthGrant): Page {
  const org = grant.isEnterpriseInstall;
  return {
    status: 200,
    title: 'snap is installed',
    body:
      p(`snap is now installed in ${where(grant)}.`) +
      (org
        ? p('Your organization’s admins choose which of its workspaces get it.')
        : p('Try it in any channel: <code>/snap 30s hello</code>.')) +
      p(
        `<span class="fine">It may answer <code>/snap</code>, post and delete its own messages (under the author’s name and picture) and read people’s names. To remove it, uninstall snap in Slack’s app settings: snap then deletes its tokens and everything it kept about ${org ? 'the organization' : 'the workspace'}.</span>`,
      ) +
      backToSlack(grant.team?.id),
  };
}

export function authorizedPage(grant: OAuthGrant): Page {
  return {
    status: 200,
    title: 'snap may now post as you',
    body:
      p(
        `In ${where(grant)}, your snaps are now posted as you — your name, your picture — in every conversation you can write in, direct messages and private channels included, and deleted on time with the same permission.`,
      ) +
      p(
        'You allowed two things: writing messages as you (<code>chat:write</code>, which also deletes them), and deleting your own files that go with a message you make self-destruct (<code>files:write</code>). snap cannot read your messages or your files.',
      ) +
      p(
        'To take it back, type <code>/snap revoke</code>: your pending snaps posted as you are deleted first, then the permission is given back.',
      ) +
      p(
        '<span class="fine">Removing snap’s access to your account in Slack (the app’s page under Manage apps) takes it back too, but snaps still pending then stay in Slack: snap can no longer delete them.</span>',
      ) +
      backToSlack(grant.team?.id),
  };
}

/** Slack's redirect said no: `access_denied` when the person chose Cancel, another code otherwise. */
export function deniedPage(accessDenied: boolean): Page {
  return {
    status: accessDenied ? 200 : 400,
    title: accessDenied ? 'Nothing changed' : 'Slack did not finish the sign-in',
    body:
      p(
        accessDenied
          ? 'You cancelled on Slack’s page: nothing was allowed and nothing was stored.'
          : 'Slack sent you back without a permission. Nothing was stored.',
      ) + backToSlack(undefined),
  };
}

export function invalidStatePage(installUrl: string): Page {
  return {
    status: 400,
    title: 'This link has expired',
    body:
      p(
        'This sign-in link is more than ten minutes old, or was opened in another browser than the one that started it. Nothing was stored.',
      ) + link(installUrl, 'Start again'),
  };
}

/**
 * The way back from Slack, opened again (a reload, the back button): it works once, and what it
 * did then stands. Which workspace it was is not kept with the link, so the page names none.
 */
export function usedStatePage(installUrl: string, kind: GrantKind): Page {
  const done =
    kind === 'bot'
      ? 'If snap was added then, it is in your workspace now: type <code>/snap 30s hello</code> in any channel.'
      : 'If you allowed snap to post as you then, it does now: your snaps are your own messages.';
  return {
    status: 400,
    title: 'This link was already used',
    body:
      p(
        `Slack’s way back to snap works once, and it was already opened — this page was loaded again. Nothing was done this time, and nothing needs doing again. ${done}`,
      ) +
      backToSlack(undefined) +
      p(
        `<span class="fine">If it did not work then, ${link(installUrl, kind === 'bot' ? 'add snap again' : 'allow it again', 'plain')}.</span>`,
      ),
  };
}

export function invalidCodePage(installUrl: string): Page {
  return {
    status: 400,
    title: 'Slack did not accept this sign-in',
    body:
      p('Its code was already used or has expired. Nothing was stored.') + link(installUrl, 'Start again'),
  };
}

export function teamNotAllowedPage(grant: OAuthGrant): Page {
  return {
    status: 403,
    title: 'snap is not available here',
    body:
      p(
        `This snap service is not enabled for ${where(grant)}. Nothing was stored, and the access Slack just granted was given back.`,
      ) + backToSlack(grant.team?.id),
  };
}

/**
 * `?as=user` in a workspace (or org) where snap itself is not installed: a permission to post as
 * someone would be a live token nothing could use. Refused, given back, nothing stored.
 */
export function notInstalledForUserPage(grant: OAuthGrant, installUrl: string): Page {
  return {
    status: 409,
    title: 'snap is not in this workspace yet',
    body:
      p(
        `snap is not installed in ${where(grant)}, so it cannot post as you there. Nothing was stored, and the permission you just gave was handed back to Slack.`,
      ) +
      p(
        'Ask someone who may add apps to the workspace (an admin or owner) to add snap first; then let snap post as you again.',
      ) +
      link(installUrl, 'Add snap to Slack') +
      backToSlack(grant.team?.id),
  };
}

/** Slack granted other scopes than snap asked for (an edited authorize URL): nothing stored. */
export function scopesRefusedPage(
  kind: GrantKind,
  mismatch: { extra: string[]; missing: string[] },
  installUrl: string,
): Page {
  const list = (scopes: string[]) => scopes.map((s) => `<code>${escapeHtml(s)}</code>`).join(', ');
  const differences = [
    mismatch.extra.length ? `more than it asks for (${list(mismatch.extra)})` : '',
    mismatch.missing.length ? `less than it needs (${list(mismatch.missing)} missing)` : '',
  ].filter(Boolean);
  const removeFirst =
    kind === 'user'
      ? 'remove snap’s access to your account in Slack (the app’s page under Manage apps)'
      : 'remove snap from the workspace in Slack’s app settings';
  return {
    status: 400,
    title: 'Slack granted something else',
    body:
      p(
        `Slack granted snap ${differences.join(' and ')}. snap keeps a permission only when it is exactly what it asks for, so nothing was stored.`,
      ) +
      p(
        `Start again without changing the address of Slack’s page. If this comes back, Slack is adding permissions granted earlier: ${removeFirst}, then start again.`,
      ) +
      link(installUrl, 'Start again'),
  };
}

/** The Slack app has token rotation on: its tokens expire, and snap could not delete on time. */
export function rotatingTokensPage(installUrl: string): Page {
  return {
    status: 400,
    title: 'This Slack app rotates its tokens',
    body:
      p(
        'Slack issued a token that expires within 12 hours. snap keeps no refresh token, so it could not delete messages due after that: nothing was stored.',
      ) +
      p(
        'The app’s administrator turns token rotation off in the app’s settings (OAuth &amp; Permissions), or creates the app again from snap’s manifest, where it is off. Then start again.',
      ) +
      link(installUrl, 'Start again'),
  };
}

export function failedPage(installUrl: string, status = 502): Page {
  return {
    status,
    title: 'That did not work',
    body:
      p('snap could not finish adding you: Slack or snap’s storage did not answer. Nothing was kept.') +
      link(installUrl, 'Try again'),
  };
}

export function notFoundPage(): Page {
  return { status: 404, title: 'Not found', body: p('There is nothing here.') };
}
