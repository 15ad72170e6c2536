/**
 * snap's modals as data: what each shortcut opens, and how a submission is read back and checked.
 * A view is built from a list of blocks, so another option (a reveal-once choice, say) is one
 * more entry in `extra`, shown above the delay, read back by its own block id.
 *
 * Nothing here holds message text but the person's own input on its way to the seal: the views
 * carry no text snap was given, and `private_metadata` carries the sealed binding only
 * (shared/domain/view-metadata.ts).
 */
import type { InputBlock, KnownBlock, ModalView, PlainTextElement } from '@slack/types';
import type { DelayLimits } from './command';
import { describeDelay, MIN_DELAY_SECONDS, readDelayWord } from './delay';
import { escapeMrkdwn, MAX_REVEAL_PEOPLE, MAX_SECRET_CHARS, REVEAL_OPTION, USER_ID } from './reveal';
import { INPUT, MODAL, type ModalKind } from './surfaces';

/** Slack's longest plain_text_input (and one section block's worth of text). */
export const MODAL_TEXT_MAX = 3000;

const plain = (text: string): PlainTextElement => ({ type: 'plain_text', text, emoji: true });

/** A delay as the grammar writes it, for the pre-filled field: 90 → `1m30s`, 3600 → `1h`. */
export function delayWord(totalSeconds: number): string {
  const units: Array<[number, string]> = [
    [86400, 'd'],
    [3600, 'h'],
    [60, 'm'],
    [1, 's'],
  ];
  let rest = Math.max(0, Math.round(totalSeconds));
  let out = '';
  for (const [size, unit] of units) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0) out += `${n}${unit}`;
  }
  return out || '0s';
}

const TITLES: Record<ModalKind, string> = {
  [MODAL.snapNew]: 'New snap',
  [MODAL.snapReply]: 'Reply with a snap',
  [MODAL.snapThis]: 'Self-destruct',
};

function delayBlock(defaultSeconds: number, limits: DelayLimits, bounds?: DelayBounds): InputBlock {
  const min = Math.max(MIN_DELAY_SECONDS, bounds?.minSeconds ?? MIN_DELAY_SECONDS);
  const max = Math.min(limits.maxSeconds, bounds?.maxSeconds ?? limits.maxSeconds);
  return {
    type: 'input',
    block_id: INPUT.delay,
    label: plain('Self-destructs after'),
    hint: plain(
      `Like 30s, 5m, 2h, 1d or 1h30m (a bare number is seconds), from ${describeDelay(min)} to ${describeDelay(max)}.`,
    ),
    element: {
      type: 'plain_text_input',
      action_id: INPUT.delay,
      initial_value: delayWord(defaultSeconds),
      max_length: 32,
    },
  };
}

function textBlock(): InputBlock {
  return {
    type: 'input',
    block_id: INPUT.text,
    label: plain('Message'),
    element: {
      type: 'plain_text_input',
      action_id: INPUT.text,
      multiline: true,
      max_length: MODAL_TEXT_MAX,
      focus_on_load: true,
      placeholder: plain('Deleted from Slack at its time; snap keeps none of it.'),
    },
  };
}

function conversationBlock(): InputBlock {
  return {
    type: 'input',
    block_id: INPUT.conversation,
    label: plain('Post in'),
    element: {
      type: 'conversations_select',
      action_id: INPUT.conversation,
      // Pre-set to where the ⚡ menu or composer was opened, where Slack gives it.
      default_to_current_conversation: true,
      filter: { include: ['public', 'private', 'im', 'mpim'], exclude_bot_users: true },
    },
  };
}

/**
 * The "Reveal once" choice of `snap_new` and `snap_reply` (one `extra` entry each): a checkbox and
 * a people picker. Ticked, the message typed is a secret: the conversation sees a card with a
 * *Reveal* button, and each person picked (anyone there, if no one is) sees it alone, once. It
 * burns when all have, or after the form's delay at the latest.
 */
export function revealChoiceBlocks(): KnownBlock[] {
  return [
    {
      type: 'input',
      block_id: INPUT.reveal,
      optional: true,
      label: plain('Reveal once'),
      element: {
        type: 'checkboxes',
        action_id: INPUT.reveal,
        options: [
          {
            text: plain('Share it as a secret'),
            // Slack's limit for an option's description: 75 characters.
            description: plain('A Reveal button instead: each person sees it alone, once'),
            value: REVEAL_OPTION,
          },
        ],
      },
    },
    {
      type: 'input',
      block_id: INPUT.revealFor,
      optional: true,
      label: plain('For'),
      hint: plain(
        `With Reveal once: up to ${MAX_REVEAL_PEOPLE} people in the conversation (no one: the first to click). It burns once all have opened it, or after the delay below.`,
      ),
      element: {
        type: 'multi_users_select',
        action_id: INPUT.revealFor,
        max_selected_items: MAX_REVEAL_PEOPLE,
        placeholder: plain('Anyone in the conversation'),
      },
    },
  ];
}

