/**
 * Workspace policy and App Home in distributed mode, over the built bundles: each workspace's own
 * Home tab published with its own bot token; "posting as yourself" turned off by an admin;
 * an Enterprise Grid org admin's policy followed by every workspace of the org; activity counts
 * for admins when turned on; and nothing of a workspace's settings left after it removes snap.
 */
import { describe, expect, it } from '@jest/globals';
import type { Pipeline } from '../../local/pipeline';
import { pipelineSuite } from '../support/e2e';
import { until } from '../support/wait';

const ANA = 'U0ANA';
const BEN = 'U0BEN';
const ADMIN = 'U0ADMIN';
const ORG_ADMIN = 'U0ORGADMIN';
const suite = pipelineSuite('policy-distributed', {
  sweepPeriodSeconds: 10,
  install: {},
  distributed: true,
  slack: {
    admins: [ADMIN],
    orgAdmins: [ORG_ADMIN],
    enterprises: { E0ORG: ['T0SUB1', 'T0SUB2'] },
    conversations: { 'T0ACME-D1': { kind: 'im', members: [ANA, BEN] } },
  },
  // Settings read afresh by every run here; the minute a warm function may keep them is unit-tested.
  env: { SNAP_SETTINGS_CACHE_SECONDS: '0' },
});
const p = (): Pipeline => suite.pipeline();

let requests = 0;
type Where = { team: string; channel: string; user: string; enterprise?: string };

/** A command typed by `user` in `channel` of `team`; the replies it got once everything it set off is over. */
async function ask(text: string, where: Where) {
  const id = `pd-${++requests}`;
  await p().command(text, {
    team_id: where.team,
    channel_id: where.channel,
    user_id: where.user,
    response_url: p().slack.responseUrl(id),
    ...(where.enterprise ? { enterprise_id: where.enterprise } : {}),
  });
  await p().lambda.settled();
  return p()
    .slack.replies.filter((r) => r.id === id)
    .map((r) => String(r.body.text));
}

const homeOf = async (user: string, from: { team?: string; enterprise?: string }) => {
  const since = Date.now();
  const answer = await p().openHome(user, from);
  const home = await until(() => {
    const h = p().slack.homes.get(user);
    return h && h.at >= since ? h : undefined;
  }, 10_000);
  return { answer, home, text: JSON.stringify(home.blocks) };
};

describe('policy and App Home, many workspaces', () => {
  it('publishes each person’s Home tab with their own workspace’s bot token', async () => {
    // Prepare
    await p().authorize({ team: 'T0ACME', teamName: 'Acme', user: ADMIN });

    // Act
    const { answer, home, text } = await homeOf(ADMIN, { team: 'T0ACME' });

    // Assess
    expect(answer.statusCode).toBe(200);
    expect(home.by).toBe('bot:T0ACME');
    expect(text).toContain('Change the policy');
  });

  it('turns posting as yourself off: a DM only the author’s token could reach is refused naming the rule, channels still get the bot', async () => {
    // Prepare: ana lets snap post as her, and a DM snap goes out as her.
    await p().authorize({ as: 'user', team: 'T0ACME', user: ANA });
    await ask('1h before the rule', { team: 'T0ACME', channel: 'T0ACME-D1', user: ANA });
    const before = suite.messagesIn('T0ACME-D1').length;

    // Act
    const changed = await ask('policy as-user off', { team: 'T0ACME', channel: 'T0ACME-C9', user: ADMIN });
    const refused = await ask('1h in the dm again', { team: 'T0ACME', channel: 'T0ACME-D1', user: ANA });
    const inChannel = await ask('1h in a channel', { team: 'T0ACME', channel: 'T0ACME-C8', user: ANA });

    // Assess
    expect(before).toBe(1);
    expect(changed).toEqual([expect.stringContaining('Posting as yourself: off')]);
    expect(refused).toEqual([expect.stringContaining('turns posting as yourself off')]);
    expect(suite.messagesIn('T0ACME-D1')).toHaveLength(1);
    expect(inChannel).toEqual([]);
    expect(suite.messagesIn('T0ACME-C8').map((m) => m.by)).toEqual(['bot:T0ACME']);
  });

  it('counts activity for admins once turned on: posted and deleted early, per conversation and person, no text', async () => {
    // Prepare
    await ask('policy activity on', { team: 'T0ACME', channel: 'T0ACME-C9', user: ADMIN });

    // Act
    await ask('1h counted', { team: 'T0ACME', channel: 'T0ACME-C7', user: BEN });
    await ask('cancel', { team: 'T0ACME', channel: 'T0ACME-C7', user: BEN });
    const { text } = await homeOf(ADMIN, { team: 'T0ACME' });
    const bens = await homeOf(BEN, { team: 'T0ACME' });

    // Assess
    expect(text).toContain('<#T0ACME-C7>: 1 posted · 0 on time · 1 early · 0 late');
    expect(text).toContain(`<@${BEN}>: 1 posted · 0 on time · 1 early · 0 late`);
    expect(text).not.toContain('counted');
    expect(bens.text).not.toContain('Activity, last');
  });

  it('leaves nothing of a workspace’s settings or activity once it removes snap', async () => {
    // Prepare
    await ask('default 5m', { team: 'T0ACME', channel: 'T0ACME-C9', user: BEN });
    const kept = (await p().items()).filter((i) => /^(policy|act)#T0ACME/.test(String(i.pk)));

    // Act
    await p().uninstall({ team: 'T0ACME' });
    const left = (await p().items()).filter((i) => /^(policy|act)#T0ACME/.test(String(i.pk)));

    // Assess
    expect(kept.length).toBeGreaterThanOrEqual(2);
    expect(left).toEqual([]);
  });

  it('lets an Enterprise Grid org admin set the org’s policy, which every workspace of the org follows; a workspace admin’s own overrides it there', async () => {
    // Prepare: snap installed for the whole org.
    await p().authorize({ team: 'T0SUB1', enterprise: 'E0ORG', orgWide: true, user: ORG_ADMIN });
    const sub1 = { team: 'T0SUB1', enterprise: 'E0ORG', channel: 'T0SUB1-C1' };
    const sub2 = { team: 'T0SUB2', enterprise: 'E0ORG', channel: 'T0SUB2-C1' };

    // Act
    const changed = await ask('policy max 10m', { ...sub1, user: ORG_ADMIN });
    const refusedElsewhere = await ask('1h too long in the org', { ...sub2, user: BEN });
    const postedAfterRefusal = suite.messagesIn('T0SUB2-C1').length;
    const shown = await ask('policy', { ...sub2, user: BEN });
    const own = await ask('policy max 1h', { ...sub2, user: ADMIN });
    const postedThere = await ask('30m within the workspace’s own', { ...sub2, user: BEN });
    const stillRefused = await ask('30m too long in the org', { ...sub1, user: BEN });

    // Assess
    expect(changed).toEqual([expect.stringContaining('set for the whole organization')]);
    expect(refusedElsewhere).toEqual([expect.stringContaining('longest delay to 10 minutes')]);
    expect(postedAfterRefusal).toBe(0);
    expect(shown).toEqual([expect.stringContaining('set for the whole organization')]);
    expect((await p().items()).some((i) => i.pk === 'policy#E0ORG')).toBe(true);
    expect(own).toEqual([expect.stringContaining('set for this workspace')]);
    expect(postedThere).toEqual([]);
    expect(suite.messagesIn('T0SUB2-C1')).toHaveLength(1);
    expect(stillRefused).toEqual([expect.stringContaining('longest delay to 10 minutes')]);
  });
});
