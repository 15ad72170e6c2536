/**
 * snap's modals as data, a submission read back and checked, and the binding a view carries in
 * its private_metadata: sealed for one person, one modal and one request, never text.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { BindingOpener, BindingSealer } from '../../shared/app/ports';
import { bindView, openBinding } from '../../shared/app/view-binding';
import { readDelayWord } from '../../shared/domain/delay';
import {
  authorizeNotice,
  delayWord,
  notYourMessageNotice,
  readSubmission,
  snapModal,
} from '../../shared/domain/modals';
import { sealJson, unsealJson } from '../../shared/domain/seal';
import { MODAL } from '../../shared/domain/surfaces';
import {
  METADATA_MAX_CHARS,
  readMetadata,
  submissionId,
  VIEW_MAX_AGE_MS,
  type ViewBinding,
} from '../../shared/domain/view-metadata';

const LIMITS = { defaultSeconds: 60, maxSeconds: 7 * 86_400 };
const NOW = 1_800_000_000_000;
const ANA = { team: 'T1', user: 'U0ANA' };

/** A view's input blocks: block id → element. */
const inputs = (view: { blocks: unknown[] }) =>
  Object.fromEntries(
    (view.blocks as Array<{ type: string; block_id?: string; element?: Record<string, unknown> }>)
      .filter((b) => b.type === 'input')
      .map((b) => [b.block_id, b.element]),
  );

/** The controls key and the poster's opener, as KMS would give them: one data key both sides. */
function keys() {
  const plain = randomBytes(32);
  const sealer: BindingSealer = { seal: async (aad, value) => sealJson(plain, 'wrapped', value, aad) };
  const opener: BindingOpener = { open: async (sealed, aad) => unsealJson(plain, sealed, aad) };
  return { sealer, opener };
}

describe('the modals', () => {
  it('asks snap_new for a conversation (the current one first), a message and a delay pre-filled with the default', () => {
    const view = snapModal(MODAL.snapNew, { metadata: 'm', defaultSeconds: 90, limits: LIMITS });

    const fields = inputs(view);
    expect(view.callback_id).toBe('snap_new');
    expect(view.private_metadata).toBe('m');
    expect(Object.keys(fields)).toEqual(['conversation', 'text', 'delay']);
    expect(fields.conversation).toMatchObject({
      type: 'conversations_select',
      action_id: 'conversation',
      default_to_current_conversation: true,
    });
    expect(fields.text).toMatchObject({ type: 'plain_text_input', action_id: 'text', multiline: true });
    expect(fields.delay).toMatchObject({ action_id: 'delay', initial_value: '1m30s' });
  });

  it('asks snap_reply for the message and the delay, and snap_this for the delay alone', () => {
    const reply = snapModal(MODAL.snapReply, { metadata: 'm', defaultSeconds: 60, limits: LIMITS });
    const mine = snapModal(MODAL.snapThis, { metadata: 'm', defaultSeconds: 60, limits: LIMITS, files: 2 });

    expect(Object.keys(inputs(reply))).toEqual(['text', 'delay']);
    expect(Object.keys(inputs(mine))).toEqual(['delay']);
    expect(JSON.stringify(mine.blocks)).toContain('its 2 files');
  });

  it('shows another option above the delay, where a later choice (reveal once) goes', () => {
    const option = {
      type: 'input' as const,
      block_id: 'reveal',
      label: { type: 'plain_text' as const, text: 'Reveal once' },
      element: { type: 'checkboxes' as const, action_id: 'reveal', options: [] },
    };

    const view = snapModal(MODAL.snapReply, {
      metadata: 'm',
      defaultSeconds: 60,
      limits: LIMITS,
      extra: [option],
    });

    expect(Object.keys(inputs(view))).toEqual(['text', 'reveal', 'delay']);
  });

  it('explains without a submit button when the message is not yours or snap lacks your permission', () => {
    const notYours = notYourMessageNotice();
    const none = authorizeNotice('none', 'https://snap.example/slack/install?as=user');
    const files = authorizeNotice('files', undefined);

    for (const view of [notYours, none, files]) expect(view.submit).toBeUndefined();
    expect(JSON.stringify(none.blocks)).toContain('https://snap.example/slack/install?as=user');
    expect(JSON.stringify(files.blocks)).toContain('files');
  });

  it('writes every delay so that the /snap grammar reads it back', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 7 * 86_400 }), (seconds) => {
        expect(readDelayWord(delayWord(seconds))).toEqual({ kind: 'delay', seconds });
      }),
    );
  });
});