/** The delays the workspace's policy allows (shown in the field's hint; the poster holds them). */
export interface DelayBounds {
  minSeconds: number;
  maxSeconds: number;
}

export interface ModalOptions {
  /** The sealed binding (view-metadata.ts); never text. */
  metadata: string;
  /** The delay the field starts with: the user's default. */
  defaultSeconds: number;
  limits: DelayLimits;
  /** Whether the message has files (snap_this: they go with it). */
  files?: number;
  /** More inputs, shown above the delay (`revealChoiceBlocks`). */
  extra?: KnownBlock[];
  /** The policy's bounds, when the workspace has one. */
  bounds?: DelayBounds;
}

/** The modal a shortcut opens. */
export function snapModal(kind: ModalKind, options: ModalOptions): ModalView {
  const intro: KnownBlock[] =
    kind === MODAL.snapReply
      ? [context('Posted in the thread of the message you picked; deleted on time like any snap.')]
      : kind === MODAL.snapThis
        ? [
            context(
              `snap deletes this message of yours at its time${options.files ? `, and its ${options.files === 1 ? 'file' : `${options.files} files`}` : ''}, with your own permission. It keeps where the message is and when it goes — never what it says.`,
            ),
          ]
        : [];
  const inputs: KnownBlock[] =
    kind === MODAL.snapNew
      ? [conversationBlock(), textBlock()]
      : kind === MODAL.snapReply
        ? [textBlock()]
        : [];
  return {
    type: 'modal',
    callback_id: kind,
    title: plain(TITLES[kind]),
    submit: plain(kind === MODAL.snapThis ? 'Schedule' : 'Send'),
    close: plain('Cancel'),
    private_metadata: options.metadata,
    blocks: [
      ...intro,
      ...inputs,
      ...(options.extra ?? []),
      delayBlock(options.defaultSeconds, options.limits, options.bounds),
    ] as ModalView['blocks'],
  };
}

const context = (text: string): KnownBlock => ({ type: 'context', elements: [{ type: 'mrkdwn', text }] });

/** A modal that only explains (no submit): why snap cannot do what the shortcut asks. */
export function noticeModal(kind: ModalKind, text: string): ModalView {
  return {
    type: 'modal',
    callback_id: `${kind}_notice`,
    title: plain(TITLES[kind]),
    close: plain('OK'),
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }],
  };
}

const link = (url: string, label: string) => `<${url}|${label}>`;

/** `snap_this` on a message someone else wrote (or an app posted). */
export function notYourMessageNotice(): ModalView {
  return noticeModal(
    MODAL.snapThis,
    ':no_entry: snap makes only *your own* messages self-destruct. This one was written by someone else (or by an app), so snap leaves it alone — even where your permission could delete it.',
  );
}

/** A form the workspace's policy leaves no use for: the rule, by name (`ruleText`). */
export function policyNotice(kind: ModalKind, rule: string): ModalView {
  return noticeModal(
    kind,
    `:no_entry: ${rule.charAt(0).toUpperCase()}${rule.slice(1)}. \`/snap policy\` shows every rule.`,
  );
}

/**
 * `snap_this` without the author's own permission (or, for a message with files, without the
 * files part of it). Without install deployed there is no link to give.
 */
export function authorizeNotice(reason: 'none' | 'files', authorizeUrl: string | undefined): ModalView {
  const why =
    reason === 'none'
      ? 'To delete a message you already sent, snap needs your own permission: Slack lets only you (or an admin) delete your messages.'
      : 'This message has files. To delete them with it, snap needs your permission for files too — you gave it before snap asked for that.';
  const how = authorizeUrl
    ? `${link(authorizeUrl, reason === 'none' ? 'Let snap act as you' : 'Allow snap again, with files')}, then use the shortcut again. Take it back any time with \`/snap revoke\`.`
    : 'This installation of snap cannot ask for it (it has no sign-in page): ask whoever runs it.';
  return noticeModal(MODAL.snapThis, `:lock: ${why}\n${how}`);
}

/**
 * What a submission asks for, or an error under each field that is wrong (by block id). `reveal`:
 * "Reveal once" was ticked — `text` is then the secret, escaped as Slack escapes a command's
 * (`escapeMrkdwn`) — for the people picked.
 */
