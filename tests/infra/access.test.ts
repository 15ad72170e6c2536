/**
 * Who can read what: the KMS key policy (only snap's roles decrypt, each under the encryption
 * context its code passes; the account administers the key and never uses it), the failure
 * queues' policies and retention, and the alarm topic (only this account's CloudWatch alarms
 * publish, and the topic is under no key CloudWatch cannot use). Parsed offline.
 */

import { beforeAll, describe, expect, it } from '@jest/globals';
import { ACTIVITY_PREFIX } from '../../shared/adapters/activity-store';
import { GRANTS_PREFIX, INSTALLATION_PREFIX, STATE_PREFIX } from '../../shared/adapters/installation-store';
import {
  MESSAGE_KEY_CONTEXT,
  revealKeyContext,
  secretContext,
  tokenContext,
  VIEW_KEY_CONTEXT,
} from '../../shared/adapters/kms';
import { SETTINGS_PREFIX } from '../../shared/adapters/settings-store';
import {
  COUNTER_PREFIX,
  SLOT_PREFIX,
  SNAP_PREFIX,
  TABLE,
  WATCH_PREFIX,
} from '../../shared/adapters/snap-item';
import {
  configReaderOf,
  deployedIn,
  evaluate,
  functionStatements,
  type Infra,
  loadInfra,
  MODES,
  type Mode,
  type PolicyStatement,
  policyStatements,
  resolveLocal,
  setIn,
  tf,
  variablesRead,
} from '../support/infra';

const FUNCTIONS = ['ack', 'poster', 'controls', 'sweeper', 'reaper', 'install'] as const;
const ROOT = `arn:\${data.aws_partition.current.partition}:iam::\${data.aws_caller_identity.current.account_id}:root`;
const DEPLOYER = tf('data.aws_iam_session_context.deployer.issuer_arn');
/** How Terraform names a function's role. */
const role = (fn: string) => `\${module.${fn}.role_arn}`;
/** The part of a Slack token's encryption context that is the same for every token. */
const { app, purpose } = tokenContext({ key: 'T0', kind: 'bot' });
const TOKEN_CONTEXT = { app, purpose } as Record<string, string>;
/** The part of a reveal key's encryption context that is the same for every reveal. */
const REVEAL_CONTEXT = (({ app, purpose }) => ({ app, purpose }))(
  revealKeyContext({ id: 'reveal:T0:1', team: 'T0', channel: 'C0' }),
) as Record<string, string>;
/** Actions that use the key's contents (or hand out their use), as opposed to running the key. */
const DATA_PLANE = /^kms:(Encrypt|Decrypt|ReEncrypt.*|GenerateDataKey.*|CreateGrant|\*)$/;

let infra: Infra;
let key: PolicyStatement[];

beforeAll(async () => {
  infra = await loadInfra();
  key = policyStatements(infra, 'key');
});

const resource = (type: string, name: string) => infra.resource[type]?.[name] as Record<string, unknown>;
const environment = (fn: string) =>
  (resolveLocal(infra, infra.module[fn]?.environment) ?? {}) as Record<string, string>;
/** A function's environment as Terraform sets it in `mode`. */
const environmentIn = (fn: string, mode: Mode) =>
  Object.fromEntries(Object.entries(environment(fn)).filter(([, value]) => setIn(value, mode)));
const MODE_NAMES = Object.keys(MODES);
const modeOf = (name: string): Mode => MODES[name] as Mode;

/** The configuration a function's code reads, from an environment where every variable is set. */
function configOf(fn: string): Record<string, unknown> {
  let read: Record<string, unknown> = {};
  variablesRead((env) => {
    read = configReaderOf(fn)(env) as Record<string, unknown>;
  });
  return read;
}

/** The encryption context a statement requires: every condition must be an exact match on one value. */
function requiredContext(s: PolicyStatement): Record<string, string> | undefined {
  const context: Record<string, string> = {};
  for (const c of s.conditions) {
    const name = /^kms:EncryptionContext:(.+)$/.exec(c.variable)?.[1];
    if (!name || c.test !== 'StringEquals' || c.values.length !== 1) return undefined;
    context[name] = c.values[0] as string;
  }
  return Object.keys(context).length > 0 ? context : undefined;
}

