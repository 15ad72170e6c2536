import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { StoredSettings } from '../../shared/app/ports';
import { storedSettings } from '../../shared/app/settings-source';
import { parseCommand } from '../../shared/domain/command';
import { type HomeModel, homeBlocks } from '../../shared/domain/home';
import {
  applyChange,
  defaultDelay,
  editKey,
  judgeSnap,
  OPEN_POLICY,
  type Policy,
  policyFrom,
} from '../../shared/domain/policy';
import { isHomeRequest, isPolicyChange } from '../../shared/domain/snap';

const limits = { defaultSeconds: 60, maxSeconds: 7 * 86400 };
const policy = (over: Partial<Policy> = {}): Policy => ({ ...OPEN_POLICY, ...over });

describe('the policy grammar', () => {
  it.each([
    ['policy', { kind: 'policy' }],
    ['policy max 1d', { kind: 'policy', change: { kind: 'max', seconds: 86400 } }],
    ['policy min 10s', { kind: 'policy', change: { kind: 'min', seconds: 10 } }],
    ['policy default 5m', { kind: 'policy', change: { kind: 'default', seconds: 300 } }],
    ['policy max off', { kind: 'policy', change: { kind: 'max', seconds: null } }],
    ['policy reveal off', { kind: 'policy', change: { kind: 'reveal', on: false } }],
    ['policy as-user off', { kind: 'policy', change: { kind: 'as_user', on: false } }],
    ['policy activity on', { kind: 'policy', change: { kind: 'activity', on: true } }],
    ['policy reset', { kind: 'policy', change: { kind: 'reset' } }],
    [
      'policy off <#C0QUIET|quiet> here',
      { kind: 'policy', change: { kind: 'channels', off: true, channels: ['C0QUIET', 'C0HERE'] } },
    ],
    ['default', { kind: 'default' }],
    ['default 10m', { kind: 'default', seconds: 600 }],
    ['default reset', { kind: 'default', seconds: null }],
  ])('reads "/snap %s"', (text, expected) => {
    expect(parseCommand(text, limits, 'C0HERE')).toEqual(expected);
  });

  it.each([
    'policy max forever',
    'policy min',
    'policy reveal maybe',
    'policy off #nowhere',
    'policy reset now',
  ])('answers "/snap %s" with a grammar error, nothing handed on', (text) => {
    expect(parseCommand(text, limits)).toMatchObject({ kind: 'invalid', problem: 'policy' });
  });

  it.each(['policy review at 3pm', 'default settings are confusing', 'policy'.padEnd(7) + 'is great'])(
    'keeps "%s" a message when it is not the policy’s own words',
    (text) => {
      expect(parseCommand(text, limits)).toMatchObject({ kind: 'snap', text: text.trim(), defaulted: true });
    },
  );

  it('refuses a default delay out of snap’s range rather than posting it', () => {
    expect(parseCommand('default 30d', limits)).toMatchObject({ kind: 'invalid', problem: 'default' });
  });

  it('marks a snap typed without a delay, and only such a snap, as taking the default', () => {
    expect(parseCommand('lunch is here', limits)).toMatchObject({ defaulted: true });
    expect(parseCommand('5m lunch is here', limits)).not.toHaveProperty('defaulted');
  });
});

describe('a policy change', () => {
  it('keeps the shortest delay at most the longest', () => {
    expect(applyChange(policy({ maxSeconds: 60 }), { kind: 'min', seconds: 600 })).toEqual({
      problem: 'min_above_max',
      min: 600,
      max: 60,
    });
  });

  it('keeps the default within the bounds', () => {
    expect(applyChange(policy({ defaultSeconds: 3600 }), { kind: 'max', seconds: 600 })).toMatchObject({
      problem: 'default_outside',
    });
  });

  it('adds and removes conversations where snap is off, each once', () => {
    const off = applyChange(policy(), {
      kind: 'channels',
      off: true,
      channels: ['C1', 'C2', 'C1'],
    }) as Policy;
    const back = applyChange(off, { kind: 'channels', off: false, channels: ['C1'] }) as Policy;

    expect(off.offChannels).toEqual(['C1', 'C2']);
    expect(back.offChannels).toEqual(['C2']);
  });

  it('goes back to the open policy on reset', () => {
    expect(applyChange(policy({ maxSeconds: 60, reveal: false }), { kind: 'reset' })).toEqual(OPEN_POLICY);
  });
});

