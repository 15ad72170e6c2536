/**
 * The shortcuts and modals as use cases: ack routes a shortcut to controls and checks a
 * submission within Slack's 3 s; controls opens the right modal (or explains); the poster acts
 * only on a binding sealed for this person, this request and — for snap_this — their own message,
 * and tells the author the outcome once, where Slack lets it.
 */

import { randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import type { AcceptDeps } from '../../shared/app/accept-command';
import { acceptInteraction } from '../../shared/app/accept-interaction';
import { tellAuthor } from '../../shared/app/notify';
import { openModal } from '../../shared/app/open-modal';
import type { BindingOpener, BindingSealer, Interaction, SettingsSource } from '../../shared/app/ports';
import { postSnap } from '../../shared/app/post-snap';
import { scheduleMessage } from '../../shared/app/schedule-message';
import { bindView } from '../../shared/app/view-binding';
import { OPEN_POLICY, type Policy } from '../../shared/domain/policy';
import { revealPublicKey } from '../../shared/domain/reveal-seal';
import { sealJson, unsealJson } from '../../shared/domain/seal';
import type { OpenViewRequest, PostRequest, ScheduleRequest } from '../../shared/domain/snap';
import { MODAL } from '../../shared/domain/surfaces';
import { readMetadata, submissionId, type ViewBinding } from '../../shared/domain/view-metadata';
import { SlackCallError } from '../../shared/errors';
import { createLogger } from '../../shared/log';
import { captureLogs, posterFakes } from '../support/fakes';

const NOW = 1_800_000_000_000;
const LIMITS = { defaultSeconds: 300, maxSeconds: 7 * 86_400 };
const ANA = { team: 'T0ACME', user: 'U0ANA' };
const MSG = { channel: 'C1', ts: '1799999990.000100', files: [] as string[] };
const SEALED = { key: 'k', iv: 'i', data: 'd' };

/** A workspace's settings as the functions read them: `policy` over the open one, people's defaults. */
const settingsOf = (policy: Partial<Policy>, defaults: Record<string, number> = {}): SettingsSource => ({
  settings: async () => ({ policy: { ...OPEN_POLICY, ...policy }, scope: 'workspace', defaults }),
  forget: () => {},
});

function keys() {
  const plain = randomBytes(32);
  const sealer: BindingSealer = { seal: async (aad, value) => sealJson(plain, 'wrapped', value, aad) };
  const opener: BindingOpener = { open: async (sealed, aad) => unsealJson(plain, sealed, aad) };
  return { sealer, opener };
}

function ack(now = NOW) {
  const handed: Array<{ event: Record<string, unknown>; to: string }> = [];
  const sealedWith: Array<{ aad: string; content: unknown }> = [];
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
    revealKey: async () => revealPublicKey(randomBytes(32)),
    now: () => now,
    log: createLogger({ fn: 'test' }, (line) => lines.push(line)),
  };
  return { deps, handed, sealedWith, lines };
}

const submission = (
  callbackId: string,
  privateMetadata: string,
  values: Record<string, Record<string, { value?: string; selected?: string }>>,
): Interaction =>
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
        Object.fromEntries(Object.entries(inputs).map(([a, v]) => [a, { type: 'plain_text_input', ...v }])),
      ]),
    ),
  }) as Interaction;

