/**
 * Everything snap says to a person. Replies are ephemeral (only the author sees them) and never
 * echo the message text.
 */
// Types only (erased at build): Block Kit's shape, so the type checker catches a malformed block.
import type { KnownBlock, SectionBlock } from '@slack/types';
import type { Command, DelayLimits } from './command';
import { describeDelay } from './delay';
import type { LimitRefusal } from './limits';
import { MESSAGE_TEXT_LIMIT } from './message';
import { type ChangeProblem, describePolicy, type Policy, type PolicyRule, type PolicyScope } from './policy';
import { isRevealId, MAX_REVEAL_PEOPLE, MAX_SECRET_CHARS } from './reveal';
import { ACTION } from './surfaces';

export type Reply = {
  response_type: 'ephemeral';
  text: string;
  blocks?: KnownBlock[];
  /** Answer in place of the message the request came from (a list after one of its buttons). */
  replace_original?: boolean;
  /** No preview of a link in it: Slack would fetch the link (a shown secret may hold one). */
  unfurl_links?: false;
  unfurl_media?: false;
};

const ephemeral = (text: string): Reply => ({ response_type: 'ephemeral', text });

export function helpReply(command: string, limits: DelayLimits): Reply {
  return ephemeral(
    [
      `*${command} [delay] message* posts a message that deletes itself.`,
      `• \`${command} 30s the door code is 4711\` — gone after 30 seconds`,
      `• \`${command} 5m\`, \`2h\`, \`1d\`, \`1h30m\`, \`90\` (seconds) — also \`30sec\`, \`5min\`, \`2hrs\``,
      `• \`${command} lunch is here\` — no delay given: gone after ${describeDelay(limits.defaultSeconds)}`,
      `Delays run from 1 second to ${describeDelay(limits.maxSeconds)}. A first word that is not a delay (\`3pm\`, \`2nd\`) is part of the message.`,
      `• \`${command} list\` — your pending snaps, each with a *Delete now* button`,
      `• \`${command} cancel\` — delete your most recent pending snap in this channel now`,
      `• On a snap's message menu (⋮): *Delete snap now* — only its author can.`,
      `• Where \`${command}\` cannot go: *New snap* from the ⚡ shortcuts menu (any conversation, from a form); on any message's menu (⋮), *Reply with a snap* (in its thread) and, on your own message, *Self-destruct this message* (files included).`,
      `Where snap itself cannot post — a direct message with someone else, a group DM, a private channel it is not in — it offers a link to let it post *as you*: then your snaps are your own messages, deleted on time, wherever you can write.`,
      `• \`${command} revoke\` — stop that: your pending snaps posted as you are deleted now, and snap gives your permission back`,
      `• \`${command} reveal @ana the door code is 4711\` — a card with a *Reveal* button instead of the text: only @ana can open it, alone, once, and it burns when she has (or after ${describeDelay(Math.min(86_400, limits.maxSeconds))}; \`${command} reveal 1h @ana …\` sooner). Name no one and the first person to click sees it.`,
      `• \`${command} default 10m\` — your own delay for snaps typed without one (\`${command} default\` shows it, \`reset\` clears it)`,
      `• \`${command} policy\` — this workspace’s rules for snap; admins change them (\`${command} policy max 1d\`, \`min 10s\`, \`default 5m\`, \`reveal off\`, \`as-user off\`, \`off #channel\`, \`reset\`) or in snap’s Home tab`,
      `Nothing of the text is stored: snap keeps only where the message is and when it goes.`,
    ].join('\n'),
  );
}

