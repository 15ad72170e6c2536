/**
 * Reveal once beyond `/snap reveal`: the "Reveal once" choice in the snap_new and snap_reply
 * modals (offered by controls, read and handed off by ack the way the command goes, acted on by
 * the poster under the view's binding, its outcome told through notify.ts), and the workspace's
 * policy holding a reveal like any snap — reveal off, snap off in the conversation, the delay's
 * bounds, a reveal's own default.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import type { AcceptDeps } from '../../shared/app/accept-command';
import { acceptInteraction } from '../../shared/app/accept-interaction';
import { openModal } from '../../shared/app/open-modal';
import type { BindingOpener, BindingSealer, Interaction, SettingsSource } from '../../shared/app/ports';
import { postSnap } from '../../shared/app/post-snap';
import { bindView } from '../../shared/app/view-binding';
import { readSubmission, revealChoiceBlocks } from '../../shared/domain/modals';
import { OPEN_POLICY, type Policy } from '../../shared/domain/policy';
import {
  isRevealPostRequest,
  MAX_REVEAL_PEOPLE,
  MAX_SECRET_CHARS,
  REVEAL_OPTION,
  type RevealContent,
  type RevealPostRequest,
  revealIdOf,
} from '../../shared/domain/reveal';
import { openSecret, revealPublicKey } from '../../shared/domain/reveal-seal';
import { revealSecretAad, sealJson, unsealJson } from '../../shared/domain/seal';
import type { OpenViewRequest } from '../../shared/domain/snap';
import { INPUT, MODAL } from '../../shared/domain/surfaces';
import { readMetadata, submissionId, type ViewBinding } from '../../shared/domain/view-metadata';
import { createLogger } from '../../shared/log';
import { captureLogs, posterFakes } from '../support/fakes';

const NOW = 1_800_000_000_000;
const LIMITS = { defaultSeconds: 300, maxSeconds: 7 * 86_400 };
const ANA = { team: 'T0ACME', user: 'U0ANA' };
const THREAD = '1799999990.000100';
const SEALED = { key: 'k', iv: 'i', data: 'd' };
const SECRET = 'the vault opens with 0451';

const settingsOf = (policy: Partial<Policy>, defaults: Record<string, number> = {}): SettingsSource => ({
  settings: async () => ({ policy: { ...OPEN_POLICY, ...policy }, scope: 'workspace', defaults }),
  forget: () => {},
});

function viewKeys() {
  const plain = randomBytes(32);
  const sealer: BindingSealer = { seal: async (aad, value) => sealJson(plain, 'wrapped', value, aad) };
  const opener: BindingOpener = { open: async (sealed, aad) => unsealJson(plain, sealed, aad) };
  return { sealer, opener };
}

async function bound(binding: ViewBinding) {
  const k = viewKeys();
  const metadata = await bindView(k.sealer, ANA, binding, NOW);
  return { metadata, nonce: readMetadata(metadata)?.n ?? '', opener: k.opener };
}

type Values = Record<string, Record<string, { value?: string; selected?: string; selectedList?: string[] }>>;

const ticked = (people: string[] = []): Values => ({
  [INPUT.reveal]: { [INPUT.reveal]: { selectedList: [REVEAL_OPTION] } },
  [INPUT.revealFor]: { [INPUT.revealFor]: { selectedList: people } },
});

const submission = (callbackId: string, privateMetadata: string, values: Values): Interaction =>
  ({
    ...ANA,
    id: 'T0ACME:view:V1',
    kind: 'view_submission',
    callbackId,
    viewId: 'V1',
    privateMetadata,
    values: Object.fromEntries(
      Object.entries(values).map(([b, inputs]) => [
        b,
        Object.fromEntries(Object.entries(inputs).map(([a, v]) => [a, { type: 'input', ...v }])),
      ]),
    ),
  }) as Interaction;

/** ack on fakes; the controls function's key made for real, its private half kept to check the seal. */
function ack(options: { keyFails?: boolean } = {}) {
  const handed: Array<{ event: Record<string, unknown>; to: string }> = [];
  const sealedWith: Array<{ aad: string; content: unknown }> = [];
  const keyRequests: Array<Record<string, unknown>> = [];
  const privateKey = randomBytes(32);
  const lines: string[] = [];
  const deps: AcceptDeps = {
    limits: LIMITS,
    allowedTeams: new Set(),
    seal: async (aad, content) => {
      sealedWith.push({ aad, content });
      return SEALED;
    },
    handOff: async (event, to) => {
      handed.push({ event: event as unknown as Record<string, unknown>, to });
    },
    revealKey: async (request) => {
      keyRequests.push(request as unknown as Record<string, unknown>);
      if (options.keyFails) throw new Error('controls timed out');
      return revealPublicKey(privateKey);
    },
    now: () => NOW,
    log: createLogger({ fn: 'test' }, (line) => lines.push(line)),
  };
  return { deps, handed, sealedWith, keyRequests, privateKey, lines };
}