describe('ack routing the shortcuts and modals', () => {
  it('hands a message shortcut to controls with its trigger sealed and the message as where, whose and its files', async () => {
    const { deps, handed, sealedWith } = ack();

    const answer = await acceptInteraction(
      {
        ...ANA,
        id: 'T0ACME:trig.1',
        kind: 'message_shortcut',
        callbackId: MODAL.snapThis,
        triggerId: 'trig.1',
        responseUrl: 'https://hooks.slack.com/a/1',
        message: { ...MSG, author: 'U0ANA', files: ['F1'] },
      },
      deps,
    );

    expect(answer).toEqual({ kind: 'ok' });
    expect(handed).toEqual([
      {
        to: 'controls',
        event: expect.objectContaining({
          kind: 'open_view',
          id: 'T0ACME:trig.1',
          callback: 'snap_this',
          message: { ...MSG, author: 'U0ANA', files: ['F1'] },
          sealed: SEALED,
        }),
      },
    ]);
    expect(sealedWith[0]?.content).toEqual({
      triggerId: 'trig.1',
      responseUrl: 'https://hooks.slack.com/a/1',
    });
  });

  it('answers a bad delay under its field within the request, and hands nothing on', async () => {
    const { deps, handed } = ack();

    const answer = await acceptInteraction(
      submission(MODAL.snapReply, 'x', {
        text: { text: { value: 'hi' } },
        delay: { delay: { value: '9d' } },
      }),
      deps,
    );

    expect(answer).toEqual({ kind: 'errors', errors: { delay: expect.stringContaining('Delays run') } });
    expect(handed).toEqual([]);
  });

  it('keeps a form it cannot read, or one opened too long ago, open with an error and hands nothing on', async () => {
    const { sealer } = keys();
    const stale = await bindView(sealer, ANA, { kind: MODAL.snapNew }, NOW - 46 * 60_000);
    const { deps, handed } = ack();
    const values = {
      text: { text: { value: 'hi' } },
      delay: { delay: { value: '5m' } },
      conversation: { conversation: { selected: 'C0GENERAL' } },
    };

    const forged = await acceptInteraction(submission(MODAL.snapNew, '{"v":1}', values), deps);
    const old = await acceptInteraction(submission(MODAL.snapNew, stale, values), deps);

    expect(forged).toEqual({ kind: 'errors', errors: { text: expect.stringContaining('could not read') } });
    expect(old).toEqual({ kind: 'errors', errors: { text: expect.stringContaining('too long ago') } });
    expect(handed).toEqual([]);
  });

  it('seals a reply’s text like a command’s and hands it to the poster for the bound thread, under the view’s request id', async () => {
    const { sealer } = keys();
    const metadata = await bindView(
      sealer,
      ANA,
      { kind: MODAL.snapReply, channel: 'C1', threadTs: MSG.ts },
      NOW,
    );
    const { deps, handed, sealedWith } = ack();

    const answer = await acceptInteraction(
      submission(MODAL.snapReply, metadata, {
        text: { text: { value: 'door 4711' } },
        delay: { delay: { value: '2m' } },
      }),
      deps,
    );

    const nonce = readMetadata(metadata)?.n ?? '';
    expect(answer).toEqual({ kind: 'ok' });
    expect(handed).toEqual([
      {
        to: 'poster',
        event: expect.objectContaining({
          id: submissionId('T0ACME', nonce),
          channel: 'C1',
          threadTs: MSG.ts,
          via: 'snap_reply',
          delaySeconds: 120,
        }),
      },
    ]);
    expect(sealedWith[0]?.content).toEqual({ text: 'door 4711', metadata });
    expect(JSON.stringify(handed)).not.toContain('4711');
  });

  it('hands snap_this to the poster as a message to schedule, with no text to carry', async () => {
    const { sealer } = keys();
    const metadata = await bindView(
      sealer,
      ANA,
      { kind: MODAL.snapThis, channel: 'C1', ts: MSG.ts, author: 'U0ANA' },
      NOW,
    );
    const { deps, handed } = ack();

    await acceptInteraction(
      submission(MODAL.snapThis, metadata, { delay: { delay: { value: '30s' } } }),
      deps,
    );

    expect(handed[0]).toMatchObject({
      to: 'poster',
      event: { kind: 'schedule', channel: 'C1', ts: MSG.ts, delaySeconds: 30 },
    });
  });
});

function controls(over: { expired?: boolean; scopes?: string[]; settings?: SettingsSource } = {}) {
  const { store, slack, clock, lines } = posterFakes(NOW);
  const { sealer } = keys();
  if (over.expired) slack.expiredTriggers.add('trig.1');
  const deps = {
    store,
    slack,
    clock,
    log: captureLogs().log,
    open: async () => ({ triggerId: 'trig.1', responseUrl: 'https://hooks.test/r' }),
    binder: sealer,
    limits: LIMITS,
    publicUrl: 'https://snap.example',
    users: { store: { userScopes: async () => over.scopes } },
    ...(over.settings ? { settings: over.settings } : {}),
  };
  return { deps, slack, lines };
}