export function invalidReply(
  command: Extract<Command, { kind: 'invalid' }>,
  name: string,
  limits: DelayLimits,
): Reply {
  const forms = `Delays look like \`10s\`, \`5m\`, \`2h\`, \`1d\` or \`1h30m\` (a bare number is seconds).`;
  const range = `from 1 second to ${describeDelay(limits.maxSeconds)}`;
  switch (command.problem) {
    case 'negative':
      return ephemeral(
        `\`${command.word}\` is a negative delay. ${forms} They run ${range}. Nothing was posted.`,
      );
    case 'out_of_range':
      return ephemeral(
        `\`${command.word}\` is outside the allowed range: delays run ${range}. ${forms} Nothing was posted.`,
      );
    case 'no_message':
      return ephemeral(
        `There is no message after \`${command.word}\`. Try \`${name} ${command.word} your message\`. Nothing was posted.`,
      );
    case 'no_secret':
      return ephemeral(
        `There is no secret to reveal. Try \`${name} reveal @ana the door code is 4711\` (a delay first if you like: \`${name} reveal 10m @ana …\`). Nothing was posted.`,
      );
    case 'secret_too_long':
      return ephemeral(
        `Your secret is ${Number(command.word).toLocaleString('en-US')} characters long; snap takes up to ${MAX_SECRET_CHARS.toLocaleString('en-US')}, what Slack shows in one block. Nothing was posted.`,
      );
    case 'too_many_people':
      return ephemeral(
        `A secret can be for up to ${MAX_REVEAL_PEOPLE} people; you named ${command.word}. Nothing was posted.`,
      );
    case 'unknown_person':
      return ephemeral(
        `snap could not tell who \`${command.word}\` is: a secret is for people, each picked from Slack's list as you type @ so that it becomes a mention — not a user group, @here or a channel. Name them again (for a secret anyone there may open, start it with another word). Nothing was posted.`,
      );
    case 'names_first':
      return ephemeral(
        `snap could not tell whom this secret is for: name the people right after \`reveal\` (and its delay), each followed by a space — \`${name} reveal 10m @ana @ben the door code\`. A secret that names someone elsewhere is not made one anyone may open. Nothing was posted.`,
      );
    case 'policy':
      return ephemeral(
        `snap did not understand that policy change. Try \`${name} policy\` to see it; admins change it with \`${name} policy max 1d\`, \`min 10s\`, \`default 5m\` (\`off\` clears one), \`reveal on|off\`, \`as-user on|off\`, \`activity on|off\`, \`off #channel\` / \`on #channel\` (or \`here\`), \`reset\`.`,
      );
    case 'default':
      return ephemeral(
        `\`${command.word}\` is not a delay snap can use: ${forms} They run ${range}. Try \`${name} default 10m\`, or \`${name} default reset\`.`,
      );
  }
}

export function teamNotAllowedReply(): Reply {
  return ephemeral('snap is not enabled for this workspace. Nothing was posted.');
}

/**
 * A signed request without what snap needs. It came from Slack or from whoever holds the signing
 * secret, so naming the form field (one of a fixed list, never the request's own text) helps.
 */
export function malformedReply(field?: string): Reply {
  const what = field ? `: a usable \`${field}\`` : '';
  return ephemeral(`That request was missing something snap needs${what}. Please try again.`);
}

export function unavailableReply(): Reply {
  return ephemeral(
    'snap could not take your message right now. Nothing was posted; please try again in a moment.',
  );
}

/** The request reached snap after Lambda's 10 minutes: too late to act on what was asked then. */
export function tooLateReply(kind: 'snap' | 'request'): Reply {
  return ephemeral(
    kind === 'snap'
      ? ':warning: Your snap was not posted: it reached snap more than 10 minutes after you sent it. Please send it again.'
      : 'snap could not get to that in time (more than 10 minutes). Please try again.',
  );
}

