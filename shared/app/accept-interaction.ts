/**
 * ack's use case for `POST /slack/interactions`: one router for every shortcut, button and view
 * snap puts in Slack. A verified interaction is looked up by its kind and its callback or action
 * id in `ROUTES`; each route is a small use case that answers Slack within its 3 s — an empty
 * 200, a reply, a view's validation errors — and hands the work on, sealed where it carries
 * anything a person typed. An interaction no route claims is answered with an empty 200 and
 * logged by its kind and id only.
 *
 * A new surface adds an entry to `ROUTES`; it does not add a second router.
 */
import { readSubmission } from '../domain/modals';
import { type PolicyChange, readChannelRef, readPolicyDelay } from '../domain/policy';
import type { Reply } from '../domain/replies';
import { authorFailedReply, teamNotAllowedReply, unavailableReply } from '../domain/replies';
import { isRevealId, type RevealOpenRequest, type RevealPostRequest, revealIdOf } from '../domain/reveal';
import { openViewAad, postAad, revealOpenAad, scheduleAad } from '../domain/seal';
import type { HomeAction, OpenViewRequest, PostRequest, ScheduleRequest } from '../domain/snap';
import { ACTION, INPUT, isModalKind, MODAL, SHORTCUT } from '../domain/surfaces';
import { teamServed } from '../domain/teams';
import { metadataFresh, readMetadata, submissionId } from '../domain/view-metadata';
import { InvokeError } from '../errors';
import { errorFields, type Logger } from '../log';
import { type AcceptDeps, handOffAuthor, handOffHome, handOffReveal } from './accept-command';
import type { Interaction } from './ports';

/** What ack answers Slack with for an interaction, within its 3 s. */
export type InteractionAnswer =
  /** An empty 200: taken (or ignored); whoever takes it over answers the person, if anyone. */
  | { kind: 'ok' }
  /** A JSON reply in the HTTP answer (Slack shows it where the interaction allows one). */
  | { kind: 'reply'; reply: Reply }
  /** A modal's submission refused: an error under each named input (keyed by block id); the modal stays. */
  | { kind: 'errors'; errors: Record<string, string> };

export type InteractionDeps = Omit<AcceptDeps, 'limits'> & Partial<Pick<AcceptDeps, 'limits'>>;

export type InteractionRoute = (
  interaction: Interaction,
  deps: InteractionDeps,
  log: Logger,
) => Promise<InteractionAnswer>;

/** The key a route is found by: the interaction's kind and its callback or action id. */
export function routeKey(interaction: Interaction): string {
  switch (interaction.kind) {
    case 'shortcut':
    case 'message_shortcut':
    case 'view_submission':
    case 'view_closed':
      return `${interaction.kind}:${interaction.callbackId}`;
    case 'button':
      return `button:${interaction.actionId}`;
  }
}

/** An author's request handed on; Slack needs only the empty 200, the controls function answers. */
const handed = (ok: boolean): InteractionAnswer =>
  ok ? { kind: 'ok' } : { kind: 'reply', reply: unavailableReply() };

/** "Delete snap now" on a message's menu: delete that snap early, if the clicker wrote it. */
const deleteMessageShortcut: InteractionRoute = async (i, deps, log) => {
  if (i.kind !== 'message_shortcut') return { kind: 'ok' };
  return handed(
    await handOffAuthor(
      {
        v: 1,
        action: { kind: 'delete_message', ts: i.message.ts },
        team: i.team,
        ...(i.enterprise ? { enterprise: i.enterprise } : {}),
        channel: i.message.channel,
        user: i.user,
        receivedAt: deps.now(),
      },
      i.id,
      i.responseUrl,
      deps,
      log,
    ),
  );
};

/**
 * Something done in App Home, handed to the controls function, which does it and publishes the
 * Home tab again: that view is the answer, so Slack gets an empty 200 (there is no response_url
 * to answer on). Only clicks in a view count; the values are read here as grammar only — the
 * controls function decides what they may do (the role from Slack, the policy's bounds).
 */