/** "principal action {context}" for each grant of the key policy, one line per principal and action. */
function grants(statements: PolicyStatement[]): string[] {
  return statements
    .filter((s) => s.effect === 'Allow')
    .flatMap((s) =>
      s.principals.flatMap((p) =>
        p.identifiers.flatMap((id) =>
          s.actions.map((a) => `${id} ${a} ${JSON.stringify(requiredContext(s) ?? null)}`),
        ),
      ),
    );
}

const grant = (principal: string, action: string, context: Record<string, string>) =>
  `${principal} ${action} ${JSON.stringify(context)}`;

/**
 * The aws_kms_ciphertext resource an environment value comes from, e.g.
 * "${aws_kms_ciphertext.signing_secret.ciphertext_blob}" or, in one mode only,
 * "${local.one_workspace ? aws_kms_ciphertext.bot_token[0].ciphertext_blob : null}".
 */
function ciphertextContext(value: string): unknown {
  const name =
    /^\$\{(?:local\.\w+ \? )?aws_kms_ciphertext\.(\w+)(?:\[0\])?\.ciphertext_blob(?: : null)?\}$/.exec(
      value,
    )?.[1];
  return name ? evaluate(infra, resource('aws_kms_ciphertext', name).context) : undefined;
}

describe('the KMS key policy', () => {
  it('is checked for every function Terraform deploys', () => {
    const deployed = Object.keys(infra.module).filter(
      (m) => infra.module[m]?.source === './modules/function',
    );

    expect(deployed.sort()).toEqual([...FUNCTIONS].sort());
  });

  it('is explicit, its own resource, and in place before any secret is encrypted', () => {
    const policy = resource('aws_kms_key_policy', 'snap');

    expect(policy.key_id).toBe(tf('aws_kms_key.snap.id'));
    expect(policy.policy).toBe(tf('data.aws_iam_policy_document.key.json'));
    expect(policy.bypass_policy_lockout_safety_check).toBeUndefined();
    expect(resource('aws_kms_key', 'snap').policy).toBeUndefined();
    for (const name of Object.keys(infra.resource.aws_kms_ciphertext ?? {}))
      expect(resource('aws_kms_ciphertext', name).depends_on).toContain(tf('aws_kms_key_policy.snap'));
  });

  it('lets the account administer the key, fix its policy, and nothing more', () => {
    const rootStatements = key.filter((s) => s.principals.some((p) => p.identifiers.includes(ROOT)));
    const rootActions = rootStatements.flatMap((s) => s.actions);

    expect(rootStatements).toHaveLength(1);
    expect(rootActions).toEqual(
      expect.arrayContaining([
        'kms:PutKeyPolicy',
        'kms:GetKeyPolicy',
        'kms:DescribeKey',
        'kms:ScheduleKeyDeletion',
      ]),
    );
    for (const action of rootActions) {
      expect(action).not.toMatch(DATA_PLANE);
      expect(action).not.toContain('*');
    }
  });

  it('grants no use of the key without an exact encryption context', () => {
    const users = key.filter((s) => s.actions.some((a) => DATA_PLANE.test(a)));

    expect(users.length).toBeGreaterThan(0);
    for (const s of users) {
      expect([s.sid, s.effect]).toEqual([s.sid, 'Allow']);
      expect([s.sid, requiredContext(s)]).toEqual([s.sid, expect.objectContaining({ app: 'snap' })]);
      expect(s.actions).not.toContain('kms:CreateGrant');
      expect(s.actions.filter((a) => a.includes('*'))).toEqual([]);
      for (const p of s.principals) {
        expect(p.type).toBe('AWS');
        expect(p.identifiers).not.toContain('*');
        expect(p.identifiers).not.toContain(ROOT);
      }
    }
  });

  it.each(MODE_NAMES)("gives each function's role exactly the key uses its code makes (%s)", (name) => {
    // Prepare: what the code does, read from the functions' configuration in this mode. A
    // *_CIPHERTEXT variable is decrypted under that secret's context (shared/adapters/kms.ts); a
    // function that hands snaps to the poster (POSTER_FUNCTION_NAME) seals them with data keys
    // from the key its SNAP_KMS_KEY_ID names, and the function it invokes opens them; the
    // function that stores installations (it has the app's client id) seals Slack tokens; and
    // the functions that speak to Slack for snaps (their configuration has a bot token slot) open
    // stored tokens wherever such a function is deployed to store them.
    const mode = modeOf(name);
    const deployed = FUNCTIONS.filter((fn) => deployedIn(infra.module[fn], mode));
    const tokensStored = deployed.some((fn) => environmentIn(fn, mode).SLACK_CLIENT_ID);
    const expected: string[] = [];
    for (const fn of deployed) {
      const env = environmentIn(fn, mode);
      for (const [variable, value] of Object.entries(env)) {
        const secret = /^(\w+)_CIPHERTEXT$/.exec(variable)?.[1];
        if (!secret) continue;
        expect([variable, ciphertextContext(value)]).toEqual([variable, secretContext(secret)]);
        expected.push(grant(role(fn), 'kms:Decrypt', secretContext(secret)));
      }
      if (env.SLACK_CLIENT_ID) expected.push(grant(role(fn), 'kms:Encrypt', TOKEN_CONTEXT));
      if (tokensStored && 'botToken' in configOf(fn))
        expected.push(grant(role(fn), 'kms:Decrypt', TOKEN_CONTEXT));
      const invoked = [env.POSTER_FUNCTION_NAME, env.CONTROLS_FUNCTION_NAME]
        .map((name) => /^\$\{module\.(\w+)\.name\}$/.exec(name ?? '')?.[1])
        .filter((name): name is string => name !== undefined);
      if (invoked.length > 0) {
        expect(env.SNAP_KMS_KEY_ID).toBe(tf('aws_kms_key.snap.arn'));
        expected.push(grant(role(fn), 'kms:GenerateDataKey', { ...MESSAGE_KEY_CONTEXT }));
        for (const to of invoked) expected.push(grant(role(to), 'kms:Decrypt', { ...MESSAGE_KEY_CONTEXT }));
      }
      // The function ack asks for a reveal's key (controls) makes it and, on a click, opens it,
      // with the KMS key its own SNAP_KMS_KEY_ID names; nobody else uses reveal keys at all.
      const revealMaker = /^\$\{module\.(\w+)\.name\}$/.exec(env.CONTROLS_FUNCTION_NAME ?? '')?.[1];
      if (revealMaker) {
        expect(environmentIn(revealMaker, mode).SNAP_KMS_KEY_ID).toBe(tf('aws_kms_key.snap.arn'));
        expected.push(grant(role(revealMaker), 'kms:GenerateDataKey', REVEAL_CONTEXT));
        expected.push(grant(role(revealMaker), 'kms:Decrypt', REVEAL_CONTEXT));
      }
      // The poster bundle given a key: controls seals modals' bindings with it, the poster opens them.
      if (env.SNAP_KMS_KEY_ID && fn === 'controls')
        expected.push(grant(role(fn), 'kms:GenerateDataKey', { ...VIEW_KEY_CONTEXT }));
      if (env.SNAP_KMS_KEY_ID && fn === 'poster')
        expected.push(grant(role(fn), 'kms:Decrypt', { ...VIEW_KEY_CONTEXT }));
    }

    // Act
    const actual = grants(policyStatements(infra, 'key', undefined, mode)).filter((g) =>
      FUNCTIONS.some((fn) => g.startsWith(`${role(fn)} `)),
    );

    // Assess
    expect(expected).toContain(grant(role('poster'), 'kms:Decrypt', { ...MESSAGE_KEY_CONTEXT }));
    expect(actual.sort()).toEqual([...new Set(expected)].sort());
  });

  it('lets the deleters decrypt the bot token only with one, and stored tokens only with install', () => {
    const bot = (mode: string) =>
      grants(policyStatements(infra, 'key', undefined, modeOf(mode))).filter((g) =>
        g.endsWith(JSON.stringify(secretContext('SLACK_BOT_TOKEN'))),
      );
    const stored = (mode: string) =>
      grants(policyStatements(infra, 'key', undefined, modeOf(mode))).filter(
        (g) => g.includes('kms:Decrypt') && g.endsWith(JSON.stringify(TOKEN_CONTEXT)),
      );

    expect(bot('distributed')).toEqual([]);
    expect(bot('one-workspace')).toHaveLength(5); // poster, controls, the two deleters, and the deployer's Encrypt
    expect(stored('one-workspace')).toEqual([]);
    expect(stored('distributed').sort()).toEqual(
      ['controls', 'poster', 'reaper', 'sweeper'].map((fn) => grant(role(fn), 'kms:Decrypt', TOKEN_CONTEXT)),
    );
  });

  it('lets whoever deploys encrypt the secrets Terraform encrypts, and not decrypt them', () => {
    const contexts = Object.values(infra.resource.aws_kms_ciphertext ?? {}).map((c) =>
      evaluate(infra, c.context),
    );
    const deployer = grants(key).filter((g) => g.startsWith(`${DEPLOYER} `));

    expect(infra.data.aws_iam_session_context?.deployer?.arn).toBe(
      tf('data.aws_caller_identity.current.arn'),
    );
    expect(contexts).toHaveLength(3);
    expect(deployer.sort()).toEqual(
      contexts.map((c) => grant(DEPLOYER, 'kms:Encrypt', c as Record<string, string>)).sort(),
    );
  });

  it('names no principal but the account, the functions and the deployer', () => {
    const principals = new Set(key.flatMap((s) => s.principals.flatMap((p) => p.identifiers)));

    expect([...principals].sort()).toEqual([ROOT, DEPLOYER, ...FUNCTIONS.map(role)].sort());
  });

  it.each(FUNCTIONS.flatMap((fn) => MODE_NAMES.map((mode) => [fn, mode] as const)))(
    'grants %s every KMS action its IAM policy allows (same-account IAM alone cannot) (%s)',
    (fn, name) => {
      const mode = modeOf(name);
      if (!deployedIn(infra.module[fn], mode)) return;
      const iam = functionStatements(infra, fn, mode)
        .flatMap((s) => s.actions)
        .filter((a) => a.startsWith('kms:'));
      const granted = grants(policyStatements(infra, 'key', undefined, mode))
        .filter((g) => g.startsWith(`${role(fn)} `))
        .map((g) => g.split(' ')[1]);

      expect(iam.length).toBeGreaterThan(0);
      for (const action of iam) expect(granted).toContain(action);
    },
  );
});