/** Why the poster could not post, in words that say what to do. Keyed by Slack's error code. */
export function postFailureReply(code: string): Reply {
  const fixes: Record<string, string> = {
    not_in_channel: 'snap is not a member of this channel. Invite it with `/invite @snap`, then try again.',
    channel_not_found:
      'snap cannot see this conversation. In a private channel, invite it with `/invite @snap`; direct messages with other people are out of its reach.',
    is_archived: 'This channel is archived, so nothing can be posted in it.',
    msg_too_long: `Your message is too long for Slack (limit ${MESSAGE_TEXT_LIMIT.toLocaleString('en-US')} characters). Shorten it and try again.`,
    no_text: 'Your message was empty.',
    restricted_action: 'This workspace or channel does not let apps post here. An admin can change that.',
    restricted_action_read_only_channel: 'This channel is read-only for apps.',
    restricted_action_thread_only_channel:
      'This channel only accepts replies in threads, which snap does not post.',
    restricted_action_non_threadable_channel: 'This channel does not accept posts from apps.',
    ekm_access_denied: 'Your workspace administrators have suspended the ability to post messages.',
    team_access_not_granted: 'snap is not installed for this workspace.',
    invalid_auth:
      'snap’s installation is broken (its token was refused). Ask whoever installed it to reinstall.',
    token_revoked: 'snap has been uninstalled or its token revoked. Ask whoever installed it to reinstall.',
    account_inactive:
      'snap has been uninstalled or its token revoked. Ask whoever installed it to reinstall.',
    missing_scope:
      'snap lacks a permission it needs. Ask whoever installed it to reinstall it from its manifest.',
    ratelimited: 'Slack is busy in this channel right now and did not take it. Try again in a minute.',
  };
  const fix = fixes[code] ?? `Slack refused the post (\`${code}\`).`;
  return ephemeral(`:warning: Your snap was not posted. ${fix}`);
}

/** A snap refused by one of the limits (shared/domain/limits.ts): which one, and when to try again. */
export function overLimitReply(refusal: LimitRefusal, nowMs: number): Reply {
  if (refusal.limit === 'user_pending') {
    return ephemeral(
      `:hourglass: You have ${refusal.max} snap${refusal.max === 1 ? '' : 's'} waiting to self-destruct, the most snap keeps for one person. Nothing was posted. Try again once one of them is gone, or delete some now with \`/snap list\`.`,
    );
  }
  const seconds = Math.max(1, Math.ceil((refusal.retryAt - nowMs) / 1000));
  const who =
    refusal.limit === 'user_per_minute'
      ? `You are sending snaps faster than snap allows (${refusal.max} a minute)`
      : `This workspace is sending snaps faster than snap allows (${refusal.max} a minute for everyone together)`;
  return ephemeral(
    `:hourglass: ${who}. Nothing was posted. Try again in ${seconds} second${seconds === 1 ? '' : 's'}.`,
  );
}

/** Every poster this workspace (or org) may have posting at once is in use: nothing was posted. */
export function busyReply(scope: 'workspace' | 'org'): Reply {
  const where = scope === 'org' ? 'your organization' : 'this workspace';
  return ephemeral(
    `:hourglass: Your snap was not posted: snap is busy in ${where} right now — too many snaps from ${where} are being posted at once. Please send it again in a few seconds.`,
  );
}

export function slackUnavailableReply(): Reply {
  return ephemeral(
    ':warning: Slack did not answer in time, so your snap may not have been posted. Please check the channel: if it is not there, try again; if it is, it has no timer, so delete it yourself.',
  );
}

export function untrackedReply(deleted: boolean): Reply {
  return ephemeral(
    deleted
      ? ':warning: Your snap was posted but could not be scheduled for deletion, so snap removed it at once. Please try again.'
      : ':warning: Your snap was posted but could not be scheduled for deletion, and removing it failed. Please delete it yourself.',
  );
}

/** After a poster died between Slack's answer and the record: the author is the only one who can act. */
export function lostTrackReply(channel: string): Reply {
  return ephemeral(
    `:warning: snap lost track of your snap in <#${channel}>: it may have been posted without a timer, so it would not disappear by itself. If you see it there, delete it yourself (hover over it → ⋮ → Delete message). Nothing will be posted twice.`,
  );
}

/** The line under every snap: who sent it and when it goes, in the reader's own time zone. */
export function expiryContext(user: string, dueAtMs: number): string {
  return `:bomb: <@${user}> used snap · self-destructs ${slackDate(dueAtMs)}`;
}

/** Slack's date token: each reader sees the time in their own zone; the fallback is UTC. */
function slackDate(dueAtMs: number): string {
  const seconds = Math.floor(dueAtMs / 1000);
  const fallback = new Date(seconds * 1000).toISOString().replace('T', ' ').replace('.000Z', ' UTC');
  return `<!date^${seconds}^{date_short_pretty} at {time_secs}|${fallback}>`;
}

