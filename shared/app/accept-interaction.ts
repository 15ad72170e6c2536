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
import type { Reply } from '../domain/replies';
import { authorFailedReply, teamNotAllowedReply, unavailableReply } from '../domain/replies';
import { isRevealId, type RevealOpenRequest } from '../domain/reveal';
import { revealOpenAad } from '../domain/seal';
import { ACTION, SHORTCUT } from '../domain/surfaces';
import { teamServed } from '../domain/teams';
import { errorFields, type Logger } from '../log';
import { type AcceptDeps, handOffAuthor } from './accept-command';
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
 * "Delete now" beside a pending snap. From `/snap list` (an ephemeral message), the answer
 * replaces the list in place with what is left pending.
 */
const deleteButton: InteractionRoute = async (i, deps, log) => {
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

/** Every interaction snap acts on, by `routeKey`. */
export const ROUTES: Readonly<Record<string, InteractionRoute>> = {
  [`message_shortcut:${SHORTCUT.deleteSnap}`]: deleteMessageShortcut,
  [`button:${ACTION.deleteSnap}`]: deleteButton,
  [`button:${ACTION.reveal}`]: revealButton,
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