export type ReadSubmission =
  | { ok: true; delaySeconds: number; text?: string; channel?: string; reveal?: { for: string[] } }
  | { ok: false; errors: Record<string, string> };

export type DelayProblem = 'missing' | 'not_a_delay' | 'negative' | 'out_of_range';

/** The delay field, in the `/snap` grammar: one word, in range. */
export function readModalDelay(
  raw: string | undefined,
  limits: DelayLimits,
): { ok: true; seconds: number } | { ok: false; problem: DelayProblem } {
  const word = (raw ?? '').trim();
  if (word === '') return { ok: false, problem: 'missing' };
  if (/\s/.test(word)) return { ok: false, problem: 'not_a_delay' };
  const read = readDelayWord(word);
  if (read.kind === 'not_a_delay') return { ok: false, problem: 'not_a_delay' };
  if (read.kind === 'negative') return { ok: false, problem: 'negative' };
  if (read.seconds < MIN_DELAY_SECONDS || read.seconds > limits.maxSeconds)
    return { ok: false, problem: 'out_of_range' };
  return { ok: true, seconds: read.seconds };
}

/** What is said under the delay field (Slack shows at most 150 characters there). */
export function delayError(problem: DelayProblem, limits: DelayLimits): string {
  const range = `from 1 second to ${describeDelay(limits.maxSeconds)}`;
  switch (problem) {
    case 'missing':
      return `Give a delay, like 30s, 5m or 1h30m (${range}).`;
    case 'not_a_delay':
      return `That is not a delay. Try 30s, 5m, 2h, 1d or 1h30m.`;
    case 'negative':
      return `A delay cannot be negative: ${range}.`;
    case 'out_of_range':
      return `Delays run ${range}.`;
  }
}

/** Reads and checks a submitted modal's fields (Slack's `view.state.values`). */
export function readSubmission(
  kind: ModalKind,
  values: Record<string, Record<string, { value?: string; selected?: string; selectedList?: string[] }>>,
  limits: DelayLimits,
): ReadSubmission {
  const errors: Record<string, string> = {};
  const delay = readModalDelay(values[INPUT.delay]?.[INPUT.delay]?.value, limits);
  if (!delay.ok) errors[INPUT.delay] = delayError(delay.problem, limits);
  let text: string | undefined;
  if (kind !== MODAL.snapThis) {
    text = values[INPUT.text]?.[INPUT.text]?.value ?? '';
    if (text.trim() === '') errors[INPUT.text] = 'Write the message to send.';
    else if (text.length > MODAL_TEXT_MAX)
      errors[INPUT.text] = `At most ${MODAL_TEXT_MAX} characters here; /snap takes longer ones.`;
  }
  let channel: string | undefined;
  if (kind === MODAL.snapNew) {
    channel = values[INPUT.conversation]?.[INPUT.conversation]?.selected;
    if (!channel || !/^[CDG][A-Z0-9]{2,30}$/.test(channel))
      errors[INPUT.conversation] = 'Pick the conversation to post in.';
  }
  let reveal: { for: string[] } | undefined;
  if (kind !== MODAL.snapThis) {
    const asked = values[INPUT.reveal]?.[INPUT.reveal]?.selectedList?.includes(REVEAL_OPTION) === true;
    const people = values[INPUT.revealFor]?.[INPUT.revealFor]?.selectedList ?? [];
    if (!asked && people.length > 0)
      // Never a secret posted for all to read because a box was left unticked.
      errors[INPUT.reveal] = 'Tick Reveal once to share it with the people picked, or clear them.';
    if (asked) {
      if (people.length > MAX_REVEAL_PEOPLE)
        errors[INPUT.revealFor] = `A secret can be for up to ${MAX_REVEAL_PEOPLE} people.`;
      else if (!people.every((p) => USER_ID.test(p)) || new Set(people).size !== people.length)
        errors[INPUT.revealFor] = 'Pick people from this workspace.';
      const length = text === undefined ? 0 : escapeMrkdwn(text).length;
      if (text !== undefined && !errors[INPUT.text] && length > MAX_SECRET_CHARS)
        errors[INPUT.text] =
          `A secret takes up to ${MAX_SECRET_CHARS.toLocaleString('en-US')} characters (this is ${length.toLocaleString('en-US')}).`;
      reveal = { for: people };
    }
  }
  if (Object.keys(errors).length > 0 || !delay.ok) return { ok: false, errors };
  return {
    ok: true,
    delaySeconds: delay.seconds,
    ...(text !== undefined ? { text: reveal ? escapeMrkdwn(text) : text } : {}),
    ...(channel ? { channel } : {}),
    ...(reveal ? { reveal } : {}),
  };
}