const LIST_LIMIT = 20;

/**
 * `/snap list`: the author's pending snaps, newest first, each with a "Delete now" button.
 * After one of its buttons, the list is answered again in place of itself (`replace`), with a
 * `note` on what the button did.
 */
export function listReply(
  snaps: Array<{ id: string; channel: string; dueAt: number }>,
  options: { note?: string; replace?: boolean } = {},
): Reply {
  const inPlace = options.replace ? { replace_original: true } : {};
  const lead = options.note ? `${options.note}\n` : '';
  if (snaps.length === 0)
    return { ...ephemeral(`${lead}You have no pending snaps${options.note ? ' left' : ''}.`), ...inPlace };
  const shown = snaps.slice(0, LIST_LIMIT);
  const title = `${lead}Your pending snaps (${snaps.length}), newest first:`;
  const blocks: KnownBlock[] = [
    { type: 'section', text: { type: 'mrkdwn', text: title } },
    ...shown.map(
      (snap): SectionBlock => ({
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: isRevealId(snap.id)
            ? `:lock: A secret in <#${snap.channel}> · burns ${slackDate(snap.dueAt)} at the latest`
            : `In <#${snap.channel}> · self-destructs ${slackDate(snap.dueAt)}`,
        },
        accessory: {
          type: 'button',
          style: 'danger',
          text: { type: 'plain_text', text: 'Delete now' },
          action_id: ACTION.deleteSnap,
          value: snap.id,
        },
      }),
    ),
  ];
  if (snaps.length > shown.length) {
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `…and ${snaps.length - shown.length} more.` }],
    });
  }
  return { response_type: 'ephemeral', text: title, blocks, ...inPlace };
}

export function deletedEarlyReply(channel: string): Reply {
  return ephemeral(`:wastebasket: Deleted your snap in <#${channel}>.`);
}

/** Slack refused to delete it for good: snap has nothing more it can do, the author can. */
export function notDeletedReply(channel: string): Reply {
  return ephemeral(
    `:warning: Slack would not delete your snap in <#${channel}> (the workspace or channel keeps its messages, or snap’s permission that posted it is gone), so it stays there. Please delete it yourself: hover over it → ⋮ → Delete message.`,
  );
}

export function nothingToCancelReply(): Reply {
  return ephemeral('You have no pending snap in this channel.');
}

export function notAuthorReply(): Reply {
  return ephemeral('Only its author can delete this snap.');
}

export function alreadyGoneReply(): Reply {
  return ephemeral('That snap is already gone — nothing left to delete.');
}

export function notASnapReply(): Reply {
  return ephemeral('That message is not a pending snap (it may already have self-destructed).');
}

export function authorFailedReply(): Reply {
  return ephemeral('snap could not do that right now. Please try again in a moment.');
}

export function deleteLaterReply(): Reply {
  return ephemeral('Slack is busy right now; the snap will still self-destruct at its time.');
}

/**
 * Said to the author by snap's bot, in its Messages tab, when a snap posted as them can no longer
 * be deleted by snap: the permission that posted it is gone (taken back in Slack, their account
 * deactivated), and no other token may delete their message. Never the message's text.
 */
export function leftBehindNotice(channel: string): string {
  return `:warning: snap could not delete your snap in <#${channel}> at its time: the permission you gave snap to post as you no longer works (it was taken back in Slack, or your account changed), so the message stays there. Please delete it yourself: hover over it → ⋮ → Delete message.`;
}

/** Slack's link syntax: `<url|label>`. */
const link = (url: string, label: string) => `<${url}|${label}>`;

/** Distributed mode: the snap's workspace (or org) has not installed snap, or removed it. */
export function notInstalledReply(installUrl: string | undefined): Reply {
  const add = installUrl ? `: ${link(installUrl, 'Add snap to Slack')}` : '';
  return ephemeral(
    `:warning: Your snap was not posted: snap is not installed in this workspace (or was removed from it). Whoever may add apps here can add it${add}.`,
  );
}

