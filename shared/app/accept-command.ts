/**
 * ack's use case: a verified slash command becomes either an immediate reply (help, a grammar
 * error, a workspace snap does not serve) or a sealed hand-off. It never calls Slack.
 *
 * One true answer per request: where only the poster (or the controls function) can know how a
 * request ends — posted, refused by a limit, snap not installed, nothing to cancel — ack answers
 * Slack with an empty 200 and the function that knows sends the single reply. A posted snap gets
 * no reply at all: the message appearing is the answer.
 */
import { type DelayLimits, parseCommand } from '../domain/command';
import {
  helpReply,
  invalidReply,
  type Reply,
  revealUnavailableReply,
  teamNotAllowedReply,
  unavailableReply,
} from '../domain/replies';
import {
  type RevealContent,
  type RevealKeyRequest,
  type RevealOpenRequest,
  type RevealPostRequest,
  revealIdOf,
} from '../domain/reveal';
import { sealSecret } from '../domain/reveal-seal';
import { authorAad, homeAad, postAad, revealPostAad, revealSecretAad, type Sealed } from '../domain/seal';
import type {
  AuthorRequest,
  HomeRequest,
  OpenViewRequest,
  PostRequest,
  ScheduleRequest,
  SealedContent,
  SealedSchedule,
  SealedTrigger,
} from '../domain/snap';
import { teamServed } from '../domain/teams';
import { InvokeError } from '../errors';
import { errorFields, type Logger } from '../log';
import type { Common, SlackEvent, SlashCommand } from './ports';

/** The async event ack sends the poster: routing data in the clear, content sealed. */
export type PosterEvent = PostRequest & { sealed: Sealed };

/** An author's request about their snaps; only the response_url is sealed (there is no text). */
export type AuthorEvent = AuthorRequest & { id: string; sealed: Sealed };

/** A reveal for the poster: its secret sealed to the reveal's own key, and that sealed for the trip. */
export type RevealEvent = RevealPostRequest & { sealed: Sealed };

/** A click on *Reveal* for the controls function: only its response_url is sealed. */
export type RevealOpenEvent = RevealOpenRequest & { sealed: Sealed };

/** A shortcut's modal for controls to open: the trigger sealed. */
export type OpenViewEvent = OpenViewRequest & { sealed: Sealed };

/** `snap_this` for the poster: the modal's binding sealed (there is no text). */
export type ScheduleEvent = ScheduleRequest & { sealed: Sealed };

/**
 * Something done in (or opening) App Home: nothing secret travels — there is no response_url, the
 * answer is the view — but the event is sealed all the same, so its clear fields open only as made.
 */
export type HomeEvent = HomeRequest & { id: string; sealed: Sealed };

/**
 * Who takes a hand-off: the **poster** posts snaps; **controls** (the same bundle, deployed with
 * capacity of its own) takes everything else — an author's requests about their snaps, buttons,
 * shortcuts — so that those answer whatever the posting traffic.
 */
export type HandOffTarget = 'poster' | 'controls';

export interface AcceptDeps {
  limits: DelayLimits;
  /** Workspaces served; empty serves all. */
  allowedTeams: ReadonlySet<string>;
  /** Seals `content` with `aad` (the event's clear fields, `postAad`/`authorAad`) as associated data. */
  seal(
    aad: string,
    content:
      | SealedContent
      | RevealContent
      | { responseUrl: string }
      | SealedTrigger
      | SealedSchedule
      | Record<string, never>,
  ): Promise<Sealed>;
  handOff(
    event:
      | PosterEvent
      | AuthorEvent
      | OpenViewEvent
      | ScheduleEvent
      | HomeEvent
      | RevealEvent
      | RevealOpenEvent,
    to: HandOffTarget,
  ): Promise<void>;
  /**
   * Asks the controls function, and waits for it, to make a reveal's own key: its public half
   * (32 bytes), to which the secret is sealed before it leaves ack.
   */
  revealKey(request: RevealKeyRequest): Promise<Uint8Array>;
  now(): number;
  log: Logger;
}

/** The reply to answer Slack with, or undefined for an empty 200 (the hand-off answers). */
export async function acceptCommand(command: SlashCommand, deps: AcceptDeps): Promise<Reply | undefined> {
  const log = deps.log.child({ team: command.team, channel: command.channel, user: command.user });
  const org = command.enterprise ? { enterprise: command.enterprise } : {};
  if (!teamServed(deps.allowedTeams, command)) {
    log.warn('command.team_not_allowed');
    return teamNotAllowedReply();
  }
  const parsed = parseCommand(command.text, deps.limits, command.channel);
  const id = `${command.team}:${command.triggerId}`;
  // A snap's request, and a reveal's too (its id marked, its people added).
  const postRequest = (
    requestId: string,
    delaySeconds: number,
    defaulted: boolean | undefined,
  ): PostRequest => ({
    v: 1,
    id: requestId,
    team: command.team,
    ...org,
    channel: command.channel,
    user: command.user,
    delaySeconds,
    ...(defaulted ? { defaulted: true as const } : {}),
    receivedAt: deps.now(),
  });
  switch (parsed.kind) {
    case 'help':
      log.info('command.help');
      return helpReply(command.command, deps.limits);
    case 'invalid':
      log.info('command.invalid', { problem: parsed.problem });
      return invalidReply(parsed, command.command, deps.limits);
    case 'list':
    case 'cancel':
    case 'revoke':
    case 'policy':
    case 'default': {
      // The policy and defaults live in the table, which ack never reads: controls answers.
      const action =
        parsed.kind === 'policy'
          ? { kind: parsed.kind, ...(parsed.change ? { change: parsed.change } : {}) }
          : parsed.kind === 'default'
            ? { kind: parsed.kind, ...(parsed.seconds !== undefined ? { seconds: parsed.seconds } : {}) }
            : { kind: parsed.kind };
      const handed = await handOffAuthor(
        {
          v: 1,
          action,
          team: command.team,
          ...org,
          channel: command.channel,
          user: command.user,
          receivedAt: deps.now(),
        },
        id,
        command.responseUrl,
        deps,
        log,
      );
      return handed ? undefined : unavailableReply();
    }
    case 'reveal': {
      const request: RevealPostRequest = {
        ...postRequest(revealIdOf(id), parsed.delaySeconds, parsed.defaulted),
        reveal: { for: parsed.people },
      };
      return (await handOffReveal(request, parsed.secret, { responseUrl: command.responseUrl }, deps, log))
        ? undefined
        : revealUnavailableReply();
    }
    case 'snap':
      break;
  }
  try {
    const request = postRequest(id, parsed.delaySeconds, parsed.defaulted);
    const sealed = await deps.seal(postAad(request), { text: parsed.text, responseUrl: command.responseUrl });
    await deps.handOff({ ...request, sealed }, 'poster');
  } catch (error) {
    log.error('command.handoff_failed', { snap: id, ...errorFields(error) });
    return unavailableReply();
  }
  log.info('command.accepted', { snap: id, delaySeconds: parsed.delaySeconds });
  return undefined;
}

