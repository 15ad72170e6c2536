/**
 * Interaction payloads as Slack sends them to `POST /slack/interactions` for snap's shortcuts and
 * modals: a global shortcut, a message shortcut (which carries the message, its text included,
 * as Slack's does), and a view submission (the view's state as the person filled it in). The
 * sandbox page, the tests and the benchmark build them here, so all play Slack alike.
 */
import type { StandInMessage, StandInView } from './slack-stand-in';

export interface Who {
  team: string;
  user: string;
  /** The person's name (Slack sends it; snap ignores it). */
  name?: string;
  enterprise?: string;
}

const actor = (who: Who) => ({
  team: {
    id: who.team,
    domain: who.team.toLowerCase(),
    ...(who.enterprise ? { enterprise_id: who.enterprise } : {}),
  },
  user: { id: who.user, username: who.name ?? who.user, name: who.name ?? who.user, team_id: who.team },
  ...(who.enterprise ? { enterprise: { id: who.enterprise } } : {}),
  api_app_id: 'A0SANDBOX',
  token: 'deprecated-verification-token',
});

/** The ⚡ menu or the composer: a global shortcut. */
export function globalShortcut(who: Who, callbackId: string, triggerId: string): Record<string, unknown> {
  return {
    type: 'shortcut',
    ...actor(who),
    callback_id: callbackId,
    trigger_id: triggerId,
    action_ts: `${Date.now() / 1000}`,
    is_enterprise_install: false,
  };
}

/** A message's ⋮ menu: a message shortcut, with the message as Slack sends it (text and all). */
export function messageShortcut(
  who: Who,
  callbackId: string,
  triggerId: string,
  message: Pick<StandInMessage, 'channel' | 'ts' | 'text' | 'user' | 'botId' | 'threadTs' | 'files'>,
  responseUrl: string,
): Record<string, unknown> {
  return {
    type: 'message_action',
    ...actor(who),
    callback_id: callbackId,
    trigger_id: triggerId,
    response_url: responseUrl,
    action_ts: `${Date.now() / 1000}`,
    channel: { id: message.channel, name: message.channel },
    message_ts: message.ts,
    message: {
      type: 'message',
      ts: message.ts,
      text: message.text,
      ...(message.user ? { user: message.user } : {}),
      ...(message.botId ? { bot_id: message.botId, subtype: 'bot_message' } : {}),
      ...(message.threadTs ? { thread_ts: message.threadTs } : {}),
      ...(message.files?.length
        ? { files: message.files.map((f) => ({ id: f.id, name: f.name, user: f.user })) }
        : {}),
    },
  };
}

/** What a person typed or picked in a modal's fields, by snap's input ids. */
export interface Filled {
  delay?: string;
  text?: string;
  conversation?: string;
  /** "Reveal once" ticked (the box's option value is `reveal_once`). */
  reveal?: boolean;
  /** The people picked for it (a multi_users_select: Slack sends the list, empty when none). */
  revealFor?: string[];
}

/** The modal submitted, its state as Slack reports it. */
export function viewSubmission(who: Who, opened: Pick<StandInView, 'id' | 'view'>, filled: Filled) {
  const values: Record<string, Record<string, unknown>> = {};
  if (filled.delay !== undefined) values.delay = { delay: { type: 'plain_text_input', value: filled.delay } };
  if (filled.text !== undefined) values.text = { text: { type: 'plain_text_input', value: filled.text } };
  if (filled.conversation !== undefined)
    values.conversation = {
      conversation: { type: 'conversations_select', selected_conversation: filled.conversation },
    };
  // As Slack reports a modal's checkboxes and people picker: every input, chosen or not.
  if (filled.reveal !== undefined || filled.revealFor !== undefined) {
    values.reveal = {
      reveal: {
        type: 'checkboxes',
        selected_options: filled.reveal
          ? [{ text: { type: 'plain_text', text: 'Share it as a secret' }, value: 'reveal_once' }]
          : [],
      },
    };
    values.reveal_for = {
      reveal_for: { type: 'multi_users_select', selected_users: filled.revealFor ?? [] },
    };
  }
  return {
    type: 'view_submission',
    ...actor(who),
    trigger_id: `${Date.now()}.submit.${Math.random().toString(16).slice(2, 10)}`,
    view: {
      id: opened.id,
      type: 'modal',
      callback_id: opened.view.callback_id,
      private_metadata: opened.view.private_metadata ?? '',
      state: { values },
      hash: `${Date.now()}.hash`,
    },
    response_urls: [],
  };
}
