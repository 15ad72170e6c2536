/**
 * snap's App Home tab: the person's pending snaps (where, when each goes, whose token posted it,
 * Delete now), their own default delay, the workspace's policy — editable there for admins — and,
 * when an admin turned it on, the last 7 days' activity. Built from records and settings only:
 * no message text exists anywhere snap could show it from.
 *
 * Every control sends a `block_actions` payload (no response_url: the answer is this view,
 * published again). What a control carries back (a select's value, a button's value) can be
 * forged by whoever sends the request, so nothing in it is trusted: the controls function checks
 * the person's role with Slack and every value against the grammar and the policy.
 */
import type { KnownBlock, Option, PlainTextOption } from '@slack/types';
import type { ActivityCounts, ActivitySummary } from './activity';
import { describeDelay } from './delay';
import {
  DELAY_CHOICES,
  defaultDelay,
  describePolicy,
  effectiveMax,
  effectiveMin,
  type Policy,
  type PolicyScope,
} from './policy';
import { isRevealId } from './reveal';
import { ACTION } from './surfaces';

/** Pending snaps shown per page (Slack allows 100 blocks in a view; the rest is settings). */
export const HOME_PAGE_SIZE = 20;

export interface HomeSnap {
  id: string;
  channel: string;
  dueAt: number;
  createdAt: number;
  postedAs?: 'bot' | 'user';
}

export interface HomeModel {
  user: string;
  snaps: HomeSnap[];
  /** Older snaps follow this page. */
  more: boolean;
  /** This page starts before the newest (a "Newest" button leads back). */
  paged: boolean;
  policy: Policy;
  scope: PolicyScope;
  /** The person's own default delay, if they set one. */
  ownDefault?: number;
  fallbackSeconds: number;
  /** Slack says this person is an admin or owner (of the workspace, or of the org on Grid). */
  admin: boolean;
  activity?: ActivitySummary;
  /** What the last action did, or why it was refused. */
  note?: string;
}

const text = (t: string) => ({ type: 'mrkdwn' as const, text: t });
const plain = (t: string) => ({ type: 'plain_text' as const, text: t, emoji: true });

function slackDate(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  const fallback = new Date(seconds * 1000).toISOString().replace('T', ' ').replace('.000Z', ' UTC');
  return `<!date^${seconds}^{date_short_pretty} at {time}|${fallback}>`;
}

const delayOption = (seconds: number): PlainTextOption => ({
  text: plain(describeDelay(seconds)),
  value: String(seconds),
});

/** The delays a select offers: the usual ones within the policy's bounds, plus `extra` when set. */
function delayOptions(policy: Policy, extra?: number, bounded = true): PlainTextOption[] {
  const min = effectiveMin(policy);
  const max = effectiveMax(policy);
  const choices = new Set(DELAY_CHOICES.filter((s) => !bounded || (s >= min && s <= max)));
  if (extra !== undefined) choices.add(extra);
  return [...choices].sort((a, b) => a - b).map(delayOption);
}

export function homeBlocks(model: HomeModel): KnownBlock[] {
  const blocks: KnownBlock[] = [{ type: 'header', text: plain('snap') }];
  if (model.note) blocks.push({ type: 'context', elements: [text(model.note)] });

  blocks.push({
    type: 'section',
    text: text(
      model.snaps.length === 0
        ? model.paged
          ? '*Your pending snaps*\nNo older pending snaps.'
          : '*Your pending snaps*\nYou have no pending snaps. `/snap 30s your message` posts one.'
        : `*Your pending snaps*${model.paged ? ' (older)' : ''}, newest first:`,
    ),
  });
  for (const snap of model.snaps) {
    const whose = snap.postedAs === 'user' ? 'posted as you' : 'posted by snap';
    blocks.push({
      type: 'section',
      // A reveal-once secret is named as one (Delete now burns it), as `/snap list` names it.
      text: text(
        isRevealId(snap.id)
          ? `:lock: A secret in <#${snap.channel}> · burns ${slackDate(snap.dueAt)} at the latest · ${whose}`
          : `In <#${snap.channel}> · self-destructs ${slackDate(snap.dueAt)} · ${whose}`,
      ),
      accessory: {
        type: 'button',
        style: 'danger',
        text: plain('Delete now'),
        action_id: ACTION.deleteSnap,
        value: snap.id,
      },
    });
  }
  const paging = [];
  const last = model.snaps.at(-1);
  if (model.more && last)
    paging.push({
      type: 'button' as const,
      text: plain('Older'),
      action_id: ACTION.homeOlder,
      value: String(last.createdAt),
    });
  if (model.paged)
    paging.push({
      type: 'button' as const,
      text: plain('Newest'),
      action_id: ACTION.homeNewest,
      value: 'newest',
    });
  if (paging.length) blocks.push({ type: 'actions', elements: paging });

  blocks.push({ type: 'divider' });
  const applied = defaultDelay(model.policy, model.ownDefault, model.fallbackSeconds);
  const ownFits = model.ownDefault !== undefined && model.ownDefault === applied;
  const defaultOptions: PlainTextOption[] = [
    { text: plain('The workspace’s default'), value: 'none' },
    ...delayOptions(model.policy),
  ];
  const initial = ownFits
    ? defaultOptions.find((o) => o.value === String(model.ownDefault))
    : defaultOptions[0];
  blocks.push({
    type: 'section',
    text: text(
      `*Your default delay*: ${describeDelay(applied)} (${ownFits ? 'your own' : 'the workspace’s'}), for snaps typed without one.`,
    ),
    accessory: {
      type: 'static_select',
      action_id: ACTION.myDefault,
      placeholder: plain('Choose a delay'),
      options: defaultOptions,
      ...(initial ? { initial_option: initial } : {}),
    },
  });

  blocks.push({ type: 'divider' });
  blocks.push({
    type: 'section',
    text: text(describePolicy(model.policy, model.scope, model.fallbackSeconds).join('\n')),
  });
  if (model.admin) blocks.push(...adminBlocks(model));
  else
    blocks.push({
      type: 'context',
      elements: [text('Workspace admins and owners change the policy here or with `/snap policy`.')],
    });
  return blocks;
}