/** snap's bot cannot reach this conversation, and its author has not let snap post as them. */
export function postAsYouReply(authorizeUrl: string): Reply {
  return ephemeral(
    `:lock: Your snap was not posted: snap cannot post in this conversation — it is a direct message with someone else, a group DM, or a private channel snap is not in. ${link(authorizeUrl, 'Let snap post as you')}: from then on your snaps are your own messages, deleted on time, wherever you can write (take it back any time with \`/snap revoke\`). In a private channel, inviting snap with \`/invite @snap\` works too.`,
  );
}

/** The author's own token was refused by Slack, and snap's bot cannot reach this conversation either. */
export function reauthorizeReply(authorizeUrl: string): Reply {
  return ephemeral(
    `:warning: Your snap was not posted: your permission for snap to post as you no longer works (it was taken back, with \`/snap revoke\` or in Slack), and snap cannot post in this conversation itself. ${link(authorizeUrl, 'Let snap post as you again')}.`,
  );
}

/** Where `/snap revoke` found the author's permissions: this workspace, the org itself, other workspaces of the org. */
export interface RevokedWhere {
  here: boolean;
  org: boolean;
  otherWorkspaces: number;
}

/** `/snap revoke` done: the author's tokens are given back and deleted, and where; how many snaps it took down. */
export function revokedReply(
  taken: number,
  where: RevokedWhere = { here: true, org: false, otherWorkspaces: 0 },
): Reply {
  const snaps =
    taken === 0
      ? 'You had no pending snaps posted as you.'
      : `It took down ${taken} pending snap${taken === 1 ? '' : 's'} posted as you.`;
  const places = [
    where.here ? 'in this workspace' : '',
    where.otherWorkspaces > 0
      ? `in ${where.otherWorkspaces === 1 ? 'another workspace' : `${where.otherWorkspaces} other workspaces`} of your organization`
      : '',
    where.org ? 'for your whole organization' : '',
  ].filter(Boolean);
  const permission =
    places.length > 1 || where.otherWorkspaces > 1
      ? `the permissions you gave it (${joinAnd(places)}) are given back to Slack and deleted`
      : `your permission${places.length ? ` (${places[0]})` : ''} is given back to Slack and deleted`;
  return ephemeral(`:white_check_mark: snap no longer posts as you: ${permission}. ${snaps}`);
}

const joinAnd = (parts: string[]) =>
  parts.length <= 1 ? (parts[0] ?? '') : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;

export function nothingToRevokeReply(): Reply {
  return ephemeral('snap does not post as you, so there is nothing to revoke.');
}

/** `/snap revoke` could not delete every snap posted as the author yet, so it revoked nothing. */
export function revokeLaterReply(taken: number, left: number): Reply {
  return ephemeral(
    `:hourglass: Slack is busy: snap took down ${taken} of your pending snaps posted as you, and ${left} could not be deleted yet. Nothing was revoked, so that none of them is left with nothing able to delete it: try \`/snap revoke\` again in a minute.`,
  );
}