const homeRoute =
  (read: (i: Extract<Interaction, { kind: 'button' }>) => HomeAction | undefined): InteractionRoute =>
  async (i, deps, log) => {
    if (i.kind !== 'button' || i.container !== 'view') return { kind: 'ok' };
    const home = read(i);
    if (!home) {
      log.warn('home.value_rejected', { action: i.actionId });
      return { kind: 'ok' };
    }
    const request = {
      v: 1 as const,
      home,
      team: i.team,
      ...(i.enterprise ? { enterprise: i.enterprise } : {}),
      user: i.user,
      receivedAt: deps.now(),
    };
    // Nothing to show a failure in but the view itself, which controls publishes: logged only.
    await handOffHome(request, i.id, deps, log);
    return { kind: 'ok' };
  };

/** A select's delay (`off`/`none`: no rule), within snap's absolute limits; undefined if malformed. */
const delayValue = (value: string): number | null | undefined =>
  /^(\d{1,7}|off|none)$/.test(value) ? readPolicyDelay(value) : undefined;

const policyDelay = (kind: 'min' | 'max' | 'default') =>
  homeRoute((i) => {
    const seconds = delayValue(i.value);
    return seconds === undefined ? undefined : { kind: 'policy', change: { kind, seconds } };
  });

const policySwitch = (kind: 'reveal' | 'as_user' | 'activity') =>
  homeRoute((i) =>
    i.value === 'on' || i.value === 'off'
      ? { kind: 'policy', change: { kind, on: i.value === 'on' } satisfies PolicyChange }
      : undefined,
  );

/**
 * "Delete now" beside a pending snap. From `/snap list` (an ephemeral message), the answer
 * replaces the list in place with what is left pending; from App Home, the Home tab is published
 * again.
 */
const deleteButton: InteractionRoute = async (i, deps, log) => {
  if (i.kind === 'button' && i.container === 'view')
    return homeRoute((b) => (b.value !== '' ? { kind: 'delete', snapId: b.value } : undefined))(i, deps, log);
  if (i.kind !== 'button' || !i.responseUrl || i.value === '') return { kind: 'ok' };
  const fromList = i.container === 'ephemeral';
  return handed(
    await handOffAuthor(
      {
        v: 1,
        action: { kind: 'delete', snapId: i.value, ...(fromList ? { list: true } : {}) },
        team: i.team,
        ...(i.enterprise ? { enterprise: i.enterprise } : {}),
        channel: i.channel ?? '',
        user: i.user,
        receivedAt: deps.now(),
      },
      i.id,
      i.responseUrl,
      deps,
      log,
    ),
  );
};

/**
 * "Reveal" on a reveal-once card: handed to the controls function, which decides from the record
 * — never from the payload — what the clicker may see, and answers them alone through the
 * click's response_url (sealed on the way). A button that is not a card's (no message, a value
 * that names no reveal) is acknowledged and left alone.
 */
const revealButton: InteractionRoute = async (i, deps, log) => {
  if (
    i.kind !== 'button' ||
    i.container !== 'message' ||
    !i.responseUrl ||
    !i.channel ||
    !i.messageTs ||
    !isRevealId(i.value)
  ) {
    log.warn('reveal.click_invalid');
    return { kind: 'ok' };
  }
  const request: RevealOpenRequest = {
    v: 1,
    kind: 'reveal_open',
    id: i.id,
    revealId: i.value,
    messageTs: i.messageTs,
    team: i.team,
    ...(i.enterprise ? { enterprise: i.enterprise } : {}),
    channel: i.channel,
    user: i.user,
    ...(i.home ? { home: i.home } : {}),
    receivedAt: deps.now(),
  };
  try {
    const sealed = await deps.seal(revealOpenAad(request), { responseUrl: i.responseUrl });
    await deps.handOff({ ...request, sealed }, 'controls');
  } catch (error) {
    log.error('reveal.click_handoff_failed', errorFields(error));
    // Never in place of the card: a new note to the clicker.
    return { kind: 'reply', reply: { ...authorFailedReply(), replace_original: false } };
  }
  log.info('reveal.click_accepted', { request: i.id });
  return { kind: 'ok' };
};

/**
 * A shortcut that opens a modal (`snap_new`, `snap_reply`, `snap_this`): the trigger, sealed, to
 * the controls function, which holds the bot token and opens the view within the trigger's 3 s.
 * The message a message shortcut was used on travels as where it is, who wrote it and its file
 * ids — its text stayed behind in the reader.
 */