function adminBlocks(model: HomeModel): KnownBlock[] {
  const p = model.policy;
  // Each option names its rule, so the chosen one reads on its own ("Longest: 1 hour").
  const select = (actionId: string, label: string, none: string, current: number | undefined) => {
    const off: Option = { text: plain(`${label}: ${none}`), value: 'off' };
    const options = [
      off,
      ...delayOptions(p, current, false).map((o) => ({ ...o, text: plain(`${label}: ${o.text.text}`) })),
    ];
    const initial = current === undefined ? off : options.find((o) => o.value === String(current));
    return {
      type: 'static_select' as const,
      action_id: actionId,
      placeholder: plain(label),
      options,
      ...(initial ? { initial_option: initial } : {}),
    };
  };
  const toggle = (label: string, actionId: string, on: boolean) => ({
    type: 'button' as const,
    text: plain(`${label}: turn ${on ? 'off' : 'on'}`),
    action_id: actionId,
    value: on ? 'off' : 'on',
  });
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      text: text('*Change the policy* (you are an admin): shortest, longest and default delay'),
    },
    {
      type: 'actions',
      block_id: 'policy_delays',
      elements: [
        select(ACTION.policyMin, 'Shortest', '1 second', p.minSeconds),
        select(ACTION.policyMax, 'Longest', '7 days', p.maxSeconds),
        select(ACTION.policyDefault, 'Default', 'snap’s own', p.defaultSeconds),
      ],
    },
    {
      type: 'actions',
      block_id: 'policy_switches',
      elements: [
        toggle('Reveal once', ACTION.policyReveal, p.reveal),
        toggle('Posting as yourself', ACTION.policyAsUser, p.asUser),
        toggle('Activity', ACTION.policyActivity, p.activity),
        {
          type: 'button',
          style: 'danger',
          text: plain('Reset policy'),
          action_id: ACTION.policyReset,
          value: 'reset',
          confirm: {
            title: plain('Reset the policy?'),
            text: plain('Every rule goes back to none: delays from 1 second to 7 days, everything on.'),
            confirm: plain('Reset'),
            deny: plain('Cancel'),
          },
        },
      ],
    },
    {
      type: 'section',
      block_id: 'policy_channels',
      text: text('*Conversations where snap is off*'),
      accessory: {
        type: 'multi_conversations_select',
        action_id: ACTION.policyOffChannels,
        placeholder: plain('None'),
        ...(p.offChannels.length ? { initial_conversations: p.offChannels } : {}),
      },
    },
  ];
  if (p.activity) blocks.push(...activityBlocks(model.activity));
  return blocks;
}

const countsText = (c: ActivityCounts) =>
  `${c.posted} posted · ${c.onTime} on time · ${c.early} early · ${c.late} late`;

function activityBlocks(activity: ActivitySummary | undefined): KnownBlock[] {
  if (!activity)
    return [
      { type: 'context', elements: [text('Activity is on: counts appear as snaps are posted and deleted.')] },
    ];
  const lines = (rows: Array<{ id: string; counts: ActivityCounts }>, ref: (id: string) => string) =>
    rows.length ? rows.map((r) => `${ref(r.id)}: ${countsText(r.counts)}`).join('\n') : 'Nothing yet.';
  return [
    {
      type: 'section',
      text: text(
        `*Activity, last ${activity.days} days* (counts only, never text)\n*By conversation*\n${lines(activity.channels, (c) => `<#${c}>`)}`,
      ),
    },
    { type: 'section', text: text(`*By person*\n${lines(activity.people, (u) => `<@${u}>`)}`) },
  ];
}
