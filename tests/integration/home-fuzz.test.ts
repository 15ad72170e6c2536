/**
 * App Home and the policy under forged input. Anyone who can sign a request (or tamper with a
 * view's state in their own client) can send any action id with any value from a "view": ack
 * answers each with an empty 200 and hands on only well-formed App Home requests; and the
 * controls function changes the policy for nobody Slack does not call an admin, whatever the
 * request says, and never past what the policy allows.
 */
import { randomBytes } from 'node:crypto';
import { DecryptCommand, GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { apiGatewayEvent, slackSignature } from '../../local/api-gateway';
import { lambdaContext } from '../../local/lambda-stand-in';
import { handleHomeRequest } from '../../shared/app/home';
import type { SettingsStorePort, StoredSettings } from '../../shared/app/ports';
import { storedSettings } from '../../shared/app/settings-source';
import { OPEN_POLICY, type Policy, type PolicyChange } from '../../shared/domain/policy';
import { isHomeRequest } from '../../shared/domain/snap';
import { ACTION } from '../../shared/domain/surfaces';
import { FakeClock } from '../support/fake-clock';
import { captureLogs, MemoryReveals, MemoryStore, ScriptedSlack } from '../support/fakes';
import { captureStdout } from '../support/logs';

const SECRET = 'home-fuzz-signing-secret';
const kms = mockClient(KMSClient);
const lambda = mockClient(LambdaClient);
captureStdout();
let handler: (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

beforeAll(async () => {
  process.env.SLACK_SIGNING_SECRET_CIPHERTEXT = Buffer.from('c').toString('base64');
  process.env.POSTER_FUNCTION_NAME = 'snap-poster';
  process.env.CONTROLS_FUNCTION_NAME = 'snap-controls';
  process.env.SNAP_KMS_KEY_ID = 'alias/snap';
  delete process.env.ALLOWED_TEAM_IDS;
  kms.on(DecryptCommand).resolves({ Plaintext: Buffer.from(SECRET) });
  kms.on(GenerateDataKeyCommand).resolves({ Plaintext: randomBytes(32), CiphertextBlob: Buffer.from('k') });
  lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
  ({ handler } = (await import('../../functions/ack/handler')) as unknown as { handler: typeof handler });
});

beforeEach(() => {
  lambda.resetHistory();
});

const HOME_ACTIONS = [
  ACTION.deleteSnap,
  ACTION.homeOlder,
  ACTION.homeNewest,
  ACTION.myDefault,
  ACTION.policyMin,
  ACTION.policyMax,
  ACTION.policyDefault,
  ACTION.policyReveal,
  ACTION.policyAsUser,
  ACTION.policyActivity,
  ACTION.policyOffChannels,
  ACTION.policyReset,
];

const signedAction = (action: Record<string, unknown>, container: Record<string, unknown>) => {
  const payload = {
    type: 'block_actions',
    team: { id: 'T0FUZZ' },
    user: { id: 'U0FUZZ', team_id: 'T0FUZZ' },
    container,
    view: {
      id: 'V0FUZZ',
      type: 'home',
      state: { values: { forged: { x: { type: 'plain_text_input', value: '1' } } } },
    },
    trigger_id: '1.2.fuzz',
    actions: [{ action_ts: `${Date.now() / 1000}`, ...action }],
  };
  const body = Buffer.from(new URLSearchParams({ payload: JSON.stringify(payload) }).toString());
  return apiGatewayEvent({ path: '/slack/interactions', body, headers: slackSignature(SECRET, body) });
};

const invoked = () =>
  lambda.commandCalls(InvokeCommand).map((c) => ({
    to: c.args[0].input.FunctionName,
    event: JSON.parse(Buffer.from(c.args[0].input.Payload as Uint8Array).toString()) as unknown,
  }));

describe('ack, App Home actions with forged values', () => {
  it('answers every action from a view with an empty 200, and hands on only well-formed App Home requests, to controls (property)', async () => {
    let handed = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...HOME_ACTIONS),
        fc.oneof(fc.string(), fc.constantFrom('off', 'on', 'none', '0', '-5', '600', '99999999', 'reset')),
        fc.option(
          fc.array(fc.oneof(fc.string(), fc.constantFrom('C0OK', '<#C0OK>', 'C0OK|x')), { maxLength: 5 }),
          {
            nil: undefined,
          },
        ),
        async (actionId, value, selected) => {
          lambda.resetHistory();
          const result = await handler(
            signedAction(
              { action_id: actionId, value, ...(selected ? { selected_conversations: selected } : {}) },
              { type: 'view', view_id: 'V0FUZZ' },
            ),
            lambdaContext('snap-ack', 3000),
          );

          expect(result.statusCode).toBe(200);
          expect(result.body ?? '').toBe('');
          for (const call of invoked()) {
            handed++;
            expect(call.to).toBe('snap-controls');
            expect(isHomeRequest(call.event)).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
    // Some forged values were well formed (and went on, for controls to judge), some were not.
    expect(handed).toBeGreaterThan(0);
    expect(handed).toBeLessThan(300);
  });

  it('hands on nothing for App Home’s policy controls clicked outside a view', async () => {
    const result = await handler(
      signedAction({ action_id: ACTION.policyMax, value: '600' }, { type: 'message', channel_id: 'C0X' }),
      lambdaContext('snap-ack', 3000),
    );

    expect(result.statusCode).toBe(200);
    expect(invoked()).toEqual([]);
  });
});

/** A settings store in memory that counts writes. */
class MemorySettings implements SettingsStorePort {
  readonly items = new Map<string, StoredSettings>();
  writes = 0;
  async read(key: string) {
    return this.items.get(key);
  }
  async savePolicy(key: string, policy: Policy | undefined, rev: number | undefined) {
    const now = this.items.get(key);
    if (now?.rev !== rev) return false;
    this.writes++;
    this.items.set(key, {
      defaults: now?.defaults ?? {},
      ...(policy ? { policy } : {}),
      rev: (rev ?? 0) + 1,
    });
    return true;
  }
  async saveDefault(key: string, user: string, seconds: number | null) {
    const now = this.items.get(key) ?? { defaults: {} };
    const defaults = { ...now.defaults };
    if (seconds === null) delete defaults[user];
    else defaults[user] = seconds;
    this.items.set(key, { ...now, defaults });
  }
  async remove(key: string) {
    this.items.delete(key);
  }
}

const seconds = fc.oneof(fc.constant(null), fc.integer({ min: 1, max: 604800 }));
const change: fc.Arbitrary<PolicyChange> = fc.oneof(
  fc.record({ kind: fc.constantFrom('min' as const, 'max' as const, 'default' as const), seconds }),
  fc.record({
    kind: fc.constantFrom('reveal' as const, 'as_user' as const, 'activity' as const),
    on: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant('off_channels' as const),
    channels: fc.array(fc.constantFrom('C0A1', 'C0B2'), { maxLength: 3 }),
  }),
  fc.constant({ kind: 'reset' as const }),
);

function controls(now: number) {
  const clock = new FakeClock(now);
  const store = new MemoryStore();
  const slack = new ScriptedSlack(clock);
  slack.admins.add('U0ADMIN');
  const settingsStore = new MemorySettings();
  const deps = {
    store,
    slack,
    reveals: new MemoryReveals(),
    clock,
    log: captureLogs().log,
    open: async () => ({}),
    settings: {
      settings: storedSettings(settingsStore, { maxAgeMs: 0 }),
      settingsStore,
      fallbackSeconds: 60,
    },
  };
  let n = 0;
  const request = (user: string, home: unknown) => ({
    v: 1,
    id: `T0FUZZ:${++n}`,
    home,
    team: 'T0FUZZ',
    user,
    receivedAt: now,
    sealed: { key: 'k', iv: 'i', data: 'd' },
  });
  return { deps, slack, settingsStore, request };
}

describe('controls, policy changes from anyone', () => {
  it('changes nothing for a person Slack does not call an admin, whatever they send (property)', async () => {
    const { deps, settingsStore, slack, request } = controls(1_800_000_000_000);
    await fc.assert(
      fc.asyncProperty(change, async (c) => {
        const outcome = await handleHomeRequest(request('U0ANA', { kind: 'policy', change: c }), deps);

        expect(outcome).toBe('published');
        expect(settingsStore.writes).toBe(0);
        expect(JSON.stringify(slack.homes.at(-1)?.view.blocks)).toContain('Only workspace admins');
      }),
      { numRuns: 200 },
    );
  });

  it('never leaves the policy contradicting itself, whatever admins and people change in any order (property)', async () => {
    const { deps, settingsStore, request } = controls(1_800_000_000_000);
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            change.map((c) => ({ who: 'U0ADMIN', home: { kind: 'policy', change: c } as unknown })),
            seconds.map((s) => ({ who: 'U0ANA', home: { kind: 'my_default', seconds: s } as unknown })),
          ),
          { maxLength: 12 },
        ),
        async (steps) => {
          for (const step of steps) await handleHomeRequest(request(step.who, step.home), deps);
          const stored = settingsStore.items.get('T0FUZZ');
          const p = stored?.policy ?? OPEN_POLICY;
          const min = p.minSeconds ?? 1;
          const max = p.maxSeconds ?? 604800;

          expect(min).toBeLessThanOrEqual(max);
          if (p.defaultSeconds !== undefined) {
            expect(p.defaultSeconds).toBeGreaterThanOrEqual(min);
            expect(p.defaultSeconds).toBeLessThanOrEqual(max);
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});
