/**
 * Workspace policy and App Home end to end over the built bundles, in one-workspace mode (no
 * Add to Slack: install is there for Slack's events only): App Home opened → the controls
 * function publishes it; Delete now from it; an admin's policy by command and from App Home,
 * refused to others; snaps refused naming the rule; people's own defaults.
 */
import { describe, expect, it } from '@jest/globals';
import type { Pipeline } from '../../local/pipeline';
import { SANDBOX } from '../../local/sandbox';
import type { PublishedHome } from '../../local/slack-stand-in';
import { dueOf, pipelineSuite } from '../support/e2e';
import { until } from '../support/wait';

const ADMIN = 'U0LOCAL';
const ANA = 'U0ANA';
const TEAM = SANDBOX.team.id;
// Settings read afresh by every run here; the minute a warm function may keep them is unit-tested.
const suite = pipelineSuite('policy', {
  sweepPeriodSeconds: 10,
  slack: { admins: [ADMIN] },
  env: { SNAP_SETTINGS_CACHE_SECONDS: '0' },
});
const p = (): Pipeline => suite.pipeline();

let requests = 0;

/** Sends a command as `user` in `channel`; the replies it got, once everything it set off is over. */
async function ask(text: string, user = ADMIN, channel = 'C0POL') {
  const id = `pol-${++requests}`;
  const answer = await p().command(text, {
    response_url: p().slack.responseUrl(id),
    user_id: user,
    channel_id: channel,
  });
  await p().lambda.settled();
  const replies = p()
    .slack.replies.filter((r) => r.id === id)
    .map((r) => String(r.body.text));
  return { ack: answer.body ?? '', replies };
}

/** What a Home tab says, its texts joined (blocks' text and buttons' labels). */
const homeText = (home: PublishedHome | undefined) => JSON.stringify(home?.blocks ?? []);

/** The next Home published for `user` after `since` (ms). */
const nextHome = (user: string, since: number) =>
  until(() => {
    const home = p().slack.homes.get(user);
    return home && home.at >= since ? home : undefined;
  }, 10_000);

/** A click in App Home, as Slack sends it: a view container, no response_url. */
function clickInHome(user: string, actionId: string, value: string, extra: Record<string, unknown> = {}) {
  return p().interact({
    type: 'block_actions',
    team: { id: TEAM },
    user: { id: user, team_id: TEAM },
    container: { type: 'view', view_id: `V${user}` },
    view: { id: `V${user}`, type: 'home' },
    trigger_id: `${Date.now()}.${++requests}.home`,
    actions: [{ action_id: actionId, value, action_ts: `${Date.now() / 1000}.${++requests}`, ...extra }],
  });
}

describe('App Home', () => {
  it('is published by the controls function when someone opens it, and the event is answered at once', async () => {
    // Prepare
    const since = Date.now();

    // Act
    const answer = await p().openHome(ANA);
    const home = await nextHome(ANA, since);

    // Assess
    expect(answer.statusCode).toBe(200);
    expect(answer.body ?? '').toBe('');
    expect(homeText(home)).toContain('You have no pending snaps');
    expect(homeText(home)).not.toContain('Change the policy');
    expect(home.by).toBe('fixed');
  });

  it('lists a person’s pending snaps, and Delete now from it deletes the snap and publishes the Home again', async () => {
    // Prepare
    await ask('1h a snap for the home tab', ANA, 'C0HOME');
    const message = await until(() => p().slack.live('C0HOME')[0], 5_000);
    const shown = await (async () => {
      const since = Date.now();
      await p().openHome(ANA);
      return nextHome(ANA, since);
    })();
    const snapId = /"action_id":"delete_snap","value":"([^"]+)"/.exec(homeText(shown))?.[1];

    // Act
    const since = Date.now();
    const clicked = await clickInHome(ANA, 'delete_snap', String(snapId));
    const after = await nextHome(ANA, since);

    // Assess
    expect(homeText(shown)).toContain('<#C0HOME>');
    expect(homeText(shown)).toContain('posted by snap');
    expect(clicked.body ?? '').toBe('');
    expect(p().slack.messages.get(`C0HOME/${message.ts}`)?.deletedAt).toBeDefined();
    expect(homeText(after)).toContain('Deleted your snap');
    expect(homeText(after)).toContain('You have no pending snaps');
  });

  it('refuses a Delete now for someone else’s snap, whatever the click says', async () => {
    // Prepare
    await ask('1h ana keeps this one', ANA, 'C0MINE');
    const message = await until(() => p().slack.live('C0MINE')[0], 5_000);
    const record = (await p().records()).find((r) => r.channel === 'C0MINE');

    // Act: ben's click carries ana's snap id.
    const since = Date.now();
    await clickInHome('U0BEN', 'delete_snap', String(record?.pk).replace('snap#', ''));
    const bens = await nextHome('U0BEN', since);

    // Assess
    expect(homeText(bens)).toContain('Only its author can delete this snap');
    expect(p().slack.messages.get(`C0MINE/${message.ts}`)?.deletedAt).toBeUndefined();
  });
});