describe('the failure queues', () => {
  const queues = () => Object.keys(infra.resource.aws_sqs_queue ?? {});

  /** The function whose failures Lambda delivers to a queue (its async or stream on-failure destination). */
  function senderOf(queue: string): string | undefined {
    const arn = `\${aws_sqs_queue.${queue}.arn}`;
    const invokeConfigs = Object.values(infra.resource.aws_lambda_function_event_invoke_config ?? {});
    const mappings = Object.values(infra.resource.aws_lambda_event_source_mapping ?? {});
    const destination = (block: Record<string, unknown>, field: string) =>
      ((block.destination_config ?? []) as Array<Record<string, Array<Record<string, unknown>>>>)[0]
        ?.on_failure?.[0]?.[field];
    const owner =
      invokeConfigs.find((c) => destination(c, 'destination') === arn)?.function_name ??
      mappings.find((m) => destination(m, 'destination_arn') === arn)?.function_name;
    return /^\$\{module\.(\w+)\.(name|arn)\}$/.exec(String(owner))?.[1];
  }

  /** The rendered policy of a queue, through the for_each entry that names it. */
  function queuePolicy(queue: string): PolicyStatement[] {
    const policy = resource('aws_sqs_queue_policy', 'failures');
    const entries = evaluate(infra, policy.for_each) as Record<string, Record<string, string>>;
    const entry = Object.entries(entries).find(([, e]) => e.arn === `\${aws_sqs_queue.${queue}.arn}`);
    if (!entry) throw new Error(`no queue policy for ${queue}`);
    const [key, value] = entry;
    expect(evaluate(infra, policy.queue_url, { each: { key, value } })).toBe(`\${aws_sqs_queue.${queue}.id}`);
    expect(policy.policy).toBe(tf('data.aws_iam_policy_document.failure_queue[each.key].json'));
    return policyStatements(infra, 'failure_queue', { key, value });
  }

  it('each have an output with their URL, for whoever reads them after an alarm', () => {
    const urls = Object.values(infra.output).map((o) => o.value);

    for (const queue of Object.keys(infra.resource.aws_sqs_queue ?? {}))
      expect([queue, urls.includes(tf(`aws_sqs_queue.${queue}.url`))]).toEqual([queue, true]);
  });

  it('are the on-failure destinations of poster, controls and reaper', () => {
    expect(queues().map(senderOf).sort()).toEqual(['controls', 'poster', 'reaper']);
  });

  it.each(['poster_failures', 'controls_failures', 'reaper_failures'])(
    '%s keeps messages at most one day',
    (queue) => {
      const retention = Number(evaluate(infra, resource('aws_sqs_queue', queue).message_retention_seconds));

      expect(retention).toBeGreaterThan(0);
      expect(retention).toBeLessThanOrEqual(86_400);
      expect(resource('aws_sqs_queue', queue).sqs_managed_sse_enabled).toBe(true);
    },
  );

  it.each(['poster_failures', 'controls_failures', 'reaper_failures'])(
    '%s takes messages only from its function',
    (queue) => {
      // Prepare
      const sender = role(senderOf(queue) ?? '');
      const arn = `\${aws_sqs_queue.${queue}.arn}`;

      // Act
      const statements = queuePolicy(queue);
      const allows = statements.filter((s) => s.effect === 'Allow');
      const denySend = statements.filter((s) => s.effect === 'Deny' && s.actions.includes('sqs:SendMessage'));

      // Assess
      expect(allows).toEqual([expect.objectContaining({ actions: ['sqs:SendMessage'], resources: [arn] })]);
      expect(allows[0]?.principals).toEqual([{ type: 'AWS', identifiers: [sender] }]);
      expect(denySend).toHaveLength(1);
      expect(denySend[0]?.principals).toEqual([{ type: 'AWS', identifiers: ['*'] }]);
      expect(denySend[0]?.conditions).toEqual([
        { test: 'ArnNotEquals', variable: 'aws:PrincipalArn', values: [sender] },
      ]);
    },
  );

  it.each(['poster_failures', 'controls_failures', 'reaper_failures'])(
    '%s can be read, emptied or redriven only by named operators',
    (queue) => {
      const deny = queuePolicy(queue).filter(
        (s) => s.effect === 'Deny' && s.actions.includes('sqs:ReceiveMessage'),
      );

      expect(deny).toHaveLength(1);
      expect(deny[0]?.actions).toEqual(
        expect.arrayContaining([
          'sqs:ReceiveMessage',
          'sqs:DeleteMessage',
          'sqs:PurgeQueue',
          'sqs:ChangeMessageVisibility',
        ]),
      );
      expect(deny[0]?.principals).toEqual([{ type: 'AWS', identifiers: ['*'] }]);
      expect(deny[0]?.conditions).toEqual([
        {
          test: 'ArnNotLike',
          variable: 'aws:PrincipalArn',
          values: [tf('concat([local.account_root], var.failure_queue_reader_arns)')],
        },
      ]);
      expect(evaluate(infra, tf('local.account_root'))).toBe(ROOT);
      expect(infra.variable.failure_queue_reader_arns?.default).toEqual([]);
    },
  );
});