const openModalRoute: InteractionRoute = async (i, deps, log) => {
  if ((i.kind !== 'shortcut' && i.kind !== 'message_shortcut') || !isModalKind(i.callbackId))
    return { kind: 'ok' };
  const request: OpenViewRequest = {
    v: 1,
    kind: 'open_view',
    id: i.id,
    team: i.team,
    ...(i.enterprise ? { enterprise: i.enterprise } : {}),
    user: i.user,
    callback: i.callbackId,
    ...(i.kind === 'message_shortcut' ? { message: i.message } : {}),
    receivedAt: deps.now(),
  };
  try {
    const sealed = await deps.seal(openViewAad(request), {
      triggerId: i.triggerId,
      ...(i.kind === 'message_shortcut' ? { responseUrl: i.responseUrl } : {}),
    });
    await deps.handOff({ ...request, sealed }, 'controls');
  } catch (error) {
    log.error('modal.handoff_failed', errorFields(error));
    return { kind: 'reply', reply: unavailableReply() };
  }
  log.info('modal.accepted', { request: i.id });
  return { kind: 'ok' };
};

/**
 * A modal submitted. ack checks what it can alone — the fields (the delay in the `/snap`
 * grammar, the message, the conversation, the "Reveal once" choice and whom it is for) and that
 * the form is snap's and fresh — and answers a problem within Slack's 3 s under its field
 * (`response_action: errors`: the modal stays open, the text in it). Otherwise the text is sealed
 * exactly like a command's and handed to the poster with the view's binding, which the poster
 * opens and checks; with "Reveal once", it goes the way `/snap reveal` goes (`handOffReveal`:
 * sealed to the reveal's own key first). The empty 200 closes the modal, and the poster's outcome
 * reaches the author once.
 */
const submitModalRoute: InteractionRoute = async (i, deps, log) => {
  if (i.kind !== 'view_submission' || !isModalKind(i.callbackId)) return { kind: 'ok' };
  const kind = i.callbackId;
  const limits = deps.limits ?? { defaultSeconds: 60, maxSeconds: 7 * 86_400 };
  const read = readSubmission(kind, i.values, limits);
  if (!read.ok) {
    log.info('modal.invalid', { fields: Object.keys(read.errors).join(',') });
    return { kind: 'errors', errors: read.errors };
  }
  // Where an error about the form itself shows: under the message if there is one, else the delay.
  const formField = kind === MODAL.snapThis ? INPUT.delay : INPUT.text;
  const metadata = readMetadata(i.privateMetadata);
  const routed =
    metadata && (kind === MODAL.snapNew || (metadata.c !== undefined && metadata.t !== undefined));
  if (!metadata || !routed) {
    log.warn('modal.metadata_invalid');
    return {
      kind: 'errors',
      errors: { [formField]: 'snap could not read this form. Close it and use the shortcut again.' },
    };
  }
  const now = deps.now();
  if (!metadataFresh(metadata.at, now)) {
    log.info('modal.stale', { ageMs: now - metadata.at });
    return {
      kind: 'errors',
      errors: {
        [formField]:
          kind === MODAL.snapThis
            ? 'This form was opened too long ago. Close it and use the shortcut again.'
            : 'This form was opened too long ago. Copy your message, close it and use the shortcut again.',
      },
    };
  }
  const id = submissionId(i.team, metadata.n);
  const org = i.enterprise ? { enterprise: i.enterprise } : {};
  try {
    if (kind === MODAL.snapThis) {
      const request: ScheduleRequest = {
        v: 1,
        kind: 'schedule',
        id,
        team: i.team,
        ...org,
        channel: metadata.c ?? '',
        ts: metadata.t ?? '',
        user: i.user,
        delaySeconds: read.delaySeconds,
        receivedAt: now,
      };
      const sealed = await deps.seal(scheduleAad(request), { metadata: i.privateMetadata });
      await deps.handOff({ ...request, sealed }, 'poster');
    } else {
      const request: PostRequest = {
        v: 1,
        id,
        team: i.team,
        ...org,
        channel: kind === MODAL.snapNew ? (read.channel ?? '') : (metadata.c ?? ''),
        user: i.user,
        delaySeconds: read.delaySeconds,
        receivedAt: now,
        via: kind,
        ...(kind === MODAL.snapReply ? { threadTs: metadata.t ?? '' } : {}),
      };
      if (read.reveal) {
        // The view's own request id, marked as a reveal's: the poster checks it against the binding.
        const reveal: RevealPostRequest = {
          ...request,
          id: revealIdOf(id),
          reveal: { for: read.reveal.for },
        };
        // The secret leaves ack only sealed to the reveal's key; a modal has no response_url, so
        // the binding travels with it instead, and the outcome goes through notify.ts.
        if (!(await handOffReveal(reveal, read.text ?? '', { metadata: i.privateMetadata }, deps, log)))
          throw new InvokeError('The reveal was not handed on');
      } else {
        const sealed = await deps.seal(postAad(request), {
          text: read.text ?? '',
          metadata: i.privateMetadata,
        });
        await deps.handOff({ ...request, sealed }, 'poster');
      }
    }
  } catch (error) {
    log.error('modal.handoff_failed', { request: id, ...errorFields(error) });
    return {
      kind: 'errors',
      errors: {
        [formField]: 'snap could not take it right now. Nothing was sent; please try again in a moment.',
      },
    };
  }
  log.info('modal.submitted', {
    request: id,
    delaySeconds: read.delaySeconds,
    ...(read.reveal ? { reveal: true } : {}),
  });
  return { kind: 'ok' };
};