const openRequest = (
  callback: OpenViewRequest['callback'],
  author = 'U0ANA',
  files: string[] = [],
): OpenViewRequest & { sealed: typeof SEALED } => ({
  v: 1,
  kind: 'open_view',
  id: 'T0ACME:trig.1',
  ...ANA,
  callback,
  ...(callback === MODAL.snapNew ? {} : { message: { ...MSG, author, files } }),
  receivedAt: NOW,
  sealed: SEALED,
});

describe('controls opening the modal', () => {
  it('opens snap_this on your own message, bound to it, with the delay pre-filled', async () => {
    const { deps, slack } = controls({ scopes: ['chat:write', 'files:write'] });

    const outcome = await openModal(openRequest(MODAL.snapThis, 'U0ANA', ['F1']), deps);

    expect(outcome).toBe('opened');
    expect(slack.views).toHaveLength(1);
    expect(slack.views[0]?.view.callback_id).toBe('snap_this');
    expect(JSON.stringify(slack.views[0]?.view.blocks)).toContain('"initial_value":"5m"');
    expect(readMetadata(slack.views[0]?.view.private_metadata ?? '')).toMatchObject({ c: 'C1', t: MSG.ts });
  });

  it('refuses snap_this on someone else’s message, even for someone whose token could delete it, and binds nothing', async () => {
    const { deps, slack } = controls({ scopes: ['chat:write', 'files:write'] });

    const outcome = await openModal(openRequest(MODAL.snapThis, 'U0BEN'), deps);

    expect(outcome).toBe('not_author');
    expect(slack.views[0]?.view.submit).toBeUndefined();
    expect(slack.views[0]?.view.private_metadata).toBeUndefined();
  });

  it('explains and links ?as=user without your permission, and again for files when you allowed text only', async () => {
    const none = controls({});
    const textOnly = controls({ scopes: ['chat:write'] });

    expect(await openModal(openRequest(MODAL.snapThis), none.deps)).toBe('needs_authorization');
    expect(await openModal(openRequest(MODAL.snapThis, 'U0ANA', ['F1']), textOnly.deps)).toBe(
      'needs_authorization',
    );
    expect(await openModal({ ...openRequest(MODAL.snapThis), id: 'T0ACME:trig.2' }, textOnly.deps)).toBe(
      'opened',
    );
    expect(JSON.stringify(none.slack.views[0]?.view)).toContain('https://snap.example/slack/install?as=user');
    expect(JSON.stringify(textOnly.slack.views[0]?.view)).toContain('with files');
  });

  it('opens one view for a shortcut delivered twice', async () => {
    const { deps, slack } = controls({});

    const first = await openModal(openRequest(MODAL.snapNew), deps);
    const again = await openModal(openRequest(MODAL.snapNew), deps);

    expect([first, again]).toEqual(['opened', 'duplicate']);
    expect(slack.views).toHaveLength(1);
  });

  it('tells the person where they clicked when the binding cannot be sealed (KMS down), and opens nothing', async () => {
    const { deps, slack } = controls({});
    const failing = {
      ...deps,
      binder: {
        seal: async () => {
          throw new Error('kms down');
        },
      },
    };

    const outcome = await openModal(openRequest(MODAL.snapReply), failing);

    expect(outcome).toBe('failed');
    expect(slack.views).toEqual([]);
    expect(slack.replies).toEqual([
      expect.objectContaining({ text: expect.stringContaining('use the shortcut again') }),
    ]);
  });

  it('fills the delay with the person’s own default when the policy allows it, else the policy’s, and says the policy’s bounds', async () => {
    // Prepare: ana's own 10 minutes within a policy of 1 minute to 1 hour; ben's 2 hours outside it.
    const settings = settingsOf(
      { minSeconds: 60, maxSeconds: 3600, defaultSeconds: 1800 },
      {
        U0ANA: 600,
        U0BEN: 7200,
      },
    );
    const { deps, slack } = controls({ settings });

    // Act
    await openModal(openRequest(MODAL.snapNew), deps);
    await openModal({ ...openRequest(MODAL.snapNew), id: 'T0ACME:trig.2', user: 'U0BEN' }, deps);

    // Assess
    const [ana, ben] = slack.views.map((v) => JSON.stringify(v.view.blocks));
    expect(ana).toContain('"initial_value":"10m"');
    expect(ben).toContain('"initial_value":"30m"');
    expect(ana).toContain('from 1 minute to 1 hour');
  });

  it.each([
    [
      'snap_this while posting as yourself is off',
      MODAL.snapThis,
      { asUser: false },
      'acting as yourself off',
    ],
    [
      'a reply where snap is off',
      MODAL.snapReply,
      { offChannels: ['C1'] },
      'turns snap off in this conversation',
    ],
    [
      'snap_this where snap is off',
      MODAL.snapThis,
      { offChannels: ['C1'] },
      'turns snap off in this conversation',
    ],
  ])(
    'opens no form for %s: the modal names the rule, and binds nothing',
    async (_case, callback, policy, says) => {
      // Prepare: the person may act as themselves, as far as Slack is concerned.
      const { deps, slack } = controls({
        scopes: ['chat:write', 'files:write'],
        settings: settingsOf(policy),
      });

      // Act
      const outcome = await openModal(openRequest(callback), deps);

      // Assess
      expect(outcome).toBe('refused_by_policy');
      expect(slack.views).toHaveLength(1);
      expect(slack.views[0]?.view.submit).toBeUndefined();
      expect(slack.views[0]?.view.private_metadata).toBeUndefined();
      expect(JSON.stringify(slack.views[0]?.view.blocks)).toContain(says);
    },
  );

  it('opens the form from the configured default when the settings cannot be read (the poster checks the policy again)', async () => {
    // Prepare
    const failing: SettingsSource = {
      settings: async () => {
        throw new Error('table unavailable');
      },
      forget: () => {},
    };
    const { deps, slack } = controls({ settings: failing });
    const logged = captureLogs();

    // Act
    const outcome = await openModal(openRequest(MODAL.snapReply), { ...deps, log: logged.log });

    // Assess
    expect(outcome).toBe('opened');
    expect(JSON.stringify(slack.views[0]?.view.blocks)).toContain('"initial_value":"5m"');
    expect(logged.lines.join('\n')).toContain('"event":"modal.settings_unavailable"');
  });

  it('tells the person where they clicked when the trigger expired before the modal could open', async () => {
    const { deps, slack } = controls({ expired: true });

    const outcome = await openModal(openRequest(MODAL.snapReply), deps);

    expect(outcome).toBe('trigger_expired');
    expect(slack.replies).toEqual([expect.objectContaining({ text: expect.stringContaining('3 seconds') })]);
  });
});