/** Hands an author's request to the controls function; false when that failed (already logged). */
export async function handOffAuthor(
  request: AuthorRequest,
  id: string,
  responseUrl: string,
  deps: Pick<AcceptDeps, 'seal' | 'handOff'>,
  log: Logger,
): Promise<boolean> {
  try {
    const sealed = await deps.seal(authorAad(id, request), { responseUrl });
    await deps.handOff({ ...request, id, sealed }, 'controls');
    log.info('author.accepted', { action: request.action.kind, request: id });
    return true;
  } catch (error) {
    log.error('author.handoff_failed', { action: request.action.kind, ...errorFields(error) });
    return false;
  }
}

/**
 * A reveal's way from ack to the poster — `/snap reveal`, and a modal's "Reveal once" choice the
 * same way: the controls function makes the reveal's own key and gives back its public half; the
 * secret is sealed to it here (so no copy of the event, in Lambda's queue or its failure queue,
 * is readable once that key is burned), then sealed once more for the trip like a command's
 * text, bound to every clear field, with where the outcome goes: the command's response_url, or
 * the modal's binding (its `private_metadata`), which the poster opens and checks as for any
 * modal's snap. False when that failed (logged).
 */
export async function handOffReveal(
  request: RevealPostRequest,
  secret: string,
  answer: { responseUrl: string } | { metadata: string },
  deps: Pick<AcceptDeps, 'seal' | 'handOff' | 'revealKey'>,
  log: Logger,
): Promise<boolean> {
  const { id, team, channel, user, receivedAt } = request;
  try {
    const publicKey = await deps.revealKey({
      v: 1,
      kind: 'reveal_key',
      id,
      team,
      ...(request.enterprise ? { enterprise: request.enterprise } : {}),
      channel,
      user,
      receivedAt,
    });
    const content: RevealContent = {
      secret: sealSecret(publicKey, secret, revealSecretAad({ ...request, for: request.reveal.for })),
      ...answer,
    };
    const sealed = await deps.seal(revealPostAad(request), content);
    await deps.handOff({ ...request, sealed }, 'poster');
  } catch (error) {
    log.error('reveal.handoff_failed', { snap: id, ...errorFields(error) });
    return false;
  }
  log.info('reveal.accepted', {
    snap: id,
    delaySeconds: request.delaySeconds,
    people: request.reveal.for.length,
    ...(request.via ? { via: request.via } : {}),
  });
  return true;
}

/**
 * Someone opened snap's Home tab (install's `app_home_opened`): handed to the controls function to
 * draw. A workspace snap does not serve gets none (nothing of it is rendered or read); a failed
 * hand-off throws, so that install answers 5xx and Slack sends the event again — the Home tab is
 * worth a retry.
 */
export async function openHomeTab(
  opened: Extract<SlackEvent, { kind: 'app_home_opened' }>,
  deps: Pick<AcceptDeps, 'seal' | 'handOff' | 'allowedTeams'> & Pick<Common, 'clock'>,
  log: Logger,
): Promise<void> {
  if (!teamServed(deps.allowedTeams, opened)) {
    log.warn('install.team_not_allowed');
    return;
  }
  const request: HomeRequest = {
    v: 1,
    home: { kind: 'open' },
    team: opened.team,
    ...(opened.enterprise ? { enterprise: opened.enterprise } : {}),
    user: opened.user,
    receivedAt: deps.clock.now(),
  };
  if (!(await handOffHome(request, `${opened.team}:${opened.id}`, deps, log)))
    throw new InvokeError('App Home could not be handed to the controls function');
}

/** Hands something done in App Home to the controls function; false when that failed (already logged). */
export async function handOffHome(
  request: HomeRequest,
  id: string,
  deps: Pick<AcceptDeps, 'seal' | 'handOff'>,
  log: Logger,
): Promise<boolean> {
  try {
    const sealed = await deps.seal(homeAad(id, request), {});
    await deps.handOff({ ...request, id, sealed }, 'controls');
    log.info('home.accepted', { home: request.home.kind, request: id });
    return true;
  } catch (error) {
    log.error('home.handoff_failed', { home: request.home.kind, ...errorFields(error) });
    return false;
  }
}
