/**
 * Reveal once in one-workspace mode (the configured bot token), with install deployed for users'
 * own tokens, end to end over the built bundles: the card posted, rewritten and deleted by the
 * configured bot token, or as its author with their own; burned the same way; and nothing left
 * that opens it.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import type { Pipeline } from '../../local/pipeline';
import { SANDBOX } from '../../local/sandbox';
import { SECRET_BLOCK_ID } from '../../shared/domain/replies';
import { pipelineSuite } from '../support/e2e';
import { answersTo, attack, click, revealIdIn } from '../support/reveal';
import { until } from '../support/wait';

const TEAM = SANDBOX.team.id;
const ALEX = 'U0LOCAL';
const ANA = 'U0ANA';
const BEN = 'U0BEN';
const suite = pipelineSuite('reveal-one-workspace', {
  sweepPeriodSeconds: 10,
  install: {},
  slack: {
    conversations: {
      C0LOCAL: { kind: 'channel', members: [ALEX, ANA, BEN] },
      D0ANA: { kind: 'im', members: [ALEX, ANA] },
    },
  },
});
const p = (): Pipeline => suite.pipeline();

async function reveal(text: string, user: string, channel: string) {
  const before = suite.messagesIn(channel).length;
  await p().command(`reveal ${text}`, { user_id: user, channel_id: channel });
  await p().lambda.settled();
  return until(() => suite.messagesIn(channel)[before], 10_000);
}

async function open(card: Parameters<typeof click>[1], user: string) {
  const c = await click(p(), card, user);
  await p().lambda.settled();
  return answersTo(p(), c.responseId).map((body) =>
    JSON.stringify(
      (body.blocks as Array<{ block_id?: string }>).filter((b) => b.block_id === SECRET_BLOCK_ID),
    ),
  );
}

const by = (method: string, ts: string) =>
  p()
    .slack.calls.filter((c) => c.method === method && c.params.ts === ts && c.result === 'ok')
    .map((c) => c.by);

beforeAll(async () => {
  await p().authorize({ as: 'user', team: TEAM, user: ALEX });
});

describe('reveal once, one workspace', () => {
  it('posts, rewrites and deletes the card with the configured bot token', async () => {
    // Prepare
    const card = await reveal('1h <@U0ANA> <@U0LOCAL> the bike lock is 2468', BEN, 'C0LOCAL');

    // Act
    const ana = await open(card, ANA);
    const alex = await open(card, ALEX);

    // Assess
    expect(card.by).toBe('fixed');
    expect(ana[0]).toContain('the bike lock is 2468');
    expect(alex[0]).toContain('the bike lock is 2468');
    expect(by('chat.update', card.ts)).toEqual(['fixed']);
    expect(card.deletedBy).toBe('fixed');
    expect((await p().revealItems()).find((i) => i.pk === `key#${revealIdIn(card)}`)).toBeUndefined();
  });

  it('posts it as its author with their own token in a DM the bot cannot reach, and burns it with that token', async () => {
    // Prepare
    const card = await reveal('1h <@U0ANA> the cellar key is under the mat', ALEX, 'D0ANA');

    // Act
    const ana = await open(card, ANA);

    // Assess
    expect(card.by).toBe(`user:${TEAM}:${ALEX}`);
    expect(ana[0]).toContain('the cellar key is under the mat');
    expect(card.deletedBy).toBe(`user:${TEAM}:${ALEX}`);
  });

  it('leaves nothing that opens a burned secret, whichever token posted it', async () => {
    const everything = async () => [
      ...(await p().items()),
      ...(await p().revealItems()),
      ...p().reaperEvents,
      ...[...p().slack.messages.values()].map((m) => ({ text: m.text, blocks: m.blocks })),
      ...p().lambda.invocations.map((i) => i.payload),
      ...suite.logs.lines(),
    ];

    await p().expire(Date.now() + 8 * 24 * 3_600_000);
    const after = attack(p(), await everything());

    expect(after.sealedSecrets).toBeGreaterThanOrEqual(2);
    expect(after.opened).not.toContain('the bike lock is 2468');
    expect(after.opened).not.toContain('the cellar key is under the mat');
  });
});