/** "<@U1>", "<@U1> and <@U2>", "<@U1>, <@U2> and <@U3>". */
function namesOf(people: readonly string[]): string {
  const names = people.map((p) => `<@${p}>`);
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

/**
 * A reveal's card: who shared a secret, for whom, and the *Reveal* button — never the secret,
 * in the blocks or in `text`, which Slack shows in notifications. Its mentions notify the people
 * named. The expiry is Slack's date token, so each reader sees it in their own time zone.
 */
export function revealCard(card: {
  id: string;
  author: string;
  people: readonly string[];
  dueAtMs: number;
  opened: readonly string[];
}): { text: string; blocks: KnownBlock[] } {
  const forWhom = card.people.length > 0 ? ` for ${namesOf(card.people)}` : '';
  const headline = `:lock: <@${card.author}> shared a secret${forWhom}`;
  const [who, burns] =
    card.people.length > 1
      ? ['Only those named can open it, each alone and once', 'burns once all have']
      : card.people.length === 1
        ? ['Only they can open it, alone and once', 'burns once opened']
        : ['The first person to click *Reveal* sees it, alone and once', 'burns then'];
  const waiting = card.people.filter((p) => !card.opened.includes(p));
  const opened =
    card.opened.length > 0
      ? [
          `:white_check_mark: Opened by ${namesOf(card.opened)}${waiting.length > 0 ? ` · waiting for ${namesOf(waiting)}` : ''}`,
        ]
      : [];
  return {
    text: `${headline} · click Reveal to open it`,
    blocks: [
      {
        type: 'section',
        text: { type: 'mrkdwn', text: headline },
        accessory: {
          type: 'button',
          style: 'primary',
          text: { type: 'plain_text', text: 'Reveal' },
          action_id: ACTION.reveal,
          value: card.id,
        },
      },
      {
        type: 'context',
        elements: [
          { type: 'mrkdwn', text: `${who} · ${burns}, or ${slackDate(card.dueAtMs)} at the latest` },
        ],
      },
      ...opened.map((text): KnownBlock => ({ type: 'context', elements: [{ type: 'mrkdwn', text }] })),
    ],
  };
}

/** The block that holds a shown secret: the privacy scan allows a secret there and nowhere else. */
export const SECRET_BLOCK_ID = 'snap_secret';

/**
 * The secret, shown to the one person who clicked, through their click's `response_url`: a new
 * ephemeral message (`replace_original: false`, or Slack would put it in place of the card,
 * before everyone). Its `text`, which notifications would show, never holds it.
 */
export function secretReply(author: string, secret: string, burned: boolean): Reply {
  const lead = `:lock: The secret <@${author}> shared with you. Only you see it, and only now: ephemeral messages go when you reload.`;
  return {
    response_type: 'ephemeral',
    replace_original: false,
    unfurl_links: false,
    unfurl_media: false,
    text: `:lock: The secret <@${author}> shared with you (only you can see it, this once)`,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: lead } },
      {
        type: 'section',
        block_id: SECRET_BLOCK_ID,
        text: { type: 'mrkdwn', text: `\`\`\`\n${secret}\n\`\`\`` },
      },
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: burned
              ? 'It is burned now: its key is destroyed and its card goes, so snap cannot show it again, to you or anyone.'
              : 'snap will not show it to you again.',
          },
        ],
      },
    ],
  };
}

/** An answer to a click on *Reveal* that shows nothing: a new ephemeral message, the card untouched. */
const revealNote = (text: string): Reply => ({ response_type: 'ephemeral', text, replace_original: false });

export function notForYouReply(people: readonly string[]): Reply {
  return revealNote(`:lock: This secret is for ${namesOf(people)} only. snap showed you nothing.`);
}

/** A click by someone of another organisation (a channel shared through Slack Connect). */
export function notForOtherOrganisationsReply(): Reply {
  return revealNote(
    ':lock: This secret is for people of the workspace it was shared in only. snap showed you nothing.',
  );
}

export function revealAuthorReply(): Reply {
  return revealNote(
    ':lock: This is your secret: the first person to click *Reveal* sees it, once. To burn it now, use `/snap list` or the message menu (⋮ → Delete snap now).',
  );
}

export function alreadyOpenedReply(): Reply {
  return revealNote('You have already opened this secret. snap shows it once, and not again.');
}

export function secretGoneReply(): Reply {
  return revealNote(
    ':lock: This secret is gone: it was opened, its time ran out, or its author deleted it. Nothing can show it again.',
  );
}

/** A reveal refused before anything was posted: someone named is not in the conversation. */
export function notInConversationReply(people: readonly string[]): Reply {
  const are = people.length === 1 ? 'is' : 'are';
  return ephemeral(
    `:lock: Your secret was not sent: ${namesOf(people)} ${are} not in this conversation. Name only people who are here, or add them first. Nothing was posted.`,
  );
}

export function revealUnavailableReply(): Reply {
  return ephemeral(
    'snap could not take your secret right now. Nothing was posted; please try again in a moment.',
  );
}

/** What each person named is told, only them, as the card is about to be posted. */
export function revealComingNote(author: string): string {
  return `:lock: <@${author}> is sharing a secret with you here. Click *Reveal* on the card to see it, alone, once.`;
}