describe('the modals’ "Reveal once" choice, as data', () => {
  it('is a checkbox and a people picker, each input’s block id its action id, for at most the people a secret may name', () => {
    const [box, people] = revealChoiceBlocks() as Array<{
      block_id: string;
      optional: boolean;
      element: { type: string; action_id: string; max_selected_items?: number; options?: unknown[] };
    }>;

    expect([box?.block_id, box?.element.action_id, box?.element.type, box?.optional]).toEqual([
      INPUT.reveal,
      INPUT.reveal,
      'checkboxes',
      true,
    ]);
    expect(box?.element.options).toEqual([expect.objectContaining({ value: REVEAL_OPTION })]);
    expect([people?.block_id, people?.element.action_id, people?.element.type, people?.optional]).toEqual([
      INPUT.revealFor,
      INPUT.revealFor,
      'multi_users_select',
      true,
    ]);
    expect(people?.element.max_selected_items).toBe(MAX_REVEAL_PEOPLE);
  });

  it('reads a ticked box as a secret for the people picked, escaped as Slack escapes a command’s text', () => {
    const read = readSubmission(
      MODAL.snapReply,
      {
        text: { text: { value: 'a <b> & c' } },
        delay: { delay: { value: '1h' } },
        ...ticked(['U0BEN', 'W0EVE']),
      },
      LIMITS,
    );

    expect(read).toEqual({
      ok: true,
      delaySeconds: 3600,
      text: 'a &lt;b&gt; &amp; c',
      reveal: { for: ['U0BEN', 'W0EVE'] },
    });
  });

  it.each([
    [
      'people picked with the box left unticked (never a secret posted for all)',
      { [INPUT.revealFor]: { [INPUT.revealFor]: { selectedList: ['U0BEN'] } } },
      'hi',
      INPUT.reveal,
    ],
    [
      'more people than a secret may name',
      ticked(Array.from({ length: MAX_REVEAL_PEOPLE + 1 }, (_, i) => `U0P${String(i).padStart(3, '0')}`)),
      'hi',
      INPUT.revealFor,
    ],
    ['something that is not a person', ticked(['C0GENERAL']), 'hi', INPUT.revealFor],
    [
      'a secret longer than one block shows, counted as escaped',
      ticked(),
      '&'.repeat(Math.floor(MAX_SECRET_CHARS / 5) + 1),
      INPUT.text,
    ],
  ])('keeps the form open with an error under its field for %s', (_case, extra, text, field) => {
    const read = readSubmission(
      MODAL.snapReply,
      { text: { text: { value: text } }, delay: { delay: { value: '1h' } }, ...extra },
      LIMITS,
    );

    expect(read.ok).toBe(false);
    expect(Object.keys(read.ok ? {} : read.errors)).toEqual([field]);
  });

  it('takes an unticked box and no one picked as a plain snap, and ignores the choice on snap_this', () => {
    const plain = readSubmission(
      MODAL.snapNew,
      {
        text: { text: { value: 'a & b' } },
        delay: { delay: { value: '5m' } },
        conversation: { conversation: { selected: 'C0GENERAL' } },
        [INPUT.reveal]: { [INPUT.reveal]: { selectedList: [] } },
      },
      LIMITS,
    );
    const scheduled = readSubmission(
      MODAL.snapThis,
      { delay: { delay: { value: '5m' } }, ...ticked() },
      LIMITS,
    );

    expect(plain).toEqual({ ok: true, delaySeconds: 300, text: 'a & b', channel: 'C0GENERAL' });
    expect(scheduled).toEqual({ ok: true, delaySeconds: 300 });
  });
});

