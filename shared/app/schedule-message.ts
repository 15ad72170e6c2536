/**
 * `snap_this`: a message its author already sent self-destructs at its time, files included,
 * deleted with the author's own token. The poster posts nothing: it checks the view's binding
 * (sealed by controls when it opened the modal — this message, this person, this request), checks
 * again that the message is the author's own and that their permission covers it (files need
 * `files:write`), claims the request, checks the limits, and records the message like a posted
 * snap, `postedAs: user` — so the sweeper, the reaper, `/snap list`, `cancel`, Delete now and
 * `revoke` all treat it like any other. The record holds where the message is, when it goes and
 * its file ids; never its text, which snap never had.
 *
 * The workspace's policy holds here as for a posted snap: snap off in the conversation and a
 * delay outside the bounds are refused, and so is any `snap_this` while posting as yourself is
 * off — it deletes with the author's own token, which the policy then keeps snap from using. The
 * one reply names the rule; nothing is recorded.
 */
import { installUrl, lookupKeys } from '../domain/install';
import { judgeSnap, type PolicyRule } from '../domain/policy';
import {
  alreadyScheduledReply,
  formRefusedReply,
  notYourMessageReply,
  overLimitReply,
  type Reply,
  scheduledReply,
  scheduleNeedsPermissionReply,
  scheduleRefusedReply,
  tooLateReply,
  unavailableReply,
} from '../domain/replies';
import { isSealed, scheduleAad } from '../domain/seal';
import {
  delayWithinLimits,
  isScheduleRequest,
  leaseUntil,
  newRecord,
  pickShard,
  posterWaitsOut,
  type ScheduleRequest,
  staleness,
  tombstone,
} from '../domain/snap';
import { MODAL } from '../domain/surfaces';
import { submissionId, type ViewBinding } from '../domain/view-metadata';
import { SealError, StoreError } from '../errors';
import { errorFields } from '../log';
import { checkLimits } from './limits';
import type { Audience } from './notify';
import type { InstallationReader } from './ports';
import { answerer, claimQuietly, type PostDeps, waiterOf, waitOut } from './post-snap';
import { userOf, workspaceOf } from './speaker';
import { openBinding } from './view-binding';

export interface ScheduleDeps extends PostDeps {
  /** Users' grants (scopes); absent where none can be stored (then nobody has one). */
  users?: { store: Pick<InstallationReader, 'userScopes'> };
}

export type ScheduleOutcome =
  | 'scheduled'
  | 'scheduled_and_deleted'
  | 'already_scheduled'
  | 'duplicate'
  | 'not_author'
  | 'needs_permission'
  /** The workspace's policy does not allow it (snap off there, the delay, acting as yourself off). */
  | 'refused_by_policy'
  | 'limited'
  | 'rejected'
  | 'unavailable';

