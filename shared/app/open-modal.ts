/**
 * The controls function opens the modal a shortcut asks for (`views.open` with the shortcut's
 * `trigger_id`, which Slack honours once, for 3 s from the click). ack never calls Slack's Web API
 * nor reads the table, so it hands the trigger here, sealed; controls holds the bot token.
 *
 * `snap_this` is checked here first: only on a message the clicker wrote (Slack's word for the
 * message's `user`, in the signed payload), and only with their own permission — with files
 * too when the message has files. Otherwise the modal explains, and nothing is bound. The poster
 * checks again when it acts, on the sealed binding this function put in the view.
 *
 * The workspace's policy is looked at here too, where the form would be of no use: snap off in
 * the message's conversation (`snap_reply`, `snap_this`), or posting as yourself off (`snap_this`
 * acts with the author's own token) — the modal names the rule instead. The delay field starts
 * from the person's default (default-delay.ts). Whatever is submitted, the poster holds it to the
 * policy again, as it stands then.
 */
import type { ModalView } from '@slack/types';
import type { DelayLimits } from '../domain/command';
import { installUrl, lookupKeys } from '../domain/install';
import {
  authorizeNotice,
  notYourMessageNotice,
  policyNotice,
  revealChoiceBlocks,
  snapModal,
} from '../domain/modals';
import { effectiveMax, effectiveMin, type PolicyRule } from '../domain/policy';
import { formNotOpenedReply, ruleText } from '../domain/replies';
import { isSealed, openViewAad, type Sealed } from '../domain/seal';
import {
  isOpenViewRequest,
  type OpenViewRequest,
  type SealedTrigger,
  staleness,
  tombstone,
} from '../domain/snap';
import { MODAL } from '../domain/surfaces';
import type { ViewBinding } from '../domain/view-metadata';
import { NoTokenError, SealError, SlackCallError } from '../errors';
import { errorFields, type Logger } from '../log';
import { defaultDelayFor, settingsFor } from './default-delay';
import type {
  BindingSealer,
  Common,
  InstallationReader,
  Settings,
  SettingsSource,
  SlackPort,
  StorePort,
} from './ports';
import { authorOf, botOf } from './speaker';
import { bindView } from './view-binding';

export interface OpenModalDeps extends Common {
  store: Pick<StorePort, 'claimRequest'>;
  slack: Pick<SlackPort, 'openView' | 'reply'>;
  /** Opens ack's seal (the trigger) bound to `aad`. */
  open(sealed: Sealed, aad: string): Promise<unknown>;
  /** Seals a view's binding; absent where no KMS key is configured for it (no modals then). */
  binder: BindingSealer | undefined;
  limits: DelayLimits;
  /** For the link that lets snap act as someone (`?as=user`); absent without install. */
  publicUrl?: string;
  /** Users' grants; absent where none can be stored. */
  users?: { store: Pick<InstallationReader, 'userScopes'> };
  /** The workspace's policy and its people's defaults (cached); absent: no policy, ack's default. */
  settings?: Pick<SettingsSource, 'settings'>;
}

export type OpenModalOutcome =
  | 'opened'
  | 'not_author'
  | 'needs_authorization'
  /** The policy leaves the form no use (snap off there, or posting as yourself off): it says which rule. */
  | 'refused_by_policy'
  | 'duplicate'
  | 'rejected'
  | 'trigger_expired'
  | 'failed';

/** Files need `files:write`; someone who allowed snap before it asked for files has `chat:write` only. */
async function grantOf(request: OpenViewRequest, deps: OpenModalDeps): Promise<'none' | 'text' | 'files'> {
  if (!deps.users) return 'none';
  for (const key of lookupKeys(request)) {
    const scopes = await deps.users.store.userScopes(key, request.user);
    if (scopes) return scopes.includes('files:write') ? 'files' : 'text';
  }
  return 'none';
}