describe('controls offering the choice', () => {
  const openRequest = (callback: OpenViewRequest['callback']) => ({
    v: 1 as const,
    kind: 'open_view' as const,
    id: `T0ACME:trig.${callback}`,
    ...ANA,
    callback,
    ...(callback === MODAL.snapNew
      ? {}
      : { message: { channel: 'C1', ts: THREAD, author: 'U0ANA', files: [] as string[] } }),
    receivedAt: NOW,
    sealed: SEALED,
  });
  async function opened(callback: OpenViewRequest['callback'], settings?: SettingsSource) {
    const { store, slack, clock } = posterFakes(NOW);
    const outcome = await openModal(openRequest(callback), {
      store,
      slack,
      clock,
      log: captureLogs().log,
      open: async () => ({ triggerId: 'trig.1' }),
      binder: viewKeys().sealer,
      limits: LIMITS,
      users: { store: { userScopes: async () => ['chat:write', 'files:write'] } },
      ...(settings ? { settings } : {}),
    });
    const ids = (slack.views[0]?.view.blocks ?? []).map((b) => (b as { block_id?: string }).block_id);
    return { outcome, ids };
  }

  it('shows "Reveal once" and whom it is for above the delay in snap_new and snap_reply, never in snap_this', async () => {
    const created = await opened(MODAL.snapNew);
    const reply = await opened(MODAL.snapReply);
    const own = await opened(MODAL.snapThis);

    expect(created.ids.filter(Boolean)).toEqual([
      INPUT.conversation,
      INPUT.text,
      INPUT.reveal,
      INPUT.revealFor,
      INPUT.delay,
    ]);
    expect(reply.ids.filter(Boolean)).toEqual([INPUT.text, INPUT.reveal, INPUT.revealFor, INPUT.delay]);
    expect(own.ids).not.toContain(INPUT.reveal);
  });

  it('leaves the choice out where the policy turns reveal-once secrets off', async () => {
    const { outcome, ids } = await opened(MODAL.snapNew, settingsOf({ reveal: false }));

    expect(outcome).toBe('opened');
    expect(ids).not.toContain(INPUT.reveal);
    expect(ids).not.toContain(INPUT.revealFor);
  });
});

describe('ack handing a modal’s secret on', () => {
  it('asks controls for the reveal’s key, seals the secret to it, and hands the poster a reveal under the view’s request id with its binding', async () => {
    // Prepare
    const { metadata, nonce } = await bound({ kind: MODAL.snapReply, channel: 'C1', threadTs: THREAD });
    const { deps, handed, sealedWith, keyRequests, privateKey } = ack();

    // Act
    const answer = await acceptInteraction(
      submission(MODAL.snapReply, metadata, {
        text: { text: { value: SECRET } },
        delay: { delay: { value: '1h' } },
        ...ticked(['U0BEN']),
      }),
      deps,
    );

    // Assess
    const id = revealIdOf(submissionId('T0ACME', nonce));
    expect(answer).toEqual({ kind: 'ok' });
    expect(keyRequests).toEqual([
      expect.objectContaining({ kind: 'reveal_key', id, channel: 'C1', user: 'U0ANA' }),
    ]);
    expect(handed).toHaveLength(1);
    const event = handed[0]?.event as unknown as RevealPostRequest;
    expect(handed[0]?.to).toBe('poster');
    expect(isRevealPostRequest(event)).toBe(true);
    expect(event).toMatchObject({
      id,
      via: 'snap_reply',
      threadTs: THREAD,
      delaySeconds: 3600,
      reveal: { for: ['U0BEN'] },
    });
    const content = sealedWith[0]?.content as RevealContent;
    expect(content.metadata).toBe(metadata);
    expect(content.responseUrl).toBeUndefined();
    expect(openSecret(privateKey, content.secret, revealSecretAad({ ...event, for: ['U0BEN'] }))).toBe(
      SECRET,
    );
    // Nowhere else in clear: not in the event, not in what was sealed for the trip.
    expect(JSON.stringify([handed, sealedWith])).not.toContain('0451');
  });

  it('keeps the form open, the secret in it, when no key comes: nothing handed on, nothing logged of it', async () => {
    const { metadata } = await bound({ kind: MODAL.snapNew });
    const { deps, handed, lines } = ack({ keyFails: true });

    const answer = await acceptInteraction(
      submission(MODAL.snapNew, metadata, {
        text: { text: { value: SECRET } },
        delay: { delay: { value: '1h' } },
        conversation: { conversation: { selected: 'C0GENERAL' } },
        ...ticked(),
      }),
      deps,
    );

    expect(answer).toEqual({
      kind: 'errors',
      errors: { text: expect.stringContaining('could not take it') },
    });
    expect(handed).toEqual([]);
    expect(lines.join('\n')).toContain('reveal.handoff_failed');
    expect(lines.join('\n')).not.toContain('0451');
  });
});