export async function scheduleMessage(event: unknown, deps: ScheduleDeps): Promise<ScheduleOutcome> {
  const sealed = (event as { sealed?: unknown } | null)?.sealed;
  if (!isScheduleRequest(event) || !isSealed(sealed)) {
    deps.log.error('schedule.event_invalid');
    return 'rejected';
  }
  const request = event;
  const log = deps.log.child({
    team: request.team,
    channel: request.channel,
    ts: request.ts,
    snap: request.id,
  });
  let metadata: string;
  try {
    const opened = (await deps.open(sealed, scheduleAad(request))) as { metadata?: unknown } | null;
    if (typeof opened?.metadata !== 'string') throw new SealError('Sealed schedule has the wrong shape');
    metadata = opened.metadata;
  } catch (error) {
    if (!(error instanceof SealError)) throw error;
    log.error('schedule.seal_invalid', errorFields(error));
    return 'rejected';
  }
  const { clock, store } = deps;
  const privately: Audience = { team: request.team, enterprise: request.enterprise, user: request.user };
  if (staleness(request.receivedAt, clock.now()) || !delayWithinLimits(request.delaySeconds)) {
    log.warn('schedule.event_stale', { ageMs: clock.now() - request.receivedAt });
    if (
      staleness(request.receivedAt, clock.now()) === 'too_old' &&
      (await claimQuietly(deps, request.id, log))
    )
      await answerer(deps, undefined, privately, log)(tooLateReply('request'));
    return 'rejected';
  }
  // The binding: sealed by controls for this person and this modal, fresh, naming this request
  // and this message — and the message theirs (checked when the modal opened, checked again).
  const opened = deps.binding
    ? await openBinding(deps.binding, metadata, request, MODAL.snapThis, clock.now())
    : ({ ok: false, why: 'invalid' } as const);
  const binding = opened.ok ? opened.binding : undefined;
  const bound =
    opened.ok &&
    binding !== undefined &&
    request.id === submissionId(request.team, opened.nonce) &&
    binding.channel === request.channel &&
    binding.ts === request.ts;
  if (!bound || !binding) {
    const why = opened.ok ? 'invalid' : opened.why;
    log.error('schedule.binding_refused', { why });
    await answerer(deps, undefined, privately, log)(formRefusedReply(why));
    return 'rejected';
  }
  // Where the author hears the outcome: beside their message, in its thread if it is in one.
  const tellUser = answerer(
    deps,
    undefined,
    { ...privately, channel: request.channel, threadTs: binding.threadTs },
    log,
  );
  if (binding.author !== request.user) {
    log.warn('schedule.not_author');
    await tellUser(notYourMessageReply());
    return 'not_author';
  }
  const record = newRecord(request, clock.now(), deps.deadline());
  const claim = await store.claim(record);
  if (!claim.claimed) {
    log.info('schedule.duplicate', { existingState: claim.existing?.state ?? 'gone' });
    return 'duplicate';
  }
  const settle = async (why: string, reply: Reply) => {
    try {
      await store.bury(tombstone(request.id, 'done', clock.now()));
    } catch (error) {
      log.warn('poster.settle_failed', { state: 'done', ...errorFields(error) });
    }
    log.info('schedule.refused', { why });
    await tellUser(reply);
  };
  try {
    const already = await store.findByMessage(request.team, request.channel, request.ts);
    if (already && already.id !== request.id) {
      await settle('already_scheduled', alreadyScheduledReply(request.channel, already.dueAt));
      return 'already_scheduled';
    }
    const rule = await policyRefusal(request, deps);
    if (rule === 'unavailable') {
      await settle('policy_unavailable', unavailableReply());
      return 'unavailable';
    }
    if (rule) {
      log.info('schedule.policy_refused', { rule: rule.rule });
      await settle(`policy:${rule.rule}`, scheduleRefusedReply(rule));
      return 'refused_by_policy';
    }
    const refusal = await checkLimits(request, deps, log);
    if (refusal) {
      await settle(`limit:${refusal.limit}`, overLimitReply(refusal, clock.now()));
      return 'limited';
    }
    const permission = await permissionFor(request, binding, deps);
    if (permission !== 'ok') {
      const authorize = deps.publicUrl ? installUrl(deps.publicUrl, 'user') : undefined;
      await settle(`permission:${permission}`, scheduleNeedsPermissionReply(permission, authorize));
      return 'needs_permission';
    }
    // The store just said the author has a token. A warm function may still remember "none" for
    // them from a moment ago (misses are cached briefly) — before they allowed snap, say — and the
    // deletion, here or by the poster's own wait, would then give the message up for good.
    deps.tokens?.forget(userOf(request));
    const files = binding.files ?? [];
    const now = clock.now();
    const waitsOut = posterWaitsOut(record.dueAt, now, deps.sweepPeriodMs);
    const until = leaseUntil(record.dueAt, now);
    await store.markPosted(
      { ...record, postedAs: 'user', ...(files.length ? { files } : {}) },
      request.ts,
      pickShard(),
      waitsOut ? { until, owner: waiterOf(request.id) } : undefined,
    );
    log.info('schedule.scheduled', { dueAt: record.dueAt, files: files.length, waitsOut });
    await tellUser(scheduledReply(request.channel, record.dueAt, files.length));
    if (!waitsOut) return 'scheduled';
    const result = await waitOut(
      { ...record, state: 'posted', ts: request.ts, postedAs: 'user', ...(files.length ? { files } : {}) },
      until,
      deps,
    );
    return result === 'posted' ? 'scheduled' : 'scheduled_and_deleted';
  } catch (error) {
    if (!(error instanceof StoreError)) throw error;
    // Nothing was recorded: the message stays as it was, and the author may try again.
    log.error('schedule.record_failed', errorFields(error));
    await settle('store', unavailableReply());
    return 'unavailable';
  }
}

/**
 * What the workspace's policy says against this `snap_this`: snap off in the conversation, the
 * delay outside the bounds (`judgeSnap`, as for a posted snap: the delay was typed), or acting as
 * yourself off. `unavailable` when the policy cannot be read (nothing is scheduled then).
 */
async function policyRefusal(
  request: ScheduleRequest,
  deps: ScheduleDeps,
): Promise<PolicyRule | 'unavailable' | undefined> {
  if (!deps.settings) return undefined;
  let settings: Awaited<ReturnType<NonNullable<ScheduleDeps['settings']>['settings']>>;
  try {
    settings = await deps.settings.settings(workspaceOf(request));
  } catch (error) {
    deps.log.error('schedule.policy_unavailable', errorFields(error));
    return 'unavailable';
  }
  const judged = judgeSnap(
    settings.policy,
    { channel: request.channel, delaySeconds: request.delaySeconds },
    settings.defaults[request.user],
    request.delaySeconds,
  );
  if (!judged.ok) {
    const { ok: _ok, ...rule } = judged;
    return rule;
  }
  return settings.policy.asUser ? undefined : { rule: 'as_user_off' };
}

/** Whether the author's permission deletes this message: a token at all, and files:write for files. */
async function permissionFor(
  request: ScheduleRequest,
  binding: ViewBinding,
  deps: ScheduleDeps,
): Promise<'ok' | 'none' | 'files'> {
  if (!deps.users) return 'none';
  for (const key of lookupKeys(request)) {
    const scopes = await deps.users.store.userScopes(key, request.user);
    if (!scopes) continue;
    return (binding.files?.length ?? 0) > 0 && !scopes.includes('files:write') ? 'files' : 'ok';
  }
  return 'none';
}