async function boundRequest(binding: ViewBinding, who = ANA) {
  const k = keys();
  const metadata = await bindView(k.sealer, who, binding, NOW);
  return { metadata, nonce: readMetadata(metadata)?.n ?? '', opener: k.opener };
}

describe('the poster acting on a modal', () => {
  it('posts a reply in the bound thread, and says nothing more (the message is the answer)', async () => {
    const { metadata, nonce, opener } = await boundRequest({
      kind: MODAL.snapReply,
      channel: 'C1',
      threadTs: MSG.ts,
    });
    const { deps, slack } = posterFakes(NOW, {
      binding: opener,
      open: async () => ({ text: 'in the thread', metadata }),
    });
    const request: PostRequest = {
      v: 1,
      id: submissionId('T0ACME', nonce),
      ...ANA,
      channel: 'C1',
      delaySeconds: 3600,
      receivedAt: NOW,
      via: 'snap_reply',
      threadTs: MSG.ts,
    };
    slack.authorized.add('U0ANA');

    const outcome = await postSnap({ ...request, sealed: SEALED }, deps);

    expect(outcome).toBe('posted');
    expect(slack.posts).toEqual([
      expect.objectContaining({ channel: 'C1', threadTs: MSG.ts, text: 'in the thread' }),
    ]);
    expect([slack.ephemerals, slack.replies]).toEqual([[], []]);
  });

  it.each([
    ['a delay over the longest', { maxSeconds: 600 }, 'sets the longest delay to 10 minutes'],
    ['snap off in the conversation', { offChannels: ['C1'] }, 'turns snap off in this conversation'],
  ])(
    'holds a form’s snap to the policy like a command’s: %s is refused with one note naming the rule, nothing posted',
    async (_case, policy, says) => {
      // Prepare
      const { metadata, nonce, opener } = await boundRequest({
        kind: MODAL.snapReply,
        channel: 'C1',
        threadTs: MSG.ts,
      });
      const { deps, slack, store } = posterFakes(NOW, {
        binding: opener,
        open: async () => ({ text: 'in the thread', metadata }),
        settings: settingsOf(policy),
      });
      const request: PostRequest = {
        v: 1,
        id: submissionId('T0ACME', nonce),
        ...ANA,
        channel: 'C1',
        delaySeconds: 3600,
        receivedAt: NOW,
        via: 'snap_reply',
        threadTs: MSG.ts,
      };

      // Act
      const outcome = await postSnap({ ...request, sealed: SEALED }, deps);

      // Assess
      expect(outcome).toBe('refused_by_policy');
      expect(slack.posts).toEqual([]);
      expect(store.records.size).toBe(0);
      expect([...slack.ephemerals.map((e) => e.text), ...slack.replies.map((r) => r.text)]).toEqual([
        expect.stringContaining(says),
      ]);
    },
  );

  it.each([
    ['another thread', { threadTs: '1799999999.000009' }],
    ['another conversation', { channel: 'C2' }],
    ['another request id', { id: 'T0ACME:view:somethingelse00000' }],
    ['another person', { user: 'U0BEN' }],
  ])(
    'posts nothing when the request names %s than the view was bound to, and tells the author privately',
    async (_case, change) => {
      const { metadata, nonce, opener } = await boundRequest({
        kind: MODAL.snapReply,
        channel: 'C1',
        threadTs: MSG.ts,
      });
      const { deps, slack, store } = posterFakes(NOW, {
        binding: opener,
        open: async () => ({ text: 'moved', metadata }),
      });
      const request = {
        v: 1 as const,
        id: submissionId('T0ACME', nonce),
        ...ANA,
        channel: 'C1',
        delaySeconds: 60,
        receivedAt: NOW,
        via: 'snap_reply' as const,
        threadTs: MSG.ts,
        ...change,
      };

      const outcome = await postSnap({ ...request, sealed: SEALED }, deps);

      expect(outcome).toBe('rejected');
      expect(slack.posts.filter((p) => p.text === 'moved')).toEqual([]);
      expect(store.records.size).toBe(0);
      expect(slack.ephemerals).toEqual([]);
    },
  );

  /** A New snap form's request for `channel`, bound for Ana, and the poster's fakes. */
  async function newSnapTo(channel: string) {
    const { metadata, nonce, opener } = await boundRequest({ kind: MODAL.snapNew });
    const fakes = posterFakes(NOW, {
      binding: opener,
      open: async () => ({ text: 'form text 7c1f', metadata }),
      publicUrl: 'https://snap.example',
      tokens: { forget: () => {} },
    });
    const event = {
      v: 1 as const,
      id: submissionId('T0ACME', nonce),
      ...ANA,
      channel,
      delaySeconds: 5400,
      receivedAt: NOW,
      via: 'snap_new' as const,
      sealed: SEALED,
    };
    return { ...fakes, event };
  }

  it('posts nothing as the bot where the form’s author is not in the conversation, and tells them why in private, once', async () => {
    // Prepare: C9 is a public channel Ana is not in; she has not let snap post as her.
    const { deps, slack, store, lines, event } = await newSnapTo('C9');
    slack.members.set('C9', new Set(['U0BEN']));

    // Act: delivered twice, as Lambda may.
    const first = await postSnap(event, deps);
    const again = await postSnap(event, deps);

    // Assess
    expect([first, again]).toEqual(['refused', 'duplicate']);
    expect(slack.posts.map((p) => [p.channel, p.text])).toEqual([
      ['U0ANA', expect.stringContaining('you are not in <#C9>')],
    ]);
    expect(slack.ephemerals).toEqual([]);
    expect(store.tombstones.get(event.id)).toEqual(expect.objectContaining({ state: 'done' }));
    expect(lines.filter((l) => l.includes('poster.author_not_in_conversation'))).toHaveLength(1);
    expect(lines.join('\n')).not.toContain('form text 7c1f');
  });

  it('tells the form’s author, beside the snap the bot posts under their name, that it is posting and when it goes, once however it is retried', async () => {
    // Prepare: Ana is in C1; the first post is rate limited.
    const { deps, slack, clock, event } = await newSnapTo('C1');
    slack.members.set('C1', new Set(['U0ANA', 'U0BEN']));
    slack.failPosts(
      new SlackCallError('chat.postMessage', 'rate_limited', 'ratelimited', { retryAfterMs: 1000 }),
    );

    // Act
    const first = await clock.drive(postSnap(event, deps));
    const again = await postSnap(event, deps);

    // Assess
    expect([first, again]).toEqual(['posted', 'duplicate']);
    expect(slack.posts.map((p) => [p.channel, p.speaker.as])).toEqual([['C1', 'bot']]);
    expect(slack.ephemerals.map((e) => [e.channel, e.user, e.speaker.as, e.text])).toEqual([
      ['C1', 'U0ANA', 'bot', expect.stringContaining('self-destructs in 1 hour 30 minutes')],
    ]);
    expect(slack.ephemerals[0]?.text).not.toContain('form text 7c1f');
    expect(slack.replies).toEqual([]);
  });

  it('leaves membership to Slack when the form’s snap is posted with its author’s own token: no note', async () => {
    const { deps, slack, event } = await newSnapTo('C9');
    slack.members.set('C9', new Set(['U0BEN']));
    slack.authorized.add('U0ANA');

    const outcome = await postSnap(event, deps);

    expect(outcome).toBe('posted');
    expect(slack.posts.map((p) => [p.channel, p.speaker.as])).toEqual([['C9', 'user']]);
    expect(slack.ephemerals).toEqual([]);
  });

  it('tells the author once, in snap’s Messages tab, when neither the bot nor they can post in the conversation', async () => {
    const { metadata, nonce, opener } = await boundRequest({ kind: MODAL.snapNew });
    const { deps, slack } = posterFakes(NOW, {
      binding: opener,
      open: async () => ({ text: 'to a dm', metadata }),
      publicUrl: 'https://snap.example',
      tokens: { forget: () => {} },
    });
    slack.outOfBotReach.add('D0BEN');

    const outcome = await postSnap(
      {
        v: 1,
        id: submissionId('T0ACME', nonce),
        ...ANA,
        channel: 'D0BEN',
        delaySeconds: 60,
        receivedAt: NOW,
        via: 'snap_new',
        sealed: SEALED,
      },
      deps,
    );

    expect(outcome).toBe('refused');
    const told = slack.posts.filter((p) => p.channel === 'U0ANA');
    expect(told).toHaveLength(1);
    expect(told[0]?.text).toContain('Let snap post as you');
    expect(slack.ephemerals).toEqual([]);
  });
});