describe('judging a snap by the policy', () => {
  it.each([
    ['a delay under the minimum', { delaySeconds: 5 }, { ok: false, rule: 'min', seconds: 10 }],
    ['a delay over the maximum', { delaySeconds: 7200 }, { ok: false, rule: 'max', seconds: 3600 }],
    [
      'a conversation where snap is off',
      { channel: 'C0OFF', delaySeconds: 60 },
      { ok: false, rule: 'channel_off' },
    ],
    [
      'a reveal-once secret with reveal off',
      { delaySeconds: 60, reveal: true },
      { ok: false, rule: 'reveal_off' },
    ],
    ['a delay within the bounds', { delaySeconds: 60 }, { ok: true, delaySeconds: 60 }],
  ])('decides %s', (_case, asked, expected) => {
    const p = policy({ minSeconds: 10, maxSeconds: 3600, reveal: false, offChannels: ['C0OFF'] });

    expect(judgeSnap(p, { channel: 'C0ON', ...asked }, undefined, 60)).toEqual(expected);
  });

  it('never refuses a snap typed without a delay: the person’s default, the policy’s, or the fallback within the bounds', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 604800 }),
        fc.integer({ min: 1, max: 604800 }),
        fc.option(fc.integer({ min: 1, max: 604800 }), { nil: undefined }),
        fc.integer({ min: 1, max: 604800 }),
        (a, b, own, fallback) => {
          const p = policy({ minSeconds: Math.min(a, b), maxSeconds: Math.max(a, b) });
          const judged = judgeSnap(p, { channel: 'C1', delaySeconds: undefined }, own, fallback);
          expect(judged.ok).toBe(true);
          if (!judged.ok) return;
          expect(judged.delaySeconds).toBeGreaterThanOrEqual(Math.min(a, b));
          expect(judged.delaySeconds).toBeLessThanOrEqual(Math.max(a, b));
          if (own !== undefined && own >= Math.min(a, b) && own <= Math.max(a, b))
            expect(judged.delaySeconds).toBe(own);
        },
      ),
    );
  });

  it('prefers the person’s own default, then the policy’s, then snap’s', () => {
    expect(defaultDelay(policy({ defaultSeconds: 300 }), 600, 60)).toBe(600);
    expect(defaultDelay(policy({ defaultSeconds: 300 }), undefined, 60)).toBe(300);
    expect(defaultDelay(policy({ maxSeconds: 120, defaultSeconds: 100 }), 600, 60)).toBe(100);
    expect(defaultDelay(policy({ minSeconds: 600 }), undefined, 60)).toBe(600);
  });
});

describe('who edits which policy', () => {
  it('gives workspace admins the workspace’s, org admins on Grid the org’s, and nobody else any', () => {
    const grid = { team: 'T1', enterprise: 'E1' };

    expect(editKey(grid, { admin: true, orgAdmin: false })).toBe('T1');
    expect(editKey(grid, { admin: false, orgAdmin: true })).toBe('E1');
    expect(editKey({ team: 'T1' }, { admin: false, orgAdmin: true })).toBe('T1');
    expect(editKey(grid, { admin: false, orgAdmin: false })).toBeUndefined();
  });
});

describe('what is believed of stored and handed-on settings', () => {
  it('reads back only well-formed rules from storage', () => {
    expect(
      policyFrom({ minSeconds: 0, maxSeconds: 'x', reveal: 'no', offChannels: ['C0QUIET', 'bad id', 3] }),
    ).toEqual({
      ...OPEN_POLICY,
      offChannels: ['C0QUIET'],
    });
  });

  it('takes no forged change through a hand-off: out-of-range delays, unknown kinds, odd ids', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        if (!isPolicyChange(value)) return;
        // Whatever passes is one of the shapes ack makes, with sane values.
        const v = value as { kind: string; seconds?: unknown };
        expect([
          'min',
          'max',
          'default',
          'reveal',
          'as_user',
          'activity',
          'channels',
          'off_channels',
          'reset',
        ]).toContain(v.kind);
      }),
    );
    expect(isPolicyChange({ kind: 'max', seconds: 0 })).toBe(false);
    expect(isPolicyChange({ kind: 'max', seconds: 8 * 86400 })).toBe(false);
    expect(isPolicyChange({ kind: 'channels', off: true, channels: ['<script>'] })).toBe(false);
    expect(
      isHomeRequest({ v: 1, home: { kind: 'delete', snapId: '' }, team: 'T', user: 'U', receivedAt: 1 }),
    ).toBe(false);
  });
});