describe('the poster, a reveal from a modal', () => {
  /** A reveal from a reply modal, its key made, as ack hands it on. */
  /** A reveal from a reply modal, where the conversations hold only these `members`. */
  const replyRevealIn = (members: Map<string, Set<string>>) => replyReveal({}, { members });

  async function replyReveal(
    change: Partial<RevealPostRequest> = {},
    options: { policy?: Partial<Policy>; members?: Map<string, Set<string>> } = {},
  ) {
    const { metadata, nonce, opener } = await bound({
      kind: MODAL.snapReply,
      channel: 'C1',
      threadTs: THREAD,
    });
    const id = revealIdOf(submissionId('T0ACME', nonce));
    const secret = { v: 1 as const, epk: 'e', iv: 'i', data: 'd' };
    const fakes = posterFakes(NOW, {
      binding: opener,
      open: async () => ({ secret, metadata }),
      ...(options.policy ? { settings: settingsOf(options.policy) } : {}),
    });
    await fakes.reveals.create(
      { id, wrappedKey: randomBytes(8), publicKey: randomBytes(32), team: 'T0ACME', channel: 'C1' },
      Math.ceil(NOW / 1000) + 900,
    );
    for (const [channel, people] of options.members ?? []) fakes.slack.members.set(channel, people);
    const request: RevealPostRequest = {
      v: 1,
      id,
      ...ANA,
      channel: 'C1',
      delaySeconds: 3600,
      receivedAt: NOW,
      via: 'snap_reply',
      threadTs: THREAD,
      reveal: { for: ['U0BEN'] },
      ...change,
    };
    const outcome = await postSnap({ ...request, sealed: SEALED }, fakes.deps);
    return { ...fakes, outcome, id };
  }

  it('posts the card in the bound thread, tells its author it is posting and the person named there, attaches the secret, and says nothing more', async () => {
    const { outcome, slack, reveals, store, id } = await replyReveal();

    expect(outcome).toBe('posted');
    expect(slack.posts).toEqual([
      expect.objectContaining({
        channel: 'C1',
        threadTs: THREAD,
        text: expect.stringContaining('shared a secret'),
      }),
    ]);
    // The author first (snap's check that they are in the thread's conversation), then Ben.
    expect(slack.ephemerals.map((e) => [e.user, e.threadTs])).toEqual([
      ['U0ANA', THREAD],
      ['U0BEN', THREAD],
    ]);
    expect(slack.ephemerals[0]?.text).toContain("snap is posting your secret's card here");
    expect(reveals.items.get(id)?.secret).toBeDefined();
    expect(store.records.get(id)?.reveal).toEqual({ for: ['U0BEN'], opened: [] });
    expect(slack.replies).toEqual([]);
  });

  it('sends no card for an author who is not in the conversation: nobody named is told, the key burned, the author told why in private', async () => {
    // Prepare: Ben is in C1, Ana (the author) is not.
    const members = new Map([['C1', new Set(['U0BEN'])]]);

    // Act
    const { outcome, slack, store, reveals, id, lines } = await replyRevealIn(members);

    // Assess
    expect(outcome).toBe('refused');
    expect(slack.posts.map((p) => [p.channel, p.text])).toEqual([
      ['U0ANA', expect.stringContaining('you are not in <#C1>')],
    ]);
    expect(slack.ephemerals).toEqual([]);
    expect(store.tombstones.get(id)).toEqual(expect.objectContaining({ state: 'done' }));
    expect(reveals.burned).toEqual([id]);
    expect(lines.some((l) => l.includes('poster.author_not_in_conversation'))).toBe(true);
  });

  it.each([
    ['another view’s reveal', () => ({ id: revealIdOf('T0ACME:view:somethingelse000000') })],
    ['another thread', () => ({ threadTs: '1799999999.000009' })],
    ['another person', () => ({ user: 'U0BEN' })],
  ])(
    'posts nothing, and leaves the key to its short TTL, when the request names %s',
    async (_case, change) => {
      const { metadata, nonce, opener } = await bound({
        kind: MODAL.snapReply,
        channel: 'C1',
        threadTs: THREAD,
      });
      const id = revealIdOf(submissionId('T0ACME', nonce));
      const { deps, slack, store, reveals } = posterFakes(NOW, {
        binding: opener,
        open: async () => ({ secret: { v: 1, epk: 'e', iv: 'i', data: 'd' }, metadata }),
      });
      await reveals.create(
        { id, wrappedKey: randomBytes(8), publicKey: randomBytes(32), team: 'T0ACME', channel: 'C1' },
        Math.ceil(NOW / 1000) + 900,
      );
      const request = {
        v: 1 as const,
        id,
        ...ANA,
        channel: 'C1',
        delaySeconds: 60,
        receivedAt: NOW,
        via: 'snap_reply' as const,
        threadTs: THREAD,
        reveal: { for: ['U0BEN'] },
        ...change(),
      };

      const outcome = await postSnap({ ...request, sealed: SEALED }, deps);

      expect(outcome).toBe('rejected');
      // The author alone is told, in snap's Messages tab; nothing in the conversation.
      expect(slack.posts.map((p) => p.channel)).toEqual([request.user]);
      expect(slack.ephemerals).toEqual([]);
      expect(store.records.size).toBe(0);
      expect(reveals.items.get(id)?.secret).toBeUndefined();
      // A refused binding may be a late repeat of a reveal already posted: its key is not burned here.
      expect(reveals.burned).toEqual([]);
    },
  );

  it('refuses a reveal where the policy turns secrets off, naming the rule once, beside the thread: nothing posted, the key burned', async () => {
    const { outcome, slack, store, reveals, id } = await replyReveal({}, { policy: { reveal: false } });

    expect(outcome).toBe('refused_by_policy');
    expect(slack.posts).toEqual([]);
    expect(store.records.size).toBe(0);
    expect(reveals.burned).toEqual([id]);
    expect(slack.ephemerals.map((e) => [e.user, e.threadTs, e.text])).toEqual([
      ['U0ANA', THREAD, expect.stringContaining('turns reveal-once secrets off')],
    ]);
  });
});

