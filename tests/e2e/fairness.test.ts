/**
 * Posters in flight, capped per workspace and per Enterprise Grid org, end to end over the built
 * bundles: one workspace sending more at once than its cap gets the rest refused as busy — one
 * reply each, nothing posted — while another workspace's snap posts at once; a slot frees as soon
 * as its post is recorded. Slack answers posts slowly here (3 s), so posters stay in flight.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import type { Pipeline } from '../../local/pipeline';
import { pipelineSuite } from '../support/e2e';
import { until } from '../support/wait';

const suite = pipelineSuite('fairness', {
  sweepPeriodSeconds: 10,
  env: {
    SNAP_POSTERS_PER_WORKSPACE: '3',
    SNAP_POSTERS_PER_ORG: '4',
    // The caps alone: no user here comes near a limit, and none should refuse first.
    SNAP_LIMIT_USER_PER_MINUTE: '0',
    SNAP_LIMIT_TEAM_PER_MINUTE: '0',
  },
});
const { messagesIn } = suite;
let p: Pipeline;
beforeAll(() => {
  p = suite.pipeline();
});

const BUSY_HERE = 'snap is busy in this workspace';
const BUSY_ORG = 'snap is busy in your organization';
const repliesTo = (id: string) => p.slack.replies.filter((r) => r.id === id).map((r) => String(r.body.text));

/** A snap typed by `user` of `team` (and org), answered on its own response_url `id`. */
const snap = (id: string, team: string, user: string, channel: string, enterprise?: string) =>
  p.command(`1h fairness ${id}`, {
    team_id: team,
    user_id: user,
    channel_id: channel,
    response_url: p.slack.responseUrl(id),
    ...(enterprise ? { enterprise_id: enterprise } : {}),
  });

describe('posters in flight per workspace', () => {
  it('posts at most the cap of a flooding workspace at once, refuses the rest as busy with one reply each, and posts another workspace’s snap meanwhile', async () => {
    // Prepare: Slack takes each post at once but answers 3 s later, holding its poster.
    p.slack.outage('chat.postMessage', { delayMs: 3_000 });
    try {
      // Act: eight users of TA at once; a moment later, one of TB.
      const flood = Array.from({ length: 8 }, (_, i) => snap(`a${i}`, 'TFA', `U-a${i}`, 'TFA-C1'));
      await new Promise((r) => setTimeout(r, 300));
      const calm = snap('b0', 'TFB', 'U-b0', 'TFB-C1');
      await Promise.all([...flood, calm]);
      await p.lambda.settled();
    } finally {
      p.slack.outage('chat.postMessage');
    }
    const again = await snap('a-again', 'TFA', 'U-a0', 'TFA-C2');
    await p.lambda.settled();

    // Assess
    const refused = Array.from({ length: 8 }, (_, i) => repliesTo(`a${i}`)).filter((r) => r.length > 0);
    expect(messagesIn('TFA-C1')).toHaveLength(3);
    expect(refused).toHaveLength(5);
    for (const replies of refused) expect(replies).toEqual([expect.stringContaining(BUSY_HERE)]);
    expect(messagesIn('TFB-C1')).toHaveLength(1);
    expect(repliesTo('b0')).toEqual([]);
    expect(again.statusCode).toBe(200);
    expect(messagesIn('TFA-C2')).toHaveLength(1); // the slots came back with the posts
    const slots = (await p.items()).filter((i) => String(i.pk).startsWith('slot#'));
    expect(slots).toEqual([]);
  }, 30_000);

  it('on Grid, holds the org to its own cap across its workspaces, naming the org', async () => {
    // Prepare
    p.slack.outage('chat.postMessage', { delayMs: 3_000 });
    try {
      // Act: three users in each of two workspaces of org EFG, at once (each under its own cap).
      await Promise.all(
        ['TFG1', 'TFG2'].flatMap((team) =>
          [0, 1, 2].map((i) => snap(`${team}-${i}`, team, `U-${team}-${i}`, `${team}-C1`, 'EFG')),
        ),
      );
      await p.lambda.settled();
    } finally {
      p.slack.outage('chat.postMessage');
    }

    // Assess: four of the six posted, two told the org is busy.
    const posted = messagesIn('TFG1-C1').length + messagesIn('TFG2-C1').length;
    const replies = ['TFG1', 'TFG2'].flatMap((team) => [0, 1, 2].flatMap((i) => repliesTo(`${team}-${i}`)));
    expect(posted).toBe(4);
    expect(replies).toEqual([expect.stringContaining(BUSY_ORG), expect.stringContaining(BUSY_ORG)]);
    await until(
      async () => ((await p.items()).some((i) => String(i.pk).startsWith('slot#')) ? undefined : true),
      5_000,
    );
  }, 30_000);
});
