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
  teamNotAllowedReply,
  unavailableReply,
} from '../domain/replies';
import { authorAad, homeAad, postAad, type Sealed } from '../domain/seal';
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
import { errorFields, type Logger } from '../log';
import type { SlashCommand } from './ports';

/** The async event ack sends the poster: routing data in the clear, content sealed. */
export type PosterEvent = PostRequest & { sealed: Sealed };

/** An author's request about their snaps; only the response_url is sealed (there is no text). */
export type AuthorEvent = AuthorRequest & { id: string; sealed: Sealed };

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
    content: SealedContent | { responseUrl: string } | SealedTrigger | SealedSchedule | Record<string, never>,
  ): Promise<Sealed>;
  handOff(
    event: PosterEvent | AuthorEvent | OpenViewEvent | ScheduleEvent | HomeEvent,
    to: HandOffTarget,
  ): Promise<void>;
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
        `${command.team}:${command.triggerId}`,
        command.responseUrl,
        deps,
        log,
      );
      return handed ? undefined : unavailableReply();
    }
    case 'snap':
      break;
  }
  const id = `${command.team}:${command.triggerId}`;
  try {
    const request: PostRequest = {
      v: 1,
      id,
      team: command.team,
      ...org,
      channel: command.channel,
      user: command.user,
      delaySeconds: parsed.delaySeconds,
      ...(parsed.defaulted ? { defaulted: true as const } : {}),
      receivedAt: deps.now(),
    };
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