describe('the poster scheduling snap_this', () => {
  const scheduleOf = (
    nonce: string,
    over: Partial<ScheduleRequest> = {},
  ): ScheduleRequest & { sealed: typeof SEALED } => ({
    v: 1,
    kind: 'schedule',
    id: submissionId('T0ACME', nonce),
    ...ANA,
    channel: 'C1',
    ts: MSG.ts,
    delaySeconds: 3600,
    receivedAt: NOW,
    sealed: SEALED,
    ...over,
  });
  const fakesFor = async (binding: ViewBinding, scopes?: string[]) => {
    const b = await boundRequest(binding);
    const f = posterFakes(NOW, { binding: b.opener, open: async () => ({ metadata: b.metadata }) });
    return {
      ...f,
      nonce: b.nonce,
      deps: { ...f.deps, users: { store: { userScopes: async () => scopes } } },
    };
  };

  it('records the message as the author’s with its files, tells them when it goes, and the deletion takes the files first', async () => {
    const { deps, slack, store, nonce, clock } = await fakesFor(
      { kind: MODAL.snapThis, channel: 'C1', ts: MSG.ts, files: ['F1', 'F2'], author: 'U0ANA' },
      ['chat:write', 'files:write'],
    );
    slack.authorized.add('U0ANA');

    const outcome = await scheduleMessage(scheduleOf(nonce), deps);

    const record = [...store.records.values()][0];
    expect(outcome).toBe('scheduled');
    expect(record).toMatchObject({
      state: 'posted',
      ts: MSG.ts,
      postedAs: 'user',
      files: ['F1', 'F2'],
      user: 'U0ANA',
    });
    expect(slack.ephemerals).toEqual([
      expect.objectContaining({ channel: 'C1', text: expect.stringContaining('self-destructs') }),
    ]);
    expect(slack.posts).toEqual([]);
    // The step every deleter takes at the due time.
    const { deleteSnap, Pacer } = await import('../../shared/app/delete-snap');
    expect(await deleteSnap(record ?? ({} as never), deps, new Pacer(clock), clock.now() + 10_000)).toBe(
      'deleted',
    );
    expect(slack.deletedFiles.map((f) => [f.file, f.speaker.as])).toEqual([
      ['F1', 'user'],
      ['F2', 'user'],
    ]);
    expect(slack.deletes).toEqual([expect.objectContaining({ channel: 'C1', ts: MSG.ts, ok: true })]);
  });

  it('forgets a "no token" a warm function may remember for the author, so that the deletion finds the token they just gave', async () => {
    const { deps, nonce } = await fakesFor(
      { kind: MODAL.snapThis, channel: 'C1', ts: MSG.ts, author: 'U0ANA' },
      ['chat:write', 'files:write'],
    );
    const forgotten: unknown[] = [];

    await scheduleMessage(scheduleOf(nonce), { ...deps, tokens: { forget: (who) => forgotten.push(who) } });

    expect(forgotten).toEqual([{ as: 'user', team: 'T0ACME', user: 'U0ANA' }]);
  });

  it('refuses a binding whose message is someone else’s, and records nothing', async () => {
    const { deps, store, nonce, slack } = await fakesFor(
      { kind: MODAL.snapThis, channel: 'C1', ts: MSG.ts, author: 'U0BEN' },
      ['chat:write', 'files:write'],
    );

    expect(await scheduleMessage(scheduleOf(nonce), deps)).toBe('not_author');
    expect(store.records.size).toBe(0);
    expect(slack.ephemerals[0]?.text).toContain('only your own messages');
  });

  it('refuses a request pointing at another message than the view was bound to', async () => {
    const { deps, store, nonce } = await fakesFor(
      { kind: MODAL.snapThis, channel: 'C1', ts: MSG.ts, author: 'U0ANA' },
      ['chat:write', 'files:write'],
    );

    expect(await scheduleMessage(scheduleOf(nonce, { ts: '1799999990.000999' }), deps)).toBe('rejected');
    expect(store.records.size).toBe(0);
  });

  it('asks again for the files part of the permission when the message has files', async () => {
    const { deps, store, nonce, slack } = await fakesFor(
      { kind: MODAL.snapThis, channel: 'C1', ts: MSG.ts, files: ['F1'], author: 'U0ANA' },
      ['chat:write'],
    );

    expect(await scheduleMessage(scheduleOf(nonce), deps)).toBe('needs_permission');
    expect(store.records.size).toBe(0);
    expect(slack.ephemerals[0]?.text).toContain('files');
  });

  it.each([
    ['posting as yourself is off', { asUser: false }, 3600, 'turns acting as yourself off'],
    ['snap is off in the conversation', { offChannels: ['C1'] }, 3600, 'turns snap off in this conversation'],
    ['the delay is over the longest', { maxSeconds: 600 }, 3600, 'sets the longest delay to 10 minutes'],
    ['the delay is under the shortest', { minSeconds: 7200 }, 3600, 'sets the shortest delay to 2 hours'],
  ])(
    'refuses snap_this when %s: one reply naming the rule, nothing recorded, a repeat a duplicate',
    async (_case, policy, delaySeconds, says) => {
      // Prepare: the author has every permission Slack would need.
      const { deps, store, nonce, slack } = await fakesFor(
        { kind: MODAL.snapThis, channel: 'C1', ts: MSG.ts, author: 'U0ANA' },
        ['chat:write', 'files:write'],
      );
      const held = { ...deps, settings: settingsOf(policy) };

      // Act
      const outcomes = [
        await scheduleMessage(scheduleOf(nonce, { delaySeconds }), held),
        await scheduleMessage(scheduleOf(nonce, { delaySeconds }), held),
      ];

      // Assess
      expect(outcomes).toEqual(['refused_by_policy', 'duplicate']);
      expect(store.records.size).toBe(0);
      expect(slack.ephemerals.map((e) => e.text)).toEqual([expect.stringContaining(says)]);
      expect(slack.ephemerals[0]?.text).toContain('Nothing was scheduled');
    },
  );

  it('schedules within the policy', async () => {
    const { deps, store, nonce } = await fakesFor(
      { kind: MODAL.snapThis, channel: 'C1', ts: MSG.ts, author: 'U0ANA' },
      ['chat:write', 'files:write'],
    );

    const outcome = await scheduleMessage(scheduleOf(nonce), {
      ...deps,
      settings: settingsOf({ minSeconds: 60, maxSeconds: 7200, offChannels: ['C2'] }),
    });

    expect(outcome).toBe('scheduled');
    expect(store.records.size).toBe(1);
  });

  it('schedules nothing and asks to try again when the policy cannot be read', async () => {
    const { deps, store, nonce, slack } = await fakesFor(
      { kind: MODAL.snapThis, channel: 'C1', ts: MSG.ts, author: 'U0ANA' },
      ['chat:write', 'files:write'],
    );
    const failing: SettingsSource = {
      settings: async () => {
        throw new Error('table unavailable');
      },
      forget: () => {},
    };

    const outcome = await scheduleMessage(scheduleOf(nonce), { ...deps, settings: failing });

    expect(outcome).toBe('unavailable');
    expect(store.records.size).toBe(0);
    expect(slack.ephemerals.map((e) => e.text)).toEqual([expect.stringContaining('try again')]);
  });

  it('acts once when the submission is delivered twice', async () => {
    const { deps, store, nonce } = await fakesFor(
      { kind: MODAL.snapThis, channel: 'C1', ts: MSG.ts, author: 'U0ANA' },
      ['chat:write', 'files:write'],
    );

    const outcomes = [
      await scheduleMessage(scheduleOf(nonce), deps),
      await scheduleMessage(scheduleOf(nonce), deps),
    ];

    expect(outcomes).toEqual(['scheduled', 'duplicate']);
    expect(store.records.size).toBe(1);
  });
});

