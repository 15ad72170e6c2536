/**
 * The deletion engine end to end, through the built bundles: eight shards in four groups, the
 * dispatcher on a 10 s schedule, each worker in an execution environment of its own, started by
 * real asynchronous invocations from the dispatcher and the poster.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import type { Pipeline } from '../../local/pipeline';
import { groupOf, shardOf } from '../../shared/domain/engine';
import { dueOf, ON_TIME_MS, pipelineSuite } from '../support/e2e';
import { until } from '../support/wait';

const suite = pipelineSuite('engine', {
  sweepPeriodSeconds: 10,
  sweeper: { isolated: true, shards: 8, workers: 4 },
  env: { SNAP_LIMIT_USER_PER_MINUTE: '0', SNAP_LIMIT_TEAM_PER_MINUTE: '0', SNAP_LIMIT_USER_PENDING: '0' },
});
const { logs, messagesIn, recordsIn, calls } = suite;
let p: Pipeline;
beforeAll(() => {
  p = suite.pipeline();
});

/** Workspaces whose shards fall in three of the four groups (0, 1 and 3; group 2 stays idle). */
const TEAMS = ['T0E2', 'T0E4', 'T0E1', 'T0E6', 'T0E3', 'T0E5'];
const groupOfTeam = (team: string) => groupOf(shardOf({ team }, 8), 4);
const workerEvents = () =>
  p.lambda.invocations.filter((i) => (i.payload as { kind?: string }).kind === 'sweep-worker');
/** The structured lines of the sweeper's deletions: which run (and group) deleted which channel. */
const deletions = () =>
  logs
    .lines()
    .filter((l) => l.includes('"event":"snap.deleted"') && l.includes('"fn":"sweeper"'))
    .map((l) => JSON.parse(l) as { channel: string; group: number; run: string });

describe('the deletion engine', () => {
  it('fans out: one worker per group with work, each workspace deleted by its own group’s worker, on time', async () => {
    // Prepare: three snaps in each of six workspaces, due after the next dispatch (40 s, beyond
    // what a poster hands over with a 10 s period), spread over three groups.
    expect(new Set(TEAMS.map(groupOfTeam))).toEqual(new Set([0, 1, 3]));
    const channels = TEAMS.flatMap((team) => [1, 2, 3].map((k) => ({ team, channel: `${team}-F${k}` })));
    for (const { team, channel } of channels)
      await p.command('40s fanned out', { team_id: team, channel_id: channel });
    await p.lambda.settled();
    const before = workerEvents().length;

    // Act
    const stop = p.schedule();
    await until(
      async () =>
        (await Promise.all(channels.map(({ channel }) => recordsIn(channel)))).flat().length === 0
          ? true
          : undefined,
      70_000,
    );
    await stop();

    // Assess: every snap deleted once, on time, by a worker of its workspace's group only.
    for (const { team, channel } of channels) {
      const [message] = messagesIn(channel);
      expect(calls('chat.delete', channel).filter((c) => c.result === 'ok')).toHaveLength(1);
      expect(message?.deletedAt).toBeGreaterThanOrEqual(dueOf(message));
      expect(message?.deletedAt).toBeLessThan(dueOf(message) + ON_TIME_MS);
      const by = deletions().filter((d) => d.channel === channel);
      expect([channel, by.map((d) => d.group)]).toEqual([channel, [groupOfTeam(team)]]);
    }
    // Workers only for the groups with work, never for the idle one.
    const started = workerEvents().slice(before);
    expect(new Set(started.map((i) => (i.payload as { group: number }).group))).toEqual(new Set([0, 1, 3]));
  }, 90_000);

  it('deletes short snaps on time with no poster waiting for them, one worker per group started', async () => {
    // Prepare: the previous test's workers have ended.
    await p.lambda.settled();
    const before = workerEvents().length;
    const posters = p.runs.filter((r) => r.fn === 'poster').length;

    // Act: two short snaps in each of the six workspaces, at once.
    const channels = TEAMS.flatMap((team) => [1, 2].map((k) => ({ team, channel: `${team}-S${k}` })));
    await Promise.all(
      channels.map(({ team, channel }, i) =>
        p.command(`${3 + (i % 4)}s short, no poster waits`, { team_id: team, channel_id: channel }),
      ),
    );
    await p.lambda.settled();

    // Assess: each poster returned at once (none waited for a due time); one worker per busy
    // group was started, by the first poster that needed it; every snap deleted once, on time.
    const posterRuns = p.runs.filter((r) => r.fn === 'poster').slice(posters);
    expect(posterRuns).toHaveLength(channels.length);
    for (const run of posterRuns) expect(run.ms).toBeLessThan(1_500);
    const started = workerEvents().slice(before);
    expect(started.map((i) => (i.payload as { group: number }).group).sort()).toEqual([0, 1, 3]);
    for (const { channel } of channels) {
      const [message] = messagesIn(channel);
      expect(calls('chat.delete', channel)).toHaveLength(1);
      expect(message?.deletedAt).toBeGreaterThanOrEqual(dueOf(message));
      expect(message?.deletedAt).toBeLessThan(dueOf(message) + ON_TIME_MS);
      expect(await recordsIn(channel)).toHaveLength(0);
    }
  }, 40_000);

  it('never logs message text', () => {
    const text = logs.lines().join('\n');
    expect(suite.textsSent().length).toBeGreaterThanOrEqual(2);
    for (const phrase of suite.textsSent()) expect(text).not.toContain(phrase);
  });
});