describe('the alarm topic', () => {
  const topic = () => resource('aws_sns_topic', 'alarms');
  const statements = () => policyStatements(infra, 'alarm_topic');
  const ALARMS = `arn:\${data.aws_partition.current.partition}:cloudwatch:\${data.aws_region.current.region}:\${data.aws_caller_identity.current.account_id}:alarm:*`;

  it('is under no key that CloudWatch cannot use', () => {
    // The AWS-managed alias/aws/sns cannot grant cloudwatch.amazonaws.com; no key means no such trap.
    expect(topic().kms_master_key_id).toBeUndefined();
    expect(JSON.stringify(infra.resource)).not.toContain('alias/aws/sns');
  });

  it("takes messages from this account's CloudWatch alarms only", () => {
    // Prepare
    const policy = resource('aws_sns_topic_policy', 'alarms');

    // Act
    const publishers = statements().filter((s) => s.actions.includes('sns:Publish'));
    const allow = publishers.filter((s) => s.effect === 'Allow');
    const deny = publishers.filter((s) => s.effect === 'Deny');

    // Assess
    expect(policy.arn).toBe(tf('aws_sns_topic.alarms.arn'));
    expect(policy.policy).toBe(tf('data.aws_iam_policy_document.alarm_topic.json'));
    expect(allow).toHaveLength(1);
    expect(allow[0]?.principals).toEqual([{ type: 'Service', identifiers: ['cloudwatch.amazonaws.com'] }]);
    expect(allow[0]?.resources).toEqual([tf('aws_sns_topic.alarms.arn')]);
    expect(allow[0]?.conditions).toEqual(
      expect.arrayContaining([
        {
          test: 'StringEquals',
          variable: 'aws:SourceAccount',
          values: [tf('data.aws_caller_identity.current.account_id')],
        },
        { test: 'ArnLike', variable: 'aws:SourceArn', values: [ALARMS] },
      ]),
    );
    expect(deny).toHaveLength(1);
    expect(deny[0]?.principals).toEqual([{ type: 'AWS', identifiers: ['*'] }]);
    expect(deny[0]?.conditions).toEqual([
      { test: 'ArnNotLike', variable: 'aws:SourceArn', values: [ALARMS] },
    ]);
  });

  it('lets the account administer it and subscribe to it', () => {
    const admin = statements().filter((s) => s.principals.some((p) => p.identifiers.includes(ROOT)));

    expect(admin).toHaveLength(1);
    expect(admin[0]?.effect).toBe('Allow');
    expect(admin[0]?.actions).toEqual(
      expect.arrayContaining(['sns:Subscribe', 'sns:SetTopicAttributes', 'sns:GetTopicAttributes']),
    );
    expect(admin[0]?.actions).not.toContain('sns:Publish');
  });
});

