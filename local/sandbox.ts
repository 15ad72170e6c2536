/**
 * Who and where the sandbox is: the workspace, channel and user that `npm start`'s commands come
 * from (local/pipeline.ts), the names users.info answers with (local/slack-stand-in.ts), and the
 * directory the sandbox page uses to show `<#C…>` as #general and to turn a typed @name into
 * `<@U…>` as Slack does (local/page.html, which gets this object from local/start.ts).
 */
export const SANDBOX = {
  team: { id: 'T0LOCAL', domain: 'local' },
  appId: 'A0LOCAL',
  /** Where the page's commands are typed. */
  channel: { id: 'C0LOCAL', name: 'general' },
  /** Who types them. */
  user: { id: 'U0LOCAL', name: 'alex' },
  channels: { C0LOCAL: 'general', C0RANDOM: 'random' } as Record<string, string>,
  users: { U0LOCAL: 'alex', U0ANA: 'ana', U0BEN: 'ben' } as Record<string, string>,
} as const;