describe('the policy, for a reveal', () => {
  /** A `/snap reveal` (its key made) judged under `policy`, with `defaults` for people. */
  async function command(
    fields: Partial<RevealPostRequest>,
    policy: Partial<Policy>,
    defaults: Record<string, number> = {},
  ) {
    const id = revealIdOf('T1:trig-1');
    const fakes = posterFakes(NOW, {
      open: async () => ({
        secret: { v: 1, epk: 'e', iv: 'i', data: 'd' },
        responseUrl: 'https://hooks.test/r',
      }),
      settings: settingsOf(policy, defaults),
    });
    await fakes.reveals.create(
      { id, wrappedKey: randomBytes(8), publicKey: randomBytes(32), team: 'T1', channel: 'C1' },
      Math.ceil(NOW / 1000) + 900,
    );
    const event = {
      v: 1 as const,
      id,
      team: 'T1',
      channel: 'C1',
      user: 'U1',
      delaySeconds: 86_400,
      receivedAt: NOW,
      reveal: { for: [] as string[] },
      sealed: SEALED,
      ...fields,
    };
    const outcome = await postSnap(event, fakes.deps);
    const record = fakes.store.records.get(id);
    return { ...fakes, outcome, id, dueIn: record ? record.dueAt - NOW : undefined };
  }

  it.each([
    ['reveal off', { reveal: false }, 'turns reveal-once secrets off'],
    ['snap off in the conversation', { offChannels: ['C1'] }, 'turns snap off in this conversation'],
    ['a delay typed over the longest', { maxSeconds: 3600 }, 'sets the longest delay to 1 hour'],
    ['a delay typed under the shortest', { minSeconds: 2 * 86_400 }, 'sets the shortest delay to 2 days'],
  ])(
    'refuses %s with one reply naming the rule: nothing posted, the key burned',
    async (_case, policy, says) => {
      const { outcome, slack, reveals, id } = await command({ delaySeconds: 86_400 }, policy);

      expect(outcome).toBe('refused_by_policy');
      expect(slack.posts).toEqual([]);
      expect(reveals.burned).toEqual([id]);
      expect(slack.replies.map((r) => r.text)).toEqual([expect.stringContaining(says)]);
      expect(slack.replies[0]?.text).toContain('Your secret was not shared');
    },
  );

  it.each([
    ['a day, with no rule', {}, {}, 86_400],
    ['within the longest delay', { maxSeconds: 3600 }, {}, 3600],
    ['within the shortest delay', { minSeconds: 2 * 86_400 }, {}, 2 * 86_400],
    ['whatever the policy’s default for snaps', { defaultSeconds: 300 }, {}, 86_400],
    ['whatever the person’s own default for snaps', {}, { U1: 600 }, 86_400],
  ])('gives a reveal typed without a delay its own default, %s', async (_case, policy, defaults, seconds) => {
    const { outcome, dueIn } = await command({ delaySeconds: 86_400, defaulted: true }, policy, defaults);

    expect(outcome).toBe('posted');
    expect(dueIn).toBeGreaterThanOrEqual(seconds * 1000);
    expect(dueIn).toBeLessThan(seconds * 1000 + 1000);
  });

  it('keeps the key no longer than the card the policy settled on needs', async () => {
    const { reveals, id } = await command({ delaySeconds: 86_400, defaulted: true }, { maxSeconds: 3600 });

    const expiresAt = reveals.items.get(id)?.expiresAt ?? 0;
    expect(expiresAt * 1000 - NOW).toBeLessThan(2 * 3_600_000);
  });
});