/** Every interaction snap acts on, by `routeKey`. */
export const ROUTES: Readonly<Record<string, InteractionRoute>> = {
  [`message_shortcut:${SHORTCUT.deleteSnap}`]: deleteMessageShortcut,
  [`button:${ACTION.deleteSnap}`]: deleteButton,
  [`button:${ACTION.reveal}`]: revealButton,
  [`button:${ACTION.homeOlder}`]: homeRoute((i) =>
    /^\d{1,15}$/.test(i.value) && Number(i.value) > 0 ? { kind: 'page', before: Number(i.value) } : undefined,
  ),
  [`button:${ACTION.homeNewest}`]: homeRoute(() => ({ kind: 'page' })),
  [`button:${ACTION.myDefault}`]: homeRoute((i) => {
    const seconds = delayValue(i.value);
    return seconds === undefined ? undefined : { kind: 'my_default', seconds };
  }),
  [`button:${ACTION.policyMin}`]: policyDelay('min'),
  [`button:${ACTION.policyMax}`]: policyDelay('max'),
  [`button:${ACTION.policyDefault}`]: policyDelay('default'),
  [`button:${ACTION.policyReveal}`]: policySwitch('reveal'),
  [`button:${ACTION.policyAsUser}`]: policySwitch('as_user'),
  [`button:${ACTION.policyActivity}`]: policySwitch('activity'),
  [`button:${ACTION.policyOffChannels}`]: homeRoute((i) => {
    const channels = (i.selected ?? []).map(readChannelRef);
    if (!i.selected || channels.some((c) => c === undefined)) return undefined;
    return { kind: 'policy', change: { kind: 'off_channels', channels: channels as string[] } };
  }),
  [`button:${ACTION.policyReset}`]: homeRoute((i) =>
    i.value === 'reset' ? { kind: 'policy', change: { kind: 'reset' } } : undefined,
  ),
  [`shortcut:${SHORTCUT.snapNew}`]: openModalRoute,
  [`message_shortcut:${SHORTCUT.snapReply}`]: openModalRoute,
  [`message_shortcut:${SHORTCUT.snapThis}`]: openModalRoute,
  [`view_submission:${MODAL.snapNew}`]: submitModalRoute,
  [`view_submission:${MODAL.snapReply}`]: submitModalRoute,
  [`view_submission:${MODAL.snapThis}`]: submitModalRoute,
};

export async function acceptInteraction(
  interaction: Interaction,
  deps: InteractionDeps,
  routes: Readonly<Record<string, InteractionRoute>> = ROUTES,
): Promise<InteractionAnswer> {
  const key = routeKey(interaction);
  const log = deps.log.child({ team: interaction.team, user: interaction.user, interaction: key });
  if (!teamServed(deps.allowedTeams, interaction)) {
    log.warn('ack.team_not_allowed');
    return { kind: 'reply', reply: teamNotAllowedReply() };
  }
  const route = routes[key];
  if (!route) {
    log.info('ack.interaction_ignored');
    return { kind: 'ok' };
  }
  return route(interaction, deps, log);
}