/** …and, if it was not posted after all, so that nobody waits for a card that will not come. */
export function revealNotSentNote(author: string): string {
  return `<@${author}>’s secret was not sent after all: there is nothing to open.`;
}

/** `/snap policy`: the rules here, for anyone; who may change them. */
export function policyReply(
  policy: Policy,
  scope: PolicyScope,
  fallbackSeconds: number,
  canEdit: boolean,
): Reply {
  const lines = describePolicy(policy, scope, fallbackSeconds);
  lines.push(
    canEdit
      ? 'You may change it: `/snap policy max 1d`, `min 10s`, `default 5m`, `reveal off`, `as-user off`, `activity on`, `off #channel`, `reset` — or in snap’s Home tab.'
      : 'Workspace admins and owners change it.',
  );
  return ephemeral(lines.join('\n'));
}

export function policyChangedReply(policy: Policy, scope: PolicyScope, fallbackSeconds: number): Reply {
  return ephemeral(
    [':white_check_mark: Policy changed.', ...describePolicy(policy, scope, fallbackSeconds)].join('\n'),
  );
}

export function notAdminReply(): Reply {
  return ephemeral(
    'Only workspace admins and owners (and org admins on Enterprise Grid) can change snap’s policy. `/snap policy` shows it.',
  );
}

/** A change that would leave the policy contradicting itself. */
export function changeProblemReply(problem: ChangeProblem): Reply {
  switch (problem.problem) {
    case 'min_above_max':
      return ephemeral(
        `That would make the shortest delay (${describeDelay(problem.min)}) longer than the longest (${describeDelay(problem.max)}). Nothing was changed.`,
      );
    case 'default_outside':
      return ephemeral(
        `The default delay (${describeDelay(problem.seconds)}) would fall outside ${describeDelay(problem.min)} – ${describeDelay(problem.max)}. Change the default first (\`/snap policy default …\`), or clear it (\`default off\`). Nothing was changed.`,
      );
    case 'too_many_channels':
      return ephemeral(`snap can be off in at most ${problem.max} conversations. Nothing was changed.`);
  }
}

/**
 * What a rule of the policy says, in a few words (replies, forms and App Home). `schedule`: about
 * making a message the person sent self-destruct (`snap_this`), which acts with their own token.
 */
export function ruleText(rule: PolicyRule, about: 'post' | 'schedule' = 'post'): string {
  switch (rule.rule) {
    case 'min':
      return `this workspace’s policy sets the shortest delay to ${describeDelay(rule.seconds)}`;
    case 'max':
      return `this workspace’s policy sets the longest delay to ${describeDelay(rule.seconds)}`;
    case 'channel_off':
      return 'this workspace’s policy turns snap off in this conversation';
    case 'reveal_off':
      return 'this workspace’s policy turns reveal-once secrets off';
    case 'as_user_off':
      return about === 'schedule'
        ? 'this workspace’s policy turns acting as yourself off, and making a message you sent self-destruct takes your own permission'
        : 'this workspace’s policy turns posting as yourself off, and snap itself cannot post in this conversation';
  }
}

/** A snap (or a reveal-once secret) the policy does not allow: the rule, by name; nothing posted. */
export function policyRefusedReply(rule: PolicyRule, what: 'snap' | 'secret' = 'snap'): Reply {
  const lead = what === 'secret' ? 'Your secret was not shared' : 'Your snap was not posted';
  return ephemeral(`:no_entry: ${lead}: ${ruleText(rule)}. \`/snap policy\` shows every rule.`);
}

/** `snap_this` the policy does not allow (checked again at submission): the rule, by name; nothing scheduled. */
export function scheduleRefusedReply(rule: PolicyRule): Reply {
  return ephemeral(
    `:no_entry: Nothing was scheduled: ${ruleText(rule, 'schedule')}. \`/snap policy\` shows every rule.`,
  );
}