describe('telling the author', () => {
  it('tries the bot beside the message, then their own token, then a direct message, and stops at the first Slack takes', async () => {
    const { slack, deps } = posterFakes(NOW);
    slack.outOfBotReach.add('D0BEN');
    slack.authorized.add('U0ANA');

    const beside = await tellAuthor(
      deps,
      { ...ANA, channel: 'C1' },
      { response_type: 'ephemeral', text: 'one' },
    );
    const theirs = await tellAuthor(
      deps,
      { ...ANA, channel: 'D0BEN' },
      { response_type: 'ephemeral', text: 'two' },
    );
    slack.authorized.delete('U0ANA');
    const dm = await tellAuthor(
      deps,
      { ...ANA, channel: 'D0BEN' },
      { response_type: 'ephemeral', text: 'three' },
    );

    expect([beside, theirs, dm]).toEqual(['ephemeral_bot', 'ephemeral_user', 'direct_message']);
    expect(slack.ephemerals.map((e) => [e.text, e.speaker.as])).toEqual([
      ['one', 'bot'],
      ['two', 'user'],
    ]);
    expect(slack.posts.map((p) => [p.channel, p.text])).toEqual([['U0ANA', 'three']]);
  });

  it('gives up quietly when Slack takes none', async () => {
    const { slack, deps } = posterFakes(NOW);
    slack.botInstalled = false;

    expect(await tellAuthor(deps, { ...ANA, channel: 'C1' }, { response_type: 'ephemeral', text: 'x' })).toBe(
      'untold',
    );
  });
});