describe('policy', () => {
  it('shows the policy to anyone and lets only an admin change it (Slack says who is one)', async () => {
    // Act
    const shown = await ask('policy', ANA);
    const refused = await ask('policy max 1h', ANA);
    const changed = await ask('policy max 1h', ADMIN);

    // Assess
    expect(shown.ack).toBe('');
    expect(shown.replies).toHaveLength(1);
    expect(shown.replies[0]).toContain('from 1 second to 7 days');
    expect(refused.replies).toEqual([expect.stringContaining('Only workspace admins')]);
    expect(changed.replies).toEqual([expect.stringContaining('Policy changed')]);
    expect(changed.replies[0]).toContain('to 1 hour');
  });

  it('refuses a snap over the maximum with a reply naming the rule, and posts nothing', async () => {
    // Act
    const refused = await ask('2h too long for this workspace', ANA, 'C0MAX');
    const posted = await ask('30m within the policy', ANA, 'C0MAX');

    // Assess
    expect(refused.ack).toBe('');
    expect(refused.replies).toEqual([expect.stringContaining('sets the longest delay to 1 hour')]);
    expect(suite.messagesIn('C0MAX').map((m) => m.text)).toEqual(['within the policy']);
    expect(posted.replies).toEqual([]);
  });

  it('turns snap off in a conversation, refusing there and only there', async () => {
    // Prepare
    await ask('policy off <#C0OFF|quiet>', ADMIN);

    // Act
    const refused = await ask('5m not here', ANA, 'C0OFF');
    const elsewhere = await ask('5m but here', ANA, 'C0ON');

    // Assess
    expect(refused.replies).toEqual([expect.stringContaining('turns snap off in this conversation')]);
    expect(suite.messagesIn('C0OFF')).toHaveLength(0);
    expect(elsewhere.replies).toEqual([]);
    expect(suite.messagesIn('C0ON')).toHaveLength(1);
  });

  it('lets a person set their own default within the policy, which applies to snaps typed without a delay', async () => {
    // Act
    const tooLong = await ask('default 2h', ANA);
    const saved = await ask('default 10m', ANA);
    const before = Date.now();
    await ask('no delay typed here', ANA, 'C0DEF');
    const message = await until(() => suite.messagesIn('C0DEF')[0], 5_000);

    // Assess
    expect(tooLong.replies).toEqual([expect.stringContaining('longest delay to 1 hour')]);
    expect(saved.replies).toEqual([expect.stringContaining('10 minutes (your own default)')]);
    expect(dueOf(message) - before).toBeGreaterThanOrEqual(600_000 - 1_000);
    expect(dueOf(message) - before).toBeLessThanOrEqual(600_000 + 5_000);
  });

  it('shows an admin the policy editor in App Home and takes a change from it; a non-admin’s forged change is refused', async () => {
    // Prepare
    const since = Date.now();
    await p().openHome(ADMIN);
    const adminHome = await nextHome(ADMIN, since);

    // Act: ana sends what only the admin's view offers.
    const forgedAt = Date.now();
    await clickInHome(ANA, 'policy_min', '600', { type: 'static_select', selected_option: { value: '600' } });
    const anasHome = await nextHome(ANA, forgedAt);
    const refused = await ask('5m still allowed', ANA, 'C0MIN');
    const changedAt = Date.now();
    await clickInHome(ADMIN, 'policy_min', '600', {
      type: 'static_select',
      selected_option: { value: '600' },
    });
    const changed = await nextHome(ADMIN, changedAt);
    const now = await ask('5m now too short', ANA, 'C0MIN2');

    // Assess
    expect(homeText(adminHome)).toContain('Change the policy');
    expect(homeText(anasHome)).toContain('Only workspace admins');
    expect(refused.replies).toEqual([]);
    expect(homeText(changed)).toContain('Policy changed');
    expect(homeText(changed)).toContain('from 10 minutes to 1 hour');
    expect(now.replies).toEqual([expect.stringContaining('shortest delay to 10 minutes')]);
    expect(suite.messagesIn('C0MIN2')).toHaveLength(0);
  });

  it('goes back to no rules on reset', async () => {
    // Act
    const reset = await ask('policy reset', ADMIN);
    const posted = await ask('1d anything goes again', ANA, 'C0RESET');

    // Assess
    expect(reset.replies).toEqual([expect.stringContaining('from 1 second to 7 days')]);
    expect(posted.replies).toEqual([]);
    expect(suite.messagesIn('C0RESET')).toHaveLength(1);
  });
});