/** `/snap default`: what applies to the person's snaps typed without a delay. */
export function defaultReply(own: number | undefined, applied: number, change?: 'set' | 'cleared'): Reply {
  const lead =
    change === 'set'
      ? ':white_check_mark: Saved. '
      : change === 'cleared'
        ? ':white_check_mark: Cleared. '
        : '';
  const what =
    own !== undefined && own === applied
      ? `Your snaps typed without a delay self-destruct after ${describeDelay(applied)} (your own default).`
      : `Your snaps typed without a delay self-destruct after ${describeDelay(applied)} (the workspace’s default${own !== undefined ? `; yours, ${describeDelay(own)}, is outside its policy` : ''}).`;
  return ephemeral(`${lead}${what} Change it with \`/snap default 10m\`.`);
}

/** A default the person asked for that the policy does not allow. */
export function defaultRefusedReply(rule: PolicyRule): Reply {
  return ephemeral(`That default was not saved: ${ruleText(rule)}.`);
}

/** A shortcut's modal could not be opened (Slack's trigger lasts 3 s): the person tries again. */
export function formNotOpenedReply(): Reply {
  return ephemeral(
    'snap could not open its form in time (Slack gives it 3 seconds). Please use the shortcut again.',
  );
}

/** `snap_this` done: the message self-destructs at its time (files too). */
export function scheduledReply(channel: string, dueAtMs: number, files: number): Reply {
  const withFiles = files ? (files === 1 ? ', with its file,' : `, with its ${files} files,`) : '';
  return ephemeral(
    `:bomb: Your message in <#${channel}>${withFiles} self-destructs ${slackDate(dueAtMs)}. \`/snap list\` shows it, with *Delete now*.`,
  );
}

/** `snap_this` on a message that already self-destructs. */
export function alreadyScheduledReply(channel: string, dueAtMs: number): Reply {
  return ephemeral(
    `That message in <#${channel}> already self-destructs ${slackDate(dueAtMs)}. Nothing changed; \`/snap list\` deletes it now if you like.`,
  );
}

/**
 * A form's "posted" outcome, shown only to its author in the conversation as snap's bot posts
 * there under their name. Slack shows it only to someone in the conversation, so it is also
 * snap's check that they are (the text is never repeated).
 */
export function formPostingNote(what: 'snap' | 'secret', delaySeconds: number): string {
  return what === 'secret'
    ? `:lock: snap is posting your secret's card here. It burns once opened, or in ${describeDelay(delaySeconds)} at the latest.`
    : `:bomb: snap is posting your snap here. It self-destructs in ${describeDelay(delaySeconds)}.`;
}

/** A form's snap for a conversation its author is not in: snap's bot posts only where they could. */
export function authorNotInConversationReply(channel: string, what: 'snap' | 'secret'): Reply {
  const it = what === 'secret' ? 'Your secret was not sent' : 'Your snap was not posted';
  return ephemeral(
    `:lock: ${it}: you are not in <#${channel}>, and snap posts a form's snap only where its author is. Join the conversation first, or choose one you are in. Nothing was posted.`,
  );
}

/** A modal's binding did not open, or is older than a form stays good (poster's own check). */
export function formRefusedReply(why: 'invalid' | 'stale'): Reply {
  return ephemeral(
    why === 'stale'
      ? ':warning: That snap form was opened too long ago, so snap did not act on it. Nothing was posted or scheduled: please use the shortcut again.'
      : ':warning: snap could not check that form, so it did nothing with it. Nothing was posted or scheduled: please use the shortcut again.',
  );
}

/** `snap_this` at submission: the message is not the person's own (the poster's check, again). */
export function notYourMessageReply(): Reply {
  return ephemeral('snap makes only your own messages self-destruct, so it did nothing with that one.');
}

/** `snap_this` at submission: the author's permission is gone (or lacks files). */
export function scheduleNeedsPermissionReply(
  reason: 'none' | 'files',
  authorizeUrl: string | undefined,
): Reply {
  const why =
    reason === 'none'
      ? 'snap no longer has your permission to delete your messages'
      : 'that message has files, and your permission for snap does not cover files';
  const how = authorizeUrl ? ` ${link(authorizeUrl, 'Allow snap again')}, then use the shortcut again.` : '';
  return ephemeral(`:lock: Nothing was scheduled: ${why}.${how}`);
}