describe('the Home tab', () => {
  const model = (over: Partial<HomeModel> = {}): HomeModel => ({
    user: 'U1',
    snaps: [],
    more: false,
    paged: false,
    policy: policy(),
    scope: 'none',
    fallbackSeconds: 60,
    admin: false,
    ...over,
  });
  const snaps = Array.from({ length: 20 }, (_, i) => ({
    id: `T1:${i}`,
    channel: 'C1',
    dueAt: 1_800_000_000_000 + i,
    createdAt: 1_700_000_000_000 - i,
    postedAs: i % 2 ? ('user' as const) : ('bot' as const),
  }));

  it('shows each pending snap with where, when, whose token, and Delete now; older ones behind a button', () => {
    const blocks = JSON.stringify(homeBlocks(model({ snaps, more: true })));

    expect(blocks.match(/"action_id":"delete_snap"/g)).toHaveLength(20);
    expect(blocks).toContain('posted as you');
    expect(blocks).toContain('posted by snap');
    expect(blocks).toContain(`"action_id":"home_older","value":"${snaps[19]?.createdAt}"`);
  });

  it('stays within Slack’s 100 blocks with a full page, the admin’s editor and activity', () => {
    const rows = Array.from({ length: 15 }, (_, i) => ({
      id: `C${i}`,
      counts: { posted: 1, onTime: 1, early: 0, late: 0 },
    }));
    const blocks = homeBlocks(
      model({
        snaps,
        more: true,
        paged: true,
        admin: true,
        policy: policy({ activity: true }),
        activity: { days: 7, channels: rows, people: rows },
      }),
    );

    expect(blocks.length).toBeLessThanOrEqual(100);
  });

  it('shows the policy editor to admins only', () => {
    expect(JSON.stringify(homeBlocks(model({ admin: true })))).toContain('policy_max');
    expect(JSON.stringify(homeBlocks(model({ admin: false })))).not.toContain('policy_max');
  });

  it('offers as a person’s default only delays the policy allows', () => {
    const blocks = JSON.stringify(
      homeBlocks(model({ policy: policy({ minSeconds: 60, maxSeconds: 3600 }) })),
    );
    const offered = [...blocks.matchAll(/"value":"(\d+)"/g)].map((m) => Number(m[1]));

    expect(offered.length).toBeGreaterThan(0);
    for (const seconds of offered) {
      expect(seconds).toBeGreaterThanOrEqual(60);
      expect(seconds).toBeLessThanOrEqual(3600);
    }
  });
});

describe('the settings cache', () => {
  it('keeps a workspace’s settings at most a minute, so a change reaches every warm function within one', async () => {
    // Prepare
    let now = 0;
    let stored: Policy | undefined;
    let reads = 0;
    const source = storedSettings(
      {
        read: async () => {
          reads++;
          return stored ? { policy: stored, defaults: {} } : undefined;
        },
      },
      { now: () => now, maxAgeMs: 10 * 60_000 },
    );
    await source.settings({ team: 'T1' });

    // Act: another function changes the policy.
    stored = policy({ maxSeconds: 60 });
    now = 59_999;
    const stale = await source.settings({ team: 'T1' });
    now = 60_000;
    const fresh = await source.settings({ team: 'T1' });

    // Assess
    expect(stale.scope).toBe('none');
    expect(fresh.policy.maxSeconds).toBe(60);
    expect(reads).toBe(2);
  });

  it('follows the org’s policy where the workspace has none of its own', async () => {
    const source = storedSettings({
      read: async (key): Promise<StoredSettings> =>
        key === 'E1' ? { policy: policy({ maxSeconds: 60 }), defaults: {} } : { defaults: { U1: 30 } },
    });

    const s = await source.settings({ team: 'T1', enterprise: 'E1' });

    expect(s).toMatchObject({ scope: 'org', defaults: { U1: 30 }, policy: { maxSeconds: 60 } });
  });
});