describe('the table, shared by every kind of item', () => {
  const ITEM_ACTIONS =
    /^dynamodb:(GetItem|PutItem|UpdateItem|DeleteItem|BatchGetItem|BatchWriteItem|ConditionCheckItem)$/;
  /** The key prefixes the code writes, as IAM patterns. */
  const PREFIXES = [
    SNAP_PREFIX,
    COUNTER_PREFIX,
    SLOT_PREFIX,
    WATCH_PREFIX,
    INSTALLATION_PREFIX,
    STATE_PREFIX,
    GRANTS_PREFIX,
    SETTINGS_PREFIX,
    ACTIVITY_PREFIX,
  ].map((p) => `${p}*`);

  /** snap's two tables: the snaps' (with OAuth flows and counters) and the installations'. */
  const TABLES = [tf('aws_dynamodb_table.snaps.arn'), tf('aws_dynamodb_table.installations.arn')];
  /** A function's role statements that act on single items of either table. */
  const itemStatements = (fn: string) => {
    const doc = /data\.aws_iam_policy_document\.(\w+)(?:\[0\])?\.json/.exec(
      String(infra.module[fn]?.policy_json),
    )?.[1];
    if (!doc) throw new Error(`${fn} has no policy document`);
    return policyStatements(infra, doc).filter(
      (s) => s.actions.some((a) => ITEM_ACTIONS.test(a)) && s.resources.some((r) => TABLES.includes(r)),
    );
  };
  const leadingKeys = (s: PolicyStatement) =>
    s.conditions.find((c) => c.variable === 'dynamodb:LeadingKeys' && c.test === 'ForAllValues:StringLike')
      ?.values ?? [];

  it.each(FUNCTIONS.filter((fn) => fn !== 'ack'))(
    'confines %s to the key prefixes of the items it owns',
    (fn) => {
      const statements = itemStatements(fn);

      // Each of these reads or writes items: an empty list would check nothing.
      expect(statements.length).toBeGreaterThan(0);
      for (const s of statements) {
        expect([s.sid, leadingKeys(s).length > 0]).toEqual([s.sid, true]);
        // Each pattern lies within one owned prefix (inst#*#* within inst#*).
        for (const key of leadingKeys(s))
          expect([key, PREFIXES.some((p) => key.startsWith(p.slice(0, -1)))]).toEqual([key, true]);
      }
    },
  );

  it('lets each function query the indexes its code reads, and no other', () => {
    const queried = (fn: string) =>
      policyStatements(infra, fn)
        .filter((s) => s.actions.includes('dynamodb:Query'))
        .flatMap((s) => s.resources)
        .map((r) => r.replace(`${tf('aws_dynamodb_table.snaps.arn')}/index/`, ''))
        .sort();

    // The pending limit counts an author's snaps (byAuthor); snap_this, handed to the poster,
    // looks its message up first (byMessage: shared/app/schedule-message.ts).
    expect(queried('poster')).toEqual([TABLE.authorIndex.name, TABLE.messageIndex.name].sort());
    // An author's list and revoke (byAuthor), the message shortcut's Delete (byMessage).
    expect(queried('controls')).toEqual([TABLE.authorIndex.name, TABLE.messageIndex.name].sort());
    expect(queried('sweeper')).toEqual([TABLE.dueIndex.name]);
  });

  it('gives ack no right over any item (it never touches the table)', () => {
    expect(itemStatements('ack')).toEqual([]);
  });

  it('lets the poster write snaps, rate-limit counters, slots and watch items, the sweeper snaps, watch items and activity counts, the reaper snaps only, and each delete only tokens in the installations', () => {
    const keysOf = (fn: string) => new Set(itemStatements(fn).flatMap(leadingKeys));
    const installations = tf('aws_dynamodb_table.installations.arn');

    expect([...keysOf('poster')]).toEqual(
      expect.arrayContaining([
        `${SNAP_PREFIX}*`,
        `${COUNTER_PREFIX}*`,
        `${SLOT_PREFIX}*`,
        `${WATCH_PREFIX}*`,
      ]),
    );
    // The slots: read together, taken, given back — and only slot items.
    const slots = itemStatements('poster').filter((s) => leadingKeys(s).includes(`${SLOT_PREFIX}*`));
    expect(slots.map((s) => [s.sid, [...s.actions].sort(), leadingKeys(s)])).toEqual([
      [
        'HoldPosterSlots',
        ['dynamodb:BatchGetItem', 'dynamodb:DeleteItem', 'dynamodb:PutItem'],
        [`${SLOT_PREFIX}*`],
      ],
    ]);
    // The rate limits' counters: one conditional ADD each (countInWindow) — never read or put.
    const counters = itemStatements('poster').filter((s) => leadingKeys(s).includes(`${COUNTER_PREFIX}*`));
    expect(counters.map((s) => [s.sid, s.actions, leadingKeys(s)])).toEqual([
      ['CountRequests', ['dynamodb:UpdateItem'], [`${COUNTER_PREFIX}*`]],
    ]);
    // The watch items: a hand-over or a claim, one conditional UpdateItem each — and only those.
    const watches = itemStatements('poster').filter((s) => leadingKeys(s).includes(`${WATCH_PREFIX}*`));
    expect(watches.map((s) => [s.sid, s.actions, leadingKeys(s)])).toEqual([
      ['HandOverShortSnaps', ['dynamodb:UpdateItem'], [`${WATCH_PREFIX}*`]],
    ]);
    const inSnapsOf = (fn: string) => {
      const writes = itemStatements(fn).filter((s) => s.actions.some((a) => a !== 'dynamodb:GetItem'));
      return writes.filter((s) => !s.resources.includes(installations));
    };
    expect([...new Set(inSnapsOf('sweeper').flatMap(leadingKeys))].sort()).toEqual(
      [`${ACTIVITY_PREFIX}*`, `${SNAP_PREFIX}*`, `${WATCH_PREFIX}*`].sort(),
    );
    expect([...new Set(inSnapsOf('reaper').flatMap(leadingKeys))]).toEqual([`${SNAP_PREFIX}*`]);
    for (const fn of ['sweeper', 'reaper']) {
      const writes = itemStatements(fn).filter((s) => s.actions.some((a) => a !== 'dynamodb:GetItem'));
      const inInstallations = writes.filter((s) => s.resources.includes(installations));
      // A dead token's item (a user's, and its key in their index of grants), or a dead bot
      // token's attributes: nothing else there.
      expect([fn, inInstallations.map((s) => s.sid).sort()]).toEqual([
        fn,
        ['DeleteUserTokens', 'ForgetDeadBotTokens', 'UnlistUserGrants'],
      ]);
    }
  });

  it('lets only controls change settings, and every snap function read them by key, in the installations’ table (no TTL, no index, no stream: they last as the installation does)', () => {
    const installations = tf('aws_dynamodb_table.installations.arn');
    const onSettings = (fn: string, action: string) =>
      itemStatements(fn).filter(
        (s) => s.actions.includes(action) && leadingKeys(s).includes(`${SETTINGS_PREFIX}*`),
      );
    const settingsWriters = FUNCTIONS.filter((fn) => onSettings(fn, 'dynamodb:UpdateItem').length > 0);
    const readers = FUNCTIONS.filter((fn) => onSettings(fn, 'dynamodb:GetItem').length > 0);

    expect(settingsWriters.sort()).toEqual(['controls', 'install'].sort());
    expect(readers.sort()).toEqual(['controls', 'install', 'poster', 'sweeper'].sort());
    for (const fn of readers)
      for (const s of onSettings(fn, 'dynamodb:GetItem'))
        expect([fn, s.resources]).toEqual([fn, [installations]]);
  });
});