describe('reading a submission', () => {
  const filled = (delay: string | undefined, text?: string, conversation?: string) => ({
    ...(delay !== undefined ? { delay: { delay: { value: delay } } } : {}),
    ...(text !== undefined ? { text: { text: { value: text } } } : {}),
    ...(conversation !== undefined ? { conversation: { conversation: { selected: conversation } } } : {}),
  });

  it.each([
    ['', 'Give a delay'],
    ['soon', 'not a delay'],
    ['5 m', 'not a delay'],
    ['-5s', 'cannot be negative'],
    ['0s', 'Delays run from 1 second'],
    ['8d', 'Delays run from 1 second'],
  ])('refuses the delay %p under the delay field', (delay, says) => {
    const read = readSubmission(MODAL.snapReply, filled(delay, 'hi'), LIMITS);

    expect(read).toEqual({ ok: false, errors: { delay: expect.stringContaining(says) } });
    if (!read.ok)
      for (const error of Object.values(read.errors)) expect(error.length).toBeLessThanOrEqual(150);
  });

  it('names each missing field under itself, all at once', () => {
    const read = readSubmission(MODAL.snapNew, filled('5m', '   '), LIMITS);

    expect(read).toEqual({
      ok: false,
      errors: { text: expect.stringContaining('Write'), conversation: expect.stringContaining('Pick') },
    });
  });

  it('takes the /snap grammar and keeps the text exactly as typed', () => {
    const text = 'line one\n  *two* <@U1> &amp;';

    expect(readSubmission(MODAL.snapNew, filled(' 1h30m ', text, 'C0GENERAL'), LIMITS)).toEqual({
      ok: true,
      delaySeconds: 5400,
      text,
      channel: 'C0GENERAL',
    });
    expect(readSubmission(MODAL.snapThis, filled('90'), LIMITS)).toEqual({ ok: true, delaySeconds: 90 });
  });
});

describe("a view's binding", () => {
  const mine: ViewBinding = {
    kind: MODAL.snapThis,
    channel: 'C1',
    ts: '1800000000.000100',
    files: ['F1', 'F2'],
    author: 'U0ANA',
  };

  it('opens for the person and modal it was sealed for, naming the request it becomes', async () => {
    const { sealer, opener } = keys();
    const raw = await bindView(sealer, ANA, mine, NOW);

    const opened = await openBinding(opener, raw, ANA, MODAL.snapThis, NOW + 60_000);

    expect(opened).toEqual({ ok: true, nonce: readMetadata(raw)?.n, binding: mine });
    expect(submissionId('T1', readMetadata(raw)?.n ?? '')).toMatch(/^T1:view:[A-Za-z0-9_-]{22}$/);
  });

  it.each([
    ['another person', { team: 'T1', user: 'U0BEN' }, MODAL.snapThis],
    ['the same user id in another workspace', { team: 'T2', user: 'U0ANA' }, MODAL.snapThis],
    [
      'the same person in an org they are not in',
      { team: 'T1', user: 'U0ANA', enterprise: 'E1' },
      MODAL.snapThis,
    ],
    ['another modal', ANA, MODAL.snapReply],
  ])('does not open for %s', async (_case, who, kind) => {
    const { sealer, opener } = keys();
    const raw = await bindView(sealer, ANA, mine, NOW);

    expect(await openBinding(opener, raw, who, kind, NOW)).toEqual({ ok: false, why: 'invalid' });
  });

  it('does not open once its nonce, time or seal is changed', async () => {
    const { sealer, opener } = keys();
    const raw = await bindView(sealer, ANA, mine, NOW);
    const m = JSON.parse(raw) as Record<string, unknown>;
    const forged = [
      { ...m, n: 'AAAAAAAAAAAAAAAAAAAAAA' },
      { ...m, at: NOW + 1 },
      { ...m, s: { ...(m.s as object), data: Buffer.from('x'.repeat(40)).toString('base64') } },
    ].map((f) => JSON.stringify(f));

    for (const f of forged)
      expect(await openBinding(opener, f, ANA, MODAL.snapThis, NOW)).toEqual({ ok: false, why: 'invalid' });
    expect(await openBinding(opener, 'not json', ANA, MODAL.snapThis, NOW)).toEqual({
      ok: false,
      why: 'invalid',
    });
  });

  it('is refused once older than a form stays good', async () => {
    const { sealer, opener } = keys();
    const raw = await bindView(sealer, ANA, mine, NOW);

    expect(await openBinding(opener, raw, ANA, MODAL.snapThis, NOW + VIEW_MAX_AGE_MS + 1)).toEqual({
      ok: false,
      why: 'stale',
    });
  });

  it('carries where and whose, never text, within Slack’s 3,000 characters with many files', async () => {
    const { sealer } = keys();
    const files = Array.from({ length: 20 }, (_, i) => `F0${String(i).padStart(9, '0')}`);

    const raw = await bindView(sealer, ANA, { ...mine, files }, NOW);

    expect(raw.length).toBeLessThan(METADATA_MAX_CHARS);
    expect(readMetadata(raw)).toMatchObject({ v: 1, at: NOW, c: 'C1', t: '1800000000.000100' });
  });
});