export async function openModal(event: unknown, deps: OpenModalDeps): Promise<OpenModalOutcome> {
  const sealed = (event as { sealed?: unknown } | null)?.sealed;
  if (!isOpenViewRequest(event) || !isSealed(sealed)) {
    deps.log.error('modal.event_invalid');
    return 'rejected';
  }
  const request = event;
  const log = deps.log.child({
    team: request.team,
    user: request.user,
    modal: request.callback,
    request: request.id,
  });
  let trigger: SealedTrigger;
  try {
    const opened = (await deps.open(sealed, openViewAad(request))) as Partial<SealedTrigger> | null;
    if (typeof opened?.triggerId !== 'string') throw new SealError('Sealed trigger has the wrong shape');
    trigger = {
      triggerId: opened.triggerId,
      ...(typeof opened.responseUrl === 'string' ? { responseUrl: opened.responseUrl } : {}),
    };
  } catch (error) {
    if (!(error instanceof SealError)) throw error;
    log.error('modal.seal_invalid', errorFields(error));
    return 'rejected';
  }
  if (staleness(request.receivedAt, deps.clock.now())) {
    // Hours late (Lambda's queue): the trigger died long ago, and so did the person's interest.
    log.warn('modal.event_stale', { ageMs: deps.clock.now() - request.receivedAt });
    return 'rejected';
  }
  if (!(await deps.store.claimRequest(tombstone(request.id, 'done', deps.clock.now())))) {
    log.info('modal.duplicate');
    return 'duplicate';
  }
  if (!deps.binder) {
    log.error('modal.no_binding_key');
    return 'failed';
  }
  let outcome: Awaited<ReturnType<typeof viewFor>>[0];
  let view: ModalView;
  try {
    [outcome, view] = await viewFor(request, deps, deps.binder);
  } catch (error) {
    // The request id is spent (a retry by Lambda would do nothing): the person is told to try
    // again where they clicked, if Slack gave a place, rather than left with a dead click.
    log.error('modal.failed', errorFields(error));
    if (trigger.responseUrl) await replyQuietly(deps, trigger.responseUrl, log);
    return 'failed';
  }
  const openedAt = deps.clock.now();
  try {
    await deps.slack.openView(botOf(request), trigger.triggerId, view);
  } catch (error) {
    const code = error instanceof SlackCallError ? error.code : undefined;
    const expired = code === 'expired_trigger_id' || code === 'exchanged_trigger_id';
    log.warn(expired ? 'modal.trigger_expired' : 'modal.open_failed', {
      ...errorFields(error),
      sinceClickMs: openedAt - request.receivedAt,
    });
    if (!(error instanceof SlackCallError || error instanceof NoTokenError)) throw error;
    // A message shortcut can still be answered where it was used; a global one has nowhere to.
    if (trigger.responseUrl) await replyQuietly(deps, trigger.responseUrl, log);
    return expired ? 'trigger_expired' : 'failed';
  }
  log.info('modal.opened', { outcome, sinceClickMs: deps.clock.now() - request.receivedAt });
  return outcome;
}

async function replyQuietly(deps: OpenModalDeps, responseUrl: string, log: Logger) {
  try {
    await deps.slack.reply(responseUrl, formNotOpenedReply());
  } catch (error) {
    log.warn('modal.reply_failed', errorFields(error));
  }
}

async function viewFor(
  request: OpenViewRequest,
  deps: OpenModalDeps,
  binder: BindingSealer,
): Promise<['opened' | 'not_author' | 'needs_authorization' | 'refused_by_policy', ModalView]> {
  const authorizeUrl = deps.publicUrl ? installUrl(deps.publicUrl, 'user') : undefined;
  const message = request.message;
  // Read once here (cached): unreadable settings open the form all the same (the poster checks).
  const settings = await settingsFor(authorOf(request), deps);
  const refusal = policyRefusal(request, settings);
  if (refusal)
    return [
      'refused_by_policy',
      policyNotice(
        request.callback,
        ruleText(refusal, request.callback === MODAL.snapThis ? 'schedule' : 'post'),
      ),
    ];
  let binding: ViewBinding;
  let files = 0;
  switch (request.callback) {
    case MODAL.snapNew:
      binding = { kind: MODAL.snapNew };
      break;
    case MODAL.snapReply:
      if (!message) throw new SealError('A reply needs its message');
      binding = { kind: MODAL.snapReply, channel: message.channel, threadTs: message.threadTs ?? message.ts };
      break;
    case MODAL.snapThis: {
      if (!message) throw new SealError('snap_this needs its message');
      // snap's own check: the user's token could delete more than their own messages (an admin's
      // deletes anyone's), and Slack would let it.
      if (message.author !== request.user) return ['not_author', notYourMessageNotice()];
      const grant = await grantOf(request, deps);
      if (grant === 'none') return ['needs_authorization', authorizeNotice('none', authorizeUrl)];
      if (message.files.length > 0 && grant === 'text')
        return ['needs_authorization', authorizeNotice('files', authorizeUrl)];
      files = message.files.length;
      binding = {
        kind: MODAL.snapThis,
        channel: message.channel,
        ts: message.ts,
        ...(message.threadTs ? { threadTs: message.threadTs } : {}),
        ...(files ? { files: message.files } : {}),
        author: message.author,
      };
      break;
    }
  }
  const metadata = await bindView(binder, request, binding, deps.clock.now());
  const defaultSeconds = defaultDelayFor(authorOf(request), { limits: deps.limits, settings });
  // "Reveal once" where the form posts a message and the policy allows secrets (the poster
  // refuses one all the same if the policy turns them off meanwhile).
  const offersReveal = request.callback !== MODAL.snapThis && (settings?.policy.reveal ?? true);
  return [
    'opened',
    snapModal(request.callback, {
      metadata,
      defaultSeconds,
      limits: deps.limits,
      files,
      ...(offersReveal ? { extra: revealChoiceBlocks() } : {}),
      ...(settings
        ? { bounds: { minSeconds: effectiveMin(settings.policy), maxSeconds: effectiveMax(settings.policy) } }
        : {}),
    }),
  ];
}

/**
 * A rule that leaves this form no use, known from where the shortcut was used: snap off in the
 * message's conversation; for `snap_this`, posting as yourself off (it deletes with the author's
 * own token, which the policy then does not let snap use).
 */
function policyRefusal(request: OpenViewRequest, settings: Settings | undefined): PolicyRule | undefined {
  if (!settings) return undefined;
  const channel = request.message?.channel;
  if (channel !== undefined && settings.policy.offChannels.includes(channel)) return { rule: 'channel_off' };
  if (request.callback === MODAL.snapThis && !settings.policy.asUser) return { rule: 'as_user_off' };
  return undefined;
}
